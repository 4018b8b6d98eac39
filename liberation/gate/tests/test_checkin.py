"""Gate check-in: idempotent scans, refusals that write nothing, staff-only endpoints."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone, translation

from liberation.gate import badges
from liberation.gate.checkin import checkin_record
from liberation.gate.models import CheckIn
from liberation.registrations.models import AuditLog, CeremonyAccess, Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    companions_update,
    registration_cancel,
    registration_create,
    screening_decide,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def register(ceremony, n=1, companions=0):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Moulin"),
            companions=[Person(given_name=f"Ami{i}", surname="Moulin") for i in range(companions)],
        ),
    ).registration


def nonce(n: int) -> str:
    return f"nonce-{n:020d}"


@pytest.fixture
def ceremony(make_ceremony):
    return make_ceremony(capacity=10)


@pytest.fixture
def badge(ceremony):
    registration = register(ceremony, companions=1)
    return registration, badges.badge_token(registration)


def scan(ceremony, token, n=1, gate="A", at=None):
    return checkin_record(
        ceremony=ceremony,
        token=token,
        nonce=nonce(n),
        gate=gate,
        scanned_at=at or timezone.now(),
        staff="agent",
    )


# --- The service --------------------------------------------------------------------


def test_valid_badge_is_checked_in_once(ceremony, badge):
    registration, token = badge
    result = scan(ceremony, token)
    assert result.status == "accepted" and result.created
    assert result.names == ("Jeanne1 Moulin", "Ami0 Moulin") and result.seats == 2
    checkin = CheckIn.objects.get()
    assert (checkin.registration, checkin.gate, checkin.staff) == (registration, "A", "agent")


def test_replayed_nonce_gets_the_same_answer_and_writes_nothing(ceremony, badge):
    _registration, token = badge
    first = scan(ceremony, token)
    again = scan(ceremony, token)
    assert again.status == "accepted" and not again.created
    assert again.checked_in_at == first.checked_in_at and again.gate == first.gate
    assert CheckIn.objects.count() == 1


def test_replay_answers_the_same_even_after_revocation(ceremony, badge):
    registration, token = badge
    scan(ceremony, token)
    Registration.objects.filter(pk=registration.pk).update(badge_revoked_at=timezone.now())
    assert scan(ceremony, token).status == "accepted"
    assert scan(ceremony, token, n=2).status == "refused"
    assert CheckIn.objects.count() == 1


def test_second_scan_answers_already_checked_in_with_time_and_gate(ceremony, badge):
    _registration, token = badge
    at = dt.datetime(2026, 5, 8, 18, 42, tzinfo=PARIS)
    scan(ceremony, token, n=1, gate="B", at=at)
    second = scan(ceremony, token, n=2, gate="C", at=at + dt.timedelta(minutes=5))
    assert second.status == "already" and not second.created
    assert (second.checked_in_at, second.gate) == (at, "B")
    with translation.override("en"):
        assert second.message == "Already checked in at 18:42, gate B"
        assert second.as_json()["message"] == "Already checked in at 18:42, gate B"
    assert CheckIn.objects.count() == 1


def test_typed_code_is_accepted_and_a_wrong_one_refused(ceremony, badge):
    registration, _token = badge
    code = badges.badge_code(registration)
    reference, check = code.split("-")
    wrong = reference + "-" + "".join("A" if c != "A" else "B" for c in check)
    assert scan(ceremony, wrong, n=1).reason == "bad_code"
    assert scan(ceremony, "ZZZZZZZZ-AAAA", n=2).reason == "unknown"
    assert scan(ceremony, "not a code", n=3).reason == "malformed"
    assert CheckIn.objects.count() == 0
    assert scan(ceremony, code.lower(), n=4).status == "accepted"
    assert scan(ceremony, code, n=5).status == "already"


def test_forged_signature_is_refused_and_nothing_written(ceremony, badge):
    _registration, token = badge
    raw = bytearray(badges.b45decode(token[4:]))
    raw[-10] ^= 0xFF
    result = scan(ceremony, "LB1:" + badges.b45encode(bytes(raw)))
    assert (result.status, result.reason) == ("refused", "bad_signature")
    with translation.override("en"):
        assert "signature" in result.message
    assert CheckIn.objects.count() == 0


def test_badge_of_another_ceremony_is_refused(make_ceremony, ceremony):
    other = make_ceremony()
    token = badges.badge_token(register(other, n=9))
    result = scan(ceremony, token)
    assert result.reason == "wrong_ceremony"
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("how", ["staff", "cancelled", "refused_at_screening"])
def test_revoked_badge_is_refused(make_ceremony, how):
    ceremony = make_ceremony(capacity=10, screening_required=(how == "refused_at_screening"))
    registration = register(ceremony)
    if how == "refused_at_screening":
        screening_decide(registration=registration, approved=True)
        registration.refresh_from_db()
    token = badges.badge_token(registration)
    if how == "staff":
        Registration.objects.filter(pk=registration.pk).update(badge_revoked_at=timezone.now())
    elif how == "cancelled":
        registration_cancel(registration=registration)
    else:
        screening_decide(registration=registration, approved=False)
    result = scan(ceremony, token)
    assert (result.status, result.reason) == ("refused", "revoked")
    assert registration.reference in badges.revoked_references(ceremony)
    assert CheckIn.objects.count() == 0


def test_outdated_badge_is_refused_after_companions_change(ceremony, badge):
    registration, token = badge
    companions_update(registration=registration, companions=[])
    assert scan(ceremony, token).reason == "superseded"
    registration.refresh_from_db()
    assert scan(ceremony, badges.badge_token(registration), n=2).status == "accepted"


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "spaces are not allowed here!"])
def test_bad_nonce_is_refused(ceremony, badge, bad):
    _registration, token = badge
    result = checkin_record(
        ceremony=ceremony, token=token, nonce=bad, gate="A", scanned_at=None, staff="agent"
    )
    assert result.reason == "bad_nonce"
    assert CheckIn.objects.count() == 0


def test_nonce_reused_for_another_badge_is_refused(ceremony, badge):
    _registration, token = badge
    other = badges.badge_token(register(ceremony, n=2))
    scan(ceremony, token, n=1)
    result = scan(ceremony, other, n=1)
    assert result.reason == "nonce_conflict"
    assert CheckIn.objects.count() == 1


def test_scan_dated_in_the_future_is_dated_on_receipt(ceremony, badge):
    _registration, token = badge
    result = scan(ceremony, token, at=timezone.now() + dt.timedelta(days=1))
    assert abs((result.checked_in_at - timezone.now()).total_seconds()) < 60


# --- The views: staff only ----------------------------------------------------------


@pytest.fixture
def agent(db, ceremony):
    """A gate agent: the check-in permission and the check-in right on `ceremony`."""
    user = User.objects.create_user("agent", password="x")
    user.user_permissions.add(
        Permission.objects.get(codename="add_checkin", content_type__app_label="gate")
    )
    CeremonyAccess.objects.create(ceremony=ceremony, user=user, check_in=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stranger(db):
    user = User.objects.create_user("stranger", password="x")
    client = Client()
    client.force_login(user)
    return client


def staff_urls(ceremony):
    return [
        "/fr/controle/",
        f"/fr/controle/{ceremony.pk}/",
        f"/en/controle/{ceremony.pk}/data.json",
        f"/fr/controle/{ceremony.pk}/revocations.json",
    ]


def test_anonymous_is_sent_to_the_login_page(client, ceremony):
    for url in staff_urls(ceremony):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next=")
    response = client.post(f"/fr/controle/{ceremony.pk}/scans/", "{}", "application/json")
    assert response.status_code == 302
    assert AuditLog.objects.count() == 0


def test_signed_in_user_without_the_permission_is_refused(stranger, ceremony):
    for url in staff_urls(ceremony):
        assert stranger.get(url).status_code == 403, url
    response = stranger.post(f"/fr/controle/{ceremony.pk}/scans/", "{}", "application/json")
    assert response.status_code == 403
    assert AuditLog.objects.count() == 0


def test_app_page_carries_its_configuration(agent, ceremony):
    response = agent.get(f"/en/controle/{ceremony.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "checkin/checkin.js" in html and "checkin/vendor/jsQR.js" in html
    config = json.loads(html.split('id="checkin-config" type="application/json">')[1].split("<")[0])
    assert config["ceremony"] == ceremony.pk
    assert config["urls"]["scans"] == f"/en/controle/{ceremony.pk}/scans/"
    assert config["strings"]["already"] == "Already checked in at %(time)s, gate %(gate)s"
    assert agent.get(f"/fr/controle/{ceremony.pk + 999}/").status_code == 404


def test_index_lists_the_ceremonies(agent, ceremony):
    response = agent.get("/fr/controle/")
    assert response.status_code == 200
    assert f"/fr/controle/{ceremony.pk}/" in response.content.decode()


def test_attendee_list_download_is_audited(agent, ceremony, badge):
    registration, _token = badge
    cancelled = register(ceremony, n=2)
    registration_cancel(registration=cancelled)
    response = agent.get(f"/fr/controle/{ceremony.pk}/data.json")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["public_key"] == badges.public_key_b64(ceremony)
    attendees = badges.signed_document_verify(ceremony, data["attendees"])
    assert list(attendees["attendees"]) == [registration.reference]
    revocations = badges.signed_document_verify(ceremony, data["revocations"])
    assert revocations["references"] == [cancelled.reference]
    log = AuditLog.objects.get()
    assert (log.user, log.action, log.ceremony_id) == (
        "agent",
        "checkin_list_download",
        ceremony.pk,
    )

    response = agent.get(f"/fr/controle/{ceremony.pk}/revocations.json")
    assert badges.signed_document_verify(ceremony, response.json()["revocations"])
    assert AuditLog.objects.count() == 1  # references only: no personal data


def test_scans_endpoint_records_idempotently(agent, ceremony, badge):
    _registration, token = badge
    url = f"/en/controle/{ceremony.pk}/scans/"
    body = json.dumps(
        {
            "scans": [
                {
                    "nonce": nonce(1),
                    "token": token,
                    "gate": "B",
                    "scanned_at": "2026-05-08T16:42:00Z",
                },
                {
                    "nonce": nonce(2),
                    "token": token,
                    "gate": "C",
                    "scanned_at": "2026-05-08T16:50:00Z",
                },
                {"nonce": nonce(3), "token": token[:-3] + "AAA", "gate": "C"},
            ]
        }
    )
    first = agent.post(url, body, content_type="application/json")
    assert first.status_code == 200
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "already", "refused"]
    assert results[1]["message"] == "Already checked in at 18:42, gate B"
    assert results[2]["reason"] in ("bad_signature", "malformed")
    again = agent.post(url, body, content_type="application/json")
    assert again.json() == first.json()
    checkin = CheckIn.objects.get()
    assert (checkin.nonce, checkin.staff) == (nonce(1), "agent")


@pytest.mark.parametrize("body", ["not json", "[]", '{"scans": []}', "DEEP"])
def test_scans_endpoint_rejects_bad_requests(agent, ceremony, badge, body):
    if body == "DEEP":  # nesting deeper than the JSON parser's recursion
        body = '{"scans": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = agent.post(
        f"/en/controle/{ceremony.pk}/scans/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]
    assert CheckIn.objects.count() == 0


def test_bad_scans_are_refused_one_by_one_and_good_ones_recorded(agent, ceremony):
    """One bad item must not fail the batch: the device would resend it forever."""
    first, second = register(ceremony, 1), register(ceremony, 2)
    token1, token2 = badges.badge_token(first), badges.badge_token(second)
    batch = [
        {"nonce": nonce(1), "token": token1, "gate": "A"},
        1,
        {"nonce": 5},
        {"nonce": nonce(3), "token": 5},
        # year 1 at UTC+5 is not representable in UTC: dated on receipt
        {
            "nonce": nonce(4),
            "token": token2,
            "gate": "B",
            "scanned_at": "0001-01-01T00:00:00+05:00",
        },
    ]
    url = f"/fr/controle/{ceremony.pk}/scans/"
    response = agent.post(url, json.dumps({"scans": batch}), content_type="application/json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["nonce"], r["status"]) for r in results] == [
        (nonce(1), "accepted"),
        (None, "refused"),
        (None, "refused"),
        (nonce(3), "refused"),
        (nonce(4), "accepted"),
    ]
    assert results[3]["reason"] == "invalid"
    assert results[3]["message"] == "Scan illisible\u00a0: il n’a pas été enregistré."
    assert set(CheckIn.objects.values_list("registration_id", flat=True)) == {first.pk, second.pk}
    late = CheckIn.objects.get(nonce=nonce(4))
    assert abs((late.scanned_at - timezone.now()).total_seconds()) < 60
    again = agent.post(url, json.dumps({"scans": batch}), content_type="application/json")
    assert again.json() == response.json()
    assert CheckIn.objects.count() == 2


def test_scans_endpoint_requires_the_csrf_token(ceremony, badge):
    _registration, token = badge
    user = User.objects.create_superuser("chief", password="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = json.dumps({"scans": [{"nonce": nonce(1), "token": token, "gate": "A"}]})
    url = f"/fr/controle/{ceremony.pk}/scans/"
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert CheckIn.objects.count() == 0
    client.get(f"/fr/controle/{ceremony.pk}/")  # sets the CSRF cookie, as the app does
    csrf = client.cookies["csrftoken"].value
    response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    assert CheckIn.objects.count() == 1


def test_service_worker_is_served_under_the_app_scope(client):
    response = client.get("/fr/controle/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "/static/checkin/checkin.js" in body and "/static/checkin/vendor/jsQR.js" in body
    assert "{{" not in body


@pytest.mark.parametrize("suffix", ["", "data.json", "revocations.json", "scans/"])
def test_a_ceremony_id_too_large_for_the_database_is_a_404(agent, suffix):
    url = f"/fr/controle/9223372036854775808/{suffix}"
    response = (
        agent.post(url, "{}", content_type="application/json")
        if suffix == "scans/"
        else agent.get(url)
    )
    assert response.status_code == 404


# --- Rights per ceremony (issue 10, item 3) -----------------------------------------


def test_another_ceremonys_gate_answers_404_and_writes_nothing(agent, ceremony, make_ceremony):
    """The agent may check in at `ceremony` only: the other's app, attendee list (names),
    revocations and scans answer 404, no audit row, no check-in."""
    other = make_ceremony(capacity=10)
    token = badges.badge_token(register(other, n=5))
    index = agent.get("/fr/controle/").content.decode()
    assert f"/fr/controle/{ceremony.pk}/" in index and f"/fr/controle/{other.pk}/" not in index
    for url in staff_urls(other)[1:]:
        assert agent.get(url).status_code == 404, url
        assert agent.get(url.replace(str(other.pk), str(ceremony.pk))).status_code == 200, url
    body = json.dumps({"scans": [{"nonce": nonce(1), "token": token, "gate": "A"}]})
    response = agent.post(f"/fr/controle/{other.pk}/scans/", body, "application/json")
    assert response.status_code == 404
    assert CheckIn.objects.count() == 0
    assert not AuditLog.objects.filter(ceremony=other).exists()
    assert AuditLog.objects.filter(ceremony=ceremony, action="checkin_list_download").count() == 1


def test_checkin_permission_alone_reaches_no_ceremony(ceremony):
    """The reported case: `gate.add_checkin` without a grant downloads no attendee list."""
    user = User.objects.create_user("lone", password="x")
    user.user_permissions.add(
        Permission.objects.get(codename="add_checkin", content_type__app_label="gate")
    )
    client = Client()
    client.force_login(user)
    assert f"/fr/controle/{ceremony.pk}/" not in client.get("/fr/controle/").content.decode()
    assert client.get(f"/fr/controle/{ceremony.pk}/data.json").status_code == 404
    assert not AuditLog.objects.exists()


def test_a_grant_without_the_checkin_permission_is_refused(ceremony):
    """The right on the ceremony does not replace the permission that opens the app."""
    user = User.objects.create_user("granted", password="x")
    CeremonyAccess.objects.create(ceremony=ceremony, user=user, check_in=True)
    client = Client()
    client.force_login(user)
    assert client.get(f"/fr/controle/{ceremony.pk}/data.json").status_code == 403
