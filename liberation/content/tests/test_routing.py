"""The home page finds a page in one lookup by URL path: same answers as Wagtail's walk
through the tree (which it falls back to when a page type routes its own sub-paths)."""

import datetime as dt

import pytest
from django.http import Http404
from django.test import RequestFactory

from liberation.content import models as content_models
from liberation.content.models import ArticlePage, DossierPage


@pytest.fixture
def tree(make_page, structure):
    dossier = make_page(DossierPage, title="Reddition et capitulation")
    inner = ArticlePage(
        title="Reims, 7 mai 1945", lead="La première signature.", date=dt.date(2025, 5, 7)
    )
    dossier.add_child(instance=inner)
    inner.save_revision().publish()
    draft = make_page(ArticlePage, title="Brouillon")
    draft.unpublish()
    article = make_page(ArticlePage, title="La Bataille de Cherbourg")
    return {
        "home": structure.homes["fr"],
        "dossier": dossier,
        "inner": inner,
        "draft": draft,
        "article": article,
        "section": structure.sections[("history", "fr")],
    }


def _route(home, path, *, walk):
    request = RequestFactory().get("/")
    components = [c for c in path.split("/") if c]
    route = super(content_models.HomePage, home).route if walk else home.route
    try:
        return route(request, components).page.pk
    except Http404:
        return 404


def test_same_answers_as_the_tree_walk(tree):
    home, section = tree["home"], tree["section"]
    paths = [
        f"{section.slug}/",
        f"{section.slug}/{tree['article'].slug}/",
        f"{section.slug}/{tree['dossier'].slug}/",
        f"{section.slug}/{tree['dossier'].slug}/{tree['inner'].slug}/",
        f"{section.slug}/{tree['draft'].slug}/",  # not live: 404
        f"{section.slug}/nope/",
        f"{tree['article'].slug}/",  # right slug, wrong place
        f"{section.slug}/{tree['inner'].slug}/",  # skipped a level
    ]
    answers = {path: _route(home, path, walk=False) for path in paths}
    assert answers == {path: _route(home, path, walk=True) for path in paths}
    assert answers[paths[3]] == tree["inner"].pk
    assert answers[paths[4]] == answers[paths[5]] == answers[paths[6]] == 404


def test_served_over_http_with_few_queries(client, tree, django_assert_max_num_queries):
    assert client.get(tree["inner"].url).status_code == 200  # fragments now cached
    # Routing by url_path: 2 queries for a page three levels down (the walk takes 6).
    with django_assert_max_num_queries(14):
        assert client.get(tree["inner"].url).status_code == 200
    section = tree["section"]
    assert client.get(f"{section.url}{tree['draft'].slug}/").status_code == 404
    assert client.get(f"{section.url}nope/").status_code == 404


def test_falls_back_to_the_walk_when_a_page_type_routes_sub_paths(tree, monkeypatch):
    """A page type with its own `route` (sub-URLs) may answer paths that are not page
    URL paths: then the home page lets Wagtail walk the tree."""
    calls = []

    def route(self, request, components):
        calls.append(components)
        return content_models.Page.route(self, request, components)

    monkeypatch.setattr(ArticlePage, "route", route, raising=False)
    content_models._tree_walk_needed.cache_clear()
    try:
        assert content_models._tree_walk_needed()
        path = f"{tree['section'].slug}/{tree['article'].slug}/"
        assert _route(tree["home"], path, walk=False) == tree["article"].pk
        assert calls == [[]]  # Wagtail's walk reached the article's own route
    finally:
        monkeypatch.undo()
        content_models._tree_walk_needed.cache_clear()
    assert not content_models._tree_walk_needed()
