"""The shared upload checks (core/uploads.py): by content, metadata gone, bombs refused."""

import io

import pytest
from PIL import Image

from liberation.core import uploads


def _image(fmt: str, size=(40, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, fmt, **save)
    return out.getvalue()


def test_sniff_by_content_not_name():
    assert uploads.sniff(_image("JPEG")[:16]) == uploads.JPEG
    assert uploads.sniff(_image("PNG")[:16]) == uploads.PNG
    assert uploads.sniff(_image("TIFF")[:16]) == uploads.TIFF
    assert uploads.sniff(b"%PDF-1.7\n") == uploads.PDF
    assert uploads.sniff(b"<svg xmlns='http://www.w3.org/2000/svg'><script>") == ""


def test_lying_name_is_refused():
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.name_agrees(
            name="photo.png", content_type=uploads.JPEG, accepted=uploads.EXTENSIONS
        )
    assert refused.value.code == "type"


def test_tiff_becomes_png_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    out = io.BytesIO()
    Image.new("RGB", (20, 10)).save(out, "TIFF", exif=exif)
    result = uploads.reencode_image(out.getvalue(), uploads.TIFF)
    assert result.content_type == uploads.PNG
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.format == "PNG" and not image.getexif()
    assert b"Camera maker" not in result.data


def test_jpeg_loses_exif_gps():
    exif = Image.Exif()
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPSInfo: latitude
    exif[0x010F] = "Secret camera"
    data = _image("JPEG", exif=exif.tobytes())
    result = uploads.reencode_image(data, uploads.JPEG)
    assert b"Secret camera" not in result.data
    with Image.open(io.BytesIO(result.data)) as image:
        assert not image.getexif()


def test_too_many_pixels_refused_before_decoding():
    data = _image("PNG", size=(2000, 2000))
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.reencode_image(data, uploads.PNG, max_pixels=1_000_000)
    assert refused.value.code == "too_large"


def test_polyglot_pdf_refused():
    exe = b"MZ" + b"\0" * 0x3A + (0x40).to_bytes(4, "little") + b"PE\x00\x00"
    with pytest.raises(uploads.UploadRefused):
        uploads.check_pdf(b"%PDF-1.4\n" + exe + b"\n%%EOF\n")
    with pytest.raises(uploads.UploadRefused):
        uploads.check_pdf(b"%PDF-1.4\n truncated")
    assert uploads.check_pdf(b"%PDF-1.4\n%%EOF\n")


def test_private_storage_per_app(settings, tmp_path):
    from pathlib import Path

    from django.core.files.storage import FileSystemStorage, InMemoryStorage

    from liberation.core.uploads import private_storage

    make = private_storage.__wrapped__
    assert isinstance(make("collection"), InMemoryStorage)  # the test settings' default
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "press_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "bucket")},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COLLECTION_PRIVATE_ROOT = tmp_path / "private-collection"
    collection = make("collection")
    assert isinstance(collection, FileSystemStorage)
    assert Path(collection.location) == tmp_path / "private-collection"
    assert Path(make("press").location) == tmp_path / "bucket"
