"""The weekly digest of each département's agenda (liberation/newsletter/digest.py).
`newsletter_tick` runs it on Monday morning; it may also be run by hand or by cron:
a second run for the same week sends nothing."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from liberation.newsletter.digest import digest_send


class Command(BaseCommand):
    help = "Send the weekly agenda digest of each département (nothing for an empty week)."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="a day of the week to send (YYYY-MM-DD); default today")

    def handle(self, *args, **options):
        week = None
        if options["week"]:
            try:
                week = dt.date.fromisoformat(options["week"])
            except ValueError as error:
                raise CommandError(f"--week: {error}") from error
        report = digest_send(week=week)
        self.stdout.write(
            f"digest of the week of {report.week}: {report.sent} emails, "
            f"{report.departements} départements, {report.empty} without any event"
        )
