"""Everything `make run` does before starting the processes, in one Python process:
migrations, static files, the reference data (the commune referential, skipped when
unchanged, and the dates of the Liberation for the map), the site (with the demo
content, unless `--no-demo` or DEMO_CONTENT=false), the search index when it is empty
(after a migration that recreated it, such as discovery's 0004), admin account. Each
step is idempotent."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from liberation.site.services import site_ensure_structure


class Command(BaseCommand):
    help = (
        "Migrate, collect static files, load the communes, build the site with the demo "
        "content (unless --no-demo or DEMO_CONTENT=false), ensure an admin account."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="build the site structure only, without the demo content (production)",
        )

    def handle(self, *args, no_demo: bool = False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Reference data, before the demo content that may point to communes.
        call_command("load_communes", stdout=self.stdout, stderr=self.stderr)
        # Reference data of the map's "Liberation day by day" (idempotent).
        call_command("load_liberation_dates", stdout=self.stdout, stderr=self.stderr)
        if no_demo or not settings.DEMO_CONTENT:
            site_ensure_structure()
            self.stdout.write("Site structure ready (no demo content).")
        else:
            call_command("load_demo", stdout=self.stdout, stderr=self.stderr)
        from liberation.discovery.indexing import rebuild_index
        from liberation.discovery.models import SearchEntry

        if not SearchEntry.objects.exists():
            self.stdout.write(f"Search index rebuilt: {rebuild_index()} entries.")
        call_command("ensure_admin", stdout=self.stdout, stderr=self.stderr)
