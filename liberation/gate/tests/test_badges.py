"""Badges: signed tokens, typed codes, signed gate lists, and the badge page, PNG, PDF."""

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from liberation.gate import badges, keys, printing
from liberation.gate.models import SigningKey
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    companions_update,
    management_token,
    registration_cancel,
    registration_create,
    screening_decide,
)


def register(ceremony, n=1, companions=0, **kwargs):
    created = registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Moulin"),
            companions=[
                Person(given_name=f"Ami{i}", surname="Résistant") for i in range(companions)
            ],
            **kwargs,
        ),
    )
    return created.registration


# --- Keys and tokens ---------------------------------------------------------------


def test_signing_key_is_created_once_per_ceremony(make_ceremony):
    ceremony = make_ceremony()
    first = keys.signing_key_for(ceremony)
    again = keys.signing_key_for(ceremony)
    assert first.pk == again.pk
    assert len(bytes(first.public_key)) == 32
    assert len(bytes(first.private_key)) > 32  # encrypted (test_signing_keys.py)
    assert SigningKey.objects.filter(ceremony=ceremony).count() == 1
    other = keys.signing_key_for(make_ceremony())
    assert bytes(other.public_key) != bytes(first.public_key)


def test_token_round_trip_and_offline_verification_with_the_public_key_alone(make_ceremony):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    ceremony = make_ceremony()
    registration = register(ceremony, companions=2)
    token = badges.badge_token(registration)
    assert token.startswith("LB1:")
    # Only characters of the QR code's alphanumeric mode.
    assert set(token) <= set(badges.B45)
    payload = badges.badge_verify(token, ceremony=ceremony)
    assert payload.reference == registration.reference
    assert payload.seats == 3
    assert payload.ceremony_id == ceremony.pk
    assert payload.names == ("Jeanne1 Moulin", "Ami0 Résistant", "Ami1 Résistant")
    assert abs(payload.issued_at - timezone.now().timestamp()) < 5

    # What a third party does with the published key: no server, no database.
    raw = badges.b45decode(token[4:])
    message, signature = raw[:-64], raw[-64:]
    public = Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(badges.public_key_b64(ceremony) + "=")
    )
    public.verify(signature, b"liberation/badge/v1\n" + message)
    assert json.loads(message)[2] == registration.reference


def test_base45_matches_the_rfc_examples():
    assert badges.b45encode(b"AB") == "BB8"
    assert badges.b45encode(b"Hello!!") == "%69 VD92EX0"
    assert badges.b45encode(b"base-45") == "UJCLQE7W581"
    assert badges.b45decode("QED8WEX0") == b"ietf!"
    with pytest.raises(ValueError):
        badges.b45decode("GGW")  # 65535 < value


def _retoken(token: str, mutate) -> str:
    raw = bytearray(badges.b45decode(token[4:]))
    mutate(raw)
    return "LB1:" + badges.b45encode(bytes(raw))


def test_tampered_payload_is_refused(make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony)
    token = badges.badge_token(registration)
    raw = badges.b45decode(token[4:])
    message, signature = raw[:-64], raw[-64:]
    data = json.loads(message)
    data[3] = 5  # more seats
    forged = "LB1:" + badges.b45encode(json.dumps(data, separators=(",", ":")).encode() + signature)
    with pytest.raises(badges.BadgeError) as error:
        badges.badge_verify(forged, ceremony=ceremony)
    assert error.value.code == "bad_signature"


def test_tampered_signature_is_refused(make_ceremony):
    ceremony = make_ceremony()
    token = badges.badge_token(register(ceremony))

    def flip(raw):
        raw[-1] ^= 0x01

    with pytest.raises(badges.BadgeError) as error:
        badges.badge_verify(_retoken(token, flip), ceremony=ceremony)
    assert error.value.code == "bad_signature"


def test_badge_of_another_ceremony_is_refused(make_ceremony):
    here, elsewhere = make_ceremony(), make_ceremony()
    token = badges.badge_token(register(elsewhere))
    with pytest.raises(badges.BadgeError) as error:
        badges.badge_verify(token, ceremony=here)
    assert error.value.code == "wrong_ceremony"


