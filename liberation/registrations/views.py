"""The public registration flow: the form, the management page and its actions.

Each view parses, calls one service, and renders. Refusals are answered with a 4xx and
a localized message, never a 500, and nothing is written: validation errors 400 (the
form comes back with its errors), rule refusals 409 (closed, full, already registered),
bursts 429, a filled honeypot 400. A successful POST redirects (303) to the private
management page in the registrant's language, which shows a one-time message: a refresh
never submits twice.

Pages that carry the private token are never cached, indexed, or leaked as a referrer.
"""

import copy
import json
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liberation.core import fragments, private_links
from liberation.core import views as core_views
from liberation.core.fragments import content_version, site_for_request
from liberation.core.private_links import language_of, private
from liberation.core.process_cache import ProcessCache
from liberation.core.templatetags.liberation_tags import localized_date
from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.events.selectors import ceremony_page

from . import extensions
from .forms import CompanionsForm, RegistrationForm
from .models import Registration
from .privacy import registration_data_export
from .seats import first_come_full
from .selectors import waitlist_rank
from .services import (
    RegistrationError,
    companions_update,
    management_token,
    offer_accept,
    registration_cancel,
    registration_create,
    registration_for_token,
)

rate_limited = private_links.rate_limited(
    scope="registrations", template="registrations/rate_limited.html", per_token=True
)

Status = Registration.Status
SEATS_CACHE_SECONDS = 5
# The form page, the same for every anonymous visitor but for its CSRF token: rendered
# at most this often per process, ceremony and language (never across a state change).
FORM_PAGE_CACHE_SECONDS = 5
# A registering POST may validate against a settings row this old: it only chooses the
# path, and the database re-checks everything the request depends on (services.py:
# the conditional update, or "form_changed" on the fresh read). Refusals show a fresh one.
SETTINGS_POST_SECONDS = 1
CSRF_PLACEHOLDER = "@@registration-csrf-token@@"
# Where the panel goes in the page kept around it for answers (`_answer_html`).
PANEL_PLACEHOLDER = "@@registration-panel@@"
# The form page, the ceremony page and the settings row a POST validates against: kept
# in each process (core/process_cache.py), not in the shared cache, whose round trips
# cost more than the rest of the hot path. Their lifetimes above bound how stale they are.
local = ProcessCache()
# Rule refusals answer 409 (the request was fine, the situation refuses it); input a
# person can correct answers 400.
REFUSAL_STATUS = {"too_many_companions": 400}


# -- helpers -----------------------------------------------------------------------------


def seats_left(ceremony: RegistrationSettings) -> int:
    """Seats left as shown to visitors: read at most every few seconds per ceremony."""
    key = f"registrations:seats_left:{ceremony.pk}"
    value = cache.get(key)
    if value is None:
        value = ceremony.seats_left
        cache.set(key, value, SEATS_CACHE_SECONDS)
    return value


def settings_row(ceremony_id: int, *, cached: bool = False) -> RegistrationSettings | None:
    """The registration settings row by primary key: fresh, or (`cached`) as read at most
    SETTINGS_POST_SECONDS ago by this process.

    A raw query (fields still converted by the model): the ORM spends more time
    compiling `filter(pk=…).first()` (0.23 ms on SQLite, 0.36 ms on PostgreSQL) than the
    database spends answering it."""
    if cached:
        row = local.get(_settings_key(ceremony_id))
        if row is not None:
            return copy.copy(row)  # the kept one is shared by the process's threads
    table = connection.ops.quote_name(RegistrationSettings._meta.db_table)
    rows = RegistrationSettings.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [ceremony_id])
    row = next(iter(rows), None)
    if row is not None:
        _keep_settings_row(row)
    return row


def _settings_key(ceremony_id: int) -> str:
    return f"registrations:settings:{ceremony_id}"


def _keep_settings_row(row: RegistrationSettings) -> None:
    """Keep a row just read fresh for the next POSTs of this process (`settings_row`)."""
    local.set(_settings_key(row.pk), copy.copy(row), SETTINGS_POST_SECONDS)


