from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "liberation.registrations"
    label = "registrations"
    verbose_name = "Libération: registrations"
