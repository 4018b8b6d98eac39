"""Where contributed files are stored: never under a public URL.

`settings.STORAGES["collection_private"]` when configured (e.g. a private S3 bucket),
else a directory outside MEDIA_ROOT (`settings.COLLECTION_PRIVATE_ROOT`, default
BASE_DIR/private) that no URL serves; in memory when the default storage is (the test
settings). Files are served only by views that check the contributor's link, a
moderator's permission, or that the story is published (views.item_file).
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, InMemoryStorage, Storage, storages


@cache
def _private_storage() -> Storage:
    if "collection_private" in settings.STORAGES:
        return storages["collection_private"]
    if settings.STORAGES["default"]["BACKEND"].endswith("InMemoryStorage"):
        return InMemoryStorage()
    root = getattr(settings, "COLLECTION_PRIVATE_ROOT", None) or Path(settings.BASE_DIR) / "private"
    return FileSystemStorage(location=root, base_url="/no-public-url/")


def private_storage() -> Storage:
    return _private_storage()
