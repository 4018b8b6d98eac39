"""Security headers (issue 10, item 10): a Content-Security-Policy on every response (a
strict one on the public site, Wagtail's admin its own), no framing, and `check
--deploy` with the production variables of docs/deployment.md."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from liberation.core.middleware import build_policy

ROOT = Path(__file__).resolve().parents[3]


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_build_policy_reads_django_6s_format():
    config = {"default-src": ["'self'"], "upgrade-insecure-requests": True, "img-src": []}
    assert build_policy(config) == "default-src 'self'; upgrade-insecure-requests"


@pytest.mark.parametrize(
    "path, status",
    [
        ("/fr/", 200),
        ("/en/", 200),
        ("/fr/recherche/?q=cherbourg", 200),
        ("/fr/page-qui-n-existe-pas/", 404),
        ("/api/search/?q=cherbourg", 200),
        ("/api/search/", 400),
        ("/robots.txt", 200),
        ("/admin/login/", 200),
    ],
)
def test_every_response_has_a_policy(client, structure, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response["Content-Security-Policy"]


def test_the_public_policy_runs_the_sites_scripts_only(client, structure):
    response = client.get("/fr/")
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "https://www.youtube-nocookie.com" in directives["frame-src"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_registration_form_page_has_no_inline_style_or_script(client, make_page):
    """The form's hidden field used an inline style, which style-src 'self' refuses."""
    import datetime as dt

    from django.utils import timezone

    from liberation.events.models import CeremonyPage, RegistrationSettings

    now = timezone.now()
    ceremony = RegistrationSettings.objects.create(
        name="csp",
        capacity=3,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
    )
    make_page(
        CeremonyPage,
        title="Cérémonie",
        section="ceremonies",
        starts_at=now + dt.timedelta(days=3),
        venue="Paris",
        registration_required=True,
        registration=ceremony,
    )
    response = client.get(f"/fr/r/inscription/{ceremony.pk}/")
    html = response.content.decode()
    assert 'id="registration-form"' in html
    assert policy(response)["style-src"] == ["'self'"]
    assert " style=" not in html
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all("application/" in attrs for attrs in inline_scripts), inline_scripts


@pytest.fixture
def admin_client(client, django_user_model, structure):
    user = django_user_model.objects.create_superuser("csp-admin", "a@example.org", "pw")
    client.force_login(user)
    return client


def test_the_admin_loads_under_its_own_policy(admin_client, structure):
    home = structure.homes["fr"]
    paths = ["/admin/", "/admin/pages/", "/admin/images/", "/admin/documents/", "/admin/users/"]
    paths += [f"/admin/pages/{home.pk}/", f"/admin/pages/{home.pk}/edit/"]
    for path in paths:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        directives = policy(response)
        assert "'unsafe-inline'" in directives["script-src"], path
        assert directives["frame-ancestors"] == ["'self'"], path


def test_wagtails_preview_may_still_be_framed_by_the_admin(admin_client, structure):
    from wagtail.models import Page

    page = Page.objects.filter(depth__gt=1).live().first().specific
    response = admin_client.get(f"/admin/pages/{page.pk}/edit/preview/")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(response)["frame-ancestors"] == ["'self'"]


# -- check --deploy with the production variables -----------------------------------------

# The warnings `check --deploy` still gives with the documented variables, each explained
# in docs/deployment.md ("Security checks").
EXPLAINED = {"security.W021"}
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "liberation.settings.production",
    "SECRET_KEY": "a-production-secret-of-fifty-characters-or-more-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "liberation.example.org",
    "SITE_URL": "https://liberation.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://liberation.example.org",
    "HTTPS": "true",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # read only: check opens no connection
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "MEDIA_ROOT": "/tmp/liberation-media",
}


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _warnings(result: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\((security\.W\d+|[a-z_.]+\.[WE]\d+)\)", result.stderr + result.stdout))


@pytest.mark.parametrize("database", ["sqlite:////tmp/liberation-check.sqlite3", "postgres"])
def test_check_deploy_gives_no_unexplained_warning(database):
    url = database if database != "postgres" else "postgres://u@db.example.org:5432/liberation"
    result = _manage({**PRODUCTION, "DATABASE_URL": url}, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert _warnings(result) <= EXPLAINED, result.stderr
    docs = (ROOT / "docs" / "deployment.md").read_text()
    for warning in EXPLAINED:
        assert warning in docs


def test_check_deploy_is_clean_once_the_domain_chooses_preload():
    result = _manage({**PRODUCTION, "HSTS_PRELOAD": "true"}, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert _warnings(result) == set(), result.stderr


def test_production_sends_hsts_with_subdomains():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.X_FRAME_OPTIONS)"
    )
    result = _manage(PRODUCTION, "shell", "-v", "0", "-c", code)
    assert result.stdout.split()[-4:] == ["31536000", "True", "True", "DENY"], result.stderr
