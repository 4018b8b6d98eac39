"""Screening: export of the pending registrants' identity data, import of decisions
(all or nothing, each bad line reported), both audit-logged, and their admin pages."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from liberation.registrations.models import AuditLog, Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_cancel,
    registration_create,
    screening_decide,
)
from liberation.registrations.staff_services import staff_group_ensure
from liberation.screening.services import screening_export_csv, screening_import_csv

S = Registration.Status
SCR = Registration.Screening


@pytest.fixture(autouse=True)
def staff_in_english():
    """Staff messages below are checked in English; test_french_errors covers French."""
    with translation.override("en"):
        yield


def person(n: int, **fields) -> Person:
    return Person(
        given_name=fields.pop("given_name", f"Jeanne{n}"),
        surname=fields.pop("surname", f"Moulin{n}"),
        birth_date=fields.pop("birth_date", dt.date(1940, 1, n)),
        birth_place=fields.pop("birth_place", "Lyon"),
        nationality=fields.pop("nationality", "française"),
    )


def register(ceremony, n, *, companions=0, join_waitlist=False, **fields) -> Registration:
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=person(n, **fields),
            companions=[
                Person(
                    given_name=f"Ami{i}",
                    surname=f"Ami{n}-{i}",
                    birth_date=dt.date(1930, 2, i + 1),
                    birth_place="Bruxelles",
                    nationality="belge",
                )
                for i in range(companions)
            ],
            join_waitlist=join_waitlist,
        ),
    ).registration


@pytest.fixture
def screened(make_ceremony):
    def make(**fields):
        fields.setdefault("capacity", 3)
        return make_ceremony(
            screening_required=True,
            ask_birth_date=True,
            ask_birth_place=True,
            ask_nationality=True,
            **fields,
        )

    return make


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", "staff@example.org", "pw")
    user.groups.add(staff_group_ensure())
    user.user_permissions.add(Permission.objects.get(codename="all_ceremonies"))  # national
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def decisions(*lines: str, header: str = "reference,decision") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def state(*registrations) -> list[tuple]:
    out = []
    for registration in registrations:
        registration.refresh_from_db()
        out.append((registration.status, registration.screening))
    return out


# --- Export ---------------------------------------------------------------------------


def test_export_lists_pending_registrants_with_companions_and_is_audited(screened, staff):
    ceremony = screened(capacity=8, max_companions=2)
    a = register(ceremony, 1, companions=2, surname="=cmd|' /C calc'!A0")
    b = register(ceremony, 2)
    done = register(ceremony, 3)
    screening_decide(registration=done, approved=True)
    gone = register(ceremony, 4)
    registration_cancel(registration=gone)
    text = screening_export_csv(ceremony=ceremony, user=staff)
    exported = rows(text)
    assert [r["reference"] for r in exported] == [a.reference, b.reference]
    first = exported[0]
    assert first["surname"] == "'=cmd|' /C calc'!A0"  # never a formula in a spreadsheet
    assert first["given_names"] == "Jeanne1" and first["birth_date"] == "1940-01-01"
    assert first["birth_place"] == "Lyon" and first["nationality"] == "française"
    assert first["companion_1_surname"] == "Ami1-0" and first["companion_2_surname"] == "Ami1-1"
    assert first["companion_2_birth_date"] == "1930-02-02"
    assert first["companion_2_nationality"] == "belge"
    assert first["decision"] == "" and first["seats"] == "3"
    assert exported[1]["companion_1_surname"] == ""
    assert "email" not in first  # minimum data: the security services need identities only
    log = AuditLog.objects.get()
    assert (log.action, log.user, log.ceremony) == ("screening_export", "staff", ceremony)
    assert log.detail == "2 registrations, 4 persons"


def test_export_has_only_the_identity_fields_the_ceremony_asks_for(make_ceremony, staff):
    ceremony = make_ceremony(screening_required=True, ask_birth_date=True)
    register(ceremony, 1)
    header = rows(screening_export_csv(ceremony=ceremony, user=staff))[0].keys()
    assert list(header) == [
        "reference",
        "seats",
        "category",
        "surname",
        "given_names",
        "birth_date",
        "companion_1_surname",
        "companion_1_given_names",
        "companion_1_birth_date",
        "companion_2_surname",
        "companion_2_given_names",
        "companion_2_birth_date",
        "decision",
    ]


# --- Import: happy paths -----------------------------------------------------------------


def test_import_records_approvals_and_refusals_and_frees_seats(screened, staff):
    ceremony = screened(capacity=2)
    a, b = register(ceremony, 1), register(ceremony, 2)
    waiting = register(ceremony, 3, join_waitlist=True)
    later = register(ceremony, 4, join_waitlist=True)
    result = screening_import_csv(
        ceremony=ceremony,
        content=decisions(
            f"{a.reference},approved",
            f" {b.reference.lower()} , Refused ",
            f"{later.reference},",
            ",,",
        ),
        user=staff,
    )
    assert result.ok, result.errors
    assert (result.approved, result.refused, result.unchanged, result.undecided) == (1, 1, 0, 1)
    assert state(a, b, waiting, later) == [
        (S.CONFIRMED, SCR.APPROVED),
        (S.REFUSED, SCR.REFUSED),
        (S.OFFERED, SCR.PENDING),  # the freed seat went to the next in line
        (S.WAITLISTED, SCR.PENDING),
    ]
    log = AuditLog.objects.get()
    assert (log.action, log.user, log.ceremony) == ("screening_import", "staff", ceremony)
    assert log.detail == "approved=1 refused=1 unchanged=0 undecided=1"


def test_the_exported_file_comes_back_with_its_decision_column_filled(screened, staff):
    ceremony = screened()
    a, b = register(ceremony, 1, companions=1), register(ceremony, 2)
    exported = rows(screening_export_csv(ceremony=ceremony, user=staff))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(exported[0].keys()), delimiter=";")
    writer.writeheader()
    for row, decision in zip(exported, ["approuvé", "REFUSÉ"], strict=True):
        writer.writerow({**row, "decision": decision})
    # French Excel: semicolons, Windows-1252.
    result = screening_import_csv(
        ceremony=ceremony, content=out.getvalue().encode("cp1252"), user=staff
    )
    assert result.ok, result.errors
    assert state(a, b) == [(S.CONFIRMED, SCR.APPROVED), (S.REFUSED, SCR.REFUSED)]


def test_a_second_import_of_the_same_decisions_changes_nothing(screened, staff):
    ceremony = screened()
    a = register(ceremony, 1)
    content = decisions(f"{a.reference},approved")
    screening_import_csv(ceremony=ceremony, content=content, user=staff)
    again = screening_import_csv(ceremony=ceremony, content=content, user=staff)
    assert again.ok and (again.approved, again.unchanged) == (0, 1)


def test_an_approval_can_later_be_turned_into_a_refusal(screened, staff):
    ceremony = screened()
    a = register(ceremony, 1)
    screening_decide(registration=a, approved=True)
    result = screening_import_csv(
        ceremony=ceremony, content=decisions(f"{a.reference},refused"), user=staff
    )
    assert result.ok and state(a) == [(S.REFUSED, SCR.REFUSED)]


# --- Import: bad lines, nothing written --------------------------------------------------


@pytest.fixture
def two_ceremonies(screened):
    ceremony, other = screened(capacity=5), screened()
    a, b = register(ceremony, 1), register(ceremony, 2)
    elsewhere = register(other, 3)
    # Registered before screening was switched on for the ceremony.
    unscreened = register(ceremony, 4)
    Registration.objects.filter(pk=unscreened.pk).update(screening=SCR.NOT_REQUIRED)
    refused = register(ceremony, 5)
    screening_decide(registration=refused, approved=False)
    return ceremony, a, b, elsewhere, unscreened, refused


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("ZZZZZZZZ,approved", "Unknown reference ZZZZZZZZ."),
        ("{b},maybe", "The decision “maybe” is not understood"),
        ("{elsewhere},approved", "belongs to another ceremony"),
        ("{a},refused", "already appears on line 2"),
        (",approved", "The reference is missing."),
        ("{unscreened},approved", "does not require screening"),
        ("{refused},approved", "a refusal cannot be turned into an approval"),
    ],
    ids=[
        "unknown",
        "bad-decision",
        "wrong-ceremony",
        "duplicate",
        "no-reference",
        "unscreened",
        "unrefuse",
    ],
)
def test_a_bad_line_rejects_the_whole_file(two_ceremonies, staff, bad_line, message):
    ceremony, a, b, elsewhere, unscreened, refused = two_ceremonies
    refs = {
        "a": a.reference,
        "b": b.reference,
        "elsewhere": elsewhere.reference,
        "unscreened": unscreened.reference,
        "refused": refused.reference,
    }
    ceremony.refresh_from_db()
    seats_before = ceremony.seats_taken
    result = screening_import_csv(
        ceremony=ceremony,
        content=decisions(f"{a.reference},approved", bad_line.format(**refs)),
        user=staff,
    )
    assert not result.ok
    assert [e.line for e in result.errors] == [3]
    assert message in result.errors[0].message
    # Nothing written: the good line 2 is not recorded either.
    assert state(a, b) == [(S.CONFIRMED, SCR.PENDING), (S.CONFIRMED, SCR.PENDING)]
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == seats_before
    assert not AuditLog.objects.exists()


def test_every_bad_line_is_reported_with_its_number(two_ceremonies, staff):
    ceremony, a, b, elsewhere, _unscreened, _refused = two_ceremonies
    result = screening_import_csv(
        ceremony=ceremony,
        content=decisions(
            f"{a.reference},refused",
            "NOPE1234,approved",
            "",
            f"{b.reference},peut-être",
            f"{elsewhere.reference},approved",
            f"{a.reference},refused",
        ),
        user=staff,
    )
    assert [e.line for e in result.errors] == [3, 5, 6, 7]
    assert state(a, b) == [(S.CONFIRMED, SCR.PENDING), (S.CONFIRMED, SCR.PENDING)]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"ref;verdict\nABC;approved\n", "must name the columns"),
        (b"\x81\x8d\x8f\x90", "not readable text"),
    ],
    ids=["empty", "no-columns", "binary"],
)
def test_a_bad_file_is_rejected(screened, staff, content, message):
    ceremony = screened()
    result = screening_import_csv(ceremony=ceremony, content=content, user=staff)
    assert not result.ok and message in result.errors[0].message
    assert not AuditLog.objects.exists()


# --- Admin pages ------------------------------------------------------------------------------


def url(name, ceremony):
    if name == "detail":
        return reverse("registrations_ceremonies:detail", args=[ceremony.pk])
    return reverse(f"screening:{name}", args=[ceremony.pk])


def test_export_page_downloads_csv_without_cache(screened, staff):
    ceremony = screened()
    a = register(ceremony, 1)
    client = Client()
    client.force_login(staff)
    response = client.get(url("export", ceremony))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="screening-')
    assert "no-store" in response["Cache-Control"]
    assert rows(response.content.decode())[0]["reference"] == a.reference
    assert AuditLog.objects.get().action == "screening_export"


def test_import_page_lists_errors_or_records_the_decisions(screened, staff):
    ceremony = screened()
    a = register(ceremony, 1)
    client = Client()
    client.force_login(staff)
    assert client.get(url("import", ceremony)).status_code == 200
    bad = SimpleUploadedFile("d.csv", decisions(f"{a.reference},approved", "NOPE1234,refused"))
    response = client.post(url("import", ceremony), {"file": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown reference NOPE1234." in html and "Lines to correct" in html
    assert state(a) == [(S.CONFIRMED, SCR.PENDING)]
    good = SimpleUploadedFile("d.csv", decisions(f"{a.reference},approved"))
    response = client.post(url("import", ceremony), {"file": good}, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", ceremony)
    assert any("1 approved" in str(m) for m in response.context["messages"])
    assert state(a) == [(S.CONFIRMED, SCR.APPROVED)]


def test_errors_are_in_the_staff_language(make_ceremony, staff):
    from liberation.screening.services import screening_import_csv

    ceremony = make_ceremony(screening_required=True)
    with translation.override("fr"):
        result = screening_import_csv(ceremony=ceremony, content=b"", user=staff)
    assert not result.ok
    assert result.errors[0].message == "Le fichier est vide."
