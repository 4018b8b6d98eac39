"""The public pages of the newsletter, inside i18n_patterns (/fr/newsletter/…).

- subscribe: the form (400 with the form and its messages on bad input, 429 on a burst,
  303 to "check your mail" otherwise — the same page whether or not the address was
  already subscribed);
- confirm: the emailed link shows a button (a mail scanner following links confirms
  nothing); 404 for an unknown or tampered link, 410 for an expired one;
- preferences: the other link of every message (the same signed token): language,
  topics and département of a confirmed address; 404 for a bad link;
- unsubscribe: the link of every message. GET shows a button; POST unsubscribes at
  once, including the one-click POST a mail client sends (RFC 8058, body
  `List-Unsubscribe=One-Click`), which carries no CSRF token: that view alone is
  CSRF-exempt, its signed token being the credential.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from liberation.core import ratelimit
from liberation.core.private_links import language_of, private, see_other, too_many

from . import services
from .forms import ChoicesForm, SubscribeForm
from .services import Choices, Confirmed


def _rate_limited(request: HttpRequest, person: str) -> HttpResponse | None:
    verdict = ratelimit.hit(request, person=person, scope="newsletter")
    if verdict.allowed:
        return None
    return too_many(request, verdict, "newsletter/rate_limited.html")


@private
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    language = language_of(request)
    if request.method == "GET":
        return render(
            request, "newsletter/subscribe.html", {"form": SubscribeForm(language=language)}
        )
    limited = _rate_limited(request, request.POST.get("email", ""))
    if limited is not None:
        return limited
    form = SubscribeForm(request.POST, language=language)
    if form.is_bot():
        context = {"form": form, "bot": True}
        return render(request, "newsletter/subscribe.html", context, status=400)
    if not form.is_valid():
        return render(request, "newsletter/subscribe.html", {"form": form}, status=400)
    services.subscription_request(email=form.cleaned_data["email"], choices=_choices(form))
    return see_other(reverse("newsletter:sent"))


@private
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/sent.html")


@private
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        limited = _rate_limited(request, "")
        if limited is not None:
            return limited
        outcome = services.subscription_confirm(token=token)
    else:
        subscriber = services.subscriber_for_confirm_token(token)
        if subscriber is None:
            outcome = Confirmed.UNKNOWN
        elif subscriber.status == subscriber.Status.CONFIRMED:
            outcome = Confirmed.CONFIRMED
        elif subscriber.status != subscriber.Status.PENDING:
            outcome = Confirmed.UNKNOWN
        elif (
            subscriber.confirm_expires_at is None or subscriber.confirm_expires_at <= timezone.now()
        ):
            outcome = Confirmed.EXPIRED
        else:
            return render(
                request, "newsletter/confirm.html", {"expires_at": subscriber.confirm_expires_at}
            )
    if outcome is Confirmed.UNKNOWN:
        return render(request, "newsletter/link_invalid.html", status=404)
    if outcome is Confirmed.EXPIRED:
        return render(request, "newsletter/link_expired.html", status=410)
    return render(request, "newsletter/confirmed.html")


@csrf_exempt
@private
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation button. POST (that button, or a mail client's one-click):
    unsubscribed at once. CSRF-exempt: the signed token is the credential."""
    subscriber = services.subscriber_for_unsubscribe_token(token)
    if request.method == "POST":
        limited = _rate_limited(request, "")
        if limited is not None:
            return limited
        if subscriber is None:
            return render(request, "newsletter/link_invalid.html", status=404)
        services.subscription_cancel(subscriber_pk=subscriber.pk)
        return render(request, "newsletter/unsubscribed.html")
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", status=404)
    if subscriber.status == subscriber.Status.UNSUBSCRIBED:
        return render(request, "newsletter/unsubscribed.html")
    return render(request, "newsletter/unsubscribe.html", {"token": token})


def _choices(form: ChoicesForm) -> Choices:
    return Choices(
        language=form.cleaned_data["language"],
        topics=form.topics(),
        departement=form.cleaned_data.get("departement"),
    )


@private
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Change language, topics and département from the link of a message. The page
    of an address no longer subscribed says so (subscribing again starts over)."""
    subscriber = services.subscriber_for_unsubscribe_token(token)
    if request.method == "POST":
        limited = _rate_limited(request, "")
        if limited is not None:
            return limited
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", status=404)
    if subscriber.status != subscriber.Status.CONFIRMED:
        return render(request, "newsletter/unsubscribed.html")
    unsubscribe_url = reverse("newsletter:unsubscribe", kwargs={"token": token})
    if request.method == "GET":
        initial = {
            "language": subscriber.language,
            "departement": subscriber.departement_id,
            **dict.fromkeys(subscriber.topics, True),
        }
        context = {
            "form": ChoicesForm(initial=initial),
            "saved": request.GET.get("saved") == "1",
            "unsubscribe_url": unsubscribe_url,
        }
        return render(request, "newsletter/preferences.html", context)
    form = ChoicesForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "unsubscribe_url": unsubscribe_url}
        return render(request, "newsletter/preferences.html", context, status=400)
    if not services.subscription_update(subscriber_pk=subscriber.pk, choices=_choices(form)):
        return render(request, "newsletter/unsubscribed.html")
    return see_other(request.path + "?saved=1")
