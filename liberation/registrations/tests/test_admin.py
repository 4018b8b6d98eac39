"""Staff tools in the Wagtail admin: list, filters, search, counts, CSV export, detail,
message to confirmed registrants, draw, badge revocation, cancellation, permissions.

The admin is shown in English to the staff users here (their Wagtail profile), so that
messages can be asserted before the French catalogue is built.
"""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from liberation.mail.models import OutboxMessage
from liberation.registrations import emails, extensions
from liberation.registrations.emails import Kind
from liberation.registrations.models import AuditLog, DrawLog, Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_create,
)
from liberation.registrations.staff_services import STAFF_GROUP_NAME, staff_group_ensure

S = Registration.Status


def register(ceremony, n, *, companions=0, join_waitlist=False, language="fr", **person):
    person.setdefault("given_name", f"Jeanne{n}")
    person.setdefault("surname", f"Martin{n}")
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(**person),
            companions=[
                Person(given_name=f"Ami{i}", surname=f"Compagnon{n}") for i in range(companions)
            ],
            language=language,
            join_waitlist=join_waitlist,
        ),
    ).registration


def english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def superuser(django_user_model):
    return english(django_user_model.objects.create_superuser("chief", "chief@example.org", "pw"))


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


@pytest.fixture
def viewer(django_user_model):
    return _user_with(django_user_model, "viewer", "view_registration", "all_ceremonies")


@pytest.fixture
def editor(django_user_model):
    """In the admin, but without any registration permission."""
    return _user_with(django_user_model, "editor")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff):
    return login(staff)


def listing(client, **params):
    response = client.get(reverse("registrations_admin:index"), params)
    assert response.status_code == 200
    return response


def refs(response) -> set[str]:
    return {r.reference for r in response.context["object_list"]}


def ceremony_url(name, ceremony):
    return reverse(f"registrations_ceremonies:{name}", args=[ceremony.pk])


def close(ceremony):
    now = timezone.now()
    type(ceremony).objects.filter(pk=ceremony.pk).update(
        opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(days=1)
    )
    ceremony.refresh_from_db()


def flash(response) -> list[str]:
    return [str(m).strip() for m in response.context["messages"]] if response.context else []


# --- Permissions -----------------------------------------------------------------


def test_staff_group_is_created_once_with_its_permissions(db):
    group = staff_group_ensure()
    assert staff_group_ensure() == group
    assert Group.objects.filter(name=STAFF_GROUP_NAME).count() == 1
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "access_admin",
        "view_registration",
        "change_registration",
        # and what the apps standing on registrations ask for (the gate: add_checkin)
        *(permission.codename for permission in extensions.staff_permissions()),
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registrations/",
        "/admin/registrations/ceremonies/",
        "/admin/registrations/ceremonies/1/",
        "/admin/registrations/inspect/1/",
    ],
)
def test_anonymous_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_user_without_permission_is_refused_and_sees_no_menu(editor, make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony, 1)
    client = login(editor)
    for url in (
        reverse("registrations_admin:index"),
        reverse("registrations_admin:inspect", args=[registration.pk]),
        reverse("registrations_ceremonies:index"),
        ceremony_url("detail", ceremony),
    ):
        response = client.get(url)
        # Wagtail's way: back to the dashboard with "Sorry, you do not have permission".
        assert response.status_code == 302 and response["Location"] == "/admin/", url
        ajax = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
        assert ajax.status_code == 403, url
    response = client.post(ceremony_url("message", ceremony), {"text": "Hello"})
    assert response.status_code == 302
    assert not OutboxMessage.objects.filter(kind=Kind.MESSAGE).exists()
    assert not AuditLog.objects.exists()
    home = client.get("/admin/").content.decode()
    assert "/admin/registrations/" not in home


def test_menu_shows_registrations_to_staff(staff_client, db):
    home = staff_client.get("/admin/").content.decode()
    assert "/admin/registrations/ceremonies/" in home and "/admin/registrations/" in home


