"""The organiser's pages: start an application, its private space, the steps, the
summary and submission, withdrawal, files, and once labelled the event's update.

Views parse, call one service, render. Refusals answer a 4xx with a localized message
and write nothing: input errors 400 (the form comes back, every typed value in it),
rule refusals 409 (closed campaign, wrong state), a file too large 413, bursts 429, an
unknown or tampered link 404. Pages carrying the token are never cached, indexed or
sent as a referrer. A successful POST redirects (303): a refresh never re-posts.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liberation.core import private_links
from liberation.core.forms import BOT_REFUSAL
from liberation.core.private_links import language_of, private, see_other

from . import attachments, services
from .forms import (
    STEP_NAMES,
    STEPS,
    ConsentForm,
    FileForm,
    LinkAgainForm,
    SessionFormSet,
    StartForm,
    StatusForm,
    session_initial,
)
from .models import Attachment, Project, ReviewerScope
from .services import ApplicationError
from .workflow import EDITABLE

rate_limited = private_links.rate_limited(
    scope="programme", template="programme/rate_limited.html", per_token=False
)

State = Project.State
STATUS_FOR = {"closed": 409, "not_editable": 409, "not_labelled": 409, "too_many": 409}
STATUS_FOR |= {"not_withdrawable": 409, "too_large": 413}
# A request body beyond this is refused before it is read (the file limit plus the form).
MAX_BODY = attachments.MAX_SIZE + 256 * 1024


def with_project(view):
    """The token → the project, or the localized "unknown link" page (404)."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        project = services.project_for_token(token)
        if project is None:
            return render(request, "programme/link_invalid.html", status=404)
        return view(request, project, token, *args, **kwargs)

    return private(rate_limited(wrapper))


def space_url(token: str, name: str = "space", **kwargs) -> str:
    return reverse(f"programme:{name}", kwargs={"token": token, **kwargs})


def step_context(project: Project, token: str, current: str) -> dict:
    missing = set(services.missing_items(project))
    steps = [
        {
            "name": name,
            "title": STEPS[name][0] if name in STEPS else _("Summary and sending"),
            "url": space_url(token, "step", step=name)
            if name in STEPS
            else space_url(token, "submit"),
            "done": name not in missing,
            "current": name == current,
        }
        for name in STEP_NAMES
    ]
    index = STEP_NAMES.index(current) if current in STEP_NAMES else 0
    return {
        "project": project,
        "token": token,
        "steps": steps,
        "step_index": index + 1,
        "step_count": len(STEP_NAMES),
        "step_title": steps[index]["title"],
        "next_title": steps[index + 1]["title"] if index + 1 < len(steps) else "",
        "campaign_open": services.campaign_is_open(project.campaign),
    }


# -- start -----------------------------------------------------------------------------


@private
@rate_limited
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "programme/start.html", {"form": StartForm()})
    form = StartForm(request.POST)
    refusal = ""
    if form.is_bot():
        refusal = BOT_REFUSAL
        return render(
            request, "programme/start.html", {"form": form, "refusal": refusal}, status=400
        )
    if not form.is_valid():
        return render(request, "programme/start.html", {"form": form}, status=400)
    try:
        services.project_start(
            campaign_id=form.cleaned_data["campaign"].pk,
            email=form.cleaned_data["email"],
            language=language_of(request),
        )
    except ApplicationError as error:
        context = {"form": StartForm(request.POST), "refusal": error.message}
        return render(request, "programme/start.html", context, status=409)
    return see_other(reverse("programme:sent"))


@private
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "programme/sent.html")


@private
@rate_limited
@require_http_methods(["GET", "POST"])
def link_again(request: HttpRequest) -> HttpResponse:
    """Lost the email? The links of every application made with an address are sent
    to it again (new links); the answer is the same whether it applied or not."""
    if request.method == "GET":
        return render(request, "programme/link_again.html", {"form": LinkAgainForm()})
    form = LinkAgainForm(request.POST)
    if form.is_bot():
        refusal = BOT_REFUSAL
        context = {"form": form, "refusal": refusal}
        return render(request, "programme/link_again.html", context, status=400)
    if not form.is_valid():
        return render(request, "programme/link_again.html", {"form": form}, status=400)
    services.project_links_resend(email=form.cleaned_data["email"])
    return see_other(reverse("programme:link_sent"))


@private
def link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "programme/sent.html", {"again": True})


# -- the organiser's space -------------------------------------------------------------


