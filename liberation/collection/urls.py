"""The collection's pages, inside i18n_patterns: /fr/collection/… and /en/collection/…"""

from django.urls import path

from . import views

app_name = "collection"

urlpatterns = [
    path("collection/", views.collection_index, name="index"),
    path("collection/contribute/", views.start, name="start"),
    path("collection/contribute/sent/", views.sent, name="sent"),
    path("collection/s/<str:public_id>/", views.story_page, name="story"),
    path("collection/s/<str:public_id>/f/<str:item_id>/", views.public_file, name="public_file"),
    path("collection/c/<str:token>/", views.space, name="space"),
    path("collection/c/<str:token>/story/", views.story_edit, name="story_edit"),
    path("collection/c/<str:token>/rights/", views.rights_edit, name="rights_edit"),
    path("collection/c/<str:token>/items/", views.item_add, name="items"),
    path("collection/c/<str:token>/items/<str:item_id>/", views.item_file, name="item_file"),
    path(
        "collection/c/<str:token>/items/<str:item_id>/delete/",
        views.item_delete,
        name="item_delete",
    ),
    path("collection/c/<str:token>/submit/", views.submit, name="submit"),
    path("collection/c/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("collection/c/<str:token>/data.json", views.data_export, name="data"),
]
