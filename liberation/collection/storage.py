"""Where contributed files are stored: never under a public URL.

`settings.STORAGES["collection_private"]` when configured (e.g. a private S3 bucket),
else a directory outside MEDIA_ROOT (`settings.COLLECTION_PRIVATE_ROOT`, default
BASE_DIR/private) that no URL serves; in memory when the default storage is (the test
settings). Files are served only by views that check the contributor's link, a
moderator's permission, or that the story is published (views.item_file).
"""

from django.core.files.storage import Storage

from liberation.core import uploads


def private_storage() -> Storage:
    return uploads.private_storage("collection")
