from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "liberation.programme"
    label = "programme"
    verbose_name = "Libération: label programme"
