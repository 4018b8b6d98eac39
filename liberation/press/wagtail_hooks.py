"""The "Press accreditation" menu of the Wagtail admin: the requests to review
(admin_views.py) and each ceremony's settings with its pools (a snippet)."""

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .models import PressSettings


class ReviewViewSet(ViewSet):
    name = "press_review"
    url_prefix = "press/review"
    icon = "user"
    menu_label = gettext_lazy("Requests")

    @cached_property
    def menu_item_class(self):
        class ReviewMenuItem(MenuItem):
            def is_shown(self, request):
                return admin_views.can_review(request.user)

        return ReviewMenuItem

    def get_urlpatterns(self):
        action = admin_views.ActionView.as_view
        return [
            path("", admin_views.IndexView.as_view(), name="index"),
            path("ceremony/<int:pk>/", admin_views.CeremonyView.as_view(), name="ceremony"),
            path("a/<int:pk>/", admin_views.AccreditationView.as_view(), name="accreditation"),
            path("a/<int:pk>/approve/", action(action="approve"), name="approve"),
            path("a/<int:pk>/refuse/", action(action="refuse"), name="refuse"),
            path("a/<int:pk>/letter/", admin_views.LetterView.as_view(), name="letter"),
        ]


class PressSettingsViewSet(SnippetViewSet):
    model = PressSettings
    icon = "cog"
    menu_label = gettext_lazy("Settings and pools")
    url_prefix = "press/settings"
    list_display = ["ceremony", "is_open", "deadline_weeks", "quota_per_outlet"]
    copy_view_enabled = False
    inspect_view_enabled = False


class PressMenuGroup(ViewSetGroup):
    menu_label = gettext_lazy("Press accreditation")
    menu_icon = "user"
    menu_order = 270
    items = (ReviewViewSet, PressSettingsViewSet)


@hooks.register("register_admin_viewset")
def register_press_viewsets():
    return PressMenuGroup()
