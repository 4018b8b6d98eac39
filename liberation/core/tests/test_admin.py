"""Image metadata required by the editors' forms."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images.forms import get_image_form

from liberation.core.models import CustomImage

# A 1×1 transparent GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.mark.parametrize("missing", ["alt_text", "credit"])
def test_image_form_requires_alt_text_and_credit(db, missing):
    data = {"title": "Cherbourg, juin 1944", "alt_text": "Le port détruit", "credit": "NARA"}
    data.pop(missing)
    form = get_image_form(CustomImage)(
        data=data, files={"file": SimpleUploadedFile("p.gif", GIF, content_type="image/gif")}
    )
    assert not form.is_valid()
    assert missing in form.errors
