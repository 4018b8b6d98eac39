"""The reviewers' pages in the Wagtail admin: dashboard (and its CSV), project list,
project detail with its actions, attachment download.

Every view first checks that the user reviews at all (else 404), then reads projects
only through `review_selectors.projects_for(user)`: a project of another département is
not found (404) for every URL. Actions parse a form, call one service of
review_services and redirect to the project (or render it again, 4xx, with the error).
The menu and the URLs are in wagtail_hooks.py.
"""

import csv
import io

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from liberation.core.spreadsheet import csv_cell

from . import review_emails
from .models import Project
from .review_forms import AssignForm, DecisionForm, NoteForm, OpinionForm, ProjectFilterForm
from .review_selectors import (
    DASHBOARD_STATES,
    campaigns_for,
    can_review,
    dashboard_counts,
    dashboard_totals,
    is_national,
    project_audit,
    project_for_review,
    project_list,
    project_notes,
)
from .review_services import (
    ReviewError,
    note_add,
    project_assign,
    project_decide,
    project_opinion_give,
    project_take,
)
from .workflow import OPEN_FOR_REVIEW

State = Project.State
PER_PAGE = 50


def list_url(base: str | None = None, **params) -> str:
    """The list filtered by `params`; `base` (the list's path) saves a reverse() per
    link on the dashboard, which has about 800 of them."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", False)})
    url = base or reverse("programme_review:projects")
    return f"{url}?{query}" if query else url


class ReviewMixin(WagtailAdminTemplateMixin):
    """Only reviewers (a scope, national staff, superusers): anyone else gets 404."""

    header_icon = "tick-inverse"

    def dispatch(self, request, *args, **kwargs):
        if not can_review(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        items = [{"url": reverse("programme_review:dashboard"), "label": _("Label programme")}]
        if self.get_page_title() != items[0]["label"]:
            items.append({"url": "", "label": self.get_page_title()})
        else:
            items[0]["url"] = ""
        return self.breadcrumbs_items + items


# --- Dashboard ------------------------------------------------------------------------


def _campaign_id(request) -> int | None:
    value = request.GET.get("campaign", "")
    return int(value) if value.isdigit() else None


class DashboardView(ReviewMixin, TemplateView):
    template_name = "programme/review/dashboard.html"
    page_title = gettext_lazy("Label programme")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign_id = _campaign_id(self.request)
        campaigns = list(campaigns_for(user))
        if campaign_id and campaign_id not in {c.pk for c in campaigns}:
            raise Http404
        rows = dashboard_counts(user=user, campaign_id=campaign_id)
        labels = dict(State.choices)
        base = reverse("programme_review:projects")
        prefix = f"{base}?campaign={campaign_id}&" if campaign_id else f"{base}?"
        totals = dashboard_totals(rows)
        context.update(
            rows=rows,
            table_body=dashboard_table_body(rows, prefix),
            columns=[
                (labels[state], list_url(campaign=campaign_id, state=state))
                for state in DASHBOARD_STATES
            ],
            totals=[totals[state] for state in DASHBOARD_STATES],
            total=totals["total"],
            campaigns=campaigns,
            campaign_id=campaign_id,
            csv_url=reverse("programme_review:dashboard_csv")
            + (f"?campaign={campaign_id}" if campaign_id else ""),
            mine_url=list_url(mine=1),
            national=is_national(user),
        )
        return context


def dashboard_table_body(rows, prefix: str) -> str:
    """The dashboard's rows as HTML, written here rather than in the template: about
    800 cells, which the template engine renders ten times slower (docs/review.md)."""
    no_departement = _("No département")
    lines = []
    for row in rows:
        # Codes ("2A", "971") and states need no URL escaping; names are escaped.
        url = f"{prefix}departement={row.code}"
        label = f"{row.name} ({row.code})" if row.code else no_departement
        cells = "".join(
            format_html('<td><a href="{}&amp;state={}">{}</a></td>', url, state, count)
            if (count := row.counts.get(state, 0))
            else "<td>0</td>"
            for state in DASHBOARD_STATES
        )
        lines.append(
            format_html('<tr><th scope="row"><a href="{}">{}</a></th>', url, label)
            + cells
            + f"<td>{row.total}</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 (every value escaped above)


class DashboardCSVView(ReviewMixin, View):
    """The dashboard as CSV: a header row, one row per département, UTF-8 with a BOM
    so that spreadsheets read the accents; cells made formula-safe."""

    def get(self, request):
        campaign_id = _campaign_id(request)
        if campaign_id and not campaigns_for(request.user).filter(pk=campaign_id).exists():
            raise Http404
        rows = dashboard_counts(user=request.user, campaign_id=campaign_id)
        labels = dict(State.choices)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [_("Département code"), _("Département")]
            + [str(labels[state]) for state in DASHBOARD_STATES]
            + [_("Total")]
        )
        for row in rows:
            writer.writerow(
                [csv_cell(row.code), csv_cell(row.name)]
                + [row.counts.get(state, 0) for state in DASHBOARD_STATES]
                + [row.total]
            )
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="label-dashboard-{stamp}.csv"'
        add_never_cache_headers(response)
        return response


# --- List -----------------------------------------------------------------------------


class ProjectListView(ReviewMixin, TemplateView):
    template_name = "programme/review/project_list.html"
    page_title = gettext_lazy("Applications")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = ProjectFilterForm(self.request.GET or None, user=user)
        filters = {}
        if form.is_bound:
            # A département or campaign outside the scope is not a choice: 404.
            if not form.is_valid() and ("departement" in form.errors or "campaign" in form.errors):
                raise Http404
            data = form.cleaned_data if form.is_valid() else {}
            filters = {
                "campaign_id": data["campaign"].pk if data.get("campaign") else None,
                "departement": data["departement"].pk if data.get("departement") else None,
                "state": data.get("state") or None,
                "mine": bool(data.get("mine")),
                "q": data.get("q") or "",
            }
        projects = project_list(user=user, **filters)
        paginator = Paginator(projects, PER_PAGE)
        page = paginator.get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            form=form,
            selects=filter_selects(form),
            page_obj=page,
            projects=page.object_list,
            query=query.urlencode(),
        )
        return context


def filter_selects(form: ProjectFilterForm) -> list[dict]:
    """The filter form's selects as plain data: the template writes them in a loop,
    three times faster than Django's widget templates for 100 départements."""
    selects = []
    for name in ("campaign", "departement", "state"):
        field = form[name]
        value = str(field.value() or "")
        selects.append(
            {
                "id": field.id_for_label,
                "name": name,
                "label": field.label,
                "errors": field.errors,
                "options": [
                    (str(key), label, str(key) == value) for key, label in field.field.choices
                ],
            }
        )
    return selects


