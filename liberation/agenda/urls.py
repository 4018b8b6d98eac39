"""Agenda routes, inside i18n_patterns before Wagtail's catch-all: /fr/agenda/… and
/en/agenda/… (the same paths in both languages)."""

from django.urls import path

from . import feeds, views

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/agenda.ics", views.agenda_ics, name="agenda_ics"),
    path("agenda/rss/", feeds.agenda_rss, name="agenda_rss"),
    path("agenda/atom/", feeds.agenda_atom, name="agenda_atom"),
    path("agenda/<str:public_id>/", views.event, name="agenda_event"),
    path("agenda/<str:public_id>/event.ics", views.event_ics, name="agenda_event_ics"),
]
