"""The map pages (/fr/carte/, /en/map/), their data, and the Liberation day by day.

Views parse the agenda's filter form, call one selector and render. Bad filters get
the form's localized messages and a 400, never a 500.
"""

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from wagtail.models import Locale

from liberation.agenda.filters import AgendaFilterForm
from liberation.agenda.selectors import agenda_projects

from . import selectors

PER_PAGE = 20
# The agenda's URL names (liberation/agenda/urls.py); the first that exists is used, so
# that the map works (without those links) where the agenda's pages are not installed.
EVENT_URL_NAMES = ("agenda_event",)
AGENDA_URL_NAMES = ("agenda",)


def _locale() -> Locale:
    try:
        return Locale.get_active()
    except Locale.DoesNotExist:
        return Locale.get_default()


def _first_url(names: tuple[str, ...], **kwargs) -> str:
    for name in names:
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    return ""


def event_url(public_id: str) -> str:
    return _first_url(EVENT_URL_NAMES, public_id=public_id)


def _parse(request: HttpRequest):
    """(form, filters or None): upcoming events unless a start date is chosen."""
    form = AgendaFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.filters().with_default_start(timezone.localdate())


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    form, filters = _parse(request)
    context = {"form": form, "agenda_url": _first_url(AGENDA_URL_NAMES)}
    if filters is None:
        context["errors"] = form.error_list()
        return render(request, "maps/map.html", context, status=400)
    locale = _locale()
    paginator = Paginator(agenda_projects(filters).prefetch_related("sessions"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    # The filters as chosen (not the default start date): a shared link stays current.
    query = form.filters().querystring()
    context.update(
        {
            "filters": filters,
            "querystring": query,
            "events_page": page,
            "events": [(project, event_url(project.public_id)) for project in page],
            "ceremonies": selectors.map_ceremonies(filters, locale=locale),
            "places": selectors.map_places(locale=locale),
            "stories": selectors.map_stories(),
            "data_url": reverse("maps:data") + (f"?{query}" if query else ""),
            "event_url_template": reverse("maps:event", kwargs={"public_id": "ID"}),
            "basemap_url": "maps/basemap.json",
        }
    )
    return render(request, "maps/map.html", context)


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


@require_GET
@gzip_page
def map_data(request: HttpRequest) -> JsonResponse:
    """The four layers in one compact document (format: docs/map.md)."""
    form, filters = _parse(request)
    if filters is None:
        return JsonResponse({"errors": dict(form.errors)}, status=400)
    locale = _locale()
    ceremonies = [
        [
            selectors._round(float(item.place.latitude)),
            selectors._round(float(item.place.longitude)),
            item.page.title,
            _date(timezone.localtime(item.page.starts_at)),
            item.page.get_url(request),
        ]
        for item in selectors.map_ceremonies(filters, locale=locale)
        if item.place is not None
    ]
    places = [
        [
            selectors._round(float(item.place.latitude)),
            selectors._round(float(item.place.longitude)),
            item.place.name,
            [[page.title, page.get_url(request)] for page in item.pages],
        ]
        for item in selectors.map_places(locale=locale)
    ]
    stories = [
        [
            selectors._round(story.latitude),
            selectors._round(story.longitude),
            story.title,
            story.place,
            story.url,
        ]
        for story in selectors.map_stories()
    ]
    response = JsonResponse(
        {
            "v": selectors.FORMAT_VERSION,
            "kinds": selectors.KINDS,
            "events": selectors.map_events(filters),
            "ceremonies": ceremonies,
            "places": places,
            "stories": stories,
        },
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def map_event(request: HttpRequest, public_id: str) -> JsonResponse:
    """A marker's popup: title, place, next sessions, link to the event's page."""
    project = selectors.map_event(public_id)
    if project is None:
        raise Http404
    sessions = selectors.map_event_sessions(project)
    commune = project.commune.name if project.commune else ""
    response = JsonResponse(
        {
            "title": project.display_title,
            "kind": project.get_kind_display(),
            "place": ", ".join(part for part in (project.venue, commune) if part),
            "dates": [
                formats.date_format(timezone.localtime(s.starts_at), "DATETIME_FORMAT")
                for s in sessions
            ],
            "url": event_url(project.public_id),
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def liberation_day(request: HttpRequest) -> HttpResponse:
    """The Liberation day by day: a date (slider with JavaScript, a date field
    without), the places liberated that day, the map of those liberated by then."""
    span = selectors.liberation_span()
    rows = selectors.liberation_dates()
    context = {"span": span, "rows": rows}
    raw = request.GET.get("date", "").strip()
    day = None
    error = ""
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            error = _("Enter a valid date (YYYY-MM-DD).")
    if span and day is not None and not span[0] <= day <= span[1]:
        error = _("Choose a date between %(first)s and %(last)s.") % {
            "first": _date(span[0]),
            "last": _date(span[1]),
        }
    if error:
        context["error"] = error
        return render(request, "maps/liberation_day.html", context, status=400)
    if day is None and span:
        anniversary = selectors.years_before(timezone.localdate(), selectors.ANNIVERSARY_YEARS)
        day = anniversary if span[0] <= anniversary <= span[1] else span[0]
    if day is not None:
        context.update(
            {
                "day": day,
                "day_rows": selectors.liberations_on(day),
                "liberated": selectors.liberated_by(day),
                "day_index": (day - span[0]).days,
                "day_max": (span[1] - span[0]).days,
                "dataset": [
                    [r.key, r.place, r.date.isoformat(), r.latitude, r.longitude, r.departement]
                    for r in rows
                ],
                "language": translation.get_language(),
            }
        )
    return render(request, "maps/liberation_day.html", context)