def registration_page(
    ceremony_id: int, language: str, *, cached_settings: bool = False
) -> CeremonyPage | None:
    """The live ceremony page of these registration settings in `language` (else any
    language version), with its `registration` row (see `settings_row`).

    The page itself is kept a few seconds by the process (its lookup costs more CPU than
    the rest of a registering POST)."""
    key = f"registrations:page:{ceremony_id}:{language}"
    page = local.get(key)
    if page is None:
        page = ceremony_page(settings=ceremony_id, language=language)
        if page is None:
            return None
        local.set(key, page, FORM_PAGE_CACHE_SECONDS)
    ceremony = settings_row(ceremony_id, cached=cached_settings)
    if ceremony is None:
        return None
    page = copy.copy(page)  # the kept one is shared by the process's threads
    page.registration = ceremony
    return page


def personal_data_url(request: HttpRequest | None) -> str:
    """The personal-data notice in the request's language: cached per host, language and
    content version (three queries and the page tree otherwise, on every form shown),
    and kept by the process as long as the form page (FORM_PAGE_CACHE_SECONDS), which
    shows it: a refusal then reads no content version."""
    from liberation.core.models import FooterSettings

    if request is None:
        return ""
    place = f"{request.get_host()}:{language_of(request)}"
    url = local.get(f"registrations:personal_data_url:{place}")
    if url is not None:
        return url
    key = f"registrations:personal_data_url:{place}:{content_version(request=request)}"
    url = fragments.front.get(key)
    if url is None:
        site = site_for_request(request)
        page = FooterSettings.for_site(site).personal_data_page if site else None
        url = (page.localized.get_url(request=request) or "") if page else ""
        fragments.front.set(key, url, fragments.timeout())
    local.set(f"registrations:personal_data_url:{place}", url, FORM_PAGE_CACHE_SECONDS)
    return url


def _when(value: datetime) -> dict:
    local = timezone.localtime(value)
    return {"date": localized_date(local), "time": local.strftime("%H:%M")}


def refusal_message(code: str, ceremony: RegistrationSettings) -> str:
    if code == "not_open":
        return _("Registration has not opened yet: it opens on %(date)s at %(time)s.") % _when(
            ceremony.opens_at
        )
    messages_by_code = {
        "closed": _("Registration is closed."),
        "past": _("This ceremony has taken place."),
        "full": _(
            "There are not enough seats left for your registration. To join the waiting "
            "list, tick “If no seats are left, put me on the waiting list” and send the form "
            "again."
        ),
        "already_registered": _(
            "This person is already registered for this ceremony. To view, change or cancel "
            "the registration, use the private link sent in the confirmation email."
        ),
        "form_changed": _(
            "The registration form has just changed: check your answers, complete the "
            "fields it now asks for and send it again."
        ),
        "too_many_companions": _("You may register at most %(n)s companion(s).")
        % {"n": ceremony.max_companions},
        "not_active": _("This registration is no longer active."),
        "no_offer": _("No seats are offered to you at the moment."),
        "offer_expired": _(
            "The offer has expired: the seats went to the next person on the waiting list."
        ),
    }
    return messages_by_code.get(code, _("Your request could not be processed."))


def manage_path(registration: Registration, token: str | None = None) -> str:
    """The management page in the registrant's language (the path emails.py links to)."""
    with translation.override(registration.language):
        return reverse("registrations:manage", args=[token or management_token(registration)])


def _not_found(request: HttpRequest) -> HttpResponse:
    return core_views.page_not_found(request)


# -- the registration form ---------------------------------------------------------------


