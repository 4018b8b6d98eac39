"""The staff pages of screening, under a ceremony in the Wagtail admin: download the
identity data (CSV), import the decisions (CSV). They are registrations' ceremony pages
(same permission: change registrations; same breadcrumbs and form page); the buttons
that lead here are registered in apps.py."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from wagtail.admin import messages

from liberation.registrations.models import CeremonyAccess
from liberation.registrations.staff_views import ActionFormView, CeremonyMixin

from .forms import ScreeningImportForm
from .services import screening_export_csv, screening_import_csv

Right = CeremonyAccess.Right


class ScreeningExportView(CeremonyMixin, View):
    any_permission_required = None
    permission_required = "change"
    right = Right.SCREENING

    def get(self, request, *args, **kwargs):
        content = screening_export_csv(ceremony=self.ceremony, user=request.user)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="screening-{self.ceremony.pk}-{stamp}.csv"'
        )
        add_never_cache_headers(response)  # identity data: keep it out of every cache
        return response


class ScreeningImportView(ActionFormView):
    right = Right.SCREENING
    form_class = ScreeningImportForm
    page_title = gettext_lazy("Import screening decisions")
    submit_label = gettext_lazy("Import the decisions")
    intro = [
        gettext_lazy(
            "The file is checked whole before anything is recorded: if one line is wrong, "
            "no decision is recorded and every wrong line is listed. Lines with an empty "
            "decision are left pending. A refusal frees the seats for the waiting list."
        )
    ]

    def form_valid(self, form):
        result = screening_import_csv(
            ceremony=self.ceremony, content=form.cleaned_data["file"].read(), user=self.request.user
        )
        if not result.ok:
            messages.error(
                self.request,
                ngettext(
                    "The file was not imported: %(count)s line is wrong.",
                    "The file was not imported: %(count)s lines are wrong.",
                    len(result.errors),
                )
                % {"count": len(result.errors)},
            )
            return self.render_to_response(
                self.get_context_data(form=form, line_errors=result.errors)
            )
        messages.success(
            self.request,
            _(
                "Decisions recorded: %(approved)s approved, %(refused)s refused, "
                "%(unchanged)s unchanged, %(undecided)s still pending."
            )
            % {
                "approved": result.approved,
                "refused": result.refused,
                "unchanged": result.unchanged,
                "undecided": result.undecided,
            },
        )
        return redirect(self.ceremony_url)
