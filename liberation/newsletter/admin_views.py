"""The campaign's page in the Wagtail admin: its preview in French and English, a
test send to the editor, its progress, and the send button (once only).

Editors with the permission *Can change newsletter campaign* use it (grant it to a
group); anyone else gets 404. Creating and editing drafts is the ModelViewSet's
(wagtail_hooks.py); a campaign that is sending or sent can no longer be edited
(Campaign.clean)."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import campaigns, emails
from .models import Campaign

PERMISSION = "newsletter.change_campaign"


def preview_url(campaign: Campaign) -> str:
    return reverse("newsletter_campaigns:preview", args=[campaign.pk])


class CampaignPreviewView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "newsletter/admin/preview.html"
    header_icon = "mail"
    page_title = gettext_lazy("Newsletter campaign")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise Http404
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.campaign.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("newsletter_campaigns:index"), "label": _("Newsletter campaigns")},
            {"url": "", "label": self.campaign.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.campaign
        context.update(
            campaign=campaign,
            previews=[
                {
                    "language": language,
                    "label": label,
                    "subject": campaign.subject(language),
                    "text": emails.campaign_text(
                        campaign=campaign, language=language, links=emails.sample_links(language)
                    ),
                }
                for language, label in (("fr", _("French")), ("en", _("English")))
            ],
            problem=campaigns.campaign_problem(campaign),
            recipients=campaigns.campaign_recipients(campaign).count(),
            progress=campaigns.campaign_progress(campaign),
            edit_url=reverse("newsletter_campaigns:edit", args=[campaign.pk]),
            is_draft=campaign.status == Campaign.Status.DRAFT,
        )
        return context

    def post(self, request, pk):
        action = request.POST.get("action")
        if action == "test":
            self._test(request)
        elif action == "send":
            self._send(request)
        return HttpResponseRedirect(preview_url(self.campaign))

    def _test(self, request):
        to = (request.user.email or "").strip()
        if not to:
            messages.error(
                request, _("Your account has no email address: add one to receive a test.")
            )
            return
        for language in ("fr", "en"):
            emails.send_test(campaign=self.campaign, to=to, language=language)
        messages.success(
            request,
            _("A test in French and in English is on its way to %(email)s.") % {"email": to},
        )

    def _send(self, request):
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the sending."))
            return
        try:
            campaigns.campaign_send(campaign_id=self.campaign.pk, user=request.user)
        except campaigns.CampaignError as error:
            messages.error(request, error.message)
            return
        messages.success(request, _("The campaign is being sent."))