@with_project
@require_http_methods(["GET"])
def space(request: HttpRequest, project: Project, token: str) -> HttpResponse:
    services.email_verify(project=project)
    context = step_context(project, token, "organiser")
    context.update(
        editable=project.state in EDITABLE,
        decided=project.state in (State.LABELLED, State.REFUSED, State.CHANGES_REQUESTED)
        and bool(project.decision_reason),
        withdrawable=project.state not in (State.LABELLED, State.REFUSED, State.WITHDRAWN),
        sessions=project.sessions.all(),
        files=project.attachments.all(),
    )
    return render(request, "programme/space.html", context)


def render_step(
    request,
    project,
    token,
    step,
    *,
    form=None,
    formset=None,
    file_form=None,
    status=200,
    refusal="",
):
    form_class = STEPS[step][1]
    campaign = project.campaign
    if form is None:
        form = form_class(instance=project, campaign=campaign)
    context = step_context(project, token, step)
    context.update(form=form, step=step, refusal=refusal)
    if step == "dates":
        context["formset"] = formset or SessionFormSet(
            initial=session_initial(project), form_kwargs={"campaign": campaign}, prefix="s"
        )
    if step == "budget":
        context["file_form"] = file_form or FileForm()
        context["files"] = project.attachments.all()
        context["max_files"] = attachments.MAX_FILES
    return render(request, "programme/step.html", context, status=status)


def _not_editable(request, project, token) -> HttpResponse:
    messages.warning(
        request,
        _("This application is “%(state)s”: it can no longer be changed.")
        % {"state": project.get_state_display()},
    )
    return see_other(space_url(token))


@with_project
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, project: Project, token: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    if project.state not in EDITABLE:
        return _not_editable(request, project, token)
    if request.method == "GET":
        return render_step(request, project, token, step)
    campaign = project.campaign
    form = STEPS[step][1](request.POST, instance=project, campaign=campaign)
    valid = form.is_valid()
    formset = None
    try:
        if step == "dates":
            formset = SessionFormSet(request.POST, form_kwargs={"campaign": campaign}, prefix="s")
            valid = formset.is_valid() and valid
            rows = formset.rows()
            if rows is None:  # broken formset: the place fields only
                project = services.project_save_step(
                    project_id=project.pk, step=step, values=form.valid_values()
                )
            else:
                project = services.sessions_save(
                    project_id=project.pk, rows=rows[0], keep=rows[1], values=form.valid_values()
                )
        else:
            project = services.project_save_step(
                project_id=project.pk, step=step, values=form.valid_values()
            )
    except ApplicationError as error:
        project.refresh_from_db()
        status = STATUS_FOR.get(error.code, 400)
        return render_step(
            request,
            project,
            token,
            step,
            form=form,
            formset=formset,
            status=status,
            refusal=error.message,
        )
    if not valid:
        return render_step(request, project, token, step, form=form, formset=formset, status=400)
    messages.success(request, _("Saved."))
    if request.POST.get("action") == "stay":
        return see_other(space_url(token, "step", step=step))
    index = STEP_NAMES.index(step) + 1
    following = STEP_NAMES[index]
    if following in STEPS:
        return see_other(space_url(token, "step", step=following))
    return see_other(space_url(token, "submit"))


# -- summary and submission ------------------------------------------------------------


def render_submit(request, project, token, *, form=None, status=200, refusal=""):
    context = step_context(project, token, "submit")
    context.update(
        form=form or ConsentForm(initial={"consent": project.consent}),
        refusal=refusal,
        missing=[
            STEPS[m][0] if m in STEPS else _("Consent")
            for m in services.missing_items(project)
            if m != "submit"
        ],
        sessions=project.sessions.all(),
        files=project.attachments.all(),
        resubmission=project.state == State.CHANGES_REQUESTED,
    )
    return render(request, "programme/submit.html", context, status=status)


@with_project
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, project: Project, token: str) -> HttpResponse:
    if request.method == "GET":
        if project.state not in EDITABLE:
            return see_other(space_url(token))
        return render_submit(request, project, token)
    if project.state == State.SUBMITTED:  # a second click or a refresh: nothing again
        messages.info(request, _("This application has already been sent."))
        return see_other(space_url(token))
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return render_submit(request, project, token, form=form, status=400)
    try:
        services.project_submit(project_id=project.pk, consent=True)
    except ApplicationError as error:
        project.refresh_from_db()
        status = STATUS_FOR.get(error.code, 400)
        return render_submit(
            request, project, token, form=form, status=status, refusal=error.message
        )
    messages.success(
        request,
        _("Your application has been sent. A receipt has been emailed to %(email)s.")
        % {"email": project.contact_email},
    )
    return see_other(space_url(token))


