"""`manage.py registrations_tick`: the registrations' scheduled work, once.

Run every minute by the clock of `make run` (liberation/run.py); safe to run by hand or
from cron, even while another run is in progress. See liberation/registrations/tasks.py.
"""

from django.core.management.base import BaseCommand, CommandError

from liberation.mail.selectors import outbox_failed, outbox_in_doubt
from liberation.registrations.tasks import registrations_tick


class Command(BaseCommand):
    help = (
        "Expire waiting-list offers, queue reminders, erase personal data past its "
        "retention, report stuck emails and deliver the outbox."
    )

    def handle(self, *args, **options):
        report = registrations_tick()
        failed = [name for name, count in report.items() if count < 0]
        # Quiet when nothing happened: the clock runs this every minute.
        if options["verbosity"] > 1 or any(report.values()):
            self.stdout.write(
                "registrations tick: " + ", ".join(f"{k}={v}" for k, v in report.items())
            )
        if options["verbosity"] > 1:
            self.stdout.write(
                f"outbox: {outbox_in_doubt().count()} in doubt, {outbox_failed().count()} given up"
            )
        if failed:
            raise CommandError(f"failed steps (see the log): {', '.join(failed)}")
