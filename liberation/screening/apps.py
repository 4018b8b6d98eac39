from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ScreeningConfig(AppConfig):
    name = "liberation.screening"
    label = "screening"
    verbose_name = "Libération: screening"

    def ready(self):
        """Tell registrations what screening adds to it (registrations imports nothing of
        screening): the export and import buttons on a ceremony's staff page."""
        from django.urls import reverse

        from liberation.registrations import extensions

        def url(name: str):
            return lambda ceremony: reverse(f"screening:{name}", args=[ceremony.pk])

        extensions.ceremony_actions_register(
            extensions.CeremonyActions(
                key="screening",
                right="screening",
                buttons=(
                    extensions.CeremonyButton(
                        label=gettext_lazy("Download the identity data for screening (CSV)"),
                        icon="download",
                        url=url("export"),
                    ),
                    extensions.CeremonyButton(
                        label=gettext_lazy("Import the screening decisions (CSV)"),
                        icon="upload",
                        url=url("import"),
                    ),
                ),
                # also after screening was switched off, while decisions are awaited
                shown=lambda ceremony, counts: (
                    ceremony.screening_required or counts.screening_pending > 0
                ),
                help=gettext_lazy("Every download of identity data is written to the audit log."),
            )
        )