def test_badge_signed_with_another_ceremonys_key_is_refused(make_ceremony):
    """A payload naming this ceremony but signed with another ceremony's key."""
    here, elsewhere = make_ceremony(), make_ceremony()
    registration = register(here)
    message = badges._payload_bytes(
        badges.BadgePayload(here.pk, registration.reference, 1, 0, ("Jeanne1 Moulin",))
    )
    signature = keys.private_key(elsewhere).sign(badges.BADGE_CONTEXT + message)
    forged = "LB1:" + badges.b45encode(message + signature)
    with pytest.raises(badges.BadgeError) as error:
        badges.badge_verify(forged, ceremony=here)
    assert error.value.code == "bad_signature"


@pytest.mark.parametrize(
    "token", ["", "hello", "LB1:", "LB1:ZZZZ", "LB1:" + "A" * 3000, "LB1:%69 VD92EX0"]
)
def test_malformed_tokens_are_refused(make_ceremony, token):
    with pytest.raises(badges.BadgeError) as error:
        badges.badge_verify(token, ceremony=make_ceremony())
    assert error.value.code == "malformed"


def test_typed_code_is_stable_and_checked(make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony)
    code = badges.badge_code(registration)
    assert code == badges.badge_code(registration)
    reference, check = badges.code_split(code.lower().replace("-", " "))
    assert reference == registration.reference
    assert badges.code_matches(registration, check)
    wrong = "".join("A" if c != "A" else "B" for c in check)
    assert not badges.code_matches(registration, wrong)
    assert badges.code_split("ABCD") is None
    assert badges.code_split("ABCD0OI1KKKK") is None  # not in the alphabet


# --- Eligibility and lists ---------------------------------------------------------


def test_badge_needs_a_confirmed_registration_with_screening_approved(make_ceremony):
    ceremony = make_ceremony(screening_required=True)
    registration = register(ceremony)
    assert badges.badge_refusal(registration) == "screening"
    screening_decide(registration=registration, approved=True)
    registration.refresh_from_db()
    assert badges.badge_refusal(registration) is None

    refused = register(ceremony, n=2)
    screening_decide(registration=refused, approved=False)
    refused.refresh_from_db()
    assert badges.badge_refusal(refused) == "revoked"


def test_waitlisted_cancelled_and_revoked_have_no_badge(make_ceremony):
    ceremony = make_ceremony(capacity=1)
    holder = register(ceremony)
    waiting = register(ceremony, n=2, join_waitlist=True)
    assert badges.badge_refusal(waiting) == "not_confirmed"
    registration_cancel(registration=holder)
    holder.refresh_from_db()
    assert badges.badge_refusal(holder) == "revoked"
    other = make_ceremony()
    revoked = register(other, n=3)
    revoked.badge_revoked_at = timezone.now()
    revoked.save()
    assert badges.badge_refusal(revoked) == "revoked"


def test_revocation_and_attendee_lists_are_signed_and_complete(make_ceremony):
    ceremony = make_ceremony(capacity=10)
    kept = register(ceremony, companions=1)
    cancelled = register(ceremony, n=2)
    registration_cancel(registration=cancelled)
    revoked = register(ceremony, n=3)
    Registration.objects.filter(pk=revoked.pk).update(badge_revoked_at=timezone.now())

    revocations = badges.revocation_list(ceremony)
    document = badges.signed_document_verify(ceremony, revocations)
    assert document["kind"] == "revocations" and document["ceremony"] == ceremony.pk
    assert document["references"] == sorted([cancelled.reference, revoked.reference])
    assert dt.datetime.fromisoformat(document["issued_at"])

    attendees = badges.signed_document_verify(ceremony, badges.attendee_list(ceremony))
    assert list(attendees["attendees"]) == [kept.reference]
    entry = attendees["attendees"][kept.reference]
    assert entry == {
        "names": ["Jeanne1 Moulin", "Ami0 Résistant"],
        "seats": 2,
        "code": badges.badge_code(kept).split("-")[1],
    }

    # A list altered on the device, or signed by another ceremony, fails.
    altered = dict(revocations, document=revocations["document"].replace(revoked.reference, ""))
    assert badges.signed_document_verify(ceremony, altered) is None
    assert badges.signed_document_verify(make_ceremony(), revocations) is None


# --- Pages ---------------------------------------------------------------------------


@pytest.fixture
def confirmed(make_ceremony):
    ceremony = make_ceremony(screening_required=True)
    registration = register(ceremony, companions=1)
    screening_decide(registration=registration, approved=True)
    registration.refresh_from_db()
    return registration


