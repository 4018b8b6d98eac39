"""Relevance benchmark: search rankings and related content, scored on labelled data.

    python bench/relevance.py [--ranker semantic] [--ranker wagtail]
        [--ranker hybrid:wagtail] [--ranker my.module:rank_fn] [--no-embed] [--verbose]

It runs against the configured database (DATABASE_URL, default var/db.sqlite3) holding
the demo content (`manage.py load_demo`); it first embeds whatever is missing (the same
work as `manage.py embed_pages`), unless --no-embed.

Search. bench/relevance_queries.json holds the labelled queries (French, English,
cross-lingual, misspelled, accent-less), judged from the content before any ranking was
run. A ranker is any function `rank(*, query: str, lang: str | None, limit: int)`
returning page ids, or (page id, score) pairs, best first; name it "module:function".
Built in: `semantic` (liberation.semantic.selectors.semantic_search), `wagtail` (the
site's Wagtail search backend over live content pages), `hybrid:<a>[+<b>]`, the
reciprocal rank fusion (k=60, liberation.discovery.selectors.rrf_fuse) of semantic and
the named rankers, and the site's real ranking: `site:fr` / `site:en` (the search
page's selector for a reader of /fr/recherche/ or /en/search/, the query's `lang` as the
language facet) and `api:fr` / `api:en` (GET /api/search/ through Django's test
client). Results are judged per item (all language versions of an item are one result,
the first one counts); when a query sets `lang`, results in the other language are
dropped. Figures: MRR (reciprocal
rank of the first result graded 2, "the answer"), nDCG@10 (gain 2^grade - 1),
recall@10 (share of the items graded 1 or 2 found in the first 10), per kind of query,
and for cross-lingual queries the share with the answer in the top 3.

Related content. For every live demo content page, the automatic part of "Contenus
associés" (three cards) is computed with the editor's picks left out. A card is on-topic
when its story shares a topic with the page's (the `topics` of the labels, one or two per
story, judged by reading it; the themes are not used: the Mission's four themes cut
across the topics on purpose), or the pair is listed as on-topic. The figure is the
share of pages with at least two on-topic cards out of three, overall and per language,
for four rankings: `theme_only` (the pages sharing the most themes: a broad theme is
enough), `structure` (the fallback by themes, places and dates,
liberation.content.selectors._related_by_structure), `before` (meaning, themes, places
and dates with the first weights, every shared theme 2: semantic RELATED_WEIGHTS_V1,
computed here, not stored) and `after` (the site's cards, liberation.content.selectors.
related_cards on the page with an empty `related`, from the stored lists).

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.dev")

import django  # noqa: E402

django.setup()

from wagtail.models import Locale, Page  # noqa: E402

from liberation.content.models import ContentKey, ContentPage  # noqa: E402

LABELS = ROOT / "bench" / "relevance_queries.json"
RRF_K = 60
POOL = 50


def rank_semantic(*, query: str, lang: str | None, limit: int):
    from liberation.semantic.selectors import semantic_search

    return semantic_search(query=query, lang=lang, limit=limit)


def rank_wagtail(*, query: str, lang: str | None, limit: int):
    pages = ContentPage.objects.live().public()
    if lang:
        pages = pages.filter(locale_id=Locale.objects.get(language_code=lang).pk)
    return [p.pk for p in pages.search(query, operator="or")[:limit]]


def rank_site(*, reader: str):
    """The search page's ranking for a reader of /fr/recherche/ or /en/search/: the
    view's own selector (hybrid, facets), the query's `lang` as the language facet."""
    from liberation.discovery.selectors import SearchFilters, search_pages

    def rank(*, query: str, lang: str | None, limit: int):
        filters = SearchFilters(lang=lang or "")
        results = search_pages(query=query, lang=reader, filters=filters)
        return [c.page_id or ("document", c.entry_id, c.lang) for c in results.candidates[:limit]]

    return rank


def rank_api(*, reader: str):
    """GET /api/search/?q=…&lang=<reader>&limit=50 through Django's test client; result
    URLs are mapped back to pages by path."""
    from urllib.parse import urlparse

    from django.test import Client

    client = Client()
    paths = {}
    for page in ContentPage.objects.live():
        paths[urlparse(page.get_full_url()).path] = page.pk

    def rank(*, query: str, lang: str | None, limit: int):
        response = client.get("/api/search/", {"q": query, "lang": reader, "limit": min(limit, 50)})
        if response.status_code != 200:
            raise SystemExit(f"API {response.status_code} for {query!r}")
        return [
            paths.get(urlparse(r["url"]).path, ("document", r["url"], r["lang"]))
            for r in response.json()["results"]
        ]

    return rank


def _ids(results) -> list:
    """Page ids; a document of another app (a testimony, an event) found by the site's
    ranking stays a ("document", id, lang) tuple: it takes its rank, never relevant."""
    return [
        r
        if isinstance(r, tuple) and r[0] == "document"
        else r[0]
        if isinstance(r, tuple | list)
        else int(r)
        for r in results
    ]


def ranker_get(name: str):
    if name == "semantic":
        return rank_semantic
    if name == "wagtail":
        return rank_wagtail
    if name in ("site:fr", "site:en"):
        return rank_site(reader=name[5:])
    if name in ("api:fr", "api:en"):
        return rank_api(reader=name[4:])
    if name.startswith("hybrid:"):
        from liberation.discovery.selectors import rrf_fuse

        parts = [rank_semantic] + [ranker_get(n) for n in name[7:].split("+")]

        def fused(*, query: str, lang: str | None, limit: int):
            rankings = [_ids(rank_fn(query=query, lang=lang, limit=POOL)) for rank_fn in parts]
            return [page_id for page_id, _ in rrf_fuse(rankings=rankings, k=RRF_K)][:limit]

        return fused
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


class Judge:
    """Maps pages to items (translation groups) and grades them."""

    def __init__(self):
        self.page_info = {
            pk: (str(tkey), lang)
            for pk, tkey, lang in ContentPage.objects.live().values_list(
                "pk", "translation_key", "locale__language_code"
            )
        }
        self.key_item = {
            key: (str(tkey), lang)
            for key, tkey, lang in ContentKey.objects.values_list(
                "key", "page__translation_key", "page__locale__language_code"
            )
        }

    def item(self, key: str) -> str:
        if key not in self.key_item:
            raise SystemExit(f"unknown content key in the labels: {key} (load the demo?)")
        return self.key_item[key][0]


def _dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def _graded(judge: Judge, labelled: dict[str, int]) -> dict[str, int]:
    """Item → grade; a key may be a glob (the upcoming ceremony's key carries its
    year): every key it matches gets the grade, the highest grade of an item wins."""
    relevant: dict[str, int] = {}
    for pattern, grade in labelled.items():
        keys = [k for k in judge.key_item if fnmatch.fnmatchcase(k, pattern)]
        for key in keys or [pattern]:  # no match: judge.item() names the unknown key
            item = judge.item(key)
            relevant[item] = max(grade, relevant.get(item, 0))
    return relevant


def score_query(judge: Judge, q: dict, results) -> dict:
    relevant = _graded(judge, q["relevant"])
    items: list[str] = []
    for page_id in _ids(results):
        if isinstance(page_id, tuple):  # a document: its own item, graded 0
            info = (f"document:{page_id[1]}", page_id[2])
        else:
            info = judge.page_info.get(page_id)
        if info is None or (q["lang"] and info[1] != q["lang"]):
            continue
        if info[0] not in items:
            items.append(info[0])
    grades = [relevant.get(item, 0) for item in items]
    first = next((i for i, g in enumerate(grades) if g == 2), None)
    ideal = _dcg(sorted(relevant.values(), reverse=True)[:10])
    top10 = set(items[:10])
    return {
        "rr": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg10": _dcg(grades[:10]) / ideal if ideal else 0.0,
        "recall10": len(top10 & set(relevant)) / len(relevant),
        "top3": first is not None and first < 3,
        "first": None if first is None else first + 1,
    }


def evaluate_ranker(name: str, judge: Judge, queries: list[dict], verbose: bool) -> dict:
    rank_fn = ranker_get(name)
    rows, times = [], []
    for q in queries:
        started = time.perf_counter()
        results = rank_fn(query=q["q"], lang=q["lang"], limit=POOL)
        times.append(time.perf_counter() - started)
        row = score_query(judge, q, results) | {"id": q["id"], "kind": q["kind"]}
        rows.append(row)
        if verbose and row["rr"] < 1:
            print(f"    {name:>12} {q['id']:<6} answer at {row['first']}: {q['q']}")

    def agg(subset):
        n = len(subset) or 1
        return {
            "mrr": round(sum(r["rr"] for r in subset) / n, 3),
            "ndcg10": round(sum(r["ndcg10"] for r in subset) / n, 3),
            "recall10": round(sum(r["recall10"] for r in subset) / n, 3),
            "queries": len(subset),
        }

    result = agg(rows)
    result["by_kind"] = {
        k: agg([r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})
    }
    cross = [r for r in rows if r["kind"] == "cross"]
    result["cross_top3"] = round(sum(r["top3"] for r in cross) / (len(cross) or 1), 3)
    times.sort()
    result["latency_ms_p50"] = round(1000 * times[len(times) // 2], 1)
    return result


def _story_topics(judge: Judge, labels: dict) -> dict[str, set[str]]:
    """Topics of each item (translation key), from the labels' keys (globs allowed, for
    the upcoming ceremony whose key carries its year)."""
    topics: dict[str, set[str]] = {}
    for pattern, names in labels["topics"].items():
        keys = [k for k in judge.key_item if fnmatch.fnmatchcase(k, pattern)]
        if not keys:
            raise SystemExit(f"no content key matches {pattern!r} in the topic labels")
        for key in keys:
            topics.setdefault(judge.item(key), set()).update(names)
    return topics


def _related_by_theme_only(*, page, taken: set, count: int, facets: dict) -> list:
    """The baseline: the pages sharing the most themes (a broad theme is enough), the
    page's language first, the most recent first; one version per item."""
    own = facets[page.pk]
    best: dict = {}
    for pk, (themes, tkey, locale_id, day) in facets.items():
        if tkey in taken or not (own[0] & themes):
            continue
        score = (len(own[0] & themes), locale_id == page.locale_id, day, -pk)
        if tkey not in best or score > best[tkey][0]:
            best[tkey] = (score, pk)
    ranked = sorted(best.values(), reverse=True)[:count]
    return list(ContentPage.objects.filter(pk__in=[pk for _s, pk in ranked]).specific())


