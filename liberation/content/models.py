"""Editorial page types: home, section index, article, dossier, news, video.

Page models present; the rules (import, related content) live in services and
selectors. Themes and places are shared by both languages, so they are plain models
named in both languages rather than translated rows.
"""

import functools

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet
from wagtail.url_routing import RouteResult

from liberation.core.blocks import BodyBlock, VideoBlock
from liberation.places.forms import CommuneInput

WORDS_PER_MINUTE = 200
# Testimonies and other documents shown beside a page's related cards, at most.
RELATED_DOCUMENTS = 3


class Theme(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)

    panels = [FieldPanel("slug"), FieldPanel("name_fr"), FieldPanel("name_en")]

    class Meta:
        ordering = ["slug"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_fr


def place_key_from(name: str) -> str:
    """The slug a place's key starts from: "Pointe du Hoc" → "pointe-du-hoc"."""
    return slugify(name)[:PLACE_KEY_MAX_LENGTH].strip("-") or "place"


def free_place_key(name: str, *, exclude_pk: int | None = None) -> str:
    """A key no other place has: the slug of `name`, else with "-2", "-3"… after it."""
    base = place_key_from(name)
    taken = set(
        Place.objects.filter(key__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("key", flat=True)
    )
    key, n = base, 1
    while key in taken:
        n += 1
        suffix = f"-{n}"
        key = base[: PLACE_KEY_MAX_LENGTH - len(suffix)] + suffix
    return key


PLACE_KEY_MAX_LENGTH = 120


class Place(models.Model):
    """A place content is about: a commune, a landmark, a beach.

    Identified by its stable `key` (the INSEE code for a commune's own place, a slug for a
    landmark), not by its name: two communes named Saint-Martin are two places with the
    same name. `commune` is the commune of the referential the place lies in, if known.
    A place saved without a key gets one from its name (see `free_place_key`).
    """

    key = models.SlugField(
        _("key"),
        max_length=PLACE_KEY_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text=_(
            "Stable identifier used by the content exchange: the INSEE code for a "
            "commune, a slug for a landmark. Left empty, it is made from the name."
        ),
    )
    name = models.CharField(_("name"), max_length=120)
    commune = models.ForeignKey(
        "places.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)

    panels = [
        FieldPanel("name"),
        FieldPanel("key"),
        FieldPanel("commune", widget=CommuneInput),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
    ]

    class Meta:
        ordering = ["name", "key"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="place_coordinates_in_range",
            )
        ]

    def __str__(self) -> str:
        if self.commune_id:  # "Saint-Martin (73)": the département tells them apart
            code = self.commune_id
            return f"{self.name} ({code[:3] if code.startswith(('97', '98')) else code[:2]})"
        return self.name

    def save(self, *args, **kwargs):
        # A default, not a rule: places made in the admin or by tests without a key.
        if not self.key:
            self.key = free_place_key(self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)


register_snippet(Theme)
register_snippet(Place)


class ContentKey(models.Model):
    """The stable content-exchange key of a page (see docs/content-format.md).

    Kept off the page rows: each language version has its own key, and a translated
    row must not inherit the key of its source.
    """

    key = models.CharField(max_length=120, unique=True)
    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="content_key")
    # Fingerprint of the last imported line (prefixed "draft:" when imported as a draft):
    # re-importing an unchanged line then writes nothing. See liberation/exchange/check.py.
    source_hash = models.CharField(max_length=80, blank=True, editable=False)

    def __str__(self) -> str:
        return self.key


CONTENT_PAGE_TYPES = [
    "content.ArticlePage",
    "content.DossierPage",
    "content.NewsPage",
    "content.VideoPage",
    "events.CeremonyPage",
]


class ContentPage(Page):
    """Fields shared by every item of the exchange format (article, dossier, news...).

    A concrete parent table, so that listings, filters and related content query all
    content types at once; only its subclasses can be created.
    """

    lead = models.TextField(
        _("lead"), max_length=400, help_text=_("Summary shown on cards and in search results.")
    )
    date = models.DateField(_("publication date"))
    author = models.CharField(_("author"), max_length=255, blank=True)
    hero_image = models.ForeignKey(
        "core.CustomImage",
        verbose_name=_("main image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history_start = models.DateField(_("historical period: start"), null=True, blank=True)
    history_end = models.DateField(_("historical period: end"), null=True, blank=True)
    themes = ParentalManyToManyField(Theme, blank=True, verbose_name=_("themes"))
    places = ParentalManyToManyField(Place, blank=True, verbose_name=_("places"))
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    related = StreamField(
        [("page", blocks.PageChooserBlock(page_type=CONTENT_PAGE_TYPES, label=_("Page")))],
        blank=True,
        verbose_name=_("related content"),
        help_text=_(
            "Cards shown under “Related content”, in this order. When fewer than three are "
            "chosen, the list is completed automatically from shared themes, places and dates."
        ),
    )

    is_creatable = False
    type_label = _("Content")
    show_in_listings = True
    # Among the home page's "Latest content" (ceremonies have their own section there).
    in_latest_content = True
    og_type = "article"  # Open Graph (core.seo)

    search_fields = Page.search_fields + [
        index.SearchField("lead"),
        index.SearchField("body"),
        index.AutocompleteField("title"),
        index.FilterField("date"),
        index.FilterField("locale_id"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("lead"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("author")]),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("history_start"), FieldPanel("history_end")]),
                FieldPanel("themes"),
                FieldPanel("places"),
            ],
            heading=_("History and classification"),
        ),
        FieldPanel("related"),
    ]

    class Meta:
        verbose_name = _("content page")

    def clean(self):
        super().clean()
        if self.history_start and self.history_end and self.history_end < self.history_start:
            raise ValidationError(
                {"history_end": _("The end of the period cannot be before its start.")}
            )

    @property
    def reading_time(self) -> int:
        """Minutes to read the body, at 200 words a minute, at least one."""
        words = 0
        for block in self.body:
            if block.block_type == "paragraph":
                words += len(strip_tags(block.value.source).split())
            elif block.block_type in {"heading", "quote"}:
                words += len(str(block.value.get("text", "")).split())
        return max(1, round(words / WORDS_PER_MINUTE))

    def structured_data(self, *, request, url, image_url, home_url) -> list[dict]:
        """The schema.org objects of the page's <head> (core.seo): an Article, then one
        VideoObject per video."""
        from .seo import article_data, videos_data

        article = article_data(self, url=url, image_url=image_url, home_url=home_url)
        return [article, *videos_data(self, request=request, image_url=image_url)]

    def get_context(self, request, *args, **kwargs):
        from . import providers
        from .selectors import related_cards

        context = super().get_context(request, *args, **kwargs)
        # Computed only when the template needs it: the cards are a cached fragment.
        context["related_cards"] = SimpleLazyObject(lambda: related_cards(page=self))
        context["related_documents"] = SimpleLazyObject(
            lambda: providers.related_documents(page=self, count=RELATED_DOCUMENTS)
        )
        return context


