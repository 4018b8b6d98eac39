"""The counts on a ceremony's staff page agree in number with what they count, in
French and in English ("1 candidature, 1 place", never "1 candidature, 1 places")."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from liberation.registrations.services import Person, RegistrationRequest, registration_create


def _apply(ceremony, n, companions=0):
    registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"p{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
            companions=[Person(given_name=f"Ami{n}", surname="Martin")] * companions,
        ),
    )


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("fr", "1 candidature, 1 place<", "2 candidatures, 3 places<"),
        ("en", "1 application, 1 seat<", "2 applications, 3 seats<"),
    ],
)
def test_counts_agree_in_number(make_ceremony, language, one, many):
    ceremony = make_ceremony(capacity=10, mode="draw")
    user = User.objects.create_superuser("chef", "chef@example.org", "x")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(user)
    url = reverse("registrations_ceremonies:detail", args=[ceremony.pk])

    _apply(ceremony, 1)
    assert one in client.get(url).content.decode()
    _apply(ceremony, 2, companions=1)
    assert many in client.get(url).content.decode()
