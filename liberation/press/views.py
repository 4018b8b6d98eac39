"""The journalist's pages: the ceremonies open to press, a ceremony's request page
(email first), the private space (the request form, then its state), withdrawal and the
press badge.

Views parse, call one service, render. Refusals answer a 4xx with a localized message
and write nothing: input errors 400 (the form comes back with every typed value but the
file), rules 409 (deadline, quota, closed, already sent), a file too large 413, bursts
429, an unknown or tampered link 404, no badge 403. Pages carrying the token are never
cached, indexed or sent as a referrer. A successful POST redirects (303).
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liberation.core import private_links
from liberation.core.forms import BOT_REFUSAL
from liberation.core.private_links import language_of, private, see_other
from liberation.events.selectors import ceremony_page
from liberation.gate.printing import qr_svg
from liberation.programme.attachments import MAX_SIZE, check_upload
from liberation.programme.services import ApplicationError

from . import services
from .forms import RequestForm, StartForm
from .gate import has_badge, press_badge_code, press_badge_token
from .models import Accreditation, PressSettings
from .services import PressError, RequestData

rate_limited = private_links.rate_limited(
    scope="press", template="press/rate_limited.html", per_token=True
)

State = Accreditation.State
STATUS_FOR = {"closed": 409, "deadline": 409, "quota": 409, "sent": 409, "too_large": 413}
MAX_BODY = MAX_SIZE + 256 * 1024  # the letter plus the form


def with_accreditation(view):
    """The token → the accreditation, or the localized "unknown link" page (404)."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        accreditation = services.accreditation_for_token(token)
        if accreditation is None:
            return render(request, "press/link_invalid.html", status=404)
        return view(request, accreditation, token, *args, **kwargs)

    return private(rate_limited(wrapper))


def _ceremony(press: PressSettings) -> dict:
    """What the pages say about the ceremony, in the current language."""
    page = ceremony_page(settings=press.ceremony_id, language=translation.get_language() or "fr")
    return {
        "press": press,
        "ceremony_title": page.title if page else press.ceremony.name,
        "ceremony_page": page,
        "deadline": services.press_deadline(press),
        "state": services.press_state(press),
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    ceremonies = [
        _ceremony(press)
        for press in PressSettings.objects.filter(is_open=True).select_related("ceremony")
    ]
    ceremonies = [c for c in ceremonies if c["state"] == "open"]
    return render(request, "press/index.html", {"ceremonies": ceremonies})


@private
@rate_limited
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, press_id: int) -> HttpResponse:
    press = PressSettings.objects.select_related("ceremony").filter(pk=press_id).first()
    if press is None:
        raise Http404
    context = _ceremony(press)
    if request.method == "GET":
        return render(request, "press/start.html", {**context, "form": StartForm()})
    form = StartForm(request.POST)
    if form.is_bot():
        refusal = BOT_REFUSAL
        return render(
            request, "press/start.html", {**context, "form": form, "refusal": refusal}, status=400
        )
    if not form.is_valid():
        return render(request, "press/start.html", {**context, "form": form}, status=400)
    try:
        services.accreditation_start(
            press_id=press.pk, email=form.cleaned_data["email"], language=language_of(request)
        )
    except PressError as error:
        context.update(form=StartForm(request.POST), refusal=error.message)
        return render(request, "press/start.html", context, status=409)
    return see_other(reverse("press:sent"))


@private
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "press/sent.html")


def _space(request, accreditation, token, *, form=None, refusal="", status=200):
    context = _ceremony(accreditation.press)
    if accreditation.state == State.DRAFT and form is None:
        form = RequestForm(ceremony=accreditation.press.ceremony)
    context.update(
        accreditation=accreditation,
        token=token,
        form=form,
        refusal=refusal,
        quota=accreditation.press.quota_per_outlet,
        has_badge=has_badge(accreditation),
        withdrawable=accreditation.state in (State.DRAFT, State.SUBMITTED, State.APPROVED),
    )
    return render(request, "press/space.html", context, status=status)


def _too_large(request, accreditation, token) -> HttpResponse:
    refusal = _("This file is too large; at most %(max)s MB.") % {"max": MAX_SIZE // 1024 // 1024}
    response = _space(request, accreditation, token, refusal=refusal, status=413)
    response["Connection"] = "close"
    return response


@with_accreditation
@require_http_methods(["GET", "POST"])
def space(request: HttpRequest, accreditation: Accreditation, token: str) -> HttpResponse:
    if request.method == "GET":
        return _space(request, accreditation, token)
    if accreditation.state != State.DRAFT:
        return _space(
            request,
            accreditation,
            token,
            refusal=_("This request has already been sent."),
            status=409,
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _too_large(request, accreditation, token)  # refused before it is read
    form = RequestForm(request.POST, request.FILES, ceremony=accreditation.press.ceremony)
    if not form.is_valid():
        return _space(request, accreditation, token, form=form, status=400)
    upload = form.cleaned_data["letter"]
    if upload.size > MAX_SIZE:
        return _too_large(request, accreditation, token)
    data = {k: v for k, v in form.cleaned_data.items() if k != "letter"}
    try:
        letter = check_upload(name=upload.name, data=upload.read())
        services.accreditation_submit(
            accreditation_id=accreditation.pk, data=RequestData(**data), letter=letter
        )
    except ApplicationError as error:  # the letter, checked by content
        form.add_error("letter", error.message)
        return _space(
            request, accreditation, token, form=form, status=STATUS_FOR.get(error.code, 400)
        )
    except PressError as error:
        status = STATUS_FOR.get(error.code, 400)
        return _space(
            request, accreditation, token, form=form, refusal=error.message, status=status
        )
    messages.success(request, _("Your request has been sent. We will email you the decision."))
    return see_other(reverse("press:space", args=[token]))


@with_accreditation
@require_POST
def withdraw(request: HttpRequest, accreditation: Accreditation, token: str) -> HttpResponse:
    services.accreditation_withdraw(accreditation_id=accreditation.pk)
    messages.success(request, _("Your accreditation request is withdrawn."))
    return see_other(reverse("press:space", args=[token]))


@with_accreditation
@require_GET
def badge(request: HttpRequest, accreditation: Accreditation, token: str) -> HttpResponse:
    context = _ceremony(accreditation.press)
    context.update(accreditation=accreditation, token=token)
    if not has_badge(accreditation):
        return render(request, "press/no_badge.html", context, status=403)
    badge_token = press_badge_token(accreditation)
    context.update(
        qr_svg=qr_svg(badge_token, title=_("Press badge")),
        code=press_badge_code(accreditation),
        badge_token=badge_token,
    )
    return render(request, "press/badge.html", context)
