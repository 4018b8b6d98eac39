"""Generate a synthetic corpus of real, live Wagtail content pages for benchmarks.

    manage.py generate_corpus --pages 20000 [--seed 1] [--lang-share-en 0.3]

Pages are created with treebeard's add_child (real pages, paths, url_paths, locales)
under the site's section pages, without revisions (live=True from the start), then the
search index is rebuilt once. Never run this on a production database."""

import random
import sys
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify


def _words(text: str) -> list[str]:
    return text.split()


PLACES = _words(
    "Cherbourg Caen Bayeux Carentan Saint-Lô Falaise Avranches Rouen Le Havre Brest Lorient "
    "Saint-Nazaire Royan La Rochelle Dunkerque Calais Boulogne Amiens Reims Paris Chartres "
    "Orléans Tours Nantes Rennes Toulon Marseille Nice Grenoble Lyon Dijon Besançon "
    "Strasbourg Colmar Metz Nancy Verdun Bordeaux Toulouse Montpellier Vercors Cotentin"
)
FR_WORDS = _words(
    "libération bataille armée alliés débarquement résistance maquis port ville pont "
    "plage char soldats division américaine britannique canadienne française allemande "
    "occupation reddition siège poche bombardement reconstruction mémoire cérémonie "
    "témoignage archives photographie habitants réfugiés défilé drapeau commémoration "
    "hommage victoire offensive front colonne parachutistes marins aviateurs infirmières "
    "hôpital gare usine écoles église mairie préfecture routes ravitaillement prisonniers"
)
EN_WORDS = _words(
    "liberation battle army allies landing resistance maquis port city bridge beach tank "
    "soldiers division american british canadian french german occupation surrender siege "
    "pocket bombing reconstruction memory ceremony testimony archives photograph residents "
    "refugees parade flag commemoration tribute victory offensive front column "
    "paratroopers sailors airmen nurses hospital station factory schools church town hall"
)
FR_GLUE = _words("le la les de des du et dans pour avec sur après avant pendant")
EN_GLUE = _words("the of and in for with on after before during")


def _text(rng: random.Random, lang: str, words: int) -> str:
    vocab, glue = (FR_WORDS, FR_GLUE) if lang == "fr" else (EN_WORDS, EN_GLUE)
    out = []
    for _ in range(words):
        r = rng.random()
        if r < 0.3:
            out.append(rng.choice(glue))
        elif r < 0.4:
            out.append(rng.choice(PLACES))
        elif r < 0.45:
            out.append(str(rng.randint(1939, 1946)))
        else:
            out.append(rng.choice(vocab))
    return " ".join(out).capitalize() + "."


class Command(BaseCommand):
    help = "Create N synthetic live content pages (FR and EN) and rebuild the search index."

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--lang-share-en", type=float, default=0.3)
        parser.add_argument("--no-index", action="store_true")

    def handle(self, *args, pages, seed, lang_share_en, no_index, **options):
        from django.db.models.signals import post_save
        from wagtail.search.signal_handlers import post_save_signal_handler

        from liberation.content.models import ArticlePage, NewsPage, Place, Theme
        from liberation.discovery.indexing import rebuild_index
        from liberation.site.services import site_ensure_structure

        # Wagtail's own search index (the admin's) is skipped for speed; run
        # `manage.py update_index` afterwards if the admin search must see the corpus.
        for model in (ArticlePage, NewsPage):
            post_save.disconnect(post_save_signal_handler, sender=model)
        rng = random.Random(seed)
        structure = site_ensure_structure()
        parents = {lang: structure.sections[("history", lang)] for lang in ("fr", "en")}
        themes = list(Theme.objects.values_list("pk", flat=True))
        places = list(Place.objects.values_list("pk", flat=True))
        through_themes = ArticlePage.themes.through
        through_places = ArticlePage.places.through
        links_t, links_p = [], []
        try:
            start = time.monotonic()
            batch = 200
            for first in range(0, pages, batch):
                with transaction.atomic():
                    for n in range(first, min(first + batch, pages)):
                        lang = "en" if rng.random() < lang_share_en else "fr"
                        model = NewsPage if rng.random() < 0.2 else ArticlePage
                        place = rng.choice(PLACES)
                        title = f"{_text(rng, lang, 4)[:-1]} {place} {rng.randint(1940, 1945)}"
                        day = date(1944, 1, 1) + timedelta(days=rng.randint(0, 700))
                        page = model(
                            title=title[:250],
                            slug=f"corpus-{seed}-{n}-{slugify(title)[:40]}",
                            lead=_text(rng, lang, 25),
                            body=[("paragraph", f"<p>{_text(rng, lang, 120)}</p>")],
                            date=day + timedelta(days=rng.randint(0, 25 * 365)),
                            history_start=day,
                            history_end=day + timedelta(days=rng.randint(0, 60)),
                            live=True,
                        )
                        parents[lang].add_child(instance=page)
                        if themes:
                            links_t.append(
                                through_themes(contentpage_id=page.pk, theme_id=rng.choice(themes))
                            )
                        if places and rng.random() < 0.5:
                            links_p.append(
                                through_places(contentpage_id=page.pk, place_id=rng.choice(places))
                            )
                    through_themes.objects.bulk_create(links_t, ignore_conflicts=True)
                    through_places.objects.bulk_create(links_p, ignore_conflicts=True)
                    links_t, links_p = [], []
                self._progress("pages", min(first + batch, pages), pages, start)
        finally:
            for model in (ArticlePage, NewsPage):
                post_save.connect(post_save_signal_handler, sender=model)
        sys.stderr.write("\n")
        created = time.monotonic() - start
        self.stdout.write(f"created {pages} pages in {created:.1f} s")
        if not no_index:
            start = time.monotonic()
            count = rebuild_index(progress=lambda d, t: self._progress("index", d, t, start))
            sys.stderr.write("\n")
            self.stdout.write(f"indexed {count} pages in {time.monotonic() - start:.1f} s")

    @staticmethod
    def _progress(label: str, done: int, total: int, start: float) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        rate = done / max(time.monotonic() - start, 1e-6)
        sys.stderr.write(
            f"\r{label:5} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:.0f}/s"
        )
        sys.stderr.flush()
