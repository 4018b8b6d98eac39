"""The organiser's pages, inside i18n_patterns: /fr/label/… and /en/label/…"""

from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("label/", views.start, name="start"),
    path("label/sent/", views.sent, name="sent"),
    path("label/link/", views.link_again, name="link_again"),
    path("label/link/sent/", views.link_sent, name="link_sent"),
    path("label/files/<int:pk>/", views.staff_file, name="staff_file"),
    path("label/p/<str:token>/", views.space, name="space"),
    path("label/p/<str:token>/step/<slug:step>/", views.step, name="step"),
    path("label/p/<str:token>/submit/", views.submit, name="submit"),
    path("label/p/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("label/p/<str:token>/files/", views.file_add, name="file_add"),
    path("label/p/<str:token>/files/<int:pk>/", views.file_download, name="file_download"),
    path("label/p/<str:token>/files/<int:pk>/delete/", views.file_delete, name="file_delete"),
    path("label/p/<str:token>/event/", views.event, name="event"),
]