def panel_context(
    request: HttpRequest,
    page: CeremonyPage,
    *,
    form: RegistrationForm | None = None,
    refusal: str = "",
    fresh: bool = False,
    with_form: bool = True,
) -> dict:
    """Everything the registration panel needs: state, seats left, form (see _panel.html).

    `fresh`: `page.registration` was read in this request, show its seats as they are.
    `with_form`: False on the ceremony page, which links to the form's page instead."""
    ceremony = page.registration
    state = page.registration_state()
    draw = ceremony is not None and ceremony.mode == RegistrationSettings.Mode.DRAW
    left = None
    if ceremony is not None and state == "open":
        left = ceremony.seats_left if fresh else seats_left(ceremony)
    full = state == "open" and first_come_full(ceremony=ceremony, seats_left=left)
    if form is None and state == "open" and with_form:
        form = RegistrationForm(
            ceremony=ceremony,
            offer_waitlist=full,
            personal_data_url=personal_data_url(request),
        )
    elif form is not None:
        form.link_personal_data(personal_data_url(request))
    return {
        "request": request,
        "page": page,
        "ceremony": ceremony,
        "state": state,
        "draw": draw,
        "seats_left": left,
        "full": full,
        "form": form,
        "refusal": refusal,
        "opens": _when(ceremony.opens_at) if ceremony else None,
        "closes": _when(ceremony.closes_at) if ceremony else None,
        "action": reverse("registrations:register", args=[ceremony.pk]) if ceremony else "",
    }


