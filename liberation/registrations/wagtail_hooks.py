"""The staff tools for registrations in the Wagtail admin: their viewsets, URLs and menu
(the views are in staff_views.py), and the editor of the registration settings (see
settings_admin)."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.models import register_snippet

from .models import CeremonyAccess, Registration
from .settings_admin import RegistrationSettingsViewSet
from .staff_views import (
    BadgeRevokeView,
    CeremonyDetailView,
    CeremonyIndexView,
    DrawView,
    MessageAllView,
    RegistrationCancelView,
    RegistrationDetailView,
    RegistrationIndexView,
    can_view,
    checked_in_at,
)


class CeremonyToolsViewSet(ViewSet):
    name = "registrations_ceremonies"
    url_prefix = "registrations/ceremonies"
    icon = "calendar-check"
    menu_label = gettext_lazy("Ceremonies")

    @cached_property
    def menu_item_class(self):
        class CeremoniesMenuItem(MenuItem):
            def is_shown(self, request):
                return can_view(request.user)

        return CeremoniesMenuItem

    def get_urlpatterns(self):
        return [
            path("", CeremonyIndexView.as_view(), name="index"),
            path("<int:pk>/", CeremonyDetailView.as_view(), name="detail"),
            path("<int:pk>/message/", MessageAllView.as_view(), name="message"),
            path("<int:pk>/draw/", DrawView.as_view(), name="draw"),
        ]


class RegistrationViewSet(ModelViewSet):
    """Registrations are changed only through the services: no add, edit, copy or
    delete view; the detail (inspect) view leads to the staff actions."""

    model = Registration
    name = "registrations_admin"  # "registrations" is the public URLs' namespace
    url_prefix = "registrations"
    icon = "user"
    menu_label = gettext_lazy("All registrations")
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationDetailView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    index_results_template_name = "registrations/admin/index_results.html"
    inspect_template_name = "registrations/admin/registration_detail.html"
    ordering = "-created_at"
    list_per_page = 50
    list_display = [
        "reference",
        "surname",
        "given_name",
        "email",
        "ceremony",
        "status",
        "screening",
        "seats",
        "waitlist_position",
        Column("checked_in", label=gettext_lazy("Checked in"), accessor=checked_in_at),
        "created_at",
    ]
    list_filter = ["ceremony", "status", "screening"]
    search_fields = ["reference", "surname", "given_name", "email"]
    search_backend_name = None  # plain database lookups (icontains)
    # Names and email only: identity data leaves through the screening export alone.
    list_export = [
        "reference",
        "ceremony",
        "surname",
        "given_name",
        "email",
        "language",
        "seats",
        "companions",
        "status",
        "screening",
        "waitlist_position",
        "created_at",
        "checked_in_at",
        "badge_revoked_at",
    ]
    export_headings = {
        "companions": gettext_lazy("Companions"),
        "checked_in_at": gettext_lazy("Checked in at"),
        "ceremony": gettext_lazy("Ceremony"),
    }
    export_filename = "registrations"
    inspect_view_fields = [
        "reference",
        "ceremony",
        "status",
        "screening",
        "language",
        "email",
        "surname",
        "given_name",
        "birth_date",
        "birth_place",
        "nationality",
        "seats",
        "waitlist_position",
        "offered_until",
        "created_at",
        "updated_at",
        "badge_revoked_at",
        "erased_at",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No create, edit, delete, history or usage view: never link to them.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/cancel/", RegistrationCancelView.as_view(), name="cancel"),
            path("<int:pk>/revoke/", BadgeRevokeView.as_view(), name="revoke"),
        ]

    @property
    def url_finder_class(self):
        return type(
            "RegistrationURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Registration),
            codename__in=["view_registration", "change_registration"],
        )


class CeremonyAccessViewSet(ModelViewSet):
    """Who may do what for which ceremony (selectors.staff_ceremonies reads it). Give
    its permissions to administrators only: whoever edits it can grant themselves."""

    model = CeremonyAccess
    name = "registrations_access"
    url_prefix = "registrations/access"
    icon = "key"
    menu_label = gettext_lazy("Ceremony access")
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = ["user", "ceremony", "check_in", "attendees", "screening", "manage"]
    list_filter = ["ceremony", "user"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    search_backend_name = None
    form_fields = ["ceremony", "user", "check_in", "attendees", "screening", "manage"]
    ordering = ["ceremony", "user"]


class RegistrationsMenuGroup(ViewSetGroup):
    menu_label = gettext_lazy("Registrations")
    menu_icon = "group"
    menu_order = 250
    items = (CeremonyToolsViewSet, RegistrationViewSet, CeremonyAccessViewSet)


@hooks.register("register_admin_viewset")
def register_registrations_viewsets():
    return RegistrationsMenuGroup()


register_snippet(RegistrationSettingsViewSet)
