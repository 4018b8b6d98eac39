"""Where attachments are stored: never under a public URL.

`settings.STORAGES["programme_private"]` when configured (e.g. a private S3 bucket),
else a directory outside MEDIA_ROOT (`settings.PROGRAMME_PRIVATE_ROOT`, default
BASE_DIR/private) that no URL serves; in memory when the default storage is (the test
settings). Files are served only by views that check the organiser's link or a
reviewer's scope (attachments.attachment_response).

The model's FileField names this callable, so `attachment.file.open()` reads from here
wherever it is called (organiser and reviewer views alike).
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, InMemoryStorage, Storage, storages


@cache
def _private_storage() -> Storage:
    if "programme_private" in settings.STORAGES:
        return storages["programme_private"]
    if settings.STORAGES["default"]["BACKEND"].endswith("InMemoryStorage"):
        return InMemoryStorage()
    root = getattr(settings, "PROGRAMME_PRIVATE_ROOT", None) or Path(settings.BASE_DIR) / "private"
    return FileSystemStorage(location=root, base_url="/no-public-url/")


def private_storage() -> Storage:
    return _private_storage()