def _form_page_key(request: HttpRequest, ceremony_id: int) -> str | None:
    """The cache key of the form page for this request, or None when it must be rendered:
    a visitor with a session (an editor: the Wagtail user bar) gets their own page."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    return (
        f"registrations:form_page:{ceremony_id}:{language_of(request)}:"
        f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    )


def _form_page_seconds(page: CeremonyPage, now: datetime) -> int:
    """How long the rendered form may be served: a few seconds, and never past the next
    change of state (opening, closing, the ceremony itself)."""
    ceremony = page.registration
    moments = [page.ends_at or page.starts_at]
    if ceremony is not None:
        moments += [ceremony.opens_at, ceremony.closes_at]
    seconds = FORM_PAGE_CACHE_SECONDS
    for moment in moments:
        if moment > now:
            seconds = min(seconds, int((moment - now).total_seconds()))
    return max(seconds, 0)


def _answer_html(request: HttpRequest, ceremony_id: int, context: dict) -> str:
    """The form page again, with the person's answers and their errors or a refusal.

    Only the panel (state, refusal, form) is the person's: the page around it is the
    same for every anonymous visitor of this URL, so each process renders it at most
    every few seconds (as the form page, `_form_page_key`) and puts each panel in it.
    After a sell-out every POST is refused: the page around cost more than the rest."""
    key = _form_page_key(request, ceremony_id)
    if key is None:
        return _whole_page(request, context)
    form = context["form"]
    error = bool(context["refusal"] or (form is not None and form.errors))  # the <title>
    key = f"{key}:around:{int(error)}:{int(context['draw'])}"
    around = local.get(key)
    if around is None:
        around = _whole_page(request, {**context, "panel": PANEL_PLACEHOLDER})
        local.set(key, around, _form_page_seconds(context["page"], timezone.now()))
    panel = render_to_string("registrations/_panel_body.html", context, request)
    return around.replace(PANEL_PLACEHOLDER, panel, 1)


def _whole_page(request: HttpRequest, context: dict) -> str:
    # The site found once per host and kept, not queried by the page's links each time.
    site_for_request(request)
    return render_to_string("registrations/register.html", context, request)


def _with_csrf_token(request: HttpRequest, html: str) -> HttpResponse:
    # get_token() also sets the CSRF cookie on the response, as {% csrf_token %} does.
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


@private
@require_http_methods(["GET", "POST"])
@rate_limited
def register(request: HttpRequest, ceremony_id: int) -> HttpResponse:
    key = _form_page_key(request, ceremony_id) if request.method == "GET" else None
    if key is not None:
        html = local.get(key)
        if html is not None:
            return _with_csrf_token(request, html)
    page = registration_page(
        ceremony_id,
        language_of(request),
        cached_settings=request.method == "POST",
    )
    if page is None or not page.registration_required:
        raise Http404
    ceremony = page.registration  # fresh for a GET, at most a second old for a POST
    state = page.registration_state()

    def read_fresh(row: RegistrationSettings | None = None) -> None:
        """The settings as they are now: `row`, just read by the service, or read here
        (either is kept for this process's next POSTs)."""
        nonlocal ceremony, state
        if row is not None:
            _keep_settings_row(row)
        fresh = row or settings_row(ceremony_id)
        if fresh is not None:
            page.registration = ceremony = fresh
            state = page.registration_state()

    def answer(status: int, **kwargs) -> HttpResponse:
        context = panel_context(request, page, fresh=True, **kwargs)
        return HttpResponse(_answer_html(request, ceremony_id, context), status=status)

    if request.method == "GET":
        if key is None:
            return answer(200)
        context = panel_context(request, page, fresh=True)
        context["csrf_token"] = CSRF_PLACEHOLDER  # the visitor's own goes in on the way out
        html = render_to_string("registrations/register.html", context, request)
        seconds = _form_page_seconds(page, timezone.now())
        local.set(key, html, seconds)
        return _with_csrf_token(request, html)
    if state != "open":
        read_fresh()
    if state != "open":
        return answer(409, refusal=refusal_message(state, ceremony))

    def bound(data, *, offer_waitlist: bool) -> RegistrationForm:
        return RegistrationForm(data, ceremony=ceremony, offer_waitlist=offer_waitlist)

    form = bound(request.POST, offer_waitlist=first_come_full(ceremony=ceremony))
    if form.is_bot():
        return answer(
            400,
            form=form,
            refusal=_(
                "Your form could not be sent: a field that must stay empty was filled in "
                "(sometimes by the browser itself). Check your answers and send the form again."
            ),
        )
    if not form.is_valid():
        return answer(400, form=form)
    language = language_of(request)
    try:
        # The page is the one in the registrant's language (else any): the email's too.
        created = registration_create(
            ceremony=ceremony, request=form.to_request(language=language), page=page
        )
    except RegistrationError as error:
        read_fresh(error.ceremony)  # the page shows the seats and settings as they are now
        if error.code == "full":
            # Offer the waiting list on the same form, still filled in (the field is
            # always there; this only shows it).
            form.offer_waitlist = True
        elif error.code == "form_changed":
            # The fields asked changed meanwhile: the form as it is now, still filled in.
            form = bound(request.POST, offer_waitlist=form.offer_waitlist)
            form.is_valid()
        status = REFUSAL_STATUS.get(error.code, 409)
        return answer(status, form=form, refusal=refusal_message(error.code, ceremony))
    registration = created.registration
    cache.delete(f"registrations:seats_left:{ceremony.pk}")
    with translation.override(registration.language):
        headline = {
            Status.CONFIRMED: _("Your registration is confirmed."),
            Status.WAITLISTED: _("You are on the waiting list."),
            Status.APPLIED: _("Your application has been received."),
        }.get(registration.status, _("Your registration has been recorded."))
        messages.success(
            request,
            _("%(headline)s An email with this page's private link has been sent to %(email)s.")
            % {"headline": headline, "email": registration.email},
        )
    return _see_other(manage_path(registration, created.token))


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # the browser follows with a GET: a refresh never re-posts
    return response


# -- the management page -----------------------------------------------------------------


def manage_context(request: HttpRequest, registration: Registration, token: str) -> dict:
    page = ceremony_page(settings=registration.ceremony, language=language_of(request))
    past = page.is_past if page else False
    active = registration.status in Registration.ACTIVE and not past
    path = reverse("registrations:manage", args=[token])
    now = timezone.now()
    offer_open = registration.status == Status.OFFERED and (
        registration.offered_until is None or registration.offered_until > now
    )
    return {
        "registration": registration,
        "ceremony": registration.ceremony,
        "page": None,  # the base template's page-specific head stays out of private pages
        "ceremony_page": page,
        "past": past,
        "token": token,
        "manage_path": path,
        "manage_url": request.build_absolute_uri(path),
        "rank": waitlist_rank(registration=registration),
        "offer_open": offer_open,
        "offered_until": _when(registration.offered_until) if registration.offered_until else None,
        "closes": _when(registration.ceremony.closes_at),
        "active": registration.status in Registration.ACTIVE,
        "can_cancel": active,
        "can_edit_companions": active and registration.ceremony.max_companions > 0,
        "badge_url": extensions.badge_link(registration=registration, token=token),
        "companions": list(registration.companions.all()),
        "screening": registration.screening != Registration.Screening.NOT_REQUIRED,
    }


def _render_manage(
    request: HttpRequest, registration: Registration, token: str, *, status=200, error=""
) -> HttpResponse:
    context = manage_context(request, registration, token)
    context["error"] = error
    return render(request, "registrations/manage.html", context, status=status)


def with_registration(view):
    """Open the registration the token names, or answer the localized 404 page."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        registration = registration_for_token(token=token)
        if registration is None:
            return _not_found(request)
        return view(request, registration, token, *args, **kwargs)

    return wrapper


@private
@require_GET
@with_registration
def manage(request: HttpRequest, registration: Registration, token: str) -> HttpResponse:
    return _render_manage(request, registration, token)


@private
@require_POST
@rate_limited
@with_registration
def accept(request: HttpRequest, registration: Registration, token: str) -> HttpResponse:
    try:
        offer_accept(registration=registration)
    except RegistrationError as error:
        message = refusal_message(error.code, registration.ceremony)
        return _render_manage(request, registration, token, status=409, error=message)
    cache.delete(f"registrations:seats_left:{registration.ceremony_id}")
    messages.success(request, _("You have accepted the seats: your registration is confirmed."))
    return _see_other(reverse("registrations:manage", args=[token]))


@private
@require_http_methods(["GET", "POST"])
@rate_limited
@with_registration
def cancel(request: HttpRequest, registration: Registration, token: str) -> HttpResponse:
    context = manage_context(request, registration, token)
    if not context["can_cancel"]:
        message = refusal_message("not_active", registration.ceremony)
        return _render_manage(request, registration, token, status=409, error=message)
    if request.method == "GET":
        return render(request, "registrations/cancel.html", context)
    try:
        registration_cancel(registration=registration)
    except RegistrationError as error:
        message = refusal_message(error.code, registration.ceremony)
        return _render_manage(request, registration, token, status=409, error=message)
    cache.delete(f"registrations:seats_left:{registration.ceremony_id}")
    messages.success(request, _("Your registration has been cancelled."))
    return _see_other(reverse("registrations:manage", args=[token]))


@private
@require_http_methods(["GET", "POST"])
@rate_limited
@with_registration
def companions(request: HttpRequest, registration: Registration, token: str) -> HttpResponse:
    context = manage_context(request, registration, token)
    if not context["can_edit_companions"]:
        message = refusal_message("not_active", registration.ceremony)
        return _render_manage(request, registration, token, status=409, error=message)
    if request.method == "GET":
        context["form"] = CompanionsForm(registration=registration)
        return render(request, "registrations/companions.html", context)
    form = CompanionsForm(request.POST, registration=registration)
    context["form"] = form
    if not form.is_valid():
        return render(request, "registrations/companions.html", context, status=400)
    try:
        companions_update(registration=registration, companions=form.cleaned_data["companions"])
    except RegistrationError as error:
        if error.code == "full":
            context["refusal"] = _("There are not enough seats left to add these companions.")
        else:
            context["refusal"] = refusal_message(error.code, registration.ceremony)
        status = REFUSAL_STATUS.get(error.code, 409)
        return render(request, "registrations/companions.html", context, status=status)
    cache.delete(f"registrations:seats_left:{registration.ceremony_id}")
    messages.success(request, _("Your companions have been updated."))
    return _see_other(reverse("registrations:manage", args=[token]))


@private
@require_GET
@with_registration
def data(request: HttpRequest, registration: Registration, token: str) -> HttpResponse:
    body = json.dumps(
        registration_data_export(registration=registration),
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        indent=2,
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"registration-{registration.reference}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- CSRF failures -----------------------------------------------------------------------


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a localized DSFR page instead of Django's English one."""
    language = core_views.error_language(request)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        response = render(request, "registrations/csrf_failure.html", {"page": None}, status=403)
    response["Cache-Control"] = "private, no-store"
    return response
