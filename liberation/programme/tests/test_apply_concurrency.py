"""Two submissions of the same project at the same moment (a double click, two tabs)
make one submission. The control: a naive read-then-write, run the same way, submits
twice (proving the test can see the race); the service, which locks the row and reads
the state inside its transaction, does not."""

import threading

import pytest
from django.db import connections, transaction

from liberation.mail.models import OutboxMessage
from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import AuditEntry, Project
from liberation.programme.services import project_submit
from liberation.programme.workflow import project_transition

State = Project.State
RACERS = 4


def naive_submit(project_id: int, barrier) -> None:
    project = Project.objects.get(pk=project_id)  # read outside the lock
    barrier.wait()
    with transaction.atomic():
        project_transition(project=project, to_state=State.SUBMITTED, by_organiser=True)


def locked_submit(project_id: int, barrier) -> None:
    barrier.wait()
    project_submit(project_id=project_id)


def race(target, project_id: int) -> list:
    barrier = threading.Barrier(RACERS)
    errors = []

    def run():
        try:
            target(project_id, barrier)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_the_naive_version_submits_twice_and_the_service_once():
    communes = communes_sample()
    campaign = campaign_make()
    naive, _ = project_make(campaign=campaign, commune=communes["14118"], state=State.DRAFT)
    race(naive_submit, naive.pk)
    assert AuditEntry.objects.filter(project=naive, action="draft→submitted").count() > 1

    project, _ = project_make(campaign=campaign, commune=communes["14118"], state=State.DRAFT)
    errors = race(locked_submit, project.pk)
    assert not errors
    assert AuditEntry.objects.filter(project=project, action="draft→submitted").count() == 1
    assert OutboxMessage.objects.filter(object_id=project.pk, kind="submitted").count() == 1
