"""Staff rights per ceremony (issue 10, item 3): a grant on ceremony A opens A's data
only; B's pages, exports and registrations answer 404 and write nothing, not even an
audit row. The model permissions open the menus; they reach no ceremony by themselves.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from liberation.mail.models import OutboxMessage
from liberation.registrations.emails import Kind
from liberation.registrations.models import AuditLog, CeremonyAccess, Registration
from liberation.registrations.selectors import Right, staff_ceremonies, staff_may, staff_rights
from liberation.registrations.staff_services import staff_group_ensure
from liberation.registrations.tests.test_admin import read_csv, register

S = Registration.Status


def english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def team_member(django_user_model, username, ceremony=None, **rights):
    """A member of the ceremony staff group (every model permission), granted `rights`
    on `ceremony` only."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(staff_group_ensure())
    if ceremony is not None:
        CeremonyAccess.objects.create(ceremony=ceremony, user=user, **rights)
    return english(user)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status(response) -> int:
    """The final status of a request made with follow=True: a 404 under /admin/ is first
    redirected to /fr/admin/… by the locale middleware, which then answers 404 too."""
    assert response.redirect_chain == [] or response.redirect_chain[-1][0].startswith("/fr/")
    return response.status_code


ALL_RIGHTS = {"check_in": True, "attendees": True, "screening": True, "manage": True}


@pytest.fixture
def two(make_ceremony):
    """Ceremonies A and B, both with screening and one confirmed registrant each."""
    fields = {"screening_required": True, "ask_birth_date": True, "ask_nationality": True}
    a, b = make_ceremony(capacity=5, **fields), make_ceremony(capacity=5, **fields)
    born = {"birth_date": dt.date(1944, 6, 6), "nationality": "française"}
    return a, b, register(a, 1, **born), register(b, 2, **born)


@pytest.fixture
def team_a(django_user_model, two):
    a, _b, _ra, _rb = two
    return team_member(django_user_model, "team-a", a, **ALL_RIGHTS)


def ceremony_url(name, ceremony):
    if name.startswith("screening_"):  # the screening app's views (same admin paths)
        return reverse(f"screening:{name.removeprefix('screening_')}", args=[ceremony.pk])
    return reverse(f"registrations_ceremonies:{name}", args=[ceremony.pk])


# --- The selector -------------------------------------------------------------------


def test_staff_ceremonies_follow_grants_national_permission_and_superusers(django_user_model, two):
    a, b, _ra, _rb = two
    gate = team_member(django_user_model, "gate", a, check_in=True)
    nobody = team_member(django_user_model, "nobody")
    assert list(staff_ceremonies(user=gate, right=Right.CHECK_IN)) == [a]
    assert list(staff_ceremonies(user=gate)) == [a]
    for right in (Right.ATTENDEES, Right.SCREENING, Right.MANAGE):
        assert not staff_ceremonies(user=gate, right=right).exists()
    assert staff_may(user=gate, ceremony=a, right=Right.CHECK_IN)
    assert not staff_may(user=gate, ceremony=b, right=Right.CHECK_IN)
    assert staff_rights(user=gate, ceremony=a) == {"check_in"}
    assert not staff_ceremonies(user=nobody).exists()  # the group alone reaches nothing

    national = team_member(django_user_model, "national")
    national.user_permissions.add(Permission.objects.get(codename="all_ceremonies"))
    national = django_user_model.objects.get(pk=national.pk)  # permission cache
    assert set(staff_ceremonies(user=national, right=Right.SCREENING)) == {a, b}
    assert staff_rights(user=national, ceremony=b) == set(Right.values)
    chief = django_user_model.objects.create_superuser("chief", "c@example.org", "pw")
    assert set(staff_ceremonies(user=chief, right=Right.MANAGE)) == {a, b}

    gate.is_active = False
    assert not staff_ceremonies(user=gate).exists()


# --- Ceremony pages -----------------------------------------------------------------


def test_ceremony_index_lists_only_granted_ceremonies(team_a, two):
    a, b, _ra, _rb = two
    html = login(team_a).get(reverse("registrations_ceremonies:index")).content.decode()
    assert ceremony_url("detail", a) in html
    assert ceremony_url("detail", b) not in html


def test_another_ceremonys_pages_and_actions_answer_404_and_do_nothing(team_a, two):
    a, b, _ra, rb = two
    client = login(team_a)
    for name in ("detail", "message", "draw", "screening_export", "screening_import"):
        assert status(client.get(ceremony_url(name, b), follow=True)) == 404, name
        assert client.get(ceremony_url(name, a)).status_code == 200, name
    upload = SimpleUploadedFile("d.csv", f"reference,decision\n{rb.reference},refused\n".encode())
    for name, data in (
        ("message", {"text": "Hello"}),
        ("draw", {}),
        ("screening_import", {"file": upload}),
    ):
        assert status(client.post(ceremony_url(name, b), data, follow=True)) == 404, name
    rb.refresh_from_db()
    assert rb.screening == Registration.Screening.PENDING
    assert not OutboxMessage.objects.filter(kind=Kind.MESSAGE).exists()
    assert not AuditLog.objects.filter(ceremony=b).exists()


