"""Admin account bootstrap and image metadata required by the editors' forms."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from wagtail.images.forms import get_image_form

from liberation.core.models import CustomImage

# A 1×1 transparent GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def test_ensure_admin_generates_a_password_once(db, django_user_model, monkeypatch, capsys):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("ADMIN_USERNAME", "chef")
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = out.split("chef / ")[1].split(" ")[0]
    user = django_user_model.objects.get(username="chef")
    assert user.is_superuser and user.check_password(password)
    call_command("ensure_admin")
    assert capsys.readouterr().out == ""
    assert django_user_model.objects.count() == 1


def test_ensure_admin_takes_the_password_from_the_environment(db, django_user_model, monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "chef")
    monkeypatch.setenv("ADMIN_PASSWORD", "un-mot-de-passe-long")
    call_command("ensure_admin")
    assert django_user_model.objects.get(username="chef").check_password("un-mot-de-passe-long")


@pytest.mark.parametrize("missing", ["alt_text", "credit"])
def test_image_form_requires_alt_text_and_credit(db, missing):
    data = {"title": "Cherbourg, juin 1944", "alt_text": "Le port détruit", "credit": "NARA"}
    data.pop(missing)
    form = get_image_form(CustomImage)(
        data=data, files={"file": SimpleUploadedFile("p.gif", GIF, content_type="image/gif")}
    )
    assert not form.is_valid()
    assert missing in form.errors
