"""The weekly digest: the labelled events of a département's agenda for the week, to
the confirmed subscribers of the "agenda" topic of that département, in their language.

Built from the agenda's own selector (`agenda.selectors.agenda_sessions` with the
week's dates and the département), so the digest lists what the agenda page lists.
A département with no session that week sends nothing. Each (subscriber, week) has
one `DigestDelivery` row, written in the transaction of its outbox message: running
the command twice (or after a crash) sends nobody a second digest.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liberation.agenda.filters import AgendaFilters
from liberation.agenda.selectors import agenda_sessions
from liberation.mail.services import outbox_compose, outbox_store_many
from liberation.places.models import Departement

from . import emails
from .models import DigestDelivery, Subscriber

MAX_SESSIONS = 50
BATCH = 500


def week_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class DigestReport:
    week: dt.date
    departements: int = 0  # with subscribers and at least one session
    empty: int = 0  # with subscribers, no session: nothing sent
    sent: int = 0  # messages written to the outbox


def _body(departement: Departement, sessions: list, language: str, week: dt.date) -> str:
    with translation.override(language):
        return render_to_string(
            "newsletter/email/digest.txt",
            {
                "departement": departement,
                "sessions": sessions,
                "week": week,
                "week_end": week + dt.timedelta(days=6),
                "site_url": emails.site_url(),
                "language": language,
                "more": len(sessions) >= MAX_SESSIONS,
            },
        )


def _subject(departement: Departement, language: str, week: dt.date) -> str:
    with translation.override(language):
        return _("The week of the Liberation in %(departement)s, from %(date)s") % {
            "departement": departement.name,
            "date": week.strftime("%d/%m/%Y"),
        }


def digest_send(*, week: dt.date | None = None) -> DigestReport:
    week = week_of(week or timezone.localdate())
    filters_for = lambda code: AgendaFilters(  # noqa: E731
        date_from=week, date_until=week + dt.timedelta(days=6), departement=code
    )
    subscribers = Subscriber.objects.filter(
        status=Subscriber.Status.CONFIRMED, agenda=True, departement__isnull=False
    )
    codes = sorted(set(subscribers.values_list("departement_id", flat=True)))
    departements = empty = sent = 0
    for departement in Departement.objects.filter(code__in=codes).order_by("code"):
        sessions = list(agenda_sessions(filters_for(departement.code))[:MAX_SESSIONS])
        if not sessions:
            empty += 1
            continue
        departements += 1
        bodies = {lang: _body(departement, sessions, lang, week) for lang in ("fr", "en")}
        subjects = {lang: _subject(departement, lang, week) for lang in ("fr", "en")}
        recipients = subscribers.filter(departement=departement).order_by("pk")
        last = 0
        while True:
            batch = list(
                recipients.filter(pk__gt=last).values("pk", "email", "key", "language")[:BATCH]
            )
            if not batch:
                break
            last = batch[-1]["pk"]
            sent += _send_batch(batch, week, bodies, subjects, len(sessions))
    return DigestReport(week=week, departements=departements, empty=empty, sent=sent)


def _send_batch(batch: list[dict], week: dt.date, bodies: dict, subjects: dict, count: int) -> int:
    with transaction.atomic():
        done = set(
            DigestDelivery.objects.select_for_update()
            .filter(week=week, subscriber_id__in=[row["pk"] for row in batch])
            .values_list("subscriber_id", flat=True)
        )
        todo = [row for row in batch if row["pk"] not in done]
        if not todo:
            return 0
        DigestDelivery.objects.bulk_create(
            [DigestDelivery(subscriber_id=row["pk"], week=week, sessions=count) for row in todo]
        )
        messages = []
        for row in todo:
            language = row["language"] if row["language"] in ("fr", "en") else "fr"
            links = emails.footer_links(row["pk"], row["key"], language)
            with translation.override(language):
                footer = render_to_string("newsletter/email/digest_footer.txt", links)
            messages.append(
                outbox_compose(
                    to=row["email"],
                    language=language,
                    kind="digest",
                    subject=subjects[language],
                    source=emails.SOURCE,
                    object_id=row["pk"],
                    body=bodies[language] + footer,
                    headers=emails.list_headers(row["pk"], row["key"], language),
                )
            )
        outbox_store_many(messages=messages)
    return len(messages)