class ArticlePage(ContentPage):
    type_label = _("Article")
    parent_page_types = ["content.SectionIndexPage", "content.DossierPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")


class DossierPage(ContentPage):
    """Long form by the Scientific and Orientation Council; may group articles."""

    type_label = _("Dossier")
    parent_page_types = ["content.SectionIndexPage"]
    subpage_types = ["content.ArticlePage"]

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = ArticlePage.objects.child_of(self).live().order_by("-date")
        return context


class NewsPage(ContentPage):
    type_label = _("News")
    parent_page_types = ["content.SectionIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")


class VideoPage(ContentPage):
    type_label = _("Video")
    parent_page_types = ["content.SectionIndexPage"]
    subpage_types: list[str] = []

    video = StreamField([("video", VideoBlock())], min_num=1, max_num=1, verbose_name=_("video"))

    content_panels = (
        ContentPage.content_panels[:4] + [FieldPanel("video")] + (ContentPage.content_panels[4:])
    )

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")

    def structured_data(self, *, request, url, image_url, home_url) -> list[dict]:
        """The video is the page: its VideoObject, no Article."""
        from .seo import videos_data

        return videos_data(self, request=request, image_url=image_url)


@functools.cache
def _tree_walk_needed() -> bool:
    """True when a page type overrides `route` (sub-URLs, as RoutablePageMixin does):
    then only Wagtail's walk through the tree routes correctly."""
    from wagtail.models import get_page_models

    models_ = [model for model in get_page_models() if model is not HomePage]
    return any(model.route is not Page.route for model in models_)


class HomePage(Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.SectionIndexPage", "core.StandardPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def structured_data(self, *, request, url, image_url, home_url) -> list[dict]:
        from .seo import website_data

        return [website_data(self, url=url)]

    def route(self, request, path_components):
        """Find the page below this home in one lookup by its URL path.

        Wagtail's own route walks the tree, two queries per level (the child by slug,
        then its specific object): six for an article. The URL path Wagtail stores on
        every page gives the same answer in two, as long as no page type in the project
        routes its own sub-paths (checked once, see `_tree_walk_needed`); otherwise, the
        tree walk as usual.
        """
        if not path_components or _tree_walk_needed():
            return super().route(request, path_components)
        page = (
            Page.objects.filter(
                depth=self.depth + len(path_components),
                slug=path_components[-1],
                url_path=self.url_path + "/".join(path_components) + "/",
            )
            .specific()
            .first()
        )
        if page is None or not page.live:
            raise Http404
        return RouteResult(page)

    def get_context(self, request, *args, **kwargs):
        from .providers import home_context
        from .selectors import latest_content

        context = super().get_context(request, *args, **kwargs)
        context["latest"] = latest_content(locale=self.locale, limit=6)
        # What other apps show on the home page (events: "ceremonies", the upcoming ones).
        context.update(home_context(locale=self.locale))
        context["sections"] = SectionIndexPage.objects.child_of(self).live().in_menu()
        return context


class SectionIndexPage(Page):
    """A listing of content with filters by type, theme and period, paginated."""

    class Kind(models.TextChoices):
        HISTORY = "history", _("History")
        NEWS = "news", _("News")
        CEREMONIES = "ceremonies", _("Ceremonies")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("kind"), FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = [
        "content.ArticlePage",
        "content.DossierPage",
        "content.NewsPage",
        "content.VideoPage",
        "events.CeremonyPage",
    ]
    per_page = 12

    class Meta:
        verbose_name = _("section index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import ListingFilters, content_listing

        context = super().get_context(request, *args, **kwargs)
        filters = ListingFilters.from_query(request.GET)
        items = content_listing(index=self, filters=filters)
        paginator = Paginator(items, self.per_page)
        page_obj = paginator.get_page(request.GET.get("page"))
        context.update(
            {
                "filters": filters,
                "page_obj": page_obj,
                "items": page_obj.object_list,
                "type_choices": filters.type_choices(),
                "themes": Theme.objects.all(),
                "periods": filters.period_choices(),
                "querystring": filters.querystring(),
            }
        )
        return context
