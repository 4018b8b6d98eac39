"""The organiser's side of a label application: start, save each step, submit,
withdraw, and once labelled update the sessions or the event's status.

Every write is one transaction that locks the project row first
(`select_for_update`), checks the rule against the row as it is then, and changes the
state only through `workflow.project_transition` (other actions through `audit_log`).
A refusal raises `ApplicationError` (a code and a localized message), and nothing is
written. The organiser has no account: the link's token is the credential; only its
SHA-256 is stored.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liberation.core.private_links import token_hash
from liberation.places.models import Commune

from . import emails
from .models import Campaign, Project, Session
from .publication import public_changed
from .workflow import EDITABLE, audit_log, project_transition

State = Project.State
MAX_SESSIONS = 50
FUNDING_SHARE = Decimal("0.25")

# What a submitted application must hold: field → (step, label). Sessions are checked
# apart (at least one).
REQUIRED = {
    "organiser_type": "organiser",
    "organiser_name": "organiser",
    "contact_name": "organiser",
    "title": "project",
    "description": "project",
    "kind": "project",
    "venue": "dates",
    "commune": "dates",
    "audience": "audience",
    "consent": "submit",
}


class ApplicationError(Exception):
    """A refusal the organiser can read: `code` for the view's status, `message` shown."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def project_for_token(token: str) -> Project | None:
    """The project a link opens, or None (unknown, tampered or malformed token)."""
    if not token or len(token) > 100:
        return None
    return (
        Project.objects.select_related("campaign", "commune", "departement", "theme")
        .filter(token_hash=token_hash(token))
        .first()
    )


def campaigns_open(*, now: dt.datetime | None = None):
    now = now or timezone.now()
    return Campaign.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")


def campaign_is_open(campaign: Campaign | None, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return campaign is not None and campaign.opens_at <= now < campaign.closes_at


def _locked(project_id: int) -> Project:
    # `of=("self",)`: the campaign is nullable, so it is an outer join, and PostgreSQL
    # refuses FOR UPDATE on the nullable side of one; the project row is what we lock.
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=project_id)
    )


def _closed_error(campaign: Campaign | None) -> ApplicationError:
    if campaign is None:
        return ApplicationError("closed", _("This application belongs to no open campaign."))
    return ApplicationError(
        "closed",
        _("Applications to “%(campaign)s” closed on %(date)s: it can no longer be sent.")
        % {
            "campaign": campaign.name,
            "date": timezone.localtime(campaign.closes_at).strftime("%d/%m/%Y %H:%M"),
        },
    )


# -- start ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    project: Project
    token: str


def project_start(*, campaign_id: int, email: str, language: str) -> Started:
    """A new draft for this campaign (open now), and the email with its private link.

    The token is shown nowhere but in that email: its body is stored with the message."""
    with transaction.atomic():
        campaign = campaigns_open().filter(pk=campaign_id).first()
        if campaign is None:
            raise ApplicationError(
                "closed", _("This campaign is not open for applications. Choose another one.")
            )
        token = secrets.token_urlsafe(32)
        project = Project.objects.create(
            campaign=campaign,
            contact_email=email.strip().lower(),
            language=language if language in ("fr", "en") else "fr",
            token_hash=token_hash(token),
        )
        audit_log(project=project, action="started", by_organiser=True)
        emails.send_link(project=project, token=token)
    return Started(project=project, token=token)


# At most this many links are sent again at once (the most recently changed projects).
MAX_RESENT_LINKS = 20


def project_links_resend(*, email: str) -> int:
    """Send again the private link of every application made with this address (the
    organiser lost the email). Each link is a new one: the old links stop working, so a
    link that leaked is cut off too. Answers how many were sent; the page says the same
    thing whatever the number, so that nobody learns which addresses applied."""
    address = email.strip().lower()
    sent = 0
    with transaction.atomic():
        projects = (
            Project.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(contact_email=address)
            .order_by("-updated_at", "-pk")[:MAX_RESENT_LINKS]
        )
        for project in projects:
            token = secrets.token_urlsafe(32)
            Project.objects.filter(pk=project.pk).update(token_hash=token_hash(token))
            audit_log(project=project, action="link_resent", by_organiser=True)
            emails.send_link(project=project, token=token, again=True)
            sent += 1
    return sent


