"""The newsletter's share of the clock (`make run` calls it every minute):

- restart the chain of a campaign whose worker died (campaigns.STALLED_AFTER);
- on the hour, the purge of personal data (`newsletter_purge`);
- from Monday 07:00 (Paris), the weekly digest of the week (`newsletter_digest`), once:
  each digest row is unique per (subscriber, week), so a second run sends nothing.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from liberation.newsletter.tasks import campaigns_resume

DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR = 7


class Command(BaseCommand):
    help = "Resume stalled campaigns; purge hourly; the weekly digest on Monday morning."

    def handle(self, *args, **options):
        resumed = campaigns_resume()
        if resumed:
            self.stdout.write(f"{resumed} newsletter campaigns resumed")
        now = timezone.localtime()
        if now.minute == 0:
            call_command("newsletter_purge", stdout=self.stdout)
        if now.weekday() == DIGEST_WEEKDAY and now.hour == DIGEST_HOUR and now.minute < 5:
            call_command("newsletter_digest", stdout=self.stdout)
