"""Two reviewers (or one double click) deciding the same project at once: one decision,
one audit entry, one email; the other is told it was already decided.

The control runs the same race with the row read without `select_for_update`: both
decide and two emails go out, which proves the test sees the race. PostgreSQL only
(threads, each with its own connection); the double submission one after the other is
tested on any database in test_review_services.py.
"""

import threading

import pytest
from django.db import connection, connections

from liberation.mail.models import OutboxMessage
from liberation.programme import review_emails, review_services
from liberation.programme.models import AuditEntry, Project
from liberation.programme.review_selectors import projects_for

from .review_fixtures import *  # noqa: F403
from .review_fixtures import State

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
)
ATTEMPTS = 2


def _race(project_id: int, user) -> list[str]:
    results: list[str] = []

    def decide():
        try:
            review_services.project_decide(
                project_id=project_id,
                actor=user,
                decision=State.LABELLED,
                expected_state=State.UNDER_REVIEW,
            )
            results.append("decided")
        except review_services.ReviewError as error:
            results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _emails(project_id: int) -> int:
    return OutboxMessage.objects.filter(source=review_emails.SOURCE, object_id=project_id).count()


@pytest.fixture
def under_review(campaign, communes):
    from liberation.programme.factories import project_make

    return project_make(campaign=campaign, commune=communes["50129"], state=State.UNDER_REVIEW)[0]


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_decide(under_review, manche, monkeypatch):
    meeting = threading.Barrier(ATTEMPTS, timeout=20)

    def read_without_lock(*, actor, project_id):
        project = projects_for(actor).get(pk=project_id)
        meeting.wait()  # both have read "under review"
        return project

    monkeypatch.setattr(review_services, "_locked", read_without_lock)
    assert _race(under_review.pk, manche).count("decided") == ATTEMPTS
    assert _emails(under_review.pk) == ATTEMPTS  # the race is real and this test sees it


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_with_the_lock_one_decision_and_one_email(under_review, manche, monkeypatch):
    meeting = threading.Barrier(ATTEMPTS, timeout=20)
    locked = review_services._locked

    def meet_then_lock(**kwargs):
        meeting.wait()  # both ask for the row lock at once
        return locked(**kwargs)

    monkeypatch.setattr(review_services, "_locked", meet_then_lock)
    results = _race(under_review.pk, manche)
    assert sorted(results) == ["already_decided", "decided"]
    assert _emails(under_review.pk) == 1
    assert (
        AuditEntry.objects.filter(project=under_review, action="under_review→labelled").count() == 1
    )
    assert Project.objects.get(pk=under_review.pk).state == State.LABELLED
