"""`manage.py rotate_badge_keys`: re-encrypt the badge signing keys under the current
BADGE_KEY_SECRET (or SECRET_KEY), after the old secret was moved to
BADGE_KEY_SECRET_FALLBACKS. The keys themselves do not change: badges already sent
stay valid.

Idempotent (a key already under the current secret is left alone) and all or nothing
(one transaction: a key that no secret decrypts stops the run with nothing changed).
See docs/checkin.md, Keys.
"""

from django.core.management.base import BaseCommand, CommandError

from liberation.gate.keys import SigningKeyUnreadable, signing_keys_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every badge signing key under the current BADGE_KEY_SECRET; run after "
        "moving the old secret to BADGE_KEY_SECRET_FALLBACKS."
    )

    def handle(self, *args, **options):
        try:
            count = signing_keys_reencrypt()
        except SigningKeyUnreadable as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        self.stdout.write(f"re-encrypted {count} badge signing key(s) under the current secret")