@with_project
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, project: Project, token: str) -> HttpResponse:
    context = {"project": project, "token": token}
    if request.method == "GET":
        return render(request, "programme/withdraw.html", context)
    try:
        services.project_withdraw(project_id=project.pk)
    except ApplicationError as error:
        context["refusal"] = error.message
        return render(request, "programme/withdraw.html", context, status=409)
    messages.success(request, _("Your application has been withdrawn."))
    return see_other(space_url(token))


# -- files -----------------------------------------------------------------------------


@with_project
@require_POST
def file_add(request: HttpRequest, project: Project, token: str) -> HttpResponse:
    if project.state not in EDITABLE:
        return _not_editable(request, project, token)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        # Refused before the body is read: a 50 MB upload costs no memory or disk.
        form = FileForm()
        refusal = _("This file is too large; at most %(max)s MB per file.") % {
            "max": attachments.MAX_SIZE // 1024 // 1024
        }
        response = render_step(
            request, project, token, "budget", file_form=form, status=413, refusal=refusal
        )
        response["Connection"] = "close"
        return response
    file_form = FileForm(request.POST, request.FILES)
    if not file_form.is_valid():
        return render_step(request, project, token, "budget", file_form=file_form, status=400)
    upload = file_form.cleaned_data["file"]
    if upload.size > attachments.MAX_SIZE:
        data = b"\0" * (attachments.MAX_SIZE + 1)  # the check's message, without reading it
    else:
        data = upload.read()
    try:
        attachments.attachment_add(project_id=project.pk, name=upload.name, data=data)
    except ApplicationError as error:
        file_form.add_error("file", error.message)
        return render_step(
            request,
            project,
            token,
            "budget",
            file_form=file_form,
            status=STATUS_FOR.get(error.code, 400),
        )
    messages.success(request, _("The file “%(name)s” has been added.") % {"name": upload.name})
    return see_other(space_url(token, "step", step="budget"))


@with_project
@require_POST
def file_delete(request: HttpRequest, project: Project, token: str, pk: int) -> HttpResponse:
    try:
        attachments.attachment_delete(project_id=project.pk, attachment_id=pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return see_other(space_url(token))
    messages.success(request, _("The file has been removed."))
    return see_other(space_url(token, "step", step="budget"))


@with_project
@require_http_methods(["GET"])
def file_download(request: HttpRequest, project: Project, token: str, pk: int) -> HttpResponse:
    attachment = project.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachments.attachment_response(attachment)


def reviewer_may_see(user, project: Project) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = ReviewerScope.objects.filter(user=user).first()
    if scope is None:
        return False
    return scope.national or scope.departements.filter(pk=project.departement_id).exists()


@private
@require_http_methods(["GET"])
def staff_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A file for a reviewer of the project's département (or national staff); 404 else."""
    attachment = Attachment.objects.select_related("project").filter(pk=pk).first()
    if attachment is None or not reviewer_may_see(request.user, attachment.project):
        raise Http404
    return attachments.attachment_response(attachment)


# -- the labelled event ----------------------------------------------------------------


@with_project
@require_http_methods(["GET", "POST"])
def event(request: HttpRequest, project: Project, token: str) -> HttpResponse:
    if project.state != State.LABELLED:
        messages.warning(request, _("Only a labelled project's event can be updated."))
        return see_other(space_url(token))
    campaign = project.campaign
    status_form = StatusForm(initial={"status": project.status})
    formset = SessionFormSet(
        initial=session_initial(project), form_kwargs={"campaign": campaign}, prefix="s"
    )
    refusal, code = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "status":
                status_form = StatusForm(request.POST)
                if status_form.is_valid():
                    services.event_status_set(
                        project_id=project.pk, status=status_form.cleaned_data["status"]
                    )
                    messages.success(request, _("The event's status has been updated."))
                    return see_other(space_url(token, "event"))
                code = 400
            else:
                formset = SessionFormSet(
                    request.POST, form_kwargs={"campaign": campaign}, prefix="s"
                )
                if formset.is_valid():
                    rows, keep = formset.rows()
                    project = services.event_sessions_update(
                        project_id=project.pk, rows=rows, keep=keep
                    )
                    if project.state == State.SUBMITTED:
                        messages.info(
                            request,
                            _("The dates have changed: the project goes back to review."),
                        )
                        return see_other(space_url(token))
                    messages.success(request, _("The sessions have been updated."))
                    return see_other(space_url(token, "event"))
                code = 400
        except ApplicationError as error:
            refusal, code = error.message, STATUS_FOR.get(error.code, 400)
            project.refresh_from_db()
    context = {
        "project": project,
        "token": token,
        "status_form": status_form,
        "formset": formset,
        "refusal": refusal,
        "needs_review": bool(campaign and campaign.date_change_needs_review),
    }
    return render(request, "programme/event.html", context, status=code)
