"""What reviewers may see: their scope, the projects in it, the dashboard's counts.

Every review page and action starts from `projects_for(user)`: a project outside the
user's scope is simply not in the queryset, so any URL about it answers 404 (never
403, which would confirm that it exists). National staff (`ReviewerScope.national`)
and superusers see every département; a reviewer sees the départements of their
scope; anyone else sees nothing. Drafts are the organiser's own: never listed here.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from liberation.places.models import Departement

from .models import AuditEntry, Campaign, Project, ReviewerScope

State = Project.State

# The columns of the dashboard, in the order of the workflow.
DASHBOARD_STATES: tuple[str, ...] = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.OPINION_GIVEN,
    State.CHANGES_REQUESTED,
    State.LABELLED,
    State.REFUSED,
    State.WITHDRAWN,
)


@dataclass(frozen=True)
class Scope:
    national: bool
    departements: frozenset[str]  # codes; empty for national staff (they see all)


def reviewer_scope(user) -> Scope | None:
    """The user's scope, or None when they are not a reviewer (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_programme_scope", False)
    if cached is not False:
        return cached
    scope: Scope | None
    if user.is_superuser:
        scope = Scope(national=True, departements=frozenset())
    else:
        row = ReviewerScope.objects.filter(user=user).first()
        if row is None:
            scope = None
        elif row.national:
            scope = Scope(national=True, departements=frozenset())
        else:
            codes = frozenset(row.departements.values_list("code", flat=True))
            scope = Scope(national=False, departements=codes) if codes else None
    user._programme_scope = scope
    return scope


def can_review(user) -> bool:
    return reviewer_scope(user) is not None


def is_national(user) -> bool:
    scope = reviewer_scope(user)
    return scope is not None and scope.national


def projects_for(user) -> QuerySet[Project]:
    """The projects the user may see and act on (none when not a reviewer)."""
    scope = reviewer_scope(user)
    if scope is None:
        return Project.objects.none()
    projects = Project.objects.exclude(state=State.DRAFT)
    if scope.national:
        return projects
    return projects.filter(departement_id__in=scope.departements)


def departements_for(user) -> QuerySet[Departement]:
    scope = reviewer_scope(user)
    if scope is None:
        return Departement.objects.none()
    if scope.national:
        return Departement.objects.all()
    return Departement.objects.filter(code__in=scope.departements)


def campaigns_for(user) -> QuerySet[Campaign]:
    """Campaigns open in the user's départements (national ones included)."""
    scope = reviewer_scope(user)
    if scope is None:
        return Campaign.objects.none()
    if scope.national:
        return Campaign.objects.all()
    return Campaign.objects.filter(
        Q(departements__isnull=True) | Q(departements__code__in=scope.departements)
    ).distinct()


def user_in_scope(*, user, departement_id: str | None) -> bool:
    """Whether `user` may review a project of this département."""
    scope = reviewer_scope(user)
    if scope is None:
        return False
    return scope.national or (departement_id is not None and departement_id in scope.departements)


def reviewers_for(*, project: Project) -> QuerySet:
    """The users who may be assigned this project: national staff, the reviewers of its
    département, superusers."""
    User = get_user_model()
    condition = Q(is_superuser=True) | Q(programme_scope__national=True)
    if project.departement_id:
        condition |= Q(programme_scope__departements=project.departement_id)
    return User.objects.filter(condition, is_active=True).distinct().order_by("username")


# The dashboard ---------------------------------------------------------------------


@dataclass
class DashboardRow:
    code: str
    name: str
    counts: dict[str, int]
    total: int


def dashboard_counts(*, user, campaign_id: int | None = None) -> list[DashboardRow]:
    """Counts per département × state over the user's scope, in one GROUP BY query
    (on the covering index project_dept_state; the names come from a second, small
    query: joining them into the GROUP BY doubles its time on SQLite). Projects
    without a département (none in practice) are counted under code ""."""
    projects = projects_for(user)
    if campaign_id:
        projects = projects.filter(campaign_id=campaign_id)
    grouped = projects.order_by().values_list("departement_id", "state").annotate(n=Count("pk"))
    rows: dict[str, DashboardRow] = {}
    for code, state, n in grouped:
        code = code or ""
        row = rows.get(code)
        if row is None:
            row = rows[code] = DashboardRow(
                code=code, name="", counts=dict.fromkeys(DASHBOARD_STATES, 0), total=0
            )
        row.counts[state] = row.counts.get(state, 0) + n
        row.total += n
    if rows:
        names = dict(Departement.objects.filter(code__in=list(rows)).values_list("code", "name"))
        for code, row in rows.items():
            row.name = names.get(code, "")
    return [rows[code] for code in sorted(rows, key=_departement_sort_key)]


def _departement_sort_key(code: str) -> tuple[int, str]:
    # 01 … 19, 2A, 2B, 21 … 95, then overseas (971 …): numeric-ish order.
    return (len(code) if code else 9, code.replace("2A", "20A").replace("2B", "20B"))


def dashboard_totals(rows: list[DashboardRow]) -> dict[str, int]:
    totals = dict.fromkeys(DASHBOARD_STATES, 0)
    for row in rows:
        for state, n in row.counts.items():
            totals[state] = totals.get(state, 0) + n
    totals["total"] = sum(row.total for row in rows)
    return totals


# Lists and details -----------------------------------------------------------------


def project_list(
    *,
    user,
    campaign_id: int | None = None,
    departement: str | None = None,
    state: str | None = None,
    mine: bool = False,
    q: str = "",
) -> QuerySet[Project]:
    projects = projects_for(user).select_related("departement", "commune", "campaign", "reviewer")
    for word in q.split()[:8]:
        # Every word somewhere: title (either language), organiser, commune, reference.
        projects = projects.filter(
            Q(title__icontains=word)
            | Q(title_en__icontains=word)
            | Q(organiser_name__icontains=word)
            | Q(commune__name__icontains=word)
            | Q(public_id__iexact=word)
        )
    if campaign_id:
        projects = projects.filter(campaign_id=campaign_id)
    if departement:
        projects = projects.filter(departement_id=departement)
    if state:
        projects = projects.filter(state=state)
    if mine:
        projects = projects.filter(reviewer=user)
    return projects.order_by("-submitted_at", "-pk")


def project_for_review(*, user, pk: int) -> Project | None:
    """One project in the user's scope, with what its page shows, or None."""
    return (
        projects_for(user)
        .select_related("departement", "commune", "campaign", "reviewer", "theme")
        .prefetch_related("sessions", "attachments")
        .filter(pk=pk)
        .first()
    )


def project_notes(*, project: Project):
    return project.notes.select_related("author").order_by("created_at", "pk")


def project_audit(*, project: Project) -> QuerySet[AuditEntry]:
    return project.audit.select_related("actor").order_by("at", "pk")
