"""Read-only queries for listings and "Contenus associés" (related content)."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page, get_page_models

from liberation.core import surrogate

from . import providers
from .models import (
    ArticlePage,
    ContentPage,
    DossierPage,
    NewsPage,
    SectionIndexPage,
    Theme,
    VideoPage,
)

RELATED_COUNT = 3
# How far apart two historical periods may be and still count as "the same moment".
HISTORY_PROXIMITY = timedelta(days=31)


def _type_models() -> dict[str, type[Page]]:
    """The `type` filter of listings: content's own types, then those other apps
    registered (events: "ceremony"; see providers.py)."""
    own = {
        "article": ArticlePage,
        "dossier": DossierPage,
        "news": NewsPage,
        "video": VideoPage,
    }
    return own | providers.listing_types()


@dataclass(frozen=True)
class Period:
    slug: str
    label: str
    start: date | None
    end: date | None


PERIODS = [
    Period("before-june-1944", _("Before June 1944"), None, date(1944, 5, 31)),
    Period(
        "summer-1944",
        _("Summer 1944: landings and liberation"),
        date(1944, 6, 1),
        date(1944, 9, 30),
    ),
    Period(
        "autumn-winter-1944", _("Autumn and winter 1944–1945"), date(1944, 10, 1), date(1945, 2, 28)
    ),
    Period(
        "spring-1945",
        _("Spring 1945: the pockets and victory"),
        date(1945, 3, 1),
        date(1945, 5, 31),
    ),
    Period("after-victory", _("After the victory"), date(1945, 6, 1), None),
]


@dataclass(frozen=True)
class ListingFilters:
    type: str = ""
    theme: str = ""
    period: str = ""

    @classmethod
    def from_query(cls, query) -> "ListingFilters":
        """Keep only values we know: an unknown filter is ignored, never an error page."""
        type_ = query.get("type", "")
        theme = query.get("theme", "")
        period = query.get("period", "")
        return cls(
            type=type_ if type_ in _type_models() else "",
            theme=theme if Theme.objects.filter(slug=theme).exists() else "",
            period=period if any(p.slug == period for p in PERIODS) else "",
        )

    def type_choices(self) -> list[tuple[str, str]]:
        return [(key, model.type_label) for key, model in _type_models().items()]

    def period_choices(self) -> list[Period]:
        return PERIODS

    def querystring(self) -> str:
        """The active filters, to carry over in pagination links."""
        return urlencode({k: v for k, v in vars(self).items() if v})


def content_listing(*, index: SectionIndexPage, filters: ListingFilters) -> QuerySet:
    surrogate.keys_add(surrogate.LIST)  # any publish may add, remove or reorder an entry
    items = ContentPage.objects.live().public().descendant_of(index).filter(locale=index.locale)
    if filters.type:
        items = items.type(_type_models()[filters.type])
    if filters.theme:
        items = items.filter(themes__slug=filters.theme)
    if filters.period:
        period = next(p for p in PERIODS if p.slug == filters.period)
        if period.end:
            items = items.filter(history_start__lte=period.end)
        if period.start:
            items = items.annotate(period_end=Coalesce("history_end", "history_start")).filter(
                period_end__gte=period.start
            )
    return items.order_by("-date", "-pk").specific()


def _not_in_latest() -> list[type[ContentPage]]:
    """Content types that stay out of "Latest content" (`in_latest_content = False`)."""
    return [
        model
        for model in get_page_models()
        if issubclass(model, ContentPage) and not model.in_latest_content
    ]


def latest_content(*, locale: Locale, limit: int) -> list[ContentPage]:
    surrogate.keys_add(surrogate.LIST)
    items = ContentPage.objects.live().public().filter(locale=locale)
    if excluded := _not_in_latest():
        items = items.not_type(*excluded)
    return list(items.order_by("-date", "-pk").specific()[:limit])


def _overlap_score(a: ContentPage, b: ContentPage) -> float:
    if not (a.history_start and b.history_start):
        return 0.0
    a_end = a.history_end or a.history_start
    b_end = b.history_end or b.history_start
    if (
        a.history_start - HISTORY_PROXIMITY <= b_end
        and b.history_start - HISTORY_PROXIMITY <= a_end
    ):
        return 1.0
    return 0.0


def related_cards(*, page: ContentPage, count: int = RELATED_COUNT) -> list[Page]:
    """The editor's picks first, then the closest content by meaning, themes, places, dates.

    Never the page itself nor its translation; one language version per item unless
    the editor picked both; the page's language is preferred on a tie.
    """
    picks: list[Page] = []
    for block in page.related:
        target = block.value
        if target is not None and target.live and target.pk != page.pk:
            picks.append(target.specific)
    if len(picks) >= count:
        return picks[:count]

    taken = {page.translation_key} | {p.translation_key for p in picks}
    fill = _related_by_meaning(page=page, taken=taken, count=count - len(picks))
    if len(fill) < count - len(picks):
        taken |= {p.translation_key for p in fill}
        fill += _related_by_structure(page=page, taken=taken, count=count - len(picks) - len(fill))
    return picks + fill


def _related_by_meaning(*, page: ContentPage, taken: set, count: int) -> list[Page]:
    """The stored neighbours by meaning, themes, places and dates (supplied by the
    semantic app, see providers.py), computed when content changes; empty when the page
    has no embedding yet or semantic is not installed."""
    stored = providers.related_by_meaning(page=page, count=count + len(taken) + 1) or []
    fill = [p for p in stored if p.pk != page.pk and p.translation_key not in taken]
    return fill[:count]


def _related_by_structure(*, page: ContentPage, taken: set, count: int) -> list[Page]:
    """The closest content by shared themes, places and dates, scored per request."""
    if count <= 0:
        return []
    theme_ids = {t.pk for t in page.themes.all()}
    place_ids = {p.pk for p in page.places.all()}
    near = Q(themes__in=theme_ids) | Q(places__in=place_ids)
    if page.history_start:
        end = page.history_end or page.history_start
        near |= Q(
            history_start__lte=end + HISTORY_PROXIMITY,
            period_end__gte=page.history_start - HISTORY_PROXIMITY,
        )
    candidates = (
        ContentPage.objects.live()
        .public()
        .annotate(period_end=Coalesce("history_end", "history_start"))
        .filter(near)
        .exclude(translation_key__in=taken)
        .distinct()
        .prefetch_related("themes", "places")
        .order_by("-date")[:300]
    )
    best: dict = {}
    for candidate in candidates:
        score = 2.0 * len(theme_ids & {t.pk for t in candidate.themes.all()})
        score += 2.0 * len(place_ids & {p.pk for p in candidate.places.all()})
        score += _overlap_score(page, candidate)
        if candidate.locale_id == page.locale_id:
            score += 0.5
        key = candidate.translation_key
        if key not in best or score > best[key][0]:
            best[key] = (score, candidate)
    ranked = sorted(best.values(), key=lambda sc: (-sc[0], -sc[1].date.toordinal(), sc[1].pk))
    return [candidate.specific for _score, candidate in ranked[:count]]


def related_to_place_and_period(
    *,
    commune: str | None,
    departement: str | None,
    start: date | None,
    end: date | None = None,
    language: str = "fr",
    count: int = RELATED_COUNT,
) -> list[Page]:
    """The content closest to something that is not a page (a contributed story): by
    the same scores as `related_cards`' structure (a place in the same commune 2, in
    the same département 1, a historical period within a month 1, the reader's
    language 0.5 on a tie), one language version per item, best first."""
    near = Q(pk__in=[])
    if commune:
        near |= Q(places__commune_id=commune)
    if departement:
        near |= Q(places__commune__departement_id=departement)
    if start:
        end = end or start
        near |= Q(
            history_start__lte=end + HISTORY_PROXIMITY,
            period_end__gte=start - HISTORY_PROXIMITY,
        )
    candidates = (
        ContentPage.objects.live()
        .public()
        .annotate(period_end=Coalesce("history_end", "history_start"))
        .filter(near)
        .distinct()
        .select_related("locale")
        .prefetch_related("places__commune")
        .order_by("-date")[:300]
    )
    best: dict = {}
    for candidate in candidates:
        communes = {p.commune_id for p in candidate.places.all() if p.commune_id}
        departements = {p.commune.departement_id for p in candidate.places.all() if p.commune_id}
        score = 2.0 if commune and commune in communes else 0.0
        score += 1.0 if departement and departement in departements else 0.0
        if start and candidate.history_start:
            c_end = candidate.period_end or candidate.history_start
            if candidate.history_start - HISTORY_PROXIMITY <= (end or start) and (
                start - HISTORY_PROXIMITY <= c_end
            ):
                score += 1.0
        if candidate.locale.language_code == language:
            score += 0.5
        key = candidate.translation_key
        if key not in best or score > best[key][0]:
            best[key] = (score, candidate)
    ranked = sorted(best.values(), key=lambda sc: (-sc[0], -sc[1].date.toordinal(), sc[1].pk))
    return [candidate.specific for _score, candidate in ranked[:count]]
