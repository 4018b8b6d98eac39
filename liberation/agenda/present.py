"""How a labelled project (and a ceremony) is described to machines and pages: its
URL, its place as text, its schema.org status, its iCal events, its JSON-LD and its
open data record. Pure functions of the rows; no query beyond the related rows the
selectors already joined."""

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from liberation.core.seo import SITE_NAME, local_iso
from liberation.events.models import CeremonyPage
from liberation.programme.models import Project, Session

from .ical import ICAL_STATUS, UID_DOMAIN, VEvent

SCHEMA = "https://schema.org/"
SCHEMA_STATUS = {
    Project.Status.SCHEDULED: "EventScheduled",
    Project.Status.RESCHEDULED: "EventRescheduled",
    Project.Status.POSTPONED: "EventPostponed",
    # schema.org has no "full": the event takes place; the offer says it is sold out.
    Project.Status.FULL: "EventScheduled",
    Project.Status.CANCELLED: "EventCancelled",
    Project.Status.MOVED_ONLINE: "EventMovedOnline",
}
LICENCE_NAME = "Licence Ouverte / Open Licence 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ACCESSIBILITY_FLAGS = ("wheelchair", "sign_language", "audio_description", "easy_to_read")


_PLACEHOLDER = "PUBLICID"
_path_templates: dict[str, str] = {}


def event_path(project: Project, language: str | None = None) -> str:
    """/<language>/agenda/<public_id>/ (reversed once per language, then filled in:
    feeds build thousands)."""
    return _event_path_for(project.public_id, language or translation.get_language() or "fr")


def _event_path_for(public_id: str, language: str) -> str:
    template = _path_templates.get(language)
    if template is None:
        with translation.override(language):
            template = reverse("agenda_event", args=[_PLACEHOLDER])
        _path_templates[language] = template
    return template.replace(_PLACEHOLDER, public_id)


def event_url(project: Project, request: HttpRequest | None, language: str | None = None) -> str:
    path = event_path(project, language)
    return request.build_absolute_uri(path) if request is not None else path


def title_in(project: Project, language: str) -> str:
    return project.title_en if language == "en" and project.title_en else project.title


def description_in(project: Project, language: str) -> str:
    if language == "en" and project.description_en:
        return project.description_en
    return project.description


def location_text(project: Project) -> str:
    parts = [project.venue] if project.venue else []
    if project.commune_id:
        commune = project.commune
        postal = commune.postal_codes.split()[0] if commune.postal_codes else ""
        parts.append(f"{postal} {commune.name}".strip())
    return ", ".join(parts)


_kind_labels: dict[str, dict[str, str]] = {}


def kind_label(kind: str, language: str) -> str:
    """The type's label in `language` (get_FOO_display costs ~0.15 ms: feeds list
    thousands)."""
    labels = _kind_labels.get(language)
    if labels is None:
        with translation.override(language):
            labels = {value: str(label) for value, label in Project.Kind.choices}
        _kind_labels[language] = labels
    return labels.get(kind, kind)


def _row_location(row: dict) -> str:
    parts = [row["project__venue"]] if row["project__venue"] else []
    if row["project__commune__name"]:
        postal = (row["project__commune__postal_codes"] or "").split()
        parts.append(f"{postal[0] if postal else ''} {row['project__commune__name']}".strip())
    return ", ".join(parts)


def session_vevent(row: dict, *, request: HttpRequest | None, language: str) -> VEvent:
    """The VEVENT of one session row (selectors.FEED_FIELDS, see agenda_session_rows
    and session_row)."""
    p = "project__"
    public_id = row[p + "public_id"]
    kind = row[p + "kind"]
    categories = [kind_label(kind, language)] if kind else []
    theme = row[p + "theme__name_en"] if language == "en" else row[p + "theme__name_fr"]
    if theme:
        categories.append(theme)
    title_en, description_en = row[p + "title_en"], row[p + "description_en"]
    path = _event_path_for(public_id, language)
    return VEvent(
        uid=f"{public_id}-{row['pk']}@{UID_DOMAIN}",
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        stamp=row[p + "updated_at"],
        summary=title_en if language == "en" and title_en else row[p + "title"],
        description=description_en
        if language == "en" and description_en
        else row[p + "description"],
        location=_row_location(row),
        url=request.build_absolute_uri(path) if request is not None else path,
        status=ICAL_STATUS.get(row[p + "status"], "CONFIRMED"),
        categories=tuple(categories),
        latitude=row[p + "latitude"],
        longitude=row[p + "longitude"],
    )