def email_verify(*, project: Project) -> Project:
    """Opening the emailed link proves the address (once)."""
    if project.email_verified_at is None:
        with transaction.atomic():
            updated = Project.objects.filter(pk=project.pk, email_verified_at__isnull=True).update(
                email_verified_at=timezone.now()
            )
            if updated:
                audit_log(project=project, action="email_verified", by_organiser=True)
        project.refresh_from_db(fields=["email_verified_at"])
    return project


# -- the steps -----------------------------------------------------------------------------


def _check_editable(project: Project) -> None:
    if project.state not in EDITABLE:
        raise ApplicationError(
            "not_editable",
            _("This application is “%(state)s”: it can no longer be changed.")
            % {"state": project.get_state_display()},
        )


def _check_funding(budget, funding) -> None:
    if funding is not None and (budget is None or funding > budget * FUNDING_SHARE):
        raise ApplicationError(
            "funding", _("The funding requested can be at most 25 % of the budget.")
        )


def _place_fields(project: Project, commune: Commune | None) -> list[str]:
    project.commune = commune
    project.departement_id = commune.departement_id if commune else None
    project.latitude = commune.latitude if commune else None
    project.longitude = commune.longitude if commune else None
    return ["commune", "departement", "latitude", "longitude"]


def project_save_step(*, project_id: int, step: str, values: dict) -> Project:
    """Save the fields of one step (only those given: a step with errors passes its
    valid fields only). Sessions are saved by `sessions_save`."""
    with transaction.atomic():
        project = _locked(project_id)
        _check_editable(project)
        fields = []
        for name, value in values.items():
            if name == "commune":
                fields += _place_fields(project, value)
            else:
                setattr(project, name, value)
                fields.append(name)
        _check_funding(project.budget, project.funding_requested)
        if fields:
            project.save(update_fields=[*fields, "updated_at"])
            audit_log(project=project, action=f"saved:{step}", by_organiser=True)
    return project


@dataclass(frozen=True)
class SessionRow:
    pk: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime


def session_problem(campaign: Campaign | None, starts_at, ends_at) -> str:
    """Why a session cannot be (empty when it can)."""
    if ends_at <= starts_at:
        return _("The session must end after it starts.")
    if campaign is not None:
        first = timezone.localtime(starts_at).date()
        last = timezone.localtime(ends_at).date()
        if first < campaign.events_from or last > campaign.events_until:
            return _("The events of this campaign take place between %(start)s and %(end)s.") % {
                "start": campaign.events_from.strftime("%d/%m/%Y"),
                "end": campaign.events_until.strftime("%d/%m/%Y"),
            }
    return ""


def _sessions_write(project: Project, rows: list[SessionRow], keep: set[int]) -> bool:
    """Replace the project's sessions by `rows` (plus the untouched `keep`); whether any
    date changed."""
    for row in rows:
        problem = session_problem(project.campaign, row.starts_at, row.ends_at)
        if problem:
            raise ApplicationError("session", problem)
    current = {s.pk: s for s in project.sessions.all()}
    wanted = {row.pk for row in rows if row.pk in current} | (keep & set(current))
    if len(wanted) + sum(1 for row in rows if row.pk not in current) > MAX_SESSIONS:
        raise ApplicationError(
            "too_many", _("At most %(n)s sessions per project.") % {"n": MAX_SESSIONS}
        )
    changed = False
    gone = [pk for pk in current if pk not in wanted]
    if gone:
        Session.objects.filter(pk__in=gone).delete()
        changed = True
    for row in rows:
        existing = current.get(row.pk)
        if existing is None:
            Session.objects.create(project=project, starts_at=row.starts_at, ends_at=row.ends_at)
            changed = True
        elif (existing.starts_at, existing.ends_at) != (row.starts_at, row.ends_at):
            existing.starts_at, existing.ends_at = row.starts_at, row.ends_at
            existing.save(update_fields=["starts_at", "ends_at"])
            changed = True
    return changed