def test_viewer_can_list_but_not_act(viewer, make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony, 1)
    client = login(viewer)
    assert client.get(reverse("registrations_admin:index")).status_code == 200
    assert client.get(ceremony_url("detail", ceremony)).status_code == 200
    for url, data in (
        (ceremony_url("message", ceremony), {"text": "Hello"}),
        (ceremony_url("draw", ceremony), {}),
        (reverse("registrations_admin:cancel", args=[registration.pk]), {}),
        (reverse("registrations_admin:revoke", args=[registration.pk]), {"cancel": "on"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED and registration.badge_revoked_at is None
    assert not OutboxMessage.objects.filter(kind=Kind.MESSAGE).exists()


def test_posts_without_csrf_token_are_refused(staff, make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(ceremony_url("message", ceremony), {"text": "Hi"}).status_code == 403
    url = reverse("registrations_admin:cancel", args=[registration.pk])
    assert client.post(url).status_code == 403
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
    assert not OutboxMessage.objects.filter(kind=Kind.MESSAGE).exists()


def test_registrations_cannot_be_added_edited_or_deleted_in_the_admin(staff_client, make_ceremony):
    registration = register(make_ceremony(), 1)
    for name in ("add", "edit", "delete", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"registrations_admin:{name}", args=[registration.pk])
    for url in ("new/", f"edit/{registration.pk}/", f"delete/{registration.pk}/"):
        assert resolve(f"/admin/registrations/{url}").namespaces == []  # the admin's 404


# --- List, filters, search, counts, export --------------------------------------


def test_list_filters_by_ceremony_status_and_screening(staff_client, make_ceremony):
    first, second = make_ceremony(capacity=1), make_ceremony(screening_required=True)
    a = register(first, 1)
    b = register(first, 2, join_waitlist=True)
    c = register(second, 3)
    assert refs(listing(staff_client)) >= {a.reference, b.reference, c.reference}
    assert refs(listing(staff_client, ceremony=first.pk)) == {a.reference, b.reference}
    assert refs(listing(staff_client, ceremony=first.pk, status="waitlisted")) == {b.reference}
    assert refs(listing(staff_client, screening="pending")) == {c.reference}


def test_list_searches_reference_name_and_email(staff_client, make_ceremony):
    ceremony = make_ceremony()
    a = register(ceremony, 1, surname="Aubrac")
    b = register(ceremony, 2, surname="Moulin")
    assert refs(listing(staff_client, q="aubrac")) == {a.reference}
    assert refs(listing(staff_client, q="person2@example")) == {b.reference}
    assert refs(listing(staff_client, q=b.reference.lower())) == {b.reference}
    assert refs(listing(staff_client, q="Jeanne1")) == {a.reference}


def test_list_shows_counts_for_the_filtered_ceremony(staff_client, make_ceremony):
    ceremony = make_ceremony(capacity=2)
    register(ceremony, 1, companions=1)
    register(ceremony, 2, join_waitlist=True)
    response = listing(staff_client, ceremony=ceremony.pk)
    assert response.context["counts"].confirmed == 1
    assert response.context["counts"].waitlisted == 1
    html = response.content.decode()
    assert "Seats taken / capacity" in html and "2 / 2" in html
    assert "counts" not in listing(staff_client).context


def read_csv(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_has_names_and_email_only_and_is_audit_logged(staff_client, make_ceremony):
    ceremony = make_ceremony(screening_required=True, ask_birth_date=True, ask_nationality=True)
    other = make_ceremony()
    a = register(
        ceremony,
        1,
        companions=1,
        surname="=HYPERLINK(1)",
        birth_date=dt.date(1950, 5, 8),
        nationality="française",
    )
    register(other, 2)
    response = staff_client.get(
        reverse("registrations_admin:index"), {"ceremony": ceremony.pk, "export": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["Reference"] == a.reference
    assert row["Surname"] == "'=HYPERLINK(1)"  # not run as a formula by a spreadsheet
    assert row["Email"] == "person1@example.org"
    assert row["Companions"] == "Ami0 Compagnon1"
    assert row["Status"] == "Confirmed" and row["Screening"] == "Pending"
    text = ",".join(row.values()) + ",".join(row.keys())
    assert "1950" not in text and "française" not in text and "birth" not in text.lower()
    log = AuditLog.objects.get(action="registrations_export")
    assert log.user == "staff" and log.ceremony == ceremony and log.detail.startswith("1 rows")


def test_only_csv_export_is_offered(staff_client, make_ceremony):
    register(make_ceremony(), 1)
    html = listing(staff_client).content.decode()
    assert "export=csv" in html and "export=xlsx" not in html
    response = listing(staff_client, export="xlsx")
    assert "attachment" not in response.get("Content-Disposition", "")
    assert not AuditLog.objects.exists()


# --- Detail ------------------------------------------------------------------------


def test_detail_shows_companions_and_emails_and_logs_identity_views(staff_client, make_ceremony):
    ceremony = make_ceremony(screening_required=True, ask_birth_date=True)
    with_identity = register(ceremony, 1, companions=1, birth_date=dt.date(1944, 8, 25))
    plain = register(make_ceremony(), 2)
    response = staff_client.get(reverse("registrations_admin:inspect", args=[with_identity.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert with_identity.reference in html and "Compagnon1" in html
    assert "Registration confirmed" in html or "Inscription confirmée" in html  # the email
    assert str(emails.messages_of(with_identity).get().subject) in html
    log = AuditLog.objects.get()
    assert (log.action, log.user, log.ceremony, log.detail) == (
        "registration_view",
        "staff",
        ceremony,
        with_identity.reference,
    )
    assert (
        staff_client.get(reverse("registrations_admin:inspect", args=[plain.pk])).status_code == 200
    )
    assert AuditLog.objects.count() == 1  # no identity data, no audit row


# --- Message to confirmed registrants ----------------------------------------------


def test_message_all_queues_one_message_per_confirmed_registrant(staff_client, make_ceremony):
    ceremony = make_ceremony(capacity=4)
    register(ceremony, 1)
    register(ceremony, 2, language="en")
    register(ceremony, 3, companions=1)
    register(ceremony, 4, join_waitlist=True)
    register(make_ceremony(), 5)  # another ceremony
    page = staff_client.get(ceremony_url("message", ceremony))
    assert "3 confirmed registrants will receive" in page.content.decode()
    response = staff_client.post(
        ceremony_url("message", ceremony), {"text": "Arrivée avancée à 16 h."}, follow=True
    )
    assert "3 messages queued." in flash(response)
    queued = OutboxMessage.objects.filter(kind=Kind.MESSAGE)
    assert queued.count() == 3
    assert {Registration.objects.get(pk=m.object_id).status for m in queued} == {S.CONFIRMED}
    assert all("Arrivée avancée à 16 h." in m.body for m in queued)
    english_one = queued.get(language="en")
    assert english_one.subject.startswith("Message from the organisers")
    log = AuditLog.objects.get(action="message_confirmed")
    assert log.ceremony == ceremony and log.detail.startswith("3:")


def test_message_all_needs_a_text_and_a_recipient(staff_client, make_ceremony):
    ceremony = make_ceremony()
    response = staff_client.post(ceremony_url("message", ceremony), {"text": "  "})
    assert response.status_code == 200 and response.context["form"].errors
    response = staff_client.post(ceremony_url("message", ceremony), {"text": "Hello"})
    assert response.status_code == 200
    assert "No confirmed registrant to write to." in flash(response)
    assert not OutboxMessage.objects.exists() and not AuditLog.objects.exists()


# --- Draw -----------------------------------------------------------------------------


def test_draw_action_runs_the_draw_and_shows_its_result(staff_client, make_ceremony):
    ceremony = make_ceremony(capacity=2, mode="draw")
    applications = [register(ceremony, n) for n in range(1, 5)]
    close(ceremony)
    response = staff_client.post(ceremony_url("draw", ceremony), {"seed": "liberation-1945"})
    assert response.status_code == 302 and response["Location"] == ceremony_url("detail", ceremony)
    log = DrawLog.objects.get(ceremony=ceremony)
    assert (log.seed, log.confirmed, log.waitlisted, log.performed_by) == (
        "liberation-1945",
        2,
        2,
        "staff",
    )
    assert sorted(log.drawn_order) == sorted(r.reference for r in applications)
    page = staff_client.get(ceremony_url("detail", ceremony))
    html = page.content.decode()
    assert "liberation-1945" in html and "2 confirmed, 2 on the waiting list" in html
    assert AuditLog.objects.filter(action="draw_run", ceremony=ceremony).count() == 1
    again = staff_client.post(ceremony_url("draw", ceremony), {"seed": "other"})
    assert again.status_code == 200
    assert "The draw has already been run for this ceremony." in flash(again)
    assert DrawLog.objects.get(ceremony=ceremony).seed == "liberation-1945"


def test_draw_is_refused_with_a_clear_message(staff_client, make_ceremony):
    open_draw = make_ceremony(mode="draw")
    register(open_draw, 1)
    response = staff_client.post(ceremony_url("draw", open_draw), {})
    assert "The draw can only be run once registration has closed." in flash(response)
    first_come = make_ceremony()
    close(first_come)
    response = staff_client.post(ceremony_url("draw", first_come), {})
    assert any("has no draw" in m for m in flash(response))
    assert not DrawLog.objects.exists() and not AuditLog.objects.exists()
    assert Registration.objects.get().status == S.APPLIED


# --- Badge revocation and cancellation -----------------------------------------------


def test_revoke_badge_keeps_the_registration_unless_asked(staff_client, make_ceremony):
    ceremony = make_ceremony(capacity=1)
    first = register(ceremony, 1)
    waiting = register(ceremony, 2, join_waitlist=True)
    url = reverse("registrations_admin:revoke", args=[first.pk])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {}).status_code == 302
    first.refresh_from_db()
    revoked_at = first.badge_revoked_at
    assert revoked_at is not None and first.status == S.CONFIRMED
    staff_client.post(url, {"cancel": "on"})
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == S.CANCELLED and first.badge_revoked_at == revoked_at
    assert waiting.status == S.OFFERED  # the freed seat went to the waiting list
    assert list(
        AuditLog.objects.filter(action="badge_revoke").values_list("detail", flat=True)
    ) == [
        f"{first.reference} cancelled",
        first.reference,
    ]


def test_cancel_registration_from_the_admin(staff_client, make_ceremony):
    ceremony = make_ceremony(capacity=1)
    registration = register(ceremony, 1)
    url = reverse("registrations_admin:cancel", args=[registration.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, follow=True)
    assert f"Registration {registration.reference} cancelled." in flash(response)
    registration.refresh_from_db()
    ceremony.refresh_from_db()
    assert registration.status == S.CANCELLED and ceremony.seats_taken == 0
    response = staff_client.post(url, follow=True)
    assert any("no longer active" in m for m in flash(response))
    assert AuditLog.objects.filter(action="registration_cancel").count() == 1


# --- Ceremony pages ---------------------------------------------------------------------


def test_ceremony_overview_and_tools_page(staff_client, make_ceremony):
    ceremony = make_ceremony(capacity=5, screening_required=True)
    register(ceremony, 1, companions=1)
    response = staff_client.get(reverse("registrations_ceremonies:index"))
    assert response.status_code == 200
    assert ceremony.name in response.content.decode()
    response = staff_client.get(ceremony_url("detail", ceremony))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["counts"].confirmed_seats == 2
    assert ceremony_url("message", ceremony) in html
    assert ceremony_url("draw", ceremony) not in html  # first come, first served
