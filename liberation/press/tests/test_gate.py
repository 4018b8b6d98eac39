"""Press badges on the gate's scheme: signed with the ceremony's key under their own
context, listed in the signed gate lists with their pool, recorded once, revoked when
the accreditation is refused or withdrawn."""

import json
import secrets

import pytest

from liberation.gate import badges
from liberation.gate.checkin import checkin_record
from liberation.gate.keys import public_key_bytes, signature_valid
from liberation.press import services
from liberation.press.gate import press_badge_code, press_badge_token
from liberation.press.models import PressCheckIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(make_press, submitted):
    press = make_press()
    started = submitted(press)
    services.accreditation_approve(
        accreditation_id=started.accreditation.pk, pool_id=press.pools.get().pk, actor="staff"
    )
    started.accreditation.refresh_from_db()
    return started.accreditation


def _scan(accreditation, token, nonce=None):
    return checkin_record(
        ceremony=accreditation.press.ceremony,
        token=token,
        nonce=nonce or secrets.token_urlsafe(16),
        gate="B",
        scanned_at=None,
        staff="porte-b",
    )


def test_press_badge_is_domain_separated(approved):
    token = press_badge_token(approved)
    payload, message, signature = badges.badge_decode(token)
    assert payload.kind == "press" and payload.names == ("Albert1 Londres",)
    key = public_key_bytes(approved.press.ceremony)
    assert signature_valid(key, signature, message)
    # The same bytes do not hold as an attendee badge (nor as a gate list).
    raw = message[len(badges.badge_context("press")) :]
    assert not signature_valid(key, signature, badges.BADGE_CONTEXT + raw)
    assert not signature_valid(key, signature, badges.LIST_CONTEXT + raw)


def test_gate_lists_carry_the_press_section(approved):
    document = json.loads(badges.attendee_list(approved.press.ceremony)["document"])
    entry = document["sources"]["press"]["entries"][approved.reference]
    assert entry["names"] == ["Albert1 Londres"]
    assert entry["detail"] == "Pool A: arrival of the authorities"
    assert document["sources"]["press"]["prefix"] == "PRESS"
    assert approved.reference not in document["attendees"]


def test_scan_accepted_once_then_already(approved):
    token = press_badge_token(approved)
    first = _scan(approved, token, nonce="n" * 16)
    assert first.status == "accepted" and first.label and first.detail.startswith("Pool A")
    assert _scan(approved, token, nonce="n" * 16).status == "accepted"  # a replay
    assert _scan(approved, token).status == "already"
    assert PressCheckIn.objects.count() == 1


def test_typed_code_and_a_wrong_one(approved):
    code = press_badge_code(approved)
    assert code.startswith("PRESS-")
    assert _scan(approved, code.lower()).status == "accepted"
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    result = _scan(approved, wrong)
    assert result.status == "refused" and result.reason in ("bad_code",)


def test_withdrawn_accreditation_is_revoked(approved):
    token = press_badge_token(approved)
    services.accreditation_refuse(accreditation_id=approved.pk, reason="Withdrawn", actor="s")
    result = _scan(approved, token)
    assert result.status == "refused" and result.reason == "revoked"
    revocations = json.loads(badges.revocation_list(approved.press.ceremony)["document"])
    assert revocations["sources"]["press"] == [approved.reference]
    document = json.loads(badges.attendee_list(approved.press.ceremony)["document"])
    assert document["sources"]["press"]["entries"] == {}


def test_press_badge_of_another_ceremony_refused(approved, make_press):
    other = make_press()
    result = checkin_record(
        ceremony=other.ceremony,
        token=press_badge_token(approved),
        nonce=secrets.token_urlsafe(16),
        gate="",
        scanned_at=None,
        staff="",
    )
    assert result.reason == "wrong_ceremony"


def test_unknown_kind_is_malformed(approved):
    token = badges.badge_sign(
        ceremony=approved.press.ceremony, reference="X", seats=1, names=["A"], kind="press"
    )
    payload = json.loads(badges.b45decode(token[4:])[:-64])
    payload[-1] = "vip"
    forged = "LB1:" + badges.b45encode(json.dumps(payload).encode() + b"\0" * 64)
    with pytest.raises(badges.BadgeError) as error:
        badges.badge_decode(forged)
    assert error.value.code == "malformed"


def test_not_yet_approved_has_no_entry(make_press, submitted):
    press = make_press()
    started = submitted(press)
    result = _scan(started.accreditation, press_badge_code(started.accreditation))
    assert result.status == "refused" and result.reason == "not_eligible"
