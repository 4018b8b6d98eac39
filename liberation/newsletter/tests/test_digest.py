"""The weekly digest of a département's agenda."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from liberation.mail.models import OutboxMessage
from liberation.newsletter.digest import digest_send, week_of
from liberation.newsletter.factories import subscriber_make
from liberation.newsletter.models import Topic
from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Project

pytestmark = pytest.mark.django_db

MONDAY = week_of(timezone.localdate() + dt.timedelta(days=14))


def labelled(commune, **fields):
    start = timezone.make_aware(dt.datetime.combine(MONDAY + dt.timedelta(days=2), dt.time(15)))
    return project_make(
        campaign=campaign_make(),
        commune=commune,
        state=Project.State.LABELLED,
        starts_at=start,
        **fields,
    )[0]


@pytest.fixture
def communes():
    return communes_sample()


def test_each_subscriber_gets_their_departements_week_in_their_language(communes, deliver):
    caen, paris = communes["14118"], communes["75056"]
    labelled(caen, title="Caen libérée", title_en="Caen liberated")
    subscriber_make(email="fr@example.org", topics=(Topic.AGENDA,), departement=caen.departement)
    subscriber_make(
        email="en@example.org", language="en", topics=(Topic.AGENDA,), departement=caen.departement
    )
    subscriber_make(
        email="paris@example.org", topics=(Topic.AGENDA,), departement=paris.departement
    )
    subscriber_make(
        email="other@example.org", topics=(Topic.CEREMONIES,), departement=caen.departement
    )
    report = digest_send(week=MONDAY)
    assert (report.sent, report.departements, report.empty) == (2, 1, 1)
    sent = {m.to[0]: m for m in deliver()}
    assert set(sent) == {"fr@example.org", "en@example.org"}
    assert (
        "Caen libérée" in sent["fr@example.org"].body
        and "Calvados" in sent["fr@example.org"].subject
    )
    assert "Caen liberated" in sent["en@example.org"].body
    assert "/en/agenda/" in sent["en@example.org"].body
    assert (
        sent["en@example.org"].extra_headers["List-Unsubscribe-Post"]
        == "List-Unsubscribe=One-Click"
    )


def test_an_empty_week_sends_nothing(communes):
    subscriber_make(topics=(Topic.AGENDA,), departement=communes["14118"].departement)
    labelled(communes["75056"])  # another département
    assert digest_send(week=MONDAY).sent == 0
    assert not OutboxMessage.objects.exists()


def test_a_second_run_of_the_week_sends_nothing(communes):
    labelled(communes["14118"])
    subscriber_make(topics=(Topic.AGENDA,), departement=communes["14118"].departement)
    call_command("newsletter_digest", week=MONDAY.isoformat())
    call_command("newsletter_digest", week=(MONDAY + dt.timedelta(days=3)).isoformat())
    assert OutboxMessage.objects.filter(kind="digest").count() == 1


def test_a_bad_week_option_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--week"):
        call_command("newsletter_digest", week="next monday")
