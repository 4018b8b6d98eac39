from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "liberation.mail"
    label = "mail"
    verbose_name = "Libération: mail"
