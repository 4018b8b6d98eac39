"""Search page routes, inside i18n_patterns (before Wagtail's catch-all):
/fr/recherche/ and /en/search/ (either path answers in either language)."""

from django.urls import path

from . import views

urlpatterns = [
    path("recherche/", views.search, name="search_fr"),
    path("search/", views.search, name="search_en"),
    path("recherche/suggestions/", views.suggest, name="search_suggest_fr"),
    path("search/suggestions/", views.suggest, name="search_suggest_en"),
]
