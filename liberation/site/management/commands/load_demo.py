"""Build the demo content: site structure, the bundled JSON Lines file, and an upcoming
ceremony open for registration (the next 8 May).

Idempotent: a second run finds everything in place and writes nothing.
"""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from liberation.content.models import ContentKey, Theme
from liberation.exchange.items import ImportFailed
from liberation.exchange.write import import_content
from liberation.site.demo.programme import demo_programme
from liberation.site.demo.upcoming import THEMES, write_upcoming
from liberation.site.services import site_ensure_structure

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "content.jsonl"

# The registration settings of the upcoming ceremony beyond what the exchange format
# carries: named companions and security screening, as for a ceremony presided by the
# head of State.
UPCOMING_SETTINGS = {
    "max_companions": 2,
    "screening_required": True,
    "ask_birth_date": True,
    "ask_birth_place": True,
    "ask_nationality": True,
    "retention_days": 30,
    "offer_hours": 48,
}
UPCOMING_INSTRUCTIONS = {
    "fr": (
        "Présentez-vous à partir de 16 h 30 à l’entrée de l’avenue de Friedland, muni de "
        "votre badge et d’une pièce d’identité en cours de validité. Sacs volumineux, "
        "objets tranchants, bouteilles et drones sont interdits."
    ),
    "en": (
        "Arrive from 4.30 pm at the avenue de Friedland entrance with your badge and a "
        "valid identity document. Large bags, sharp objects, bottles and drones are "
        "forbidden."
    ),
}


class Command(BaseCommand):
    help = "Create the site structure and load the demo content (idempotent)."

    def handle(self, *args, **options):
        site_ensure_structure()
        with tempfile.TemporaryDirectory() as folder:
            upcoming, upcoming_key = write_upcoming(folder=Path(folder), today=timezone.localdate())
            reports = []
            for path in (DEMO_FILE, upcoming):
                try:
                    reports.append(import_content(path=path))
                except ImportFailed as failure:
                    for error in failure.errors:
                        self.stderr.write(str(error))
                    raise SystemExit(1) from failure
        self._finish_upcoming(upcoming_key)
        self._name_themes()
        for report in reports:
            self.stdout.write(f"Demo content: {report.summary()}")
        created = demo_programme(today=timezone.localdate())
        self.stdout.write(f"Demo programme: {created} labelled projects created.")

    @transaction.atomic
    def _finish_upcoming(self, key: str) -> None:
        page = ContentKey.objects.get(key=key).page.specific
        settings = page.registration
        changed = [f for f, v in UPCOMING_SETTINGS.items() if getattr(settings, f) != v]
        for field in changed:
            setattr(settings, field, UPCOMING_SETTINGS[field])
        if changed:
            settings.save(update_fields=changed)
        for version in [page, *page.get_translations()]:
            version = version.specific
            text = UPCOMING_INSTRUCTIONS[version.locale.language_code]
            if version.instructions != text:
                version.instructions = text
                version.save_revision().publish()

    def _name_themes(self) -> None:
        """Give the demo themes their names, unless an editor renamed them."""
        for slug, (name_fr, name_en) in THEMES.items():
            theme = Theme.objects.filter(slug=slug).first()
            if theme is None:
                continue
            generated = slug.replace("-", " ").capitalize()
            updates = {}
            if theme.name_fr in (generated, slug):
                updates["name_fr"] = name_fr
            if theme.name_en in (generated, slug):
                updates["name_en"] = name_en
            if updates:
                Theme.objects.filter(pk=theme.pk).update(**updates)
