"""The press office's pages in the Wagtail admin: the ceremonies with their requests,
a ceremony's list, one request with its letter and the decision (approve with a pool,
or refuse with a reason emailed to the journalist).

Every view needs `press.change_accreditation` (else 403). Actions parse a form, call one
service and redirect (or render again, 4xx, with the error). URLs and menu:
wagtail_hooks.py.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import emails
from .forms import ApproveForm, RefuseForm
from .models import Accreditation, PressSettings
from .services import PressError, accreditation_approve, accreditation_refuse, press_deadline

PERMISSION = "press.change_accreditation"
State = Accreditation.State


def can_review(user) -> bool:
    return user.is_active and user.has_perm(PERMISSION)


class PressMixin(WagtailAdminTemplateMixin):
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        if not can_review(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        items = [{"url": reverse("press_review:index"), "label": _("Press accreditation")}]
        return self.breadcrumbs_items + items + [{"url": "", "label": self.get_page_title()}]


class IndexView(PressMixin, TemplateView):
    template_name = "press/admin/index.html"
    page_title = gettext_lazy("Press accreditation")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": _("Press accreditation")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = PressSettings.objects.select_related("ceremony").annotate(
            submitted=Count("accreditations", filter=Q(accreditations__state=State.SUBMITTED)),
            approved=Count("accreditations", filter=Q(accreditations__state=State.APPROVED)),
            refused=Count("accreditations", filter=Q(accreditations__state=State.REFUSED)),
        )
        context["rows"] = [(row, press_deadline(row)) for row in rows.order_by("-pk")]
        return context


class CeremonyView(PressMixin, TemplateView):
    template_name = "press/admin/ceremony.html"

    @cached_property
    def press(self) -> PressSettings:
        return get_object_or_404(
            PressSettings.objects.select_related("ceremony"), pk=self.kwargs["pk"]
        )

    def get_page_title(self):
        return str(self.press)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        rows = self.press.accreditations.exclude(state=State.DRAFT).select_related("pool")
        if state in State.values:
            rows = rows.filter(state=state)
        pools = self.press.pools.annotate(
            approved=Count("accreditations", filter=Q(accreditations__state=State.APPROVED))
        )
        context.update(
            press=self.press,
            rows=rows.order_by("state", "submitted_at"),
            pools=pools,
            states=State.choices[1:],
            current_state=state,
            deadline=press_deadline(self.press),
        )
        return context


class AccreditationView(PressMixin, TemplateView):
    template_name = "press/admin/accreditation.html"

    @cached_property
    def accreditation(self) -> Accreditation:
        return get_object_or_404(
            Accreditation.objects.select_related("press__ceremony", "pool").exclude(
                state=State.DRAFT
            ),
            pk=self.kwargs["pk"],
        )

    def get_page_title(self):
        a = self.accreditation
        return f"{a.full_name or a.reference} — {a.outlet}"

    def get_breadcrumbs_items(self):
        press = self.accreditation.press
        return self.breadcrumbs_items + [
            {"url": reverse("press_review:index"), "label": _("Press accreditation")},
            {"url": reverse("press_review:ceremony", args=[press.pk]), "label": str(press)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, approve_form=None, refuse_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        a = self.accreditation
        open_ = a.state in (State.SUBMITTED, State.APPROVED)
        context.update(
            accreditation=a,
            approve_form=approve_form
            or (ApproveForm(press=a.press, initial={"pool": a.pool_id}) if open_ else None),
            refuse_form=refuse_form or (RefuseForm() if open_ else None),
            approve_url=reverse("press_review:approve", args=[a.pk]),
            refuse_url=reverse("press_review:refuse", args=[a.pk]),
            letter_url=reverse("press_review:letter", args=[a.pk]) if a.letter else "",
            outbox=emails.messages_of(a),
        )
        return context


class ActionView(AccreditationView):
    http_method_names = ["post"]
    action = ""

    def post(self, request, pk):
        a = self.accreditation
        actor = request.user.get_username()
        try:
            if self.action == "approve":
                form = ApproveForm(request.POST, press=a.press)
                if not form.is_valid():
                    return self.invalid(approve_form=form)
                pool = form.cleaned_data["pool"]
                accreditation_approve(
                    accreditation_id=a.pk, pool_id=pool.pk if pool else None, actor=actor
                )
                done = _("Accreditation approved; the journalist is notified by email.")
            else:
                form = RefuseForm(request.POST)
                if not form.is_valid():
                    return self.invalid(refuse_form=form)
                accreditation_refuse(
                    accreditation_id=a.pk, reason=form.cleaned_data["reason"], actor=actor
                )
                done = _("Accreditation refused; the reason is emailed to the journalist.")
        except PressError as error:
            messages.error(request, error.message)
            self.__dict__.pop("accreditation", None)
            return self.render_to_response(self.get_context_data(), status=409)
        messages.success(request, done)
        return redirect(reverse("press_review:accreditation", args=[a.pk]))

    def invalid(self, **forms):
        messages.error(self.request, _("The form has errors: see below."))
        return self.render_to_response(self.get_context_data(**forms), status=400)


class LetterView(PressMixin, View):
    """The editor's letter, as a download (never shown inline)."""

    def get(self, request, pk):
        a = get_object_or_404(Accreditation, pk=pk)
        if not a.letter:
            raise Http404
        try:
            handle = a.letter.open("rb")
        except OSError as error:
            raise Http404 from error
        response = FileResponse(
            handle, as_attachment=True, filename=a.letter_name, content_type=a.letter_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        add_never_cache_headers(response)
        return response
