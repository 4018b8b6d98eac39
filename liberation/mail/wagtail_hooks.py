"""The outbox in the Wagtail admin: a home-page panel when emails did not go out, their
list, and the permission that grants both (see staff_views)."""

from django.contrib.auth.models import Permission
from django.urls import path
from wagtail import hooks

from . import staff_views


@hooks.register("register_admin_urls")
def register_mail_urls():
    return [
        path(
            "mail/undelivered/",
            staff_views.UndeliveredView.as_view(),
            name="mail_undelivered",
        )
    ]


@hooks.register("construct_homepage_panels")
def add_undelivered_panel(request, panels):
    if request.user.has_perm(staff_views.PERMISSION):
        counts = staff_views.undelivered_counts()
        if counts["failed"] or counts["in_doubt"]:
            panels.append(staff_views.UndeliveredPanel(counts))


@hooks.register("register_permissions")
def register_mail_permissions():
    return Permission.objects.filter(
        content_type__app_label="mail", codename="change_outboxmessage"
    )