def ceremony_vevent(page: CeremonyPage, *, request: HttpRequest | None) -> VEvent:
    url = page.get_url(request=request) or ""
    if request is not None and url:
        url = request.build_absolute_uri(url)
    return VEvent(
        uid=f"ceremony-{page.translation_key}@{UID_DOMAIN}",
        starts_at=page.starts_at,
        ends_at=page.ends_at,
        stamp=page.last_published_at or page.starts_at,
        summary=page.title,
        description=page.lead or "",
        location=page.venue,
        url=url,
    )


def event_json_ld(
    project: Project, *, sessions: list[Session], request: HttpRequest, language: str
) -> list[dict]:
    """One schema.org Event per session (a single session: one Event)."""
    online = project.status == Project.Status.MOVED_ONLINE
    place: dict = {"@type": "Place", "name": project.venue or location_text(project)}
    address: dict = {"@type": "PostalAddress", "addressCountry": "FR"}
    if project.venue:
        address["streetAddress"] = project.venue
    if project.commune_id:
        address["addressLocality"] = project.commune.name
        if project.commune.postal_codes:
            address["postalCode"] = project.commune.postal_codes.split()[0]
    if project.departement_id:
        address["addressRegion"] = project.departement.name
    place["address"] = address
    if project.latitude is not None and project.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": project.latitude,
            "longitude": project.longitude,
        }
    url = event_url(project, request, language)
    base = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title_in(project, language),
        "description": description_in(project, language),
        "url": url,
        "eventStatus": SCHEMA + SCHEMA_STATUS[project.status],
        "eventAttendanceMode": SCHEMA
        + ("OnlineEventAttendanceMode" if online else "OfflineEventAttendanceMode"),
        "location": (
            [{"@type": "VirtualLocation", "url": project.registration_url or url}, place]
            if online
            else place
        ),
        "organizer": {"@type": "Organization", "name": project.organiser_name or SITE_NAME},
        "isAccessibleForFree": project.free,
        "inLanguage": language,
    }
    if project.status == Project.Status.FULL:
        base["offers"] = {
            "@type": "Offer",
            "availability": SCHEMA + "SoldOut",
            "url": project.registration_url or url,
        }
    out = []
    for session in sessions:
        data = dict(
            base, startDate=local_iso(session.starts_at), endDate=local_iso(session.ends_at)
        )
        out.append(data)
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return local_iso(value) if value is not None else None


def project_record(project: Project, *, sessions: list[Session], request: HttpRequest) -> dict:
    """The open data record of a labelled project (JSON and GeoJSON properties; the
    CSV has the same columns, one row per session). Documented in docs/agenda.md."""
    commune = project.commune if project.commune_id else None
    return {
        "id": project.public_id,
        "title": project.title,
        "title_en": project.title_en,
        "description": project.description,
        "description_en": project.description_en,
        "url_fr": event_url(project, request, "fr"),
        "url_en": event_url(project, request, "en"),
        "kind": project.kind,
        "theme": project.theme.slug if project.theme_id else None,
        "audience": project.audience,
        "organiser_type": project.organiser_type,
        "organiser_name": project.organiser_name,
        "venue": project.venue,
        "commune_insee": project.commune_id,
        "commune_name": commune.name if commune else None,
        "departement": project.departement_id,
        "latitude": project.latitude,
        "longitude": project.longitude,
        **{flag: getattr(project, flag) for flag in ACCESSIBILITY_FLAGS},
        "free": project.free,
        "registration_url": project.registration_url,
        "status": project.status,
        "labelled_at": _iso(project.labelled_at),
        "sessions": [
            {"id": s.pk, "starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at)}
            for s in sessions
        ],
    }
