"""Delete the press accreditations' identity data and letters past their retention
(docs/press.md, Retention). Idempotent: run it daily."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from liberation.press.privacy import erase_expired_press_data


class Command(BaseCommand):
    help = "Erase press accreditations' identity data and letters after the retention period."

    def handle(self, *args, **options):
        count = erase_expired_press_data(now=timezone.now())
        self.stdout.write(f"{count} press accreditation(s) erased")
