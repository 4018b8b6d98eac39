"""Uploaded files (MEDIA_ROOT) served with safe headers (issue 13, 6).

A file uploaded by an editor or a contributor must never run in the site's origin: the
browser is told not to guess its type (`X-Content-Type-Options: nosniff`), and anything
that is not an image, a sound or a video is downloaded, not shown
(`Content-Disposition: attachment`). SVG is an image that can carry scripts: it is
downloaded too.

- In development (`DEBUG`), `urlpatterns()` serves MEDIA_URL with these headers (in
  place of Django's bare `static()` helper).
- In production the reverse proxy serves MEDIA_ROOT: the nginx lines of
  docs/deployment.md ("Uploaded files") set the same headers.
- Wagtail documents (`/documents/…`) go through Wagtail's view, which sets nosniff and
  `Content-Disposition` from `WAGTAILDOCS_INLINE_CONTENT_TYPES` (settings/base.py: only
  videos inline).
"""

from django.conf import settings
from django.urls import URLPattern, re_path
from django.views.static import serve

INLINE_PREFIXES = ("image/", "audio/", "video/")
NEVER_INLINE = {"image/svg+xml"}


def is_inline(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith(INLINE_PREFIXES) and kind not in NEVER_INLINE


def with_safe_headers(response):
    response["X-Content-Type-Options"] = "nosniff"
    if not is_inline(response.get("Content-Type", "")):
        current = response.get("Content-Disposition", "")  # FileResponse: inline; filename=…
        response["Content-Disposition"] = (
            "attachment" + current[len("inline") :]
            if (current.startswith("inline"))
            else "attachment"
        )
    return response


def serve_media(request, path: str):
    return with_safe_headers(serve(request, path, document_root=settings.MEDIA_ROOT))


def urlpatterns() -> list[URLPattern]:
    if not settings.DEBUG:
        return []
    prefix = settings.MEDIA_URL.lstrip("/")
    return [re_path(rf"^{prefix}(?P<path>.*)$", serve_media, name="media")]
