"""The states of a label application and who may move it where; the audit log.

Organiser-side services (services.py) and reviewer-side services (review_services.py)
both change a project's state through `project_transition`, inside their own
transaction, after locking the row (`Project.objects.select_for_update()`), so that
every move is checked against this table and written to the audit log at once.

    draft ──submit──▶ submitted ──take──▶ under_review ──decide──▶ labelled | refused
                          ▲                    │  └──opinion──▶ opinion_given ──national──▶ …
                          └──resubmit── changes_requested ◀──request changes──┘
    any state but labelled/refused/withdrawn ──withdraw──▶ withdrawn
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Project
from .publication import public_changed

State = Project.State

ALLOWED: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.SUBMITTED, State.WITHDRAWN}),
    State.SUBMITTED: frozenset({State.UNDER_REVIEW, State.WITHDRAWN}),
    State.UNDER_REVIEW: frozenset(
        {
            State.LABELLED,
            State.REFUSED,
            State.CHANGES_REQUESTED,
            State.OPINION_GIVEN,
            State.WITHDRAWN,
        }
    ),
    State.CHANGES_REQUESTED: frozenset({State.SUBMITTED, State.WITHDRAWN}),
    State.OPINION_GIVEN: frozenset(
        {State.LABELLED, State.REFUSED, State.CHANGES_REQUESTED, State.WITHDRAWN}
    ),
    # A labelled project whose date changes goes back to review when its campaign says so.
    State.LABELLED: frozenset({State.SUBMITTED}),
    State.REFUSED: frozenset(),
    State.WITHDRAWN: frozenset(),
}

# States in which the organiser may edit the application.
EDITABLE = frozenset({State.DRAFT, State.CHANGES_REQUESTED})
# States a reviewer still has to act on.
OPEN_FOR_REVIEW = frozenset({State.SUBMITTED, State.UNDER_REVIEW, State.OPINION_GIVEN})


class TransitionError(Exception):
    """The move is not allowed from the project's current state (a 4xx, never a 500)."""

    def __init__(self, project: Project, to_state: str):
        self.project = project
        self.to_state = to_state
        super().__init__(
            _("This application cannot go from “%(from)s” to “%(to)s”.")
            % {"from": project.get_state_display(), "to": State(to_state).label}
        )


def can_move(project: Project, to_state: str) -> bool:
    return to_state in ALLOWED.get(project.state, frozenset())


def audit_log(
    *,
    project: Project,
    action: str,
    actor: models.Model | None = None,
    by_organiser: bool = False,
    detail: str = "",
) -> AuditEntry:
    """One line of the audit log (call inside the transaction of the change)."""
    return AuditEntry.objects.create(
        project=project,
        action=action[:40],
        actor=actor,
        by_organiser=by_organiser,
        detail=detail,
    )


def project_transition(
    *,
    project: Project,
    to_state: str,
    actor: models.Model | None = None,
    by_organiser: bool = False,
    detail: str = "",
    fields: tuple[str, ...] = (),
) -> Project:
    """Move a locked project to `to_state`, save `state` (and `fields`), audit the move.

    The caller holds the row lock and the transaction; raises TransitionError when the
    move is not in ALLOWED. A move into or out of "labelled" tells `publication`'s
    listeners after the commit (the public event appears or goes).
    """
    if not can_move(project, to_state):
        raise TransitionError(project, to_state)
    from_state = project.state
    project.state = to_state
    project.save(update_fields=["state", "updated_at", *fields])
    if State.LABELLED in (from_state, to_state):  # the public event appears or goes
        public_changed(project.pk)
    audit_log(
        project=project,
        action=f"{from_state}→{to_state}",
        actor=actor,
        by_organiser=by_organiser,
        detail=detail,
    )
    return project
