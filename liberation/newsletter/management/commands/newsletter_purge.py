"""Delete the personal data the newsletter no longer needs (docs/newsletter.md,
"Retention"): addresses never confirmed once their link expired, addresses unsubscribed
for longer than NEWSLETTER_UNSUBSCRIBED_RETENTION_DAYS, with their outbox messages.
Run by `newsletter_tick` every hour; safe to run at any time."""

from django.core.management.base import BaseCommand

from liberation.newsletter.services import subscribers_purge


class Command(BaseCommand):
    help = "Delete unconfirmed (expired) and unsubscribed newsletter addresses."

    def handle(self, *args, **options):
        deleted = subscribers_purge()
        self.stdout.write(f"{deleted} newsletter addresses deleted")
