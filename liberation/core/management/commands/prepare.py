"""Everything `make run` does before starting the processes, in one Python process:
migrations, static files, demo content, admin account. Each step is idempotent."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, collect static files, load the demo content, ensure an admin account."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_demo", stdout=self.stdout, stderr=self.stderr)
        call_command("ensure_admin", stdout=self.stdout, stderr=self.stderr)
