"""Fixtures of the review tests: communes, a campaign, reviewers of the Manche (50) and
of the Calvados (14), national staff, a user without scope, and logged-in clients.

Admin language comes from the user's Wagtail profile (`as_language`)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from wagtail.users.models import UserProfile

from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Project, ReviewerScope

State = Project.State


def as_language(user, language: str):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user


def admin_user(django_user_model, username, *, departements=(), national=False, language="en"):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    if departements or national:
        scope = ReviewerScope.objects.create(user=user, national=national)
        scope.departements.set(departements)
    return as_language(user, language)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def communes():
    return communes_sample()


@pytest.fixture
def campaign(communes):
    return campaign_make()


@pytest.fixture
def national_campaign(communes):
    return campaign_make(name="Vague nationale", national_decision=True)


@pytest.fixture
def manche(django_user_model, communes):
    return admin_user(django_user_model, "manche", departements=["50"])


@pytest.fixture
def calvados(django_user_model, communes):
    return admin_user(django_user_model, "calvados", departements=["14"])


@pytest.fixture
def national(django_user_model, communes):
    return admin_user(django_user_model, "national", national=True)


@pytest.fixture
def outsider(django_user_model):
    """In the admin, but no reviewer scope."""
    return admin_user(django_user_model, "outsider")


@pytest.fixture
def project_50(campaign, communes):
    return project_make(campaign=campaign, commune=communes["50129"], state=State.SUBMITTED)[0]


@pytest.fixture
def project_14(campaign, communes):
    return project_make(campaign=campaign, commune=communes["14118"], state=State.SUBMITTED)[0]