def evaluate_related(judge: Judge, labels: dict, verbose: bool) -> dict:
    """For every live content page, its three automatic cards: how many are on-topic
    (same topic label, or a pair judged on-topic), and the share of pages with at least
    two on-topic cards out of three, overall and per language, for each ranking."""
    from liberation.content import selectors as content_selectors
    from liberation.semantic import selectors as semantic_selectors

    topics = _story_topics(judge, labels)
    pairs_on = {frozenset(judge.item(k) for k in p) for p in labels["on_topic_pairs"]}
    pairs_off = {frozenset(judge.item(k) for k in p) for p in labels["off_topic_pairs"]}
    pages = list(ContentPage.objects.live().specific().prefetch_related("themes").order_by("pk"))
    unlabelled = [p.title for p in pages if str(p.translation_key) not in topics]
    if unlabelled:
        raise SystemExit(f"pages without a topic label: {unlabelled}")
    facets = {
        p.pk: ({t.slug for t in p.themes.all()}, p.translation_key, p.locale_id, p.date)
        for p in pages
    }
    lang_of = {p.pk: judge.page_info[p.pk][1] for p in pages}

    def on_topic(page, card) -> bool:
        a, b = str(page.translation_key), str(card.translation_key)
        pair = frozenset({a, b})
        if pair in pairs_off:
            return False
        return pair in pairs_on or bool(topics[a] & topics.get(b, set()))

    corpus = semantic_selectors.corpus_get()
    before = semantic_selectors.related_rank(
        corpus=corpus,
        page_ids=[p.pk for p in pages if p.pk in corpus.row],
        weights=semantic_selectors.RELATED_WEIGHTS_V1,
    )
    by_pk = {p.pk: p for p in ContentPage.objects.live().specific()}

    def stored(ids: dict):
        def fill(page):
            taken = {page.translation_key}
            cards = [by_pk[pk] for pk in ids.get(page.pk, []) if pk in by_pk][:3]
            if len(cards) < 3:
                taken |= {c.translation_key for c in cards}
                cards += content_selectors._related_by_structure(
                    page=page, taken=taken, count=3 - len(cards)
                )
            return cards

        return fill

    rankings = {
        "theme_only": lambda page: _related_by_theme_only(
            page=page, taken={page.translation_key}, count=3, facets=facets
        ),
        "structure": lambda page: content_selectors._related_by_structure(
            page=page, taken={page.translation_key}, count=3
        ),
        "before": stored(before),
        "after": lambda page: content_selectors.related_cards(page=page),
    }
    out = {}
    for label, fill in rankings.items():
        rows = []
        for page in pages:
            page.related = []  # the automatic part only; never saved
            cards = fill(page)
            hits = [on_topic(page, c) for c in cards]
            rows.append((lang_of[page.pk], len(cards), sum(hits), len({type(c) for c in cards})))
            if verbose and label == "after" and sum(hits) < 2:
                print(
                    f"    {sum(hits)}/3 for {page.title[:50]!r}: ",
                    [c.title[:40] for c, h in zip(cards, hits, strict=True) if not h],
                )

        def agg(subset):
            n = len(subset) or 1
            cards = sum(r[1] for r in subset) or 1
            return {
                "pages_two_of_three": round(sum(r[2] >= 2 for r in subset) / n, 3),
                "on_topic_share": round(sum(r[2] for r in subset) / cards, 3),
                "pages": len(subset),
                "pages_with_mixed_types": round(sum(r[3] > 1 for r in subset) / n, 3),
            }

        out[label] = agg(rows) | {
            lang: agg([r for r in rows if r[0] == lang]) for lang in ("fr", "en")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ranker", action="append", help="semantic, wagtail, hybrid:wagtail, module:function"
    )
    parser.add_argument("--no-embed", action="store_true", help="do not embed missing pages first")
    parser.add_argument("--verbose", action="store_true", help="list the misses")
    args = parser.parse_args()
    labels = json.loads(LABELS.read_text())
    if not args.no_embed:
        from django.core.management import call_command

        call_command("embed_pages", verbosity=0)
    judge = Judge()
    queries = labels["queries"]
    rankers = args.ranker or ["semantic", "wagtail", "hybrid:wagtail"]
    report: dict = {"queries": len(queries), "pages": Page.objects.live().type(ContentPage).count()}
    print(f"{len(queries)} labelled queries over {report['pages']} live content pages")
    print(f"{'ranker':<16} {'MRR':>6} {'nDCG@10':>8} {'R@10':>6} {'x-top3':>7} {'p50 ms':>7}")
    report["search"] = {}
    for name in rankers:
        r = evaluate_ranker(name, judge, queries, args.verbose)
        report["search"][name] = r
        print(
            f"{name:<16} {r['mrr']:>6.3f} {r['ndcg10']:>8.3f} {r['recall10']:>6.3f} "
            f"{r['cross_top3']:>7.2f} {r['latency_ms_p50']:>7.1f}"
        )
        for kind, k in r["by_kind"].items():
            print(
                f"  {kind:<14} {k['mrr']:>6.3f} {k['ndcg10']:>8.3f} {k['recall10']:>6.3f}"
                f"   ({k['queries']} queries)"
            )
    report["related"] = evaluate_related(judge, labels["related"], args.verbose)
    for label, r in report["related"].items():
        print(
            f"related ({label}): {r['pages_two_of_three']:.3f} of {r['pages']} pages with 2+ "
            f"on-topic cards of 3 (fr {r['fr']['pages_two_of_three']:.3f}, en "
            f"{r['en']['pages_two_of_three']:.3f}); {r['on_topic_share']:.3f} of the cards "
            f"on-topic; mixed types on {r['pages_with_mixed_types']:.0%} of pages"
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
