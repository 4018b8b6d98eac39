"""Registers the staff tools for registrations in the Wagtail admin (see admin_views)."""

from wagtail import hooks

from .admin_views import RegistrationsMenuGroup


@hooks.register("register_admin_viewset")
def register_registrations_viewsets():
    return RegistrationsMenuGroup()