# --- Detail and actions ---------------------------------------------------------------


class ProjectMixin(ReviewMixin):
    def dispatch(self, request, *args, **kwargs):
        self.project  # noqa: B018 (404 outside the scope, whatever the method)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def project(self) -> Project:
        project = project_for_review(user=self.request.user, pk=self.kwargs["pk"])
        if project is None:
            raise Http404
        return project

    def get_page_title(self):
        return self.project.title or _("Application #%(pk)s") % {"pk": self.project.pk}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("programme_review:dashboard"), "label": _("Label programme")},
            {"url": reverse("programme_review:projects"), "label": _("Applications")},
            {"url": "", "label": self.get_page_title()},
        ]

    def project_url(self) -> str:
        return reverse("programme_review:project", args=[self.project.pk])


class ProjectDetailView(ProjectMixin, TemplateView):
    template_name = "programme/review/project_detail.html"

    def get_context_data(self, forms=None, error=None, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.project
        user = self.request.user
        national_step = bool(project.campaign and project.campaign.national_decision)
        national = is_national(user)
        forms = forms or {}
        initial = {"expected_state": project.state}
        is_open = project.state in OPEN_FOR_REVIEW
        may_decide = project.state in (State.UNDER_REVIEW, State.OPINION_GIVEN) and (
            national or not national_step
        )
        may_opine = national_step and project.state == State.UNDER_REVIEW and not national

        def action(name: str) -> str:
            return reverse(f"programme_review:{name}", args=[project.pk])

        context.update(
            project=project,
            sessions=list(project.sessions.all()),
            attachments=[
                (a, reverse("programme_review:attachment", args=[project.pk, a.pk]))
                for a in project.attachments.all()
            ],
            notes=project_notes(project=project),
            audit=project_audit(project=project),
            outbox=review_emails.messages_of(project),
            national_step=national_step,
            is_open=is_open,
            may_take=is_open and project.reviewer_id != user.pk,
            assign_form=forms.get("assign") or (AssignForm(project=project) if is_open else None),
            note_form=forms.get("note") or NoteForm(),
            decision_form=forms.get("decide")
            or (DecisionForm(initial=initial) if may_decide else None),
            opinion_form=forms.get("opinion")
            or (OpinionForm(initial=initial) if may_opine else None),
            take_url=action("take"),
            assign_url=action("assign"),
            note_url=action("note"),
            decide_url=action("decide"),
            opinion_url=action("opinion"),
            error=error,
            list_url=list_url(departement=project.departement_id),
        )
        return context


class ProjectActionView(ProjectDetailView):
    """POST only: one action on the project (`action` in the URL)."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, pk):
        project_id = self.project.pk  # 404 outside the scope, before anything else
        user = request.user
        form = None
        try:
            if self.action == "take":
                project_take(project_id=project_id, actor=user)
                done = _("You are now reviewing this application.")
            elif self.action == "assign":
                form = AssignForm(request.POST, project=self.project)
                if not form.is_valid():
                    return self.invalid(form)
                reviewer = form.cleaned_data["reviewer"]
                project_assign(project_id=project_id, actor=user, reviewer=reviewer)
                done = _("Application assigned to %(name)s.") % {
                    "name": reviewer.get_full_name() or reviewer.get_username()
                }
            elif self.action == "note":
                form = NoteForm(request.POST)
                if not form.is_valid():
                    return self.invalid(form)
                note_add(project_id=project_id, actor=user, text=form.cleaned_data["text"])
                done = _("Note added.")
            elif self.action == "decide":
                form = DecisionForm(request.POST)
                if not form.is_valid():
                    return self.invalid(form)
                data = form.cleaned_data
                project = project_decide(
                    project_id=project_id,
                    actor=user,
                    decision=data["decision"],
                    reason=data["reason"],
                    expected_state=data["expected_state"],
                )
                done = _("Decision recorded (%(state)s); the organiser is notified by email.") % {
                    "state": project.get_state_display()
                }
            elif self.action == "opinion":
                form = OpinionForm(request.POST)
                if not form.is_valid():
                    return self.invalid(form)
                data = form.cleaned_data
                project_opinion_give(
                    project_id=project_id,
                    actor=user,
                    opinion=data["opinion"],
                    reason=data["reason"],
                    expected_state=data["expected_state"],
                )
                done = _("Opinion recorded; the national staff will decide.")
            else:  # pragma: no cover (URLs name the actions)
                raise Http404
        except ReviewError as error:
            status = 409 if error.code in ("already_decided", "not_open") else 400
            messages.error(request, str(error.message))
            self.__dict__.pop("project", None)  # show the project as it is now
            return self.render_to_response(self.get_context_data(error=error), status=status)
        messages.success(request, done)
        return redirect(self.project_url())

    def invalid(self, form):
        messages.error(self.request, _("The form has errors: see below."))
        return self.render_to_response(self.get_context_data(forms={self.action: form}), status=400)


class AttachmentDownloadView(ProjectMixin, View):
    """An attachment of a project in the scope, as a download (never inline)."""

    def get(self, request, pk, attachment_pk):
        attachment = self.project.attachments.filter(pk=attachment_pk).first()
        if attachment is None or not attachment.file:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except OSError as error:
            raise Http404 from error
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response
