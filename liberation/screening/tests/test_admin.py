"""Screening in registrations' staff pages (through registrations.extensions, registered
in screening/apps.py): the buttons on a ceremony's page, and who may reach the export
and import pages (the parts of registrations' admin tests that were screening's)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from liberation.registrations import extensions
from liberation.registrations.models import AuditLog, Registration
from liberation.registrations.services import Person, RegistrationRequest, registration_create
from liberation.registrations.staff_services import staff_group_ensure

BUTTON = 'class="button bicolor button--icon button-secondary" href="{}"'


def register(ceremony, n):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org", registrant=Person(given_name="Jeanne", surname="M")
        ),
    ).registration


def english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", "staff@example.org", "pw")
    user.groups.add(staff_group_ensure())
    user.user_permissions.add(Permission.objects.get(codename="all_ceremonies"))  # national
    return english(user)


def _user_with(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(codename__in=codenames),
    )
    return english(user)


def url(name, ceremony):
    return reverse(f"screening:{name}", args=[ceremony.pk])


def detail(client, ceremony) -> str:
    response = client.get(reverse("registrations_ceremonies:detail", args=[ceremony.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_screening_is_registered_with_registrations():
    assert "screening" in extensions._ceremony_actions


def test_the_urls_stay_under_the_ceremony_pages(db):
    assert url("export", type("C", (), {"pk": 7})) == (
        "/admin/registrations/ceremonies/7/screening/export/"
    )
    assert url("import", type("C", (), {"pk": 7})) == (
        "/admin/registrations/ceremonies/7/screening/import/"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/admin/registrations/ceremonies/1/screening/export/",
        "/admin/registrations/ceremonies/1/screening/import/",
    ],
)
def test_anonymous_is_sent_to_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_user_without_permission_is_refused(django_user_model, make_ceremony):
    ceremony = make_ceremony(screening_required=True)
    register(ceremony, 1)
    client = login(_user_with(django_user_model, "editor"))
    for target in (url("export", ceremony), url("import", ceremony)):
        # Wagtail's way: back to the dashboard with "Sorry, you do not have permission".
        response = client.get(target)
        assert response.status_code == 302 and response["Location"] == "/admin/", target
        ajax = client.get(target, headers={"x-requested-with": "XMLHttpRequest"})
        assert ajax.status_code == 403, target
    assert not AuditLog.objects.exists()


def test_viewer_can_neither_export_nor_import(django_user_model, make_ceremony):
    ceremony = make_ceremony(screening_required=True)
    register(ceremony, 1)
    client = login(_user_with(django_user_model, "viewer", "view_registration", "all_ceremonies"))
    assert client.get(url("export", ceremony)).status_code == 302
    response = client.post(url("import", ceremony), {})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not AuditLog.objects.exists()
    html = detail(client, ceremony)
    assert url("export", ceremony) not in html and url("import", ceremony) not in html


def test_ceremony_page_shows_the_screening_buttons(staff, make_ceremony):
    ceremony = make_ceremony(capacity=5, screening_required=True)
    register(ceremony, 1)
    html = detail(login(staff), ceremony)
    assert BUTTON.format(url("export", ceremony)) in html
    assert BUTTON.format(url("import", ceremony)) in html
    assert "Download the identity data for screening (CSV)" in html
    assert "Import the screening decisions (CSV)" in html
    assert "Every download of identity data is written to the audit log." in html


def test_buttons_only_while_screening_applies_or_decisions_are_awaited(staff, make_ceremony):
    client = login(staff)
    plain = make_ceremony()
    register(plain, 1)
    assert url("export", plain) not in detail(client, plain)
    # Screening switched off after registrants were left waiting for a decision.
    switched_off = make_ceremony(screening_required=True)
    waiting = register(switched_off, 2)
    assert waiting.screening == Registration.Screening.PENDING
    type(switched_off).objects.filter(pk=switched_off.pk).update(screening_required=False)
    switched_off.refresh_from_db()
    assert url("export", switched_off) in detail(client, switched_off)


def test_without_screening_the_ceremony_page_has_no_screening_buttons(
    staff, make_ceremony, monkeypatch
):
    """Registrations on its own: nothing registered, no button, the page still works."""
    monkeypatch.setattr(extensions, "_ceremony_actions", {})
    ceremony = make_ceremony(screening_required=True)
    register(ceremony, 1)
    html = detail(login(staff), ceremony)
    assert url("export", ceremony) not in html and 'id="actions-screening"' not in html
    assert reverse("registrations_ceremonies:message", args=[ceremony.pk]) in html


def test_buttons_follow_the_screening_right_on_the_ceremony(django_user_model, make_ceremony):
    from liberation.registrations.models import CeremonyAccess

    ceremony = make_ceremony(screening_required=True, ask_birth_date=True)
    user = _user_with(django_user_model, "team", "view_registration", "change_registration")
    grant = CeremonyAccess.objects.create(ceremony=ceremony, user=user, attendees=True, manage=True)
    client = login(user)
    assert url("export", ceremony) not in detail(client, ceremony)
    assert client.get(url("export", ceremony), follow=True).status_code == 404
    grant.screening = True
    grant.save()
    assert BUTTON.format(url("export", ceremony)) in detail(client, ceremony)
