"""schema.org data of a ceremony page (an Event); `CeremonyPage.structured_data` calls it."""

from liberation.content.seo import places_data
from liberation.core.seo import local_iso, organization, page_language


def event_data(page, *, url, image_url, home_url) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": page.title,
        "description": page.lead,
        "startDate": local_iso(page.starts_at),
        "location": {"@type": "Place", "name": page.venue, "address": page.venue},
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "organizer": organization(home_url),
        "isAccessibleForFree": True,
        "inLanguage": page_language(page),
    }
    if page.ends_at:
        data["endDate"] = local_iso(page.ends_at)
    if url:
        data["url"] = url
    if image_url:
        data["image"] = image_url
    if places := places_data(page):
        data["about"] = places
    return data
