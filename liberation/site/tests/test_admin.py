"""The first admin account (`ensure_admin`, run by `make run`)."""

from django.core.management import call_command


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