# --- The list, its export, one registration ----------------------------------------


def test_list_and_export_hold_only_granted_ceremonies(team_a, two):
    a, b, ra, rb = two
    client = login(team_a)
    index = reverse("registrations_admin:index")
    response = client.get(index)
    assert {r.reference for r in response.context["object_list"]} == {ra.reference}
    assert b.name not in response.content.decode()  # not even in the ceremony filter
    rows = read_csv(client.get(index, {"export": "csv"}))
    assert [row["Reference"] for row in rows] == [ra.reference]
    assert AuditLog.objects.filter(action="registrations_export").count() == 1  # still audited

    for params in ({"ceremony": b.pk}, {"ceremony": b.pk, "export": "csv"}, {"ceremony": "x"}):
        assert status(client.get(index, params, follow=True)) == 404, params
    assert AuditLog.objects.filter(action="registrations_export").count() == 1
    results = reverse("registrations_admin:index_results")
    assert status(client.get(results, {"ceremony": b.pk}, follow=True)) == 404
    assert client.get(index, {"ceremony": a.pk}).status_code == 200


def test_another_ceremonys_registration_answers_404_and_stays_untouched(team_a, two):
    _a, _b, ra, rb = two
    client = login(team_a)
    assert client.get(reverse("registrations_admin:inspect", args=[ra.pk])).status_code == 200
    inspect_b = reverse("registrations_admin:inspect", args=[rb.pk])
    assert status(client.get(inspect_b, follow=True)) == 404
    for name, data in (("cancel", {}), ("revoke", {"cancel": "on"})):
        url = reverse(f"registrations_admin:{name}", args=[rb.pk])
        assert status(client.get(url, follow=True)) == 404, name
        assert status(client.post(url, data, follow=True)) == 404, name
    rb.refresh_from_db()
    assert rb.status == S.CONFIRMED and rb.badge_revoked_at is None
    assert not AuditLog.objects.filter(detail__contains=rb.reference).exists()


# --- One right, not the others ------------------------------------------------------


def test_check_in_only_cannot_list_export_or_screen_its_own_ceremony(django_user_model, two):
    a, _b, ra, _rb = two
    gate = team_member(django_user_model, "gate", a, check_in=True)
    client = login(gate)
    detail = client.get(ceremony_url("detail", a))
    assert detail.status_code == 200  # the counts, no names
    html = detail.content.decode()
    assert "Download the list (CSV)" not in html and "Message the confirmed" not in html
    assert "identity data for screening" not in html
    index = reverse("registrations_admin:index")
    assert status(client.get(index, {"ceremony": a.pk, "export": "csv"}, follow=True)) == 404
    assert read_csv(client.get(index, {"export": "csv"})) == []  # no ceremony to export
    for url in (
        reverse("registrations_admin:inspect", args=[ra.pk]),
        ceremony_url("screening_export", a),
        ceremony_url("message", a),
    ):
        assert status(client.get(url, follow=True)) == 404, url


def test_attendees_right_shows_names_but_not_identity_data(django_user_model, two):
    a, _b, ra, _rb = two
    reader = team_member(django_user_model, "reader", a, attendees=True)
    client = login(reader)
    page = client.get(reverse("registrations_admin:inspect", args=[ra.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jeanne1" in html
    assert "1944" not in html and "française" not in html and "Date of birth" not in html
    assert "Revoke the badge" not in html  # no manage right
    assert not AuditLog.objects.filter(action="registration_view").exists()
    assert status(client.get(ceremony_url("screening_export", a), follow=True)) == 404

    screener = team_member(django_user_model, "screener", a, attendees=True, screening=True)
    html = login(screener).get(reverse("registrations_admin:inspect", args=[ra.pk]))
    assert "française" in html.content.decode()
    assert AuditLog.objects.filter(action="registration_view", user="screener").count() == 1


# --- Granting in the admin ----------------------------------------------------------


def test_access_is_granted_in_the_admin_with_clear_refusals(django_user_model, two):
    a, _b, _ra, _rb = two
    chief = english(django_user_model.objects.create_superuser("chief", "c@example.org", "pw"))
    member = team_member(django_user_model, "member")
    client = login(chief)
    add = reverse("registrations_access:add")
    assert client.get(add).status_code == 200
    none_ticked = client.post(add, {"ceremony": a.pk, "user": member.pk})
    assert none_ticked.status_code == 200
    assert "Tick at least one right." in none_ticked.content.decode()
    assert not CeremonyAccess.objects.exists()

    response = client.post(add, {"ceremony": a.pk, "user": member.pk, "check_in": "on"})
    assert response.status_code == 302
    assert staff_rights(user=member, ceremony=a) == {"check_in"}
    twice = client.post(add, {"ceremony": a.pk, "user": member.pk, "attendees": "on"})
    assert twice.status_code == 200
    assert "already has access to this ceremony" in twice.content.decode()
    assert CeremonyAccess.objects.count() == 1

    listing = client.get(reverse("registrations_access:index"))
    assert listing.status_code == 200 and "member" in listing.content.decode()
    # The ceremony team may not grant itself anything.
    assert login(member).get(add).status_code in (302, 403)
