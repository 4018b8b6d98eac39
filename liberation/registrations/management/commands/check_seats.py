"""`manage.py check_seats [--repair]`: compare every ceremony's seat counter with the
seats of the registrations that hold seats (see liberation/registrations/seat_audit.py).

Prints each mismatch with the ceremony and both figures, logs it, and exits with a
non-zero status. It never changes anything unless asked: `--repair` sets each wrong
counter to the seats held, under the ceremony lock, and logs it (exit status 0 when
every counter could be repaired). Run every few minutes by the clock of `make run`.
"""

from django.core.management.base import BaseCommand, CommandError

from liberation.registrations.seat_audit import RepairRefused, seat_mismatches_report, seats_repair


class Command(BaseCommand):
    help = "Compare each ceremony's seat counter with the seats held; --repair fixes them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="set each wrong counter to the seats held (under the lock; logged)",
        )

    def handle(self, *args, **options):
        mismatches = seat_mismatches_report()
        left = []
        for mismatch in mismatches:
            self.stdout.write(f"Mismatch: {mismatch}")
            if not options["repair"]:
                left.append(mismatch)
                continue
            try:
                repaired = seats_repair(ceremony_id=mismatch.ceremony_id)
            except RepairRefused:
                self.stdout.write(
                    "  not repaired: more seats are held than the capacity; raise the "
                    "capacity or cancel registrations, then run it again"
                )
                left.append(mismatch)
                continue
            if repaired is None:
                self.stdout.write("  agrees now (changed meanwhile): nothing to repair")
            else:
                self.stdout.write(f"  repaired: counter {repaired.counter} -> {repaired.held}")
        if options["verbosity"] > 1 and not mismatches:
            self.stdout.write("Every seat counter agrees with the seats held.")
        if left:
            raise CommandError(
                f"{len(left)} seat counter(s) disagree with the seats held"
                + ("" if options["repair"] else " (see above; --repair fixes them)")
            )
