"""Contributing, FR and EN: start from an email, the private link, the story and rights
forms, items checked by content, sending; every kind of bad input."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from liberation.collection import items as items_service
from liberation.collection.factories import PDF, jpeg_bytes, png_bytes, story_make
from liberation.collection.models import AuditEntry, Item, Story
from liberation.collection.services import token_hash
from liberation.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db
State = Story.State


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_start_page_renders(client, lang):
    response = client.get(f"/{lang}/collection/contribute/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Cache-Control"] == "private, no-store"
    text = response.content.decode()
    assert ("Partager un témoignage" if lang == "fr" else "Share a testimony") in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_start_emails_a_link_whose_token_only_hashed_is_stored(client, link_token, lang):
    response = client.post(
        f"/{lang}/collection/contribute/", {"email": "Anne@Example.org", "homepage": ""}
    )
    assert (
        response.status_code == 303
        and response["Location"] == f"/{lang}/collection/contribute/sent/"
    )
    story = Story.objects.get()
    assert story.state == State.DRAFT and story.contributor_language == lang
    assert story.email == "anne@example.org"
    token = link_token(lang)
    assert story.token_hash == token_hash(token) and token not in story.token_hash
    message = OutboxMessage.objects.get(source="collection")
    assert message.language == lang and message.to == "anne@example.org"
    # The link opens the space and proves the address.
    response = client.get(f"/{lang}/collection/c/{token}/")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    story.refresh_from_db()
    assert story.email_verified_at is not None


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_honeypot_and_bad_email_refused_nothing_written(client, lang):
    response = client.post(
        f"/{lang}/collection/contribute/", {"email": "a@example.org", "homepage": "x"}
    )
    assert response.status_code == 400
    assert (
        "champ qui doit rester vide" if lang == "fr" else "must stay empty"
    ) in response.content.decode()
    response = client.post(
        f"/{lang}/collection/contribute/", {"email": "not-an-email", "homepage": ""}
    )
    assert response.status_code == 400
    assert not Story.objects.exists() and not OutboxMessage.objects.exists()


def test_start_is_rate_limited_per_email(client, settings):
    settings.REGISTRATION_EMAIL_RATE_LIMIT = (2, 60)
    for _ in range(2):
        assert (
            client.post("/fr/collection/contribute/", {"email": "b@example.org"}).status_code == 303
        )
    response = client.post("/fr/collection/contribute/", {"email": "b@example.org"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Story.objects.count() == 2


@pytest.mark.parametrize("token", ["nope", "x" * 200, "a-b_c"])
def test_tampered_link_is_404(client, token):
    response = client.get(f"/en/collection/c/{token}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_story_form_saves_valid_fields_and_refuses_a_third_language(client, communes, lang):
    story, token = story_make(title="", language="", commune=None)
    url = f"/{lang}/collection/c/{token}/story/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Le 7 juin",
            "summary": "Souvenirs",
            "date_from": "1944-06-07",
            "date_until": "",
            "commune": "Bayeux",
            "language": "de",
            "keywords": " Bayeux ,, libération ",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert ("en français ou en anglais" if lang == "fr" else "in French or in English") in text
    story.refresh_from_db()
    assert story.title == "Le 7 juin" and story.language == ""
    assert story.commune == communes["14047"] and story.keywords == "Bayeux, libération"
    response = client.post(
        url,
        {
            "title": "Le 7 juin",
            "summary": "S",
            "date_from": "1944-06-07",
            "commune": "14047",
            "language": "en",
        },
    )
    assert response.status_code == 303
    story.refresh_from_db()
    assert story.language == "en"


def test_period_must_be_ordered(client, communes):
    story, token = story_make(commune=communes["14047"])
    response = client.post(
        f"/en/collection/c/{token}/story/",
        {
            "title": "T",
            "summary": "S",
            "date_from": "1944-06-07",
            "date_until": "1944-06-01",
            "commune": "14047",
            "language": "fr",
        },
    )
    assert response.status_code == 400
    assert "must end after it starts" in response.content.decode()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rights_form(client, lang):
    story, token = story_make(licence="", rights_declared=False)
    url = f"/{lang}/collection/c/{token}/rights/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "attribution": "name",
            "contributor_name": "Anne Martin",
            "rights_declared": "on",
            "licence": "cc-by-4.0",
            "living_people": "consented",
            "originals": "gift",
        },
    )
    assert response.status_code == 303
    story.refresh_from_db()
    assert story.licence == "cc-by-4.0" and story.rights_declared and story.credit == "Anne Martin"
    response = client.post(url, {"licence": "all-rights-to-me"})
    assert response.status_code == 400


def _upload(client, token, name, data, caption="Une photo", lang="fr"):
    return client.post(
        f"/{lang}/collection/c/{token}/items/",
        {"file": SimpleUploadedFile(name, data), "caption": caption, "date": "1944"},
    )


def test_upload_is_processed_and_stripped_of_metadata(client):
    story, token = story_make()
    exif = Image.Exif()
    exif[0x8825] = {2: (49.0, 16.0, 35.0)}  # GPS latitude
    exif[0x010F] = "Camera of grandpa"
    response = _upload(client, token, "scan.JPG", jpeg_bytes(exif=exif.tobytes()))
    assert response.status_code == 303
    item = Item.objects.get()
    assert item.state == Item.State.READY and item.content_type == "image/jpeg"
    stored = item.file.open("rb").read()
    assert b"Camera of grandpa" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    # The contributor sees it (never cached); the public does not, before publication.
    response = client.get(f"/fr/collection/c/{token}/items/{item.public_id}/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    response = client.get(f"/fr/collection/s/{story.public_id}/f/{item.public_id}/")
    assert response.status_code == 404


def test_tiff_becomes_png_and_pdf_is_kept(client):
    story, token = story_make()
    out = io.BytesIO()
    Image.new("RGB", (30, 20)).save(out, "TIFF")
    assert _upload(client, token, "scan.tif", out.getvalue()).status_code == 303
    assert _upload(client, token, "lettre.pdf", PDF).status_code == 303
    tiff, pdf = Item.objects.order_by("pk")
    assert tiff.content_type == "image/png" and tiff.file.name.endswith(".png")
    assert pdf.content_type == "application/pdf" and pdf.state == Item.State.READY


@pytest.mark.parametrize(
    ("name", "data", "status", "fr", "en"),
    [
        ("photo.png", jpeg_bytes(), 400, "son contenu est du JPG", "its content is JPG"),
        (
            "x.svg",
            b"<svg><script>alert(1)</script></svg>",
            400,
            "JPEG, PNG, TIFF et PDF, et les enregistrements audio ou vidéo",
            "JPEG, PNG, TIFF and PDF files, and audio or video recordings",
        ),
        ("empty.jpg", b"", 400, "", ""),
    ],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_bad_files_refused_in_the_request(client, name, data, status, fr, en, lang):
    story, token = story_make()
    response = _upload(client, token, name, data, lang=lang)
    assert response.status_code == status
    assert (fr if lang == "fr" else en) in response.content.decode()
    assert not Item.objects.exists()


def test_caption_is_required(client):
    story, token = story_make()
    response = client.post(
        f"/en/collection/c/{token}/items/",
        {"file": SimpleUploadedFile("a.jpg", jpeg_bytes()), "caption": ""},
    )
    assert response.status_code == 400 and "Write a caption" in response.content.decode()
    assert not Item.objects.exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_damaged_image_and_polyglot_refused_by_the_worker_in_the_contributor_language(client, lang):
    story, token = story_make(contributor_language=lang)
    damaged = jpeg_bytes()[:40]
    assert _upload(client, token, "broken.jpg", damaged, lang=lang).status_code == 303
    exe = b"MZ" + b"\0" * 0x3A + (0x40).to_bytes(4, "little") + b"PE\x00\x00"
    assert (
        _upload(
            client, token, "evil.pdf", b"%PDF-1.4\n" + exe + b"\n%%EOF\n", lang=lang
        ).status_code
        == 303
    )
    broken, evil = Item.objects.order_by("pk")
    assert broken.state == evil.state == Item.State.REFUSED
    assert not broken.file and not evil.file
    assert ("endommagée" if lang == "fr" else "damaged") in broken.refusal
    assert ("programme" if lang == "fr" else "program") in evil.refusal
    page = client.get(f"/{lang}/collection/c/{token}/items/").content.decode()
    assert broken.refusal in page.replace("&#x27;", "'").replace("&quot;", '"') or "Refus" in page


def test_decompression_bomb_refused(client, monkeypatch):
    monkeypatch.setattr(items_service, "MAX_PIXELS", 1_000)
    story, token = story_make()
    assert _upload(client, token, "big.png", png_bytes((100, 100))).status_code == 303
    item = Item.objects.get()
    assert item.state == Item.State.REFUSED and "pixels" in item.refusal


def test_too_large_body_refused_before_reading(client):
    story, token = story_make()
    response = client.post(
        f"/en/collection/c/{token}/items/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413 and "too large" in response.content.decode()
    assert not Item.objects.exists()


def test_too_many_items(client, monkeypatch):
    monkeypatch.setattr(items_service, "MAX_ITEMS", 1)
    story, token = story_make(items=1)
    response = _upload(client, token, "b.jpg", jpeg_bytes())
    assert response.status_code == 409
    assert Item.objects.count() == 1


def test_item_removed(client):
    story, token = story_make(items=1)
    item = story.items.get()
    response = client.post(f"/fr/collection/c/{token}/items/{item.public_id}/delete/")
    assert response.status_code == 303 and not Item.objects.exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_empty_story_cannot_be_sent(client, lang):
    story, token = story_make(title="", summary="")
    response = client.get(f"/{lang}/collection/c/{token}/submit/")
    assert response.status_code == 200
    response = client.post(f"/{lang}/collection/c/{token}/submit/")
    assert response.status_code == 409
    text = response.content.decode()
    assert ("Il manque" if lang == "fr" else "Some information is missing") in text
    assert ("Au moins une photographie" if lang == "fr" else "At least one photograph") in text
    story.refresh_from_db()
    assert story.state == State.DRAFT


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_complete_story_is_sent_once(client, lang):
    story, token = story_make(items=1, contributor_language=lang)
    response = client.post(f"/{lang}/collection/c/{token}/submit/")
    assert response.status_code == 303
    assert client.post(f"/{lang}/collection/c/{token}/submit/").status_code == 303  # idempotent
    story.refresh_from_db()
    assert story.state == State.NEEDS_REVIEW and story.submitted_at
    assert OutboxMessage.objects.filter(source="collection", kind="submitted").count() == 1
    assert AuditEntry.objects.filter(story=story, action="submitted").count() == 1
    # Sent: no more changes, a clear 409.
    response = client.post(f"/{lang}/collection/c/{token}/story/", {"title": "Autre"})
    assert response.status_code == 409
    response = _upload(client, token, "c.jpg", jpeg_bytes(), lang=lang)
    assert response.status_code == 409
    story.refresh_from_db()
    assert story.title != "Autre" and story.items.count() == 1


def test_pseudonym_chosen_but_missing_blocks_sending(client):
    story, token = story_make(items=1, pseudonym="")
    assert client.post(f"/en/collection/c/{token}/submit/").status_code == 409


def test_a_story_still_processing_cannot_be_sent(client):
    story, token = story_make(items=1)
    Item.objects.create(story=story, original_name="x.jpg", content_type="image/jpeg", caption="x")
    assert client.post(f"/en/collection/c/{token}/submit/").status_code == 409


@pytest.mark.parametrize(("lang", "text"), [("fr", "25 Mo au plus"), ("en", "at most 25 MB")])
def test_items_page_speaks_the_request_language(client, lang, text):
    story, token = story_make(items=1)
    html = client.get(f"/{lang}/collection/c/{token}/items/").content.decode()
    assert text in html
