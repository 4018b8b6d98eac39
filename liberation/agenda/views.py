"""The agenda page (/fr/agenda/, /en/agenda/), the event page of a labelled project,
and their calendars (.ics). Views parse the filters, call a selector, render.

Bad filter values are shown as form errors with a 400; a calendar asked with bad
values answers 400 in plain text. Nothing here writes.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Locale

from liberation.core.seo import json_ld_dumps

from . import ical
from .alternates import agenda_views
from .filters import ACCESSIBILITY, AgendaFilterForm, AgendaFilters
from .present import ceremony_vevent, event_json_ld, event_url, session_vevent, title_in
from .selectors import (
    agenda_ceremonies,
    agenda_list,
    agenda_session_rows,
    labelled_project,
    session_row,
)

PER_PAGE = 20
# A calendar feed lists at most this many sessions (the first ones by date).
MAX_FEED_SESSIONS = 5000
OPEN_DATA = (
    ("agenda_open_data_csv", "text/csv", "CSV"),
    ("agenda_open_data_json", "application/json", "JSON"),
    ("agenda_open_data_geojson", "application/geo+json", "GeoJSON"),
)


def _language() -> str:
    return "en" if translation.get_language() == "en" else "fr"


def _with_query(url: str, query: str, *extra: str) -> str:
    parts = [p for p in (query, *extra) if p]
    return f"{url}?{'&'.join(parts)}" if parts else url


def feed_links(request, filters: AgendaFilters) -> dict:
    """Every URL that serves the current filters in another format."""
    query = filters.querystring()
    ics = _with_query(reverse("agenda_ics"), query)
    absolute_ics = request.build_absolute_uri(ics)
    webcal = "webcal://" + absolute_ics.split("://", 1)[1]
    links = {
        "ics": absolute_ics,
        "webcal": webcal,
        "ics_download": request.build_absolute_uri(
            _with_query(reverse("agenda_ics"), query, "download=1")
        ),
        "rss": request.build_absolute_uri(_with_query(reverse("agenda_rss"), query)),
        "atom": request.build_absolute_uri(_with_query(reverse("agenda_atom"), query)),
        "open_data": [
            (request.build_absolute_uri(_with_query(reverse(name), query)), mime, label)
            for name, mime, label in OPEN_DATA
        ],
    }
    languages = []
    for code in ("fr", "en"):
        with translation.override(code):
            languages.append(
                (code, request.build_absolute_uri(_with_query(reverse("agenda"), query)))
            )
    links["languages"] = languages
    links["views"] = [(label, _with_query(reverse(name), query)) for name, label in agenda_views()]
    return links


@require_GET
def agenda(request):
    form = AgendaFilterForm(request.GET)
    context: dict = {"form": form, "accessibility_choices": ACCESSIBILITY}
    if not form.is_valid():
        context["errors"] = form.error_list()
        context["links"] = feed_links(request, AgendaFilters())
        return render(request, "agenda/agenda.html", context, status=400)
    filters = form.filters()
    shown = filters.with_default_start(timezone.localdate())
    paginator = Paginator(agenda_list(shown, locale=Locale.get_active()), PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context.update(
        filters=filters,
        shown=shown,
        page_obj=page_obj,
        items=page_obj.object_list,
        page_range=paginator.get_elided_page_range(page_obj.number),
        querystring=filters.querystring(),
        links=feed_links(request, filters),
        language=_language(),
    )
    return render(request, "agenda/agenda.html", context)


def _project_or_404(public_id: str):
    project = labelled_project(public_id)
    if project is None:
        raise Http404(_("No labelled event has this address."))
    return project


@require_GET
def event(request, public_id: str):
    project = _project_or_404(public_id)
    language = _language()
    sessions = list(project.sessions.all())
    structured = event_json_ld(project, sessions=sessions, request=request, language=language)
    alternates = []
    for code in ("fr", "en"):
        if code == "en" and not project.title_en:
            continue
        alternates.append((code, event_url(project, request, code)))
    context = {
        "project": project,
        "title": title_in(project, language),
        "description": project.display_description,
        "sessions": sessions,
        "json_ld": [json_ld_dumps(data) for data in structured],
        "alternates": alternates,
        "canonical": event_url(project, request, language),
        "ics_url": reverse("agenda_event_ics", args=[project.public_id]),
        "accessibility": [label for key, label in ACCESSIBILITY if getattr(project, key)],
        "now": timezone.now(),
        "language": language,
    }
    return render(request, "agenda/event.html", context)


def _calendar_response(text: str, *, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type=ical.CONTENT_TYPE)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_GET
def event_ics(request, public_id: str):
    project = _project_or_404(public_id)
    language = _language()
    sessions = list(project.sessions.all())
    for session in sessions:
        session.project = project
    events = [session_vevent(session_row(s), request=request, language=language) for s in sessions]
    name = title_in(project, language)
    text = ical.calendar(events, name=name)
    return _calendar_response(text, filename=f"{project.public_id}.ics", download=True)


@require_GET
def agenda_ics(request):
    form = AgendaFilterForm(request.GET)
    if not form.is_valid():
        message = "\n".join(f"{label}: {error}" for label, error in form.error_list())
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters().with_default_start(timezone.localdate())
    language = _language()
    rows = agenda_session_rows(filters, limit=MAX_FEED_SESSIONS)
    events = [session_vevent(row, request=request, language=language) for row in rows]
    last = rows[-1]["starts_at"] if len(rows) == MAX_FEED_SESSIONS else None
    ceremonies = [
        ceremony_vevent(page, request=request)
        for page in agenda_ceremonies(filters, locale=Locale.get_active())
        if last is None or page.starts_at <= last
    ]
    if ceremonies:
        events = sorted(events + ceremonies, key=lambda event: event.starts_at)
    text = ical.calendar(
        events,
        name=_("Mission Libération — agenda"),
        description=_("Labelled events and national ceremonies of the 80th anniversary."),
    )
    return _calendar_response(
        text, filename="agenda-liberation.ics", download=request.GET.get("download") == "1"
    )
