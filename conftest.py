"""Fixtures shared by every app: a site with its structure in both languages, and
helpers that create published pages and their translations."""

import datetime as dt

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the site structure once; each test then runs in a rolled-back transaction."""
    from liberation.site.services import site_ensure_structure

    with django_db_blocker.unblock():
        site_ensure_structure()


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch):
    """Each test starts with an empty cache: fragments, counters and cached figures of
    a rolled-back test must not leak into the next one. What the process keeps in front
    of the cache (core/process_cache.py) is emptied with it, here and whenever a test
    empties a cache itself (patched on the backends' classes, which outlive the
    cache objects a test's settings replace)."""
    from django.core.cache import cache
    from django.core.cache.backends.locmem import LocMemCache
    from django_redis.cache import RedisCache

    from liberation.core.process_cache import clear_all

    for backend in (LocMemCache, RedisCache):

        def clear(self, *args, _real=backend.clear, **kwargs):
            result = _real(self, *args, **kwargs)
            clear_all()
            return result

        monkeypatch.setattr(backend, "clear", clear)
    cache.clear()


@pytest.fixture
def structure(db):
    """The structure (fast: it exists already, unless a transactional test flushed it)."""
    from liberation.site.services import site_ensure_structure

    return site_ensure_structure()


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def make_page(structure):
    """make_page(ArticlePage, title=..., lang="fr", section="history", **fields)."""

    def make(model, *, title, lang="fr", section="history", themes=(), places=(), **fields):
        fields.setdefault("lead", f"Lead of {title}")
        fields.setdefault("date", dt.date(2025, 4, 24))
        parent = structure.sections[(section, lang)]
        page = model(title=title, **fields)
        parent.add_child(instance=page)
        page.themes.set(themes)
        page.places.set(places)
        page.save()
        return _publish(page)

    return make


@pytest.fixture
def translate(structure):
    """translate(page, "en", title=..., **fields): the published translation of `page`."""
    from wagtail.models import Locale

    def make(page, lang, *, title, **fields):
        copy = page.copy_for_translation(Locale.objects.get(language_code=lang)).specific
        copy.title = title
        from django.utils.text import slugify

        copy.slug = slugify(title)
        for name, value in fields.items():
            setattr(copy, name, value)
        copy.save()
        return _publish(copy)

    return make


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated database before it runs.

    A transactional test empties the database when it ends. pytest-django runs them after
    the others, so each one must start from the snapshot taken after migrations
    (Wagtail's root page and collection, content types); otherwise the post-migrate
    signal and the snapshot disagree on content types.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
