"""Where attachments are stored: never under a public URL.

`settings.STORAGES["programme_private"]` when configured (e.g. a private S3 bucket),
else a directory outside MEDIA_ROOT (`settings.PROGRAMME_PRIVATE_ROOT`, default
BASE_DIR/private) that no URL serves; in memory when the default storage is (the test
settings). Files are served only by views that check the organiser's link or a
reviewer's scope (attachments.attachment_response).

The model's FileField names this callable, so `attachment.file.open()` reads from here
wherever it is called (organiser and reviewer views alike).
"""

from django.core.files.storage import Storage

from liberation.core import uploads


def private_storage() -> Storage:
    return uploads.private_storage("programme")
