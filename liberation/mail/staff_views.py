"""What staff see of the outbox: the emails that did not go out (given up after every
attempt, or in doubt), on the admin's home page and on a list where each can be sent
again. The addresses are personal data: only users with `mail.change_outboxmessage`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .models import OutboxMessage
from .selectors import outbox_failed, outbox_in_doubt
from .services import outbox_retry

PERMISSION = "mail.change_outboxmessage"
LIST_LIMIT = 200


def undelivered_counts() -> dict:
    return {"failed": outbox_failed().count(), "in_doubt": outbox_in_doubt().count()}


class UndeliveredPanel(Component):
    """On the admin's home page, when an email did not go out."""

    name = "undelivered_mail"
    template_name = "mail/undelivered_panel.html"
    order = 90

    def __init__(self, counts: dict):
        self.counts = counts

    def get_context_data(self, parent_context):
        return {"counts": self.counts, "url": reverse("mail_undelivered")}


class UndeliveredView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "mail/undelivered.html"
    page_title = gettext_lazy("Emails not delivered")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failed"] = outbox_failed().order_by("pk")[:LIST_LIMIT]
        context["in_doubt"] = outbox_in_doubt().order_by("pk")[:LIST_LIMIT]
        context["counts"] = undelivered_counts()
        return context

    def post(self, request):
        if request.POST.get("all") == "failed":
            chosen = list(outbox_failed().order_by("pk"))
        else:
            try:
                pk = int(request.POST.get("message", ""))
            except ValueError:
                pk = None
            if pk is None or not 0 < pk < 2**63:
                messages.error(request, _("Choose an email to send again."))
                return redirect("mail_undelivered")
            chosen = [get_object_or_404(OutboxMessage, pk=pk)]
        queued = sum(outbox_retry(message=message) for message in chosen)
        if queued:
            messages.success(
                request,
                ngettext(
                    "%(count)s email will be sent again.",
                    "%(count)s emails will be sent again.",
                    queued,
                )
                % {"count": queued},
            )
        else:
            messages.warning(request, _("Nothing to send again: already sent or erased."))
        return redirect("mail_undelivered")
