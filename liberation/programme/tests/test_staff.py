import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from liberation.places.factories import communes_sample
from liberation.programme.models import ReviewerScope
from liberation.programme.staff import reviewer_group_ensure

pytestmark = pytest.mark.django_db


def test_the_group_opens_the_admin_and_the_scope_opens_the_review():
    group = reviewer_group_ensure()
    assert reviewer_group_ensure() == group  # idempotent
    communes = communes_sample()
    user = User.objects.create_user("calvados", password="x")
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    # The group alone: the admin, not the review.
    assert client.get("/admin/").status_code == 200
    dashboard = reverse("programme_review:dashboard")
    assert client.get(dashboard, follow=True).status_code == 404
    scope = ReviewerScope.objects.create(user=user)
    scope.departements.set([communes["14118"].departement])
    assert client.get(dashboard).status_code == 200
