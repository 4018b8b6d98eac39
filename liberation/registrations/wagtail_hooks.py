"""Registers the staff tools for registrations in the Wagtail admin (see admin_views),
and the editor of the registration settings (see settings_admin)."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin_views import RegistrationsMenuGroup
from .settings_admin import RegistrationSettingsViewSet

register_snippet(RegistrationSettingsViewSet)


@hooks.register("register_admin_viewset")
def register_registrations_viewsets():
    return RegistrationsMenuGroup()
