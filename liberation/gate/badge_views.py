"""The registrant's badge: an HTML page (printable, readable on a phone), PNG and PDF.

Reached through the private management token, like the management page. Only a
confirmed registration whose screening is approved (or not required) has one; any
other answers with a page that says why (403), and an unknown token with 404.
`badge_link` gives the management page its link to the badge (registered with
registrations in apps.py).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from liberation.core.templatetags.liberation_tags import localized_date
from liberation.events.selectors import ceremony_page
from liberation.registrations.models import Registration
from liberation.registrations.services import registration_for_token

from . import badges, printing


def _unavailable_message(reason: str) -> str:
    return {
        "invalid": _(
            "This link is not valid. Check that you copied the whole link from your email."
        ),
        "revoked": _(
            "This registration was cancelled or refused, or its badge was revoked: "
            "there is no badge to show."
        ),
        "screening": _(
            "Your badge will be available here once the security services have approved "
            "your registration. Please come back to this page later."
        ),
        "not_confirmed": _(
            "Your registration is not confirmed (application awaiting the draw, waiting "
            "list or seat offered): the badge will be available once it is confirmed."
        ),
        "erased": _("The personal data of this registration has been erased: there is no badge."),
    }[reason]


def _no_badge(request: HttpRequest, token: str, reason: str) -> HttpResponse:
    language = translation.get_language() or "fr"
    response = render(
        request,
        "gate/badge_unavailable.html",
        {
            "reason": reason,
            "message": _unavailable_message(reason),
            "manage_url": f"/{language}/r/{token}/" if reason != "invalid" else "",
        },
        status=404 if reason == "invalid" else 403,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _badge_or_refusal(request: HttpRequest, token: str) -> Registration | HttpResponse:
    registration = registration_for_token(token=token)
    if registration is None:
        return _no_badge(request, token, "invalid")
    reason = badges.badge_refusal(registration)
    if reason is not None:
        return _no_badge(request, token, reason)
    return registration


def _when(page) -> str:
    if page is None:
        return ""
    starts = timezone.localtime(page.starts_at)
    return _("%(date)s at %(time)s") % {
        "date": localized_date(starts),
        "time": starts.strftime("%H:%M"),
    }


def _seats_line(seats: int) -> str:
    return ngettext("%(seats)d seat", "%(seats)d seats", seats) % {"seats": seats}


def _badge_context(registration: Registration, token: str) -> dict:
    language = translation.get_language() or "fr"
    page = ceremony_page(settings=registration.ceremony, language=language)
    badge_token = badges.badge_token(registration)
    return {
        "registration": registration,
        "management_token": token,
        "page": None,  # not a Wagtail page: keeps the page-only header parts out
        "ceremony_page": page,
        "title": page.title if page else registration.ceremony.name,
        "when": _when(page),
        "venue": page.venue if page else "",
        "instructions": page.instructions if page else "",
        "names": badges.badge_names(registration),
        "seats_line": _seats_line(registration.seats),
        "badge_token": badge_token,
        "code": badges.badge_code(registration),
        "qr_svg": printing.qr_svg(badge_token, title=_("QR code of the badge")),
        "manage_url": f"/{language}/r/{token}/",
    }


def _badge_text(context: dict) -> printing.BadgeText:
    return printing.BadgeText(
        heading=_("Admission badge"),
        title=context["title"],
        when=context["when"],
        venue=context["venue"],
        names=context["names"],
        seats_line=context["seats_line"],
        code_label=_("Code:"),
        code=context["code"],
        reference_line=_("Registration %(reference)s — show this badge and an ID at the gate")
        % {"reference": context["registration"].reference},
        instructions_title=_("Practical instructions"),
        instructions=context["instructions"],
        footer=_("Personal badge, not transferable. Mission Libération."),
    )


def badge_link(registration: Registration, token: str) -> str:
    """The badge page of a registration that has a badge, else "" (no link)."""
    if badges.badge_refusal(registration) is not None:
        return ""
    return reverse("badges:badge", args=[token])


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def badge_page(request: HttpRequest, token: str) -> HttpResponse:
    registration = _badge_or_refusal(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    context = _badge_context(registration, token)
    return _private(render(request, "gate/badge.html", context))


@never_cache
def badge_png(request: HttpRequest, token: str) -> HttpResponse:
    registration = _badge_or_refusal(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    context = _badge_context(registration, token)
    content = printing.badge_png(context["badge_token"], _badge_text(context))
    response = HttpResponse(content, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="badge-{registration.reference}.png"'
    return _private(response)


@never_cache
def badge_pdf(request: HttpRequest, token: str) -> HttpResponse:
    registration = _badge_or_refusal(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    context = _badge_context(registration, token)
    content = printing.badge_pdf(context["badge_token"], _badge_text(context))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="badge-{registration.reference}.pdf"'
    return _private(response)
