"""Pages load their styles and scripts with the production static storage.

The test settings serve static files unhashed; production (`make run`) uses whitenoise's
manifest storage, which rewrites CSS. This collects the static files as production does
and checks that every stylesheet and script a page references exists, and matches its
subresource-integrity hash when it has one (a mismatch makes browsers drop the file).
"""

import base64
import hashlib
import re

import pytest
from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ASSET = re.compile(r'<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+)"[^>]*>', re.S)
INTEGRITY = re.compile(r'integrity="sha(\d+)-([^"]+)"')


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


@pytest.mark.django_db
def test_assets_exist_and_match_their_integrity(client, structure, static_root, settings):
    settings.DEBUG = False
    with override_settings(STORAGES=PRODUCTION_STORAGES, STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        html = client.get("/fr/").content.decode()
    tags = [m.group(0) for m in ASSET.finditer(html)]
    assert any("dsfr" in tag and "stylesheet" in tag for tag in tags)
    for tag in tags:
        path = ASSET.match(tag).group(1).removeprefix("/static/")
        file = static_root / path
        assert file.is_file(), f"{path} is referenced but not collected"
        integrity = INTEGRITY.search(tag)
        if integrity:
            bits, expected = integrity.groups()
            digest = hashlib.new(f"sha{bits}", file.read_bytes()).digest()
            assert base64.b64encode(digest).decode() == expected, f"{path}: integrity mismatch"
