from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "liberation.exchange"
    label = "exchange"
    verbose_name = "Libération: content import and export"