def test_badge_page_shows_qr_code_names_ceremony_and_instructions(client, confirmed):
    token = management_token(confirmed)
    response = client.get(f"/fr/r/{token}/badge/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "LB1:" not in html  # the token is drawn, not printed
    assert "Jeanne1 Moulin" in html and "Ami0 Résistant" in html
    assert "Place Charles-de-Gaulle, Paris" in html
    assert "Pièce d’identité obligatoire" in html
    assert badges.badge_code(confirmed) in html
    assert f"/fr/r/{token}/badge.pdf" in html and f"/fr/r/{token}/badge.png" in html
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]


def test_badge_page_in_english(client, confirmed):
    response = client.get(f"/en/r/{management_token(confirmed)}/badge/")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_badge_png_renders(client, confirmed):
    response = client.get(f"/fr/r/{management_token(confirmed)}/badge.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "attachment" in response["Content-Disposition"]
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(response.content))
    assert image.size == printing.PAGE_SIZE


def test_badge_png_qr_code_decodes_to_a_valid_token(confirmed):
    """The QR code drawn on the badge holds a token that verifies (read back with
    segno's own matrix: the module grid of the PNG is exactly the token's)."""
    token = badges.badge_token(confirmed)
    qr = printing.qr_code(token)
    assert qr.mode == "alphanumeric"
    assert badges.badge_verify(token, ceremony=confirmed.ceremony).reference == (
        confirmed.reference
    )


def test_badge_pdf_renders(client, confirmed):
    response = client.get(f"/en/r/{management_token(confirmed)}/badge.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.4")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page " in response.content and b"/FlateDecode" in response.content


def test_pdf_is_readable_by_a_pdf_parser(confirmed):

    from PIL import PdfParser

    text = printing.BadgeText(
        heading="Badge",
        title="Cérémonie",
        when="8 mai",
        venue="Paris",
        names=["Jeanne Moulin"],
        seats_line="1 place",
        code_label="Code :",
        code="ABCD2345-K7QX",
        reference_line="",
        instructions_title="Consignes",
        instructions="Arrivée à 16 h 30.",
        footer="",
    )
    pdf = PdfParser.PdfParser(buf=printing.badge_pdf(badges.badge_token(confirmed), text))
    assert len(pdf.pages) == 1


def test_badge_not_available_before_screening_approval(client, make_ceremony):
    ceremony = make_ceremony(screening_required=True)
    registration = register(ceremony)
    token = management_token(registration)
    for suffix in ("badge/", "badge.png", "badge.pdf"):
        response = client.get(f"/fr/r/{token}/{suffix}")
        assert response.status_code == 403
    response = client.get(f"/en/r/{token}/badge/")
    assert "once the security services have approved" in response.content.decode()


def test_badge_not_available_once_cancelled(client, make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony)
    registration_cancel(registration=registration)
    response = client.get(f"/en/r/{management_token(registration)}/badge/")
    assert response.status_code == 403
    assert "there is no badge to show" in response.content.decode()


def test_badge_not_available_on_the_waiting_list(client, make_ceremony):
    ceremony = make_ceremony(capacity=1)
    register(ceremony)
    waiting = register(ceremony, n=2, join_waitlist=True)
    response = client.get(f"/en/r/{management_token(waiting)}/badge.pdf")
    assert response.status_code == 403


def test_badge_with_a_tampered_token_is_not_found(client, confirmed):
    token = management_token(confirmed)
    tampered = token[:-1] + ("a" if token[-1] != "a" else "b")
    for url in (f"/fr/r/{tampered}/badge/", "/fr/r/nothing/badge.png", "/en/r/x-y/badge.pdf"):
        response = client.get(url)
        assert response.status_code == 404, url
    assert "Link not valid" in client.get(f"/en/r/{tampered}/badge/").content.decode()


def test_badge_follows_companion_changes(confirmed):
    before = badges.badge_verify(badges.badge_token(confirmed), ceremony=confirmed.ceremony)
    companions_update(registration=confirmed, companions=[])
    confirmed.refresh_from_db()
    after = badges.badge_verify(badges.badge_token(confirmed), ceremony=confirmed.ceremony)
    assert (before.seats, after.seats) == (2, 1)
    assert after.names == ("Jeanne1 Moulin",)
