"""The "Newsletter" menu of the Wagtail admin: campaigns (create and edit drafts; each
has a page with its preview, a test send and the send button, admin_views.py)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views
from .models import Campaign


class PreviewColumn(Column):
    cell_template_name = "newsletter/admin/preview_cell.html"

    def get_value(self, instance):
        return reverse("newsletter_campaigns:preview", args=[instance.pk])


class CampaignViewSet(ModelViewSet):
    model = Campaign
    name = "newsletter_campaigns"
    url_prefix = "newsletter/campaigns"
    icon = "mail"
    menu_label = gettext_lazy("Newsletter")
    menu_order = 270
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "title",
        "topic",
        "departement",
        "status",
        "recipients",
        PreviewColumn("preview", label=gettext_lazy("Preview and send")),
    ]
    list_filter = ["status", "topic"]
    search_fields = ["title"]
    search_backend_name = None
    form_fields = [
        "title",
        "topic",
        "departement",
        "subject_fr",
        "body_fr",
        "subject_en",
        "body_en",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/preview/", admin_views.CampaignPreviewView.as_view(), name="preview"),
        ]


@hooks.register("register_admin_viewset")
def register_newsletter_viewset():
    return CampaignViewSet()
