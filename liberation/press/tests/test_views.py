"""The journalist's pages, in French and English: request, bad input, the badge."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from liberation.mail.models import OutboxMessage
from liberation.press import services
from liberation.press.models import Accreditation

from .conftest import PDF

State = Accreditation.State
pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "outlet": "Le Monde",
        "role": "writer",
        "press_card": "12345",
        "given_name": "Albert",
        "surname": "Londres",
        "birth_date": "1980-05-01",
        "letter": SimpleUploadedFile("lettre.pdf", PDF, "application/pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("lang", "text"), [("fr", "Accréditation presse"), ("en", "Press accreditation")]
)
def test_start_page_and_link_email(client, make_press, lang, text):
    press = make_press()
    response = client.get(f"/{lang}/accreditation/{press.pk}/")
    assert response.status_code == 200
    assert text in response.content.decode()
    assert "Pool A" in response.content.decode()
    response = client.post(f"/{lang}/accreditation/{press.pk}/", {"email": "j@example.org"})
    assert response.status_code == 303
    message = OutboxMessage.objects.get(source="press", kind="link")
    assert f"/{lang}/accreditation/a/" in message.body and message.language == lang


def test_honeypot_and_bad_email(client, make_press):
    press = make_press()
    url = f"/en/accreditation/{press.pk}/"
    assert client.post(url, {"email": "j@example.org", "homepage": "x"}).status_code == 400
    assert client.post(url, {"email": "not an email"}).status_code == 400
    assert not Accreditation.objects.exists()


@pytest.mark.parametrize(("lang", "text"), [("fr", "ont fermé"), ("en", "closed on")])
def test_after_the_deadline(client, make_press, lang, text):
    press = make_press(starts_in=10, deadline_weeks=3)
    response = client.post(f"/{lang}/accreditation/{press.pk}/", {"email": "j@example.org"})
    assert response.status_code == 200 or response.status_code == 409
    assert text in response.content.decode()
    assert not Accreditation.objects.exists()


@pytest.fixture
def draft(make_press):
    press = make_press()
    return services.accreditation_start(press_id=press.pk, email="j@example.org", language="fr")


def test_request_sent(client, draft):
    url = f"/fr/accreditation/a/{draft.token}/"
    page = client.get(url)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    response = client.post(url, _form())
    assert response.status_code == 303
    draft.accreditation.refresh_from_db()
    assert draft.accreditation.state == State.SUBMITTED
    page = client.get(url).content.decode()
    assert "En attente d’examen" in page or "Awaiting review" in page


@pytest.mark.parametrize(
    ("lang", "name", "data", "text"),
    [
        ("fr", "lettre.pdf", b"\x89PNG\r\n\x1a\nnot really", "image"),
        ("en", "letter.pdf", b"<svg onload=alert(1)>", "Only PDF, JPEG and PNG"),
        ("en", "letter.png", PDF, "PNG"),
    ],
)
def test_letter_checked_by_content(client, draft, lang, name, data, text):
    url = f"/{lang}/accreditation/a/{draft.token}/"
    response = client.post(url, _form(letter=SimpleUploadedFile(name, data)))
    assert response.status_code == 400
    assert text in response.content.decode()
    draft.accreditation.refresh_from_db()
    assert draft.accreditation.state == State.DRAFT and not draft.accreditation.letter


def test_missing_fields_400_in_both_languages(client, draft):
    for lang, text in (("fr", "Champ requis"), ("en", "This field is required")):
        response = client.post(f"/{lang}/accreditation/a/{draft.token}/", _form(outlet=""))
        assert response.status_code == 400 and text in response.content.decode()


def test_quota_refused_409(client, make_press, submitted):
    press = make_press(quota=1)
    submitted(press, "Le Monde", 1)
    other = services.accreditation_start(press_id=press.pk, email="k@example.org", language="en")
    response = client.post(f"/en/accreditation/a/{other.token}/", _form(outlet="LE MONDE"))
    assert response.status_code == 409
    assert "the most an outlet may have" in response.content.decode()
    with translation.override("fr"):
        response = client.post(f"/fr/accreditation/a/{other.token}/", _form(outlet="le monde"))
    assert response.status_code == 409 and "au plus" in response.content.decode()


def test_unknown_link_404(client):
    assert client.get("/fr/accreditation/a/nope/").status_code == 404
    assert client.get("/en/accreditation/a/" + "x" * 200 + "/").status_code == 404


def test_badge_only_once_approved(client, make_press, submitted):
    press = make_press()
    started = submitted(press)
    url = f"/en/accreditation/a/{started.token}/badge/"
    assert client.get(url).status_code == 403
    services.accreditation_approve(
        accreditation_id=started.accreditation.pk, pool_id=press.pools.get().pk, actor="s"
    )
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "PRESS-" in body and "Pool A" in body
    client.post(f"/en/accreditation/a/{started.token}/withdraw/")
    assert client.get(url).status_code == 403
