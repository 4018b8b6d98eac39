"""What the gate adds to registrations through its seams (registrations.extensions,
registered in gate/apps.py): the badge link on the management page, the check-ins on
the staff pages and in the data export, the check-in permission of the staff group,
and what stays of a check-in when the registrant's data is erased."""

import csv
import datetime as dt
import io
import json

from django.apps import apps
from django.contrib.auth.models import Permission
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from liberation.events.models import CeremonyPage
from liberation.gate import keys
from liberation.gate.checkin_views import PERMISSION
from liberation.gate.models import CheckIn
from liberation.registrations import extensions
from liberation.registrations.models import Registration
from liberation.registrations.privacy import (
    erase_expired_personal_data,
    registration_data_export,
)
from liberation.registrations.selectors import ceremony_counts
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_create,
)
from liberation.registrations.staff_services import staff_group_ensure


def register(ceremony, n, *, companions=0, **person):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(
                given_name=person.pop("given_name", f"Jeanne{n}"), surname="Moulin", **person
            ),
            companions=[
                Person(given_name=f"Ami{i}", surname="Résistant") for i in range(companions)
            ],
        ),
    )


def enter(registration, gate="B", at=None) -> CheckIn:
    return CheckIn.objects.create(
        registration=registration,
        nonce=f"nonce-{registration.pk}".ljust(16, "x"),
        gate=gate,
        scanned_at=at or timezone.now(),
        staff="agent",
    )


def html(response) -> str:
    return response.content.decode()


def test_the_gate_is_registered_with_registrations():
    assert extensions._badge_link is not None and extensions._checkin_source is not None
    assert "check_in" in {data.key for data in extensions.personal_data()}


# --- The management page ----------------------------------------------------------


def test_badge_link_only_when_confirmed_and_screened(client, make_ceremony):
    ceremony = make_ceremony(screening_required=True, ask_birth_date=True, capacity=1)
    created = register(ceremony, 1, birth_date=dt.date(1950, 1, 1))
    page = html(client.get(f"/en/r/{created.token}/"))
    assert 'id="badge-link"' not in page and 'id="screening-pending"' in page
    Registration.objects.filter(pk=created.registration.pk).update(screening="approved")
    page = html(client.get(f"/en/r/{created.token}/"))
    assert 'id="badge-link"' in page and f'href="/en/r/{created.token}/badge/"' in page
    assert f'href="/fr/r/{created.token}/badge/"' in html(client.get(f"/fr/r/{created.token}/"))
    Registration.objects.filter(pk=created.registration.pk).update(badge_revoked_at=timezone.now())
    assert 'id="badge-link"' not in html(client.get(f"/en/r/{created.token}/"))


def test_without_the_gate_the_management_page_has_no_badge_link(client, make_ceremony, monkeypatch):
    created = register(make_ceremony(), 1)
    assert 'id="badge-link"' in html(client.get(f"/en/r/{created.token}/"))
    monkeypatch.setattr(extensions, "_badge_link", None)
    assert 'id="badge-link"' not in html(client.get(f"/en/r/{created.token}/"))


# --- The staff pages --------------------------------------------------------------


def staff_client(django_user_model) -> Client:
    user = django_user_model.objects.create_user("staff", "staff@example.org", "pw")
    user.groups.add(staff_group_ensure())
    user.user_permissions.add(Permission.objects.get(codename="all_ceremonies"))
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client = Client()
    client.force_login(user)
    return client


def test_the_staff_group_may_use_the_checkin_app(django_user_model):
    group = staff_group_ensure()
    assert group.permissions.filter(content_type__app_label="gate", codename="add_checkin")
    user = django_user_model.objects.create_user("gate-agent", "g@example.org", "pw")
    user.groups.add(group)
    assert user.has_perm(PERMISSION)


def test_staff_pages_show_the_checkins(django_user_model, make_ceremony):
    ceremony = make_ceremony(capacity=5, max_companions=2)
    inside = register(ceremony, 1, companions=1).registration
    register(ceremony, 2)
    at = timezone.now().replace(microsecond=0)
    enter(inside, gate="B", at=at)
    counts = ceremony_counts(ceremony=ceremony)
    assert (counts.checked_in, counts.checked_in_seats) == (1, 2)

    client = staff_client(django_user_model)
    detail = client.get(reverse("registrations_ceremonies:detail", args=[ceremony.pk]))
    assert "Checked in" in html(detail) and "1 registration, 2 seats" in html(detail)

    listing = client.get(reverse("registrations_admin:index"), {"ceremony": ceremony.pk})
    assert listing.status_code == 200
    assert listing.context["object_list"].query.select_related["checkin"] == {}

    export = client.get(
        reverse("registrations_admin:index"), {"ceremony": ceremony.pk, "export": "csv"}
    )
    rows = {
        row["Reference"]: row
        for row in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))
    }
    assert rows[inside.reference]["Checked in at"] == timezone.localtime(at).isoformat()
    assert [row["Checked in at"] for ref, row in rows.items() if ref != inside.reference] == [""]

    page = client.get(reverse("registrations_admin:inspect", args=[inside.pk]))
    assert "gate B" in html(page) and "Not checked in." not in html(page)


# --- Personal data ----------------------------------------------------------------


def test_the_export_holds_the_checkin(make_ceremony):
    registration = register(make_ceremony(), 1).registration
    assert registration_data_export(registration=registration)["check_in"] is None
    at = timezone.now()
    enter(registration, gate="B", at=at)
    data = registration_data_export(registration=registration)
    assert data["check_in"] == {"scanned_at": at.isoformat(), "gate": "B"}
    json.dumps(data)


def test_erasure_keeps_the_checkins_and_leaves_nothing_personal_in_the_gate(make_ceremony):
    ceremony = make_ceremony(capacity=5, max_companions=1)
    inside = register(ceremony, 1, companions=1, given_name="Germaine").registration
    enter(inside)
    keys.signing_key_for(ceremony)
    now = timezone.now()
    CeremonyPage.objects.filter(registration=ceremony).update(
        starts_at=now - dt.timedelta(days=40), ends_at=now - dt.timedelta(days=40)
    )

    def gate_tables() -> str:
        rows = [
            row for model in apps.get_app_config("gate").get_models() for row in model.objects.all()
        ]
        return serializers.serialize("json", rows)

    assert erase_expired_personal_data(now=now) == 1
    kept = CheckIn.objects.get()
    assert kept.registration_id == inside.pk and kept.gate == "B"  # attendance survives
    assert (ceremony_counts(ceremony=ceremony).checked_in, kept.registration.given_name) == (1, "")
    dump = gate_tables()
    for word in ("Germaine", "Moulin", "Ami0", "Résistant", "example.org"):
        assert word not in dump
