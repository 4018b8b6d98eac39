"""The journalists of a ceremony in the security screening (the screening app's
export and import, through its registry `screening/sources.py`): one row per
accreditation awaiting the security services, `PRESS-<reference>` in the file."""

from django.utils.translation import gettext as _

from liberation.events.models import RegistrationSettings
from liberation.screening.sources import Candidate, Person, ScreeningSource

from . import services
from .models import Accreditation

State = Accreditation.State


def press_screening_pending(ceremony: RegistrationSettings) -> list[Person]:
    rows = Accreditation.objects.filter(
        press__ceremony=ceremony,
        state__in=services.COUNTED,
        screening=Accreditation.Screening.PENDING,
        erased_at__isnull=True,
    ).order_by("submitted_at", "pk")
    return [
        Person(
            reference=a.reference,
            values={
                "surname": a.surname,
                "given_name": a.given_name,
                "birth_date": a.birth_date,
                "birth_place": a.birth_place,
                "nationality": a.nationality,
            },
        )
        for a in rows
    ]


def _candidate(accreditation: Accreditation) -> Candidate:
    def decide(approved: bool) -> None:
        services.accreditation_screening_decide(
            accreditation_id=accreditation.pk, approved=approved
        )

    return Candidate(
        ceremony_id=accreditation.press.ceremony_id,
        ceremony_name=accreditation.press.ceremony.name,
        screening=accreditation.screening,
        decide=decide,
    )


def press_screening_find(references: set[str]) -> dict[str, Candidate]:
    rows = Accreditation.objects.select_related("press__ceremony").filter(
        reference__in=references, erased_at__isnull=True
    )
    return {a.reference: _candidate(a) for a in rows}


PRESS_SCREENING = ScreeningSource(
    kind="press",
    prefix="PRESS",
    category=lambda: _("press"),
    pending=press_screening_pending,
    find=press_screening_find,
)
