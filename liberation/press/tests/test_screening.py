"""Journalists in the security screening: exported with the attendees (PRESS-
references, a category column), decided by the same CSV import; a refusal revokes the
request or the badge, and no badge exists before the security services approve."""

import csv
import io

import pytest
from django.core import mail
from django.utils import translation

from liberation.mail.delivery import outbox_deliver
from liberation.press import services
from liberation.press.gate import has_badge, press_entries, press_revoked
from liberation.press.models import Accreditation
from liberation.screening.services import screening_export_csv, screening_import_csv

pytestmark = pytest.mark.django_db
SCR = Accreditation.Screening


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", "staff@example.org", "pw")


@pytest.fixture
def screened_press(make_press):
    press = make_press()
    ceremony = press.ceremony
    ceremony.screening_required = True
    ceremony.save()
    return press


def rows(text):
    return list(csv.DictReader(io.StringIO(text[1:])))


def approve(accreditation, press):
    services.accreditation_approve(
        accreditation_id=accreditation.pk, pool_id=press.pools.get().pk, actor="staff"
    )
    accreditation.refresh_from_db()


def test_a_request_to_a_screened_ceremony_awaits_the_security_services(
    screened_press, make_press, submitted
):
    assert submitted(screened_press).accreditation.screening == SCR.PENDING
    assert submitted(make_press(), n=2).accreditation.screening == SCR.NOT_REQUIRED


def test_journalists_are_exported_after_the_attendees_with_their_identity(
    screened_press, submitted, staff
):
    accreditation = submitted(screened_press).accreditation
    withdrawn = submitted(screened_press, outlet="Ouest-France", n=2).accreditation
    services.accreditation_withdraw(accreditation_id=withdrawn.pk)
    with translation.override("fr"):
        text = screening_export_csv(ceremony=screened_press.ceremony, user=staff)
    (row,) = rows(text)
    assert row["reference"] == f"PRESS-{accreditation.reference}"
    assert (row["category"], row["seats"]) == ("presse", "1")
    assert (row["surname"], row["given_names"], row["birth_date"]) == (
        "Londres",
        "Albert1",
        "1980-05-01",
    )
    assert row["decision"] == ""
    assert "email" not in row and "press_card" not in row


def test_no_badge_before_the_screening_approves(screened_press, submitted, staff):
    accreditation = submitted(screened_press).accreditation
    approve(accreditation, screened_press)
    assert not has_badge(accreditation)
    assert press_entries(screened_press.ceremony) == {}
    ref = f"PRESS-{accreditation.reference}"
    result = screening_import_csv(
        ceremony=screened_press.ceremony,
        content=f"reference,decision\n{ref},approved\n".encode(),
        user=staff,
    )
    assert result.ok and result.approved == 1
    accreditation.refresh_from_db()
    assert accreditation.screening == SCR.APPROVED and has_badge(accreditation)
    assert accreditation.reference in press_entries(screened_press.ceremony)


def test_a_screening_refusal_revokes_and_tells_the_journalist(screened_press, submitted, staff):
    accreditation = submitted(screened_press).accreditation
    approve(accreditation, screened_press)
    outbox_deliver(limit=100)
    mail.outbox.clear()
    result = screening_import_csv(
        ceremony=screened_press.ceremony,
        content=f"reference;decision\nPRESS-{accreditation.reference};refusé\n".encode(),
        user=staff,
    )
    assert result.ok and result.refused == 1
    accreditation.refresh_from_db()
    assert (accreditation.state, accreditation.screening) == ("refused", SCR.REFUSED)
    assert accreditation.outlet_slot is None  # the outlet's place is free again
    assert accreditation.decision_reason == "Refusé au contrôle de sécurité."
    assert accreditation.reference in press_revoked(screened_press.ceremony)
    outbox_deliver(limit=100)
    assert [m.to for m in mail.outbox] == [["j1@example.org"]]
    # The same file again changes nothing; an approval cannot undo the refusal.
    again = screening_import_csv(
        ceremony=screened_press.ceremony,
        content=f"reference,decision\nPRESS-{accreditation.reference},refused\n".encode(),
        user=staff,
    )
    assert again.ok and again.unchanged == 1
    with translation.override("en"):
        undo = screening_import_csv(
            ceremony=screened_press.ceremony,
            content=f"reference,decision\nPRESS-{accreditation.reference},approved\n".encode(),
            user=staff,
        )
    assert not undo.ok and "cannot be turned into an approval" in undo.errors[0].message


def test_bad_press_lines_reject_the_whole_file(screened_press, make_press, submitted, staff):
    mine = submitted(screened_press).accreditation
    other_press = make_press()
    other_press.ceremony.screening_required = True
    other_press.ceremony.save()
    other = submitted(other_press, n=2).accreditation
    content = (
        "reference,decision\n"
        f"PRESS-{mine.reference},approved\n"
        f"PRESS-{other.reference},approved\n"
        "PRESS-NOPE1234,approved\n"
        f"{mine.reference},approved\n"
    ).encode()
    with translation.override("en"):
        result = screening_import_csv(ceremony=screened_press.ceremony, content=content, user=staff)
    messages = [(e.line, e.message) for e in result.errors]
    assert messages[0][0] == 3 and "belongs to another ceremony" in messages[0][1]
    assert messages[1] == (4, "Unknown reference PRESS-NOPE1234.")
    # Without its prefix a press reference is not a registration's.
    assert messages[2] == (5, f"Unknown reference {mine.reference}.")
    mine.refresh_from_db()
    assert mine.screening == SCR.PENDING  # nothing written
