"""The "Label programme" menu of the Wagtail admin: the reviewers' dashboard, list and
project pages (review_views.py), and, for national staff, campaigns and reviewer
scopes (ModelViewSets whose permission policy also requires national staff).

The menu shows only to reviewers (review_selectors.can_review); their views answer 404
to anyone else. Campaigns and scopes need both national staff (ReviewerScope.national
or superuser) and the model permissions (give them to the national staff's group).
"""

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import review_views
from .models import Campaign, ReviewerScope
from .review_selectors import can_review, is_national


class NationalStaffPolicy(ModelPermissionPolicy):
    """The model permission, held by national staff only."""

    def user_has_permission(self, user, action):
        return is_national(user) and super().user_has_permission(user, action)


register_permission_policy(Campaign, NationalStaffPolicy(Campaign))
register_permission_policy(ReviewerScope, NationalStaffPolicy(ReviewerScope))


class ReviewViewSet(ViewSet):
    name = "programme_review"
    url_prefix = "programme/review"
    icon = "tick-inverse"
    menu_label = gettext_lazy("Applications")

    @cached_property
    def menu_item_class(self):
        class ReviewMenuItem(MenuItem):
            def is_shown(self, request):
                return can_review(request.user)

        return ReviewMenuItem

    def get_urlpatterns(self):
        action = review_views.ProjectActionView.as_view
        return [
            path("", review_views.DashboardView.as_view(), name="dashboard"),
            path("dashboard.csv", review_views.DashboardCSVView.as_view(), name="dashboard_csv"),
            path("projects/", review_views.ProjectListView.as_view(), name="projects"),
            path("projects/<int:pk>/", review_views.ProjectDetailView.as_view(), name="project"),
            path("projects/<int:pk>/take/", action(action="take"), name="take"),
            path("projects/<int:pk>/assign/", action(action="assign"), name="assign"),
            path("projects/<int:pk>/note/", action(action="note"), name="note"),
            path("projects/<int:pk>/decide/", action(action="decide"), name="decide"),
            path("projects/<int:pk>/opinion/", action(action="opinion"), name="opinion"),
            path(
                "projects/<int:pk>/attachments/<int:attachment_pk>/",
                review_views.AttachmentDownloadView.as_view(),
                name="attachment",
            ),
        ]


class CampaignViewSet(ModelViewSet):
    model = Campaign
    name = "programme_campaigns"
    url_prefix = "programme/campaigns"
    icon = "date"
    menu_label = gettext_lazy("Campaigns")
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        "opens_at",
        "closes_at",
        "events_from",
        "events_until",
        "national_decision",
    ]
    list_filter = ["national_decision"]
    search_fields = ["name"]
    search_backend_name = None
    form_fields = [
        "name",
        "departements",
        "opens_at",
        "closes_at",
        "events_from",
        "events_until",
        "national_decision",
        "date_change_needs_review",
    ]
    ordering = ["-opens_at"]


class ReviewerScopeViewSet(ModelViewSet):
    """Who reviews which départements. Whoever edits it can grant themselves: national
    staff only."""

    model = ReviewerScope
    name = "programme_scopes"
    url_prefix = "programme/scopes"
    icon = "key"
    menu_label = gettext_lazy("Reviewers")
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = ["user", "national"]
    list_filter = ["national"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    search_backend_name = None
    form_fields = ["user", "departements", "national"]


class ProgrammeMenuGroup(ViewSetGroup):
    menu_label = gettext_lazy("Label programme")
    menu_icon = "tick-inverse"
    menu_order = 260
    items = (ReviewViewSet, CampaignViewSet, ReviewerScopeViewSet)


@hooks.register("register_admin_viewset")
def register_programme_viewsets():
    return ProgrammeMenuGroup()
