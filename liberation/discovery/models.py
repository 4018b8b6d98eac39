"""The lexical search index: one entry per live content page or per public document of
a registered source (`sources.py`: the collection's published stories), its postings
(term → entry, with a BM25-style weight computed at index time) and the vocabulary
used for "did you mean". Same tables and queries on SQLite and PostgreSQL."""

from django.db import models
from wagtail.models import Page


class SearchEntry(models.Model):
    """An entry has its own id: a content page (`page`, source "page") or a document of
    a source registered in `sources.py` (no page; its `url` and `key` in that source)."""

    page = models.OneToOneField(
        Page, on_delete=models.CASCADE, null=True, blank=True, related_name="search_entry"
    )
    source = models.CharField(max_length=30, default="page")
    # The page id for a page, the source's own key (never a primary key) for a document.
    key = models.CharField(max_length=64)
    # A document's public address (a page's comes from the page when shown).
    url = models.CharField(max_length=300, blank=True)
    # A document's `semantic.models.document_key_hash(source, key)`, 0 for a page: how a
    # process finds the entry of a document found by meaning.
    key_hash = models.BigIntegerField(default=0)
    lang = models.CharField(max_length=8, db_index=True)
    type = models.CharField(max_length=20)
    date = models.DateField(null=True)
    title = models.CharField(max_length=255)
    # Folded title and places, for autocomplete by substring.
    title_folded = models.CharField(max_length=255)
    places = models.CharField(max_length=500, blank=True)
    # "|slug|slug|": themes and historical periods, for facets and filters.
    themes = models.CharField(max_length=500, blank=True)
    periods = models.CharField(max_length=200, blank=True)
    # "|id|id|": ids of the page's places (`content.Place`), for the place facet.
    place_ids = models.CharField(max_length=500, blank=True, default="")
    # "|code|code|": INSEE codes of the départements (from the places' or the
    # document's commune), for the département facet.
    departements = models.CharField(max_length=200, blank=True, default="")
    # Plain text the snippet is cut from.
    text = models.TextField(blank=True)
    length = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["date"])]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="discovery_entry_source_key")
        ]

    def __str__(self) -> str:
        return self.title


class SearchPosting(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="postings")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "entry", "weight"], name="discovery_posting_term")]

    def __str__(self) -> str:
        return f"{self.term} → {self.entry_id}"


class SearchTerm(models.Model):
    """Folded words seen in titles, places and text (never removed: a stale word only
    costs a suggestion that finds nothing, and suggestions are checked)."""

    term = models.CharField(max_length=64, primary_key=True)
    length = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["length", "term"])]

    def __str__(self) -> str:
        return self.term


class SearchIndexState(models.Model):
    """One row: a version (a random number) changed in the transaction of every index
    write, so that each process knows when its in-memory copy of the index
    (`postings.py`) is stale with one primary-key read."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"search index v{self.version}"
