import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from liberation.programme import attachments
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Attachment, Project
from liberation.programme.services import ApplicationError

pytestmark = pytest.mark.django_db
State = Project.State

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x8825] = {2: (48.0, 51.0, 24.0), 1: "N"}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "PNG")
    return out.getvalue()


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A few hundred bytes that claim 10 billion pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def exe() -> bytes:
    header = bytearray(b"MZ" + b"\0" * 0x3A + struct.pack("<I", 0x80) + b"\0" * 0x40)
    return bytes(header) + b"PE\0\0" + b"\0" * 200


@pytest.fixture
def draft():
    return project_make(campaign=campaign_make(), state=State.DRAFT)


def test_pdf_accepted(draft):
    project, _ = draft
    attachment = attachments.attachment_add(project_id=project.pk, name="affiche.pdf", data=PDF)
    assert attachment.content_type == "application/pdf"
    assert attachments.private_storage().open(attachment.file.name).read() == PDF
    with Attachment.objects.get().file.open("rb") as handle:  # as the reviewers' views read it
        assert handle.read() == PDF
    assert attachment.file.storage is attachments.private_storage()


def test_jpeg_reencoded_without_exif_and_gps(draft):
    project, _ = draft
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif()
    attachment = attachments.attachment_add(project_id=project.pk, name="photo.JPG", data=data)
    stored = attachments.private_storage().open(attachment.file.name).read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
    assert b"Camera maker" not in stored


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("photo.pdf", png(), "type"),  # lying extension
        ("image.png", PDF, "type"),
        ("programme.pdf", exe(), "type"),  # an executable renamed .pdf
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "type"),
        ("polyglot.pdf", PDF[:-7] + exe() + b"\n%%EOF\n", "file"),
        ("elf.pdf", b"%PDF-1.4\n\x7fELF" + b"\0" * 50 + b"%%EOF", "file"),
        ("truncated.pdf", b"%PDF-1.4\n1 0 obj", "file"),
        ("bomb.png", png_bomb(), "file"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "file"),
        ("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), "too_large"),
        ("empty.pdf", b"", "file"),
    ],
)
def test_bad_files_are_refused_and_nothing_stored(draft, name, data, code):
    project, _ = draft
    with pytest.raises(ApplicationError) as error:
        attachments.attachment_add(project_id=project.pk, name=name, data=data)
    assert error.value.code == code
    assert not Attachment.objects.exists()


def test_the_sixth_file_is_refused(draft):
    project, _ = draft
    for i in range(5):
        attachments.attachment_add(project_id=project.pk, name=f"{i}.pdf", data=PDF)
    with pytest.raises(ApplicationError) as error:
        attachments.attachment_add(project_id=project.pk, name="6.pdf", data=PDF)
    assert error.value.code == "too_many"
    assert Attachment.objects.count() == 5


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_upload_view_download_and_delete(client, draft, lang):
    project, token = draft
    upload = SimpleUploadedFile("photo.jpg", jpeg_with_gps(), content_type="image/jpeg")
    r = client.post(f"/{lang}/label/p/{token}/files/", {"file": upload})
    assert r.status_code == 303
    attachment = Attachment.objects.get()
    page = client.get(f"/{lang}/label/p/{token}/step/budget/")
    assert "photo.jpg" in page.content.decode()
    download = client.get(f"/{lang}/label/p/{token}/files/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    other, other_token = project_make(campaign=project.campaign, state=State.DRAFT)
    assert client.get(f"/{lang}/label/p/{other_token}/files/{attachment.pk}/").status_code == 404
    assert client.get(f"/{lang}/label/files/{attachment.pk}/").status_code == 404  # anonymous
    r = client.post(f"/{lang}/label/p/{token}/files/{attachment.pk}/delete/")
    assert r.status_code == 303 and not Attachment.objects.exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_upload_view_refuses_with_a_message(client, draft, lang):
    _, token = draft
    upload = SimpleUploadedFile("virus.pdf", exe(), content_type="application/pdf")
    r = client.post(f"/{lang}/label/p/{token}/files/", {"file": upload})
    assert r.status_code == 400
    assert "PDF" in r.content.decode() and not Attachment.objects.exists()
    bomb = SimpleUploadedFile("bomb.png", png_bomb(), content_type="image/png")
    assert client.post(f"/{lang}/label/p/{token}/files/", {"file": bomb}).status_code == 400


def test_a_50_mb_body_is_refused_before_it_is_read(client, draft):
    _, token = draft
    r = client.post(
        f"/en/label/p/{token}/files/",
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert r.status_code == 413
    assert "10 MB" in r.content.decode()


def test_an_11_mb_upload_is_refused(client, draft):
    _, token = draft
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024))
    r = client.post(f"/en/label/p/{token}/files/", {"file": upload})
    assert r.status_code == 413 and not Attachment.objects.exists()


def test_staff_of_the_departement_may_download(client, django_user_model):
    from liberation.places.factories import communes_sample
    from liberation.programme.models import ReviewerScope

    communes = communes_sample()
    project, _ = project_make(
        campaign=campaign_make(), commune=communes["14118"], state=State.DRAFT
    )
    attachment = attachments.attachment_add(project_id=project.pk, name="a.pdf", data=PDF)
    user = django_user_model.objects.create_user("rev", password="x")
    scope = ReviewerScope.objects.create(user=user)
    client.force_login(user)
    assert client.get(f"/fr/label/files/{attachment.pk}/").status_code == 404
    scope.departements.add(communes["14118"].departement)
    assert client.get(f"/fr/label/files/{attachment.pk}/").status_code == 200


def test_files_live_outside_media_root(settings, tmp_path):
    from pathlib import Path

    from liberation.core.uploads import private_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROGRAMME_PRIVATE_ROOT = tmp_path / "private"
    storage = private_storage.__wrapped__("programme")
    assert Path(storage.location) == tmp_path / "private"
    assert not Path(storage.location).is_relative_to(settings.MEDIA_ROOT)


def test_png_reencoded_without_text_chunks(draft):
    from PIL import PngImagePlugin

    project, _ = draft
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jeanne Martin, 12 rue des Lilas")
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "PNG", pnginfo=info)
    attachment = attachments.attachment_add(
        project_id=project.pk, name="scan.png", data=out.getvalue()
    )
    stored = attachment.file.open("rb").read()
    assert b"Jeanne" not in stored and b"tEXt" not in stored
    assert Image.open(io.BytesIO(stored)).format == "PNG"