def sessions_save(
    *, project_id: int, rows: list[SessionRow], keep: set[int], values: dict | None = None
) -> Project:
    """The dates-and-place step: the valid session rows (rows still in error are in
    `keep`, untouched), and the valid place fields in `values`."""
    with transaction.atomic():
        project = _locked(project_id)
        _check_editable(project)
        if _sessions_write(project, rows, keep):
            audit_log(project=project, action="saved:sessions", by_organiser=True)
    if values:
        project = project_save_step(project_id=project_id, step="dates", values=values)
    return project


# -- submit, withdraw ----------------------------------------------------------------------


def missing_items(project: Project) -> list[str]:
    """The steps still incomplete (the names of REQUIRED's steps, and "dates")."""
    steps = [step for name, step in REQUIRED.items() if not getattr(project, name)]
    if not project.sessions.exists():
        steps.append("dates")
    return list(dict.fromkeys(steps))


def project_submit(*, project_id: int, consent: bool = False) -> Project:
    """Draft or changes requested → submitted, while the campaign is open.

    Idempotent: a project already submitted (a second click, a refresh) is returned as
    it is, with no second submission, email or audit line."""
    with transaction.atomic():
        project = _locked(project_id)
        if project.state == State.SUBMITTED:
            return project
        _check_editable(project)
        if not campaign_is_open(project.campaign):
            raise _closed_error(project.campaign)
        if consent and not project.consent:
            project.consent = True
            project.save(update_fields=["consent", "updated_at"])
        missing = missing_items(project)
        if missing:
            raise ApplicationError(
                "incomplete", _("Some required information is missing: complete every step.")
            )
        again = project.state == State.CHANGES_REQUESTED
        project.submitted_at = timezone.now()
        project_transition(
            project=project,
            to_state=State.SUBMITTED,
            by_organiser=True,
            detail="resubmitted" if again else "",
            fields=("submitted_at",),
        )
        emails.send_submitted(project=project)
    return project


def project_withdraw(*, project_id: int) -> Project:
    with transaction.atomic():
        project = _locked(project_id)
        if project.state == State.WITHDRAWN:
            return project
        if project.state in (State.LABELLED, State.REFUSED):
            raise ApplicationError(
                "not_withdrawable",
                _("A decided application cannot be withdrawn; you may cancel the event."),
            )
        project_transition(project=project, to_state=State.WITHDRAWN, by_organiser=True)
    return project


# -- once labelled -------------------------------------------------------------------------


def _check_labelled(project: Project) -> None:
    if project.state != State.LABELLED:
        raise ApplicationError("not_labelled", _("Only a labelled project's event can be updated."))


def event_sessions_update(*, project_id: int, rows: list[SessionRow], keep: set[int]) -> Project:
    """A labelled project's sessions. A change of date sends it back to review when its
    campaign says so (labelled → submitted); else it stays labelled, audited."""
    with transaction.atomic():
        project = _locked(project_id)
        _check_labelled(project)
        if not rows and not keep:
            raise ApplicationError(
                "session", _("Keep at least one session, or set the event's status to cancelled.")
            )
        changed = _sessions_write(project, rows, keep)
        if not changed:
            return project
        # New dates for a scheduled or postponed event: schema.org's EventRescheduled.
        if project.status in (Project.Status.SCHEDULED, Project.Status.POSTPONED):
            project.status = Project.Status.RESCHEDULED
            project.save(update_fields=["status", "updated_at"])
        if project.campaign is not None and project.campaign.date_change_needs_review:
            project.submitted_at = timezone.now()
            project_transition(
                project=project,
                to_state=State.SUBMITTED,
                by_organiser=True,
                detail="dates changed",
                fields=("submitted_at",),
            )
            emails.send_submitted(project=project)
        else:
            audit_log(project=project, action="event:sessions", by_organiser=True)
            public_changed(project.pk)  # new dates on the public event
    return project


def event_status_set(*, project_id: int, status: str) -> Project:
    if status not in Project.Status.values:
        raise ApplicationError("status", _("Choose one of the statuses offered."))
    with transaction.atomic():
        project = _locked(project_id)
        _check_labelled(project)
        if project.status != status:
            before = project.status
            project.status = status
            project.save(update_fields=["status", "updated_at"])
            audit_log(
                project=project,
                action="event:status",
                by_organiser=True,
                detail=f"{before}→{status}",
            )
            public_changed(project.pk)
    return project
