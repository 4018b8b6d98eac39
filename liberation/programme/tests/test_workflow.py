import pytest

from liberation.programme.factories import project_make
from liberation.programme.models import AuditEntry, Project
from liberation.programme.workflow import TransitionError, project_transition

pytestmark = pytest.mark.django_db
State = Project.State


def test_an_allowed_move_saves_the_state_and_writes_the_audit_log():
    project, _ = project_make(state=State.SUBMITTED)
    project_transition(project=project, to_state=State.UNDER_REVIEW, detail="taken")
    project.refresh_from_db()
    assert project.state == State.UNDER_REVIEW
    entry = AuditEntry.objects.get(project=project)
    assert entry.action == "submitted→under_review"
    assert entry.detail == "taken"


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        (State.DRAFT, State.LABELLED),
        (State.REFUSED, State.SUBMITTED),
        (State.WITHDRAWN, State.SUBMITTED),
        (State.SUBMITTED, State.LABELLED),
    ],
)
def test_a_move_outside_the_table_is_refused_and_writes_nothing(from_state, to_state):
    project, _ = project_make(state=from_state)
    with pytest.raises(TransitionError):
        project_transition(project=project, to_state=to_state)
    project.refresh_from_db()
    assert project.state == from_state
    assert not AuditEntry.objects.filter(project=project).exists()
