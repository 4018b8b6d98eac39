"""The "Collection" menu of the Wagtail admin: the historians' moderation pages
(moderation_views.py). Shown only to users with `collection.moderate_story`; the views
answer 404 to anyone else."""

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import moderation_views as views


class ModerationViewSet(ViewSet):
    name = "collection_moderation"
    url_prefix = "collection"
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Collection")
    menu_order = 270
    add_to_admin_menu = True

    @cached_property
    def menu_item_class(self):
        class ModerationMenuItem(MenuItem):
            def is_shown(self, request):
                return views.can_moderate(request.user)

        return ModerationMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.StoryListView.as_view(), name="stories"),
            path("<str:public_id>/", views.StoryDetailView.as_view(), name="story"),
            path("<str:public_id>/moderate/", views.ModerateView.as_view(), name="moderate"),
            path("<str:public_id>/captions/", views.CaptionsView.as_view(), name="captions"),
            path("<str:public_id>/files/<str:item_id>/", views.ItemFileView.as_view(), name="file"),
        ]


@hooks.register("register_admin_viewset")
def register_collection_viewset():
    return ModerationViewSet()
