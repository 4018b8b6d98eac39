"""What reviewers do to a project: take it or assign it, write a private note, give the
département's opinion, decide. Each action runs in one transaction, on the project's
row locked first (`select_for_update`, taken from `projects_for(actor)`: a project
outside the actor's scope is not found, which the views answer with 404), goes through
`workflow.project_transition` for state changes, and writes the audit log.

A decision is emailed to the organiser (review_emails.queue_decision) in the same
transaction. A decision form carries the state the reviewer saw (`expected_state`): a
second submission of the same form finds the project already decided and changes
nothing, sends nothing (ReviewError "already_decided").
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import review_emails
from .models import Note, Project
from .review_selectors import is_national, projects_for, user_in_scope
from .workflow import OPEN_FOR_REVIEW, TransitionError, audit_log, project_transition

State = Project.State

DECISIONS = (State.LABELLED, State.REFUSED, State.CHANGES_REQUESTED)
REASON_REQUIRED = frozenset({State.REFUSED, State.CHANGES_REQUESTED})
OPINIONS = ("favourable", "unfavourable")

MESSAGES = {
    "not_found": _("This application does not exist or is outside your scope."),
    "not_open": _("This application is no longer open for review."),
    "already_decided": _(
        "This application has already been decided or changed in the meantime: nothing "
        "was changed and no email was sent."
    ),
    "reason_required": _("Give a reason: the organiser will read it."),
    "not_a_decision": _("Choose a decision."),
    "national_decides": _(
        "For this campaign the national staff take the decision: give the département’s "
        "opinion instead."
    ),
    "no_opinion_step": _("This campaign has no national decision: decide directly."),
    "not_opinion": _("Choose a favourable or unfavourable opinion."),
    "reviewer_out_of_scope": _("This person does not review this département."),
    "empty_note": _("The note is empty."),
}


class ReviewError(Exception):
    """A refused review action (a 4xx with `message`, never a 500)."""

    def __init__(self, code: str):
        self.code = code
        self.message = MESSAGES[code]
        super().__init__(str(self.message))


def _locked(*, actor, project_id: int) -> Project:
    project = projects_for(actor).select_for_update().filter(pk=project_id).first()
    if project is None:
        raise ReviewError("not_found")
    return project


def _check_expected(project: Project, expected_state: str | None) -> None:
    if expected_state is not None and project.state != expected_state:
        raise ReviewError("already_decided")


@transaction.atomic
def project_assign(*, project_id: int, actor, reviewer) -> Project:
    """Give the project to `reviewer` (the actor themselves: "take it"). A submitted
    project moves to under review."""
    project = _locked(actor=actor, project_id=project_id)
    if project.state not in OPEN_FOR_REVIEW:
        raise ReviewError("not_open")
    if reviewer is None or not user_in_scope(user=reviewer, departement_id=project.departement_id):
        raise ReviewError("reviewer_out_of_scope")
    project.reviewer = reviewer
    detail = str(reviewer)
    if project.state == State.SUBMITTED:
        project_transition(
            project=project,
            to_state=State.UNDER_REVIEW,
            actor=actor,
            detail=detail,
            fields=("reviewer",),
        )
    else:
        project.save(update_fields=["reviewer", "updated_at"])
    audit_log(project=project, action="assigned", actor=actor, detail=detail)
    return project


def project_take(*, project_id: int, actor) -> Project:
    return project_assign(project_id=project_id, actor=actor, reviewer=actor)


@transaction.atomic
def note_add(*, project_id: int, actor, text: str) -> Note:
    """A private note on the project (never shown to the organiser)."""
    project = _locked(actor=actor, project_id=project_id)
    text = (text or "").strip()
    if not text:
        raise ReviewError("empty_note")
    note = Note.objects.create(project=project, author=actor, text=text[:5000])
    audit_log(project=project, action="note", actor=actor)
    return note


@transaction.atomic
def project_decide(
    *,
    project_id: int,
    actor,
    decision: str,
    reason: str = "",
    expected_state: str | None = None,
) -> Project:
    """Label, refuse or request changes, with a reason (required unless labelled);
    emails the organiser. Where the campaign has a national decision, only national
    staff decide."""
    project = _locked(actor=actor, project_id=project_id)
    _check_expected(project, expected_state)
    if project.state not in (State.UNDER_REVIEW, State.OPINION_GIVEN):
        raise ReviewError("already_decided" if expected_state else "not_open")
    if decision not in DECISIONS:
        raise ReviewError("not_a_decision")
    reason = (reason or "").strip()
    if decision in REASON_REQUIRED and not reason:
        raise ReviewError("reason_required")
    national_step = project.campaign is not None and project.campaign.national_decision
    if national_step and not is_national(actor):
        raise ReviewError("national_decides")
    now = timezone.now()
    project.decision_reason = reason
    project.decided_at = now
    fields = ["decision_reason", "decided_at"]
    if decision == State.LABELLED:
        project.labelled_at = now
        fields.append("labelled_at")
    try:
        project_transition(
            project=project, to_state=decision, actor=actor, detail=reason, fields=tuple(fields)
        )
    except TransitionError as error:  # not reachable from the checks above; be safe
        raise ReviewError("not_open") from error
    review_emails.queue_decision(project=project, kind=decision)
    return project


@transaction.atomic
def project_opinion_give(
    *,
    project_id: int,
    actor,
    opinion: str,
    reason: str,
    expected_state: str | None = None,
) -> Project:
    """The département's reasoned opinion, where national staff decide. The organiser
    is not emailed: for them the project is still under review."""
    project = _locked(actor=actor, project_id=project_id)
    _check_expected(project, expected_state)
    if project.campaign is None or not project.campaign.national_decision:
        raise ReviewError("no_opinion_step")
    if project.state != State.UNDER_REVIEW:
        raise ReviewError("already_decided" if expected_state else "not_open")
    if opinion not in OPINIONS:
        raise ReviewError("not_opinion")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("reason_required")
    project.opinion = opinion
    project.decision_reason = reason
    project_transition(
        project=project,
        to_state=State.OPINION_GIVEN,
        actor=actor,
        detail=f"{opinion}: {reason}",
        fields=("opinion", "decision_reason"),
    )
    return project
