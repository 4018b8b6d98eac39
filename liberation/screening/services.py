"""Security screening: the identity data of pending registrants goes out as CSV, the
decisions of the security services come back as CSV.

The export is the only bulk exit of identity data, so each one is written to the audit
log. The import is checked whole before anything is written: one bad line rejects the
file, every bad line is reported with its number, and the decisions of a good file are
recorded in one transaction through registrations' `services.screening_decide` (which
frees the seats of a refusal).

One row per registration (companions in extra columns), so that the security services
can fill in the `decision` column of the exported file and send it back as it is. Other
apps add their people through `sources.py` (the press: one row per journalist, after
the registrations, with a `PRESS-` reference); the `category` column says which.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from liberation.core.spreadsheet import csv_cell
from liberation.events.models import RegistrationSettings
from liberation.registrations.models import AuditLog, Registration
from liberation.registrations.services import screening_decide

from .sources import Candidate, screening_sources, source_of

Screening = Registration.Screening

MAX_IMPORT_BYTES = 5 * 1024 * 1024
DECISION_COLUMN = "decision"
REFERENCE_COLUMN = "reference"
CATEGORY_COLUMN = "category"
# Values are compared accent- and case-insensitively, in English or French.
APPROVED_VALUES = {"approved", "approve", "approuve", "accepted", "accepte", "favorable"}
REFUSED_VALUES = {"refused", "refuse", "rejected", "rejete", "defavorable"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).replace(" ", "_")


def screening_pending(*, ceremony: RegistrationSettings) -> QuerySet[Registration]:
    """Active registrations of the ceremony that still wait for a screening decision."""
    return (
        ceremony.registrations.filter(
            status__in=Registration.ACTIVE, screening=Screening.PENDING, erased_at__isnull=True
        )
        .prefetch_related("companions")
        .order_by("created_at", "pk")
    )


def _person_fields(ceremony: RegistrationSettings) -> list[tuple[str, str]]:
    """(attribute, column) of the identity fields this ceremony asks for."""
    fields = [("surname", "surname"), ("given_name", "given_names")]
    if ceremony.ask_birth_date:
        fields.append(("birth_date", "birth_date"))
    if ceremony.ask_birth_place:
        fields.append(("birth_place", "birth_place"))
    if ceremony.ask_nationality:
        fields.append(("nationality", "nationality"))
    return fields


def screening_export_csv(*, ceremony: RegistrationSettings, user: AbstractBaseUser) -> str:
    """The identity data of the pending registrants and their companions, as CSV text
    (UTF-8 with a byte-order mark, which spreadsheets need to read accents). Audit-logged.
    """
    registrations = list(screening_pending(ceremony=ceremony))
    person_fields = _person_fields(ceremony)
    companions_max = max(
        [ceremony.max_companions] + [len(r.companions.all()) for r in registrations]
    )
    header = [REFERENCE_COLUMN, "seats", CATEGORY_COLUMN]
    header += [column for _attr, column in person_fields]
    for i in range(1, companions_max + 1):
        header += [f"companion_{i}_{column}" for _attr, column in person_fields]
    header.append(DECISION_COLUMN)

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    persons = 0
    for registration in registrations:
        companions = list(registration.companions.all())
        row = [registration.reference, registration.seats, _("attendee")]
        row += [csv_cell(getattr(registration, attr)) for attr, _column in person_fields]
        for i in range(companions_max):
            companion = companions[i] if i < len(companions) else None
            row += [
                csv_cell(getattr(companion, attr)) if companion else ""
                for attr, _column in person_fields
            ]
        row.append("")
        writer.writerow(row)
        persons += 1 + len(companions)
    others = 0
    empty_companions = [""] * (companions_max * len(person_fields))
    for source in screening_sources():
        for person in source.pending(ceremony):
            row = [f"{source.prefix}-{person.reference}", 1, str(source.category())]
            row += [csv_cell(person.values.get(attr)) for attr, _column in person_fields]
            writer.writerow(row + empty_companions + [""])
            others += 1
    detail = f"{len(registrations)} registrations, {persons} persons"
    if others:
        detail += f", {others} others ({', '.join(s.kind for s in screening_sources())})"
    AuditLog.objects.create(
        user=user.get_username(),
        action="screening_export",
        ceremony=ceremony,
        detail=detail,
    )
    return out.getvalue()


@dataclass(frozen=True)
class LineError:
    line: int  # 1 is the header line
    message: str


@dataclass
class ImportResult:
    approved: int = 0
    refused: int = 0
    unchanged: int = 0  # the same decision was already recorded
    undecided: int = 0  # lines with a reference but an empty decision: left pending
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(content: bytes) -> str | None:
    # Spreadsheets save CSV as UTF-8 (often with a BOM) or, in French Excel, Windows-1252.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _delimiter(first_line: str) -> str:
    # French spreadsheets write ";" because "," is their decimal separator.
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _parse_decision(value: str) -> bool | None:
    folded = _fold(value)
    if folded in APPROVED_VALUES:
        return True
    if folded in REFUSED_VALUES:
        return False
    return None


def _registration_candidate(registration: Registration) -> Candidate:
    return Candidate(
        ceremony_id=registration.ceremony_id,
        ceremony_name=registration.ceremony.name,
        screening=registration.screening,
        decide=lambda approved: screening_decide(registration=registration, approved=approved),
    )


def _candidates(references: set[str]) -> dict[str, Candidate]:
    """Everyone the file names, registrations and the sources' people, by reference."""
    own: dict[str, set[str]] = {}
    sources = {}
    plain = set()
    for reference in references:
        found = source_of(reference)
        if found is None:
            plain.add(reference)
        else:
            source, rest = found
            sources[source.kind] = source
            own.setdefault(source.kind, set()).add(rest)
    candidates = {
        r.reference: _registration_candidate(r)
        for r in Registration.objects.select_related("ceremony").filter(reference__in=plain)
    }
    for kind, rests in own.items():
        source = sources[kind]
        for rest, candidate in source.find(rests).items():
            candidates[f"{source.prefix}-{rest}"] = candidate
    return candidates


