"""The newsletter's emails, all through the mail outbox (liberation/mail).

- `confirm` (the double opt-in link) and `already` (someone asked again for an address
  already subscribed): their text is stored with the message, the confirmation token
  living nowhere else.
- `campaign:<pk>`: written at delivery by `render`, in the subscriber's language, from
  the campaign (frozen once sent) and the subscriber row (gone or unsubscribed: nothing
  is sent). 100,000 stored bodies would weigh hundreds of megabytes.
- `digest`: the weekly agenda, stored (built once per département and language).

Every message about a subscription carries `List-Unsubscribe` (the signed https link,
and a mailto when NEWSLETTER_UNSUBSCRIBE_MAILTO is set) and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058): a mail client POSTs that body to the link and
the address is unsubscribed at once. `object_id` is always the subscriber's id, so that
`outbox_erase`/`outbox_delete` reach every message about an address.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from liberation.mail.models import OutboxMessage
from liberation.mail.services import outbox_compose, outbox_write

from . import tokens
from .models import Campaign, Subscriber

SOURCE = "newsletter"
CAMPAIGN_KIND = "campaign:"


def site_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def language_of(subscriber: Subscriber) -> str:
    return subscriber.language if subscriber.language in ("fr", "en") else "fr"


def confirm_url(language: str, token: str) -> str:
    return f"{site_url()}/{language}/newsletter/confirm/{token}/"


def unsubscribe_url(subscriber_pk: int, key: str, language: str) -> str:
    token = tokens.unsubscribe_token(subscriber_pk, key)
    return f"{site_url()}/{language}/newsletter/unsubscribe/{token}/"


def preferences_url(subscriber_pk: int, key: str, language: str) -> str:
    """The same signed token opens the page where topics and language change."""
    token = tokens.unsubscribe_token(subscriber_pk, key)
    return f"{site_url()}/{language}/newsletter/preferences/{token}/"


def footer_links(subscriber_pk: int, key: str, language: str) -> dict[str, str]:
    """What the foot of every message links to: unsubscribe, change the choices."""
    return {
        "unsubscribe_url": unsubscribe_url(subscriber_pk, key, language),
        "preferences_url": preferences_url(subscriber_pk, key, language),
    }


def list_headers(subscriber_pk: int, key: str, language: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers of a newsletter message."""
    url = unsubscribe_url(subscriber_pk, key, language)
    targets = [f"<{url}>"]
    mailto = getattr(settings, "NEWSLETTER_UNSUBSCRIBE_MAILTO", "")
    if mailto:
        token = tokens.unsubscribe_token(subscriber_pk, key)
        targets.append(f"<mailto:{mailto}?subject=unsubscribe%20{token}>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Libération <newsletter.{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
        "Precedence": "bulk",
    }


def send_confirm(*, subscriber: Subscriber, token: str) -> None:
    """The double opt-in link (inside the subscription's transaction)."""
    language = language_of(subscriber)
    with translation.override(language):
        body = render_to_string(
            "newsletter/email/confirm.txt",
            {
                "url": confirm_url(language, token),
                "expires_at": subscriber.confirm_expires_at,
                "subscriber": subscriber,
            },
        )
        subject = _("Confirm your subscription to the Libération newsletter")
    outbox_write(
        to=subscriber.email,
        language=language,
        kind="confirm",
        subject=str(subject),
        source=SOURCE,
        object_id=subscriber.pk,
        body=body,
    )


def send_already(*, subscriber: Subscriber) -> None:
    """Someone asked again for a confirmed address: tell its owner, reveal nothing on
    the page."""
    language = language_of(subscriber)
    with translation.override(language):
        links = footer_links(subscriber.pk, subscriber.key, language)
        body = render_to_string("newsletter/email/already.txt", links)
        subject = _("You are already subscribed to the Libération newsletter")
    outbox_write(
        to=subscriber.email,
        language=language,
        kind="already",
        subject=str(subject),
        source=SOURCE,
        object_id=subscriber.pk,
        body=body,
        headers=list_headers(subscriber.pk, subscriber.key, language),
    )


def campaign_message(
    *, campaign: Campaign, subscriber_pk: int, email: str, key: str, language: str
):
    """One unsaved outbox message of a campaign (bulk-created by campaigns.py)."""
    return outbox_compose(
        to=email,
        language=language,
        kind=f"{CAMPAIGN_KIND}{campaign.pk}",
        subject=campaign.subject(language),
        source=SOURCE,
        object_id=subscriber_pk,
        headers=list_headers(subscriber_pk, key, language),
    )


def sample_links(language: str) -> dict[str, str]:
    """Links for a preview or a test send: they open an "invalid link" page."""
    return {
        "unsubscribe_url": f"{site_url()}/{language}/newsletter/unsubscribe/sample/",
        "preferences_url": f"{site_url()}/{language}/newsletter/preferences/sample/",
    }


def campaign_text(*, campaign: Campaign, language: str, links: dict[str, str]) -> str:
    with translation.override(language):
        return render_to_string(
            "newsletter/email/campaign.txt",
            {
                "body": campaign.body(language).replace("\r\n", "\n").strip(),
                "topic": campaign.get_topic_display(),
                **links,
            },
        )


def send_test(*, campaign: Campaign, to: str, language: str) -> None:
    """The campaign as a subscriber would read it, to the editor (text stored; the
    unsubscribe link is a sample that unsubscribes nobody)."""
    with translation.override(language):
        body = campaign_text(campaign=campaign, language=language, links=sample_links(language))
        subject = _("[Test] %(subject)s") % {"subject": campaign.subject(language)}
    outbox_write(
        to=to,
        language=language,
        kind="test",
        subject=str(subject),
        source=SOURCE,
        body=body,
    )


def render(message: OutboxMessage) -> str | None:
    """The text of a campaign message at delivery; None (not sent) when the subscriber
    is gone or no longer subscribed, or the campaign is gone."""
    if not message.kind.startswith(CAMPAIGN_KIND):
        return None
    try:
        campaign_pk = int(message.kind[len(CAMPAIGN_KIND) :])
    except ValueError:
        return None
    subscriber = (
        Subscriber.objects.filter(pk=message.object_id, status=Subscriber.Status.CONFIRMED)
        .only("pk", "key")
        .first()
    )
    campaign = Campaign.objects.filter(pk=campaign_pk).first()
    if subscriber is None or campaign is None:
        return None
    language = message.language if message.language in ("fr", "en") else "fr"
    links = footer_links(subscriber.pk, subscriber.key, language)
    return campaign_text(campaign=campaign, language=language, links=links)
