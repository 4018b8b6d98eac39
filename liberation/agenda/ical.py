"""iCalendar (RFC 5545) written by hand: one VEVENT per session of a labelled project
or per national ceremony.

- Lines end with CRLF and are folded at 75 octets (never inside a UTF-8 character);
  a continuation line starts with one space.
- TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11).
- Times are written in UTC (`…Z`), so the calendar needs no VTIMEZONE.
- UID is stable per session (`<public_id>-<session pk>@<domain>`), so a subscribed
  calendar updates an event in place; DTSTAMP is the project's last change.
- A cancelled event stays in the feed with STATUS:CANCELLED (calendars then strike it
  out); a postponed one is TENTATIVE.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable

from liberation.programme.models import Project

PRODID = "-//Mission Libération//Agenda 1.0//FR"
UID_DOMAIN = "agenda.mission-liberation.fr"
ICAL_STATUS = {
    Project.Status.CANCELLED: "CANCELLED",
    Project.Status.POSTPONED: "TENTATIVE",
}
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclasses.dataclass(frozen=True)
class VEvent:
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    stamp: dt.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = "CONFIRMED"
    categories: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded at 75 octets with CRLF + space (the space counts in
    the next line's 75), never inside a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while len(encoded) - start > limit:
        cut = start + limit
        while encoded[cut] & 0xC0 == 0x80:  # a continuation byte: back off
            cut -= 1
        parts.append(encoded[start:cut])
        start, limit = cut, 74
    parts.append(encoded[start:])
    return b"\r\n ".join(parts).decode() + "\r\n"


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: VEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc(event.stamp)}",
        f"LAST-MODIFIED:{utc(event.stamp)}",
        f"DTSTART:{utc(event.starts_at)}",
    ]
    if event.ends_at is not None:
        lines.append(f"DTEND:{utc(event.ends_at)}")
    lines.append(f"SUMMARY:{escape_text(event.summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.latitude is not None and event.longitude is not None:
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    lines.append(f"STATUS:{event.status}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[VEvent], *, name: str, description: str = "") -> str:
    """The whole VCALENDAR as text (CRLF line ends, folded)."""
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ]
    if description:
        head.append(f"X-WR-CALDESC:{escape_text(description)}")
    out = [fold(line) for line in head]
    for event in events:
        out.extend(fold(line) for line in _event_lines(event))
    out.append("END:VCALENDAR\r\n")
    return "".join(out)