def screening_import_csv(
    *, ceremony: RegistrationSettings, content: bytes, user: AbstractBaseUser
) -> ImportResult:
    """Record the decisions of a CSV file (columns `reference` and `decision`; any
    others are ignored). All or nothing: if any line is wrong, nothing is written and
    `result.errors` lists every wrong line. Audit-logged when the decisions are recorded.
    """
    result = ImportResult()
    if len(content) > MAX_IMPORT_BYTES:
        result.errors.append(LineError(0, _("The file is larger than %(size)s MB.") % {"size": 5}))
        return result
    text = _decode(content)
    if text is None:
        result.errors.append(
            LineError(0, _("The file is not readable text: save it as CSV (UTF-8)."))
        )
        return result
    if not text.strip():
        result.errors.append(LineError(0, _("The file is empty.")))
        return result

    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.splitlines()[0]))
    header = [_fold(name) for name in next(reader)]
    if REFERENCE_COLUMN not in header or DECISION_COLUMN not in header:
        result.errors.append(
            LineError(
                1,
                _("The first line must name the columns “%(reference)s” and “%(decision)s”.")
                % {"reference": REFERENCE_COLUMN, "decision": DECISION_COLUMN},
            )
        )
        return result
    ref_index, decision_index = header.index(REFERENCE_COLUMN), header.index(DECISION_COLUMN)

    lines: list[tuple[int, str, str]] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (max(ref_index, decision_index) + 1 - len(row))
        lines.append((reader.line_num, cells[ref_index].strip().upper(), cells[decision_index]))

    with transaction.atomic():
        found = _candidates({reference for _line, reference, _value in lines if reference})
        seen: dict[str, int] = {}
        decisions: list[tuple[Candidate, bool]] = []
        for line, reference, value in lines:
            error = None
            approved = _parse_decision(value)
            candidate = found.get(reference)
            if not reference:
                error = _("The reference is missing.")
            elif reference in seen:
                error = _("Reference %(reference)s already appears on line %(line)s.") % {
                    "reference": reference,
                    "line": seen[reference],
                }
            elif candidate is None:
                error = _("Unknown reference %(reference)s.") % {"reference": reference}
            elif candidate.ceremony_id != ceremony.pk:
                error = _("Reference %(reference)s belongs to another ceremony (%(other)s).") % {
                    "reference": reference,
                    "other": candidate.ceremony_name,
                }
            elif not value.strip():
                pass  # no decision yet: left pending
            elif approved is None:
                error = _(
                    "The decision “%(value)s” is not understood: write “approved” or “refused”."
                ) % {"value": value.strip()[:40]}
            elif candidate.screening == Screening.NOT_REQUIRED:
                error = _("Registration %(reference)s does not require screening.") % {
                    "reference": reference
                }
            elif approved and candidate.screening == Screening.REFUSED:
                error = _(
                    "Registration %(reference)s was refused; a refusal cannot be turned "
                    "into an approval."
                ) % {"reference": reference}
            if reference and reference not in seen:
                seen[reference] = line
            if error:
                result.errors.append(LineError(line, error))
            elif not value.strip():
                result.undecided += 1
            else:
                decisions.append((candidate, approved))
        if result.errors:
            return result

        for candidate, approved in decisions:
            target = Screening.APPROVED if approved else Screening.REFUSED
            if candidate.screening == target:
                result.unchanged += 1
                continue
            candidate.decide(approved)
            if approved:
                result.approved += 1
            else:
                result.refused += 1
        AuditLog.objects.create(
            user=user.get_username(),
            action="screening_import",
            ceremony=ceremony,
            detail=(
                f"approved={result.approved} refused={result.refused} "
                f"unchanged={result.unchanged} undecided={result.undecided}"
            ),
        )
    return result
