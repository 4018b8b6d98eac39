"""The press office's pages in the Wagtail admin, and the settings snippet."""

import pytest
from django.contrib.auth.models import User

from liberation.press.models import Accreditation, PressSettings

State = Accreditation.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("presse", "p@example.org", "x")
    client.force_login(user)
    return client


def test_review_list_and_approve_with_a_pool(staff, make_press, submitted):
    press = make_press()
    started = submitted(press)
    a = started.accreditation
    assert (
        "Albert1 Londres" in staff.get(f"/admin/press/review/ceremony/{press.pk}/").content.decode()
    )
    page = staff.get(f"/admin/press/review/a/{a.pk}/").content.decode()
    assert "Le Monde" in page and "lettre.pdf" in page
    letter = staff.get(f"/admin/press/review/a/{a.pk}/letter/")
    assert letter.status_code == 200 and letter["Content-Disposition"].startswith("attachment")
    pool = press.pools.get()
    response = staff.post(f"/admin/press/review/a/{a.pk}/approve/", {"pool": pool.pk})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == State.APPROVED and a.pool == pool


def test_refuse_needs_a_reason(staff, make_press, submitted):
    a = submitted(make_press()).accreditation
    assert staff.post(f"/admin/press/review/a/{a.pk}/refuse/", {"reason": ""}).status_code == 400
    response = staff.post(f"/admin/press/review/a/{a.pk}/refuse/", {"reason": "Hors délai"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == State.REFUSED and a.decision_reason == "Hors délai"


def test_full_pool_answered_409(staff, make_press, submitted):
    press = make_press(pools=(("Pool A", 1),))
    one, two = submitted(press, n=1).accreditation, submitted(press, n=2).accreditation
    pool = press.pools.get()
    staff.post(f"/admin/press/review/a/{one.pk}/approve/", {"pool": pool.pk})
    response = staff.post(f"/admin/press/review/a/{two.pk}/approve/", {"pool": pool.pk})
    assert response.status_code == 409


def test_without_the_permission_403(client, make_press, submitted):
    a = submitted(make_press()).accreditation
    user = User.objects.create_user("editor", password="x")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    # Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard.
    assert client.get("/admin/press/review/").status_code in (302, 403)
    letter = client.get(f"/admin/press/review/a/{a.pk}/letter/")
    assert letter.status_code in (302, 403) and not letter.get("Content-Disposition")


def test_settings_snippet_with_pools(staff, make_press):
    press = make_press()
    page = staff.get(f"/admin/press/settings/edit/{press.pk}/")
    assert page.status_code == 200
    assert "Pool A" in page.content.decode()
    assert staff.get("/admin/press/settings/add/").status_code == 200
    assert PressSettings.objects.count() == 1
