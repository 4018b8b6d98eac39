"""The newsletter's public pages, inside i18n_patterns: /fr/newsletter/… and /en/newsletter/…"""

from django.urls import path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("newsletter/", views.subscribe, name="subscribe"),
    path("newsletter/sent/", views.sent, name="sent"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="confirm"),
    path("newsletter/preferences/<str:token>/", views.preferences, name="preferences"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
