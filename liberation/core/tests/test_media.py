"""Uploaded files served with safe headers (core/media.py), in development and through
Wagtail's document view."""

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, resolve, set_urlconf
from wagtail.documents import get_document_model

from liberation.core import media

FILES = {
    "photo.jpg": (b"\xff\xd8\xff\xe0" + b"0" * 32, "image/jpeg", False),
    "son.mp3": (b"ID3" + b"0" * 32, "audio/mpeg", False),
    "film.mp4": (b"\x00\x00\x00\x18ftypmp42" + b"0" * 32, "video/mp4", False),
    "page.html": (b"<script>alert(1)</script>", "text/html", True),
    "dessin.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "", True),
    "notes.txt": (b"hello", "text/plain", True),
    "sans-extension": (b"<html><script>alert(1)</script>", "", True),
    "doc.pdf": (b"%PDF-1.4", "application/pdf", True),
}


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    for name, (content, _type, _attachment) in FILES.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


@pytest.mark.parametrize("name", FILES)
def test_media_headers(rf, media_root, name):
    _content, _type, attachment = FILES[name]
    response = media.serve_media(rf.get(f"/media/{name}"), name)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response.get("Content-Disposition", "")
    assert disposition.startswith("attachment") is attachment


def test_media_served_in_development_only(settings, media_root, client):
    assert media.urlpatterns() == []  # production: the proxy serves MEDIA_ROOT
    settings.DEBUG = True
    assert resolve("/media/page.html", urlconf=type("U", (), {"urlpatterns": media.urlpatterns()}))


def test_media_url_in_development(settings, media_root, client):
    """Through the project's URLs with DEBUG on (the URL conf is rebuilt)."""
    import importlib

    import liberation.urls

    settings.DEBUG = True
    try:
        with override_settings(ROOT_URLCONF="liberation.urls"):
            importlib.reload(liberation.urls)
            clear_url_caches()
            response = client.get("/media/page.html")
            assert response.status_code == 200
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"
            photo = client.get("/media/photo.jpg").get("Content-Disposition", "")
            assert not photo.startswith("attachment")
    finally:
        settings.DEBUG = False
        importlib.reload(liberation.urls)
        clear_url_caches()
        set_urlconf(None)


@pytest.mark.parametrize(
    ("name", "inline"),
    [("rapport.pdf", False), ("liste.csv", False), ("notes.txt", False), ("film.mp4", True)],
)
def test_documents_download_unless_video(db, client, settings, tmp_path, name, inline):
    settings.MEDIA_ROOT = tmp_path  # on disk, as in production (the tests keep files in memory)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    document = get_document_model().objects.create(
        title=name, file=ContentFile(b"%PDF-1.4 or whatever", name=name)
    )
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment") is not inline
