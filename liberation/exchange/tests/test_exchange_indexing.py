"""An import is indexed in a few batch tasks after its commit, not a few tasks per page
(issue 14, item 5; core/bulk.py), and reports the progress of that indexing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks import default_task_backend

from liberation.content.models import ContentKey
from liberation.core.bulk import progress
from liberation.discovery.models import SearchEntry
from liberation.exchange.items import ImportFailed
from liberation.exchange.write import import_content
from liberation.semantic.models import PageEmbedding

from .factories import line, write_lines

pytestmark = pytest.mark.django_db

DUMMY = {
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "purge"],
    }
}
OURS = {
    "reindex_page",
    "reindex_pages",
    "page_index_update_task",
    "pages_index_update_task",
    "related_refresh_after_task",
}


def _lines(count: int) -> list[dict]:
    return [
        line(key=f"page-{n}", title=f"La libération de la commune numéro {n}") for n in range(count)
    ]


def _enqueued() -> dict[str, list]:
    found: dict[str, list] = {}
    for result in default_task_backend.results:
        name = result.task.name
        if name in OURS:
            found.setdefault(name, []).append(result.args)
    return found


@override_settings(TASKS=DUMMY)
def test_an_import_enqueues_batches_after_the_commit_not_tasks_per_page(tmp_path):
    report = import_content(path=write_lines(tmp_path / "c.jsonl", _lines(12)))
    ids = sorted(ContentKey.objects.values_list("page_id", flat=True))
    assert len(ids) == 12
    found = _enqueued()
    # Before core/bulk.py: 12 reindex_page and 12 page_index_update_task.
    assert set(found) == {"reindex_pages", "pages_index_update_task", "related_refresh_after_task"}
    assert found["reindex_pages"] == [[ids]]
    assert found["pages_index_update_task"] == [[ids]]
    [(page_ids, waited_for)] = found["related_refresh_after_task"]
    assert page_ids == ids and len(waited_for) == 1
    # Nothing has run (the dummy backend): the progress says so.
    assert {w.name: (w.pages, w.total, w.finished) for w in progress(report.indexing)} == {
        "search index": (0, 12, False),
        "meaning index": (0, 12, False),
    }


@override_settings(TASKS=DUMMY)
def test_a_failed_import_enqueues_no_indexing(tmp_path):
    lines = [*_lines(2), line(key="page-0", title="Même clé deux fois")]
    with pytest.raises(ImportFailed):
        import_content(path=write_lines(tmp_path / "c.jsonl", lines))
    assert _enqueued() == {}


def test_an_imported_page_is_indexed_and_its_related_content_computed(tmp_path):
    import_content(path=write_lines(tmp_path / "c.jsonl", _lines(4)))
    ids = set(ContentKey.objects.values_list("page_id", flat=True))
    assert set(SearchEntry.objects.values_list("page_id", flat=True)) == ids
    rows = dict(PageEmbedding.objects.values_list("page_id", "related_ids"))
    assert set(rows) == ids
    assert all(related and page_id not in related for page_id, related in rows.items())


def test_the_command_follows_the_indexing_until_it_is_done(tmp_path):
    out = StringIO()
    path = write_lines(tmp_path / "c.jsonl", _lines(3))
    call_command("import_content", str(path), "--wait", "--interval", "0", stdout=out)
    text = out.getvalue()
    assert "3 items: 3 created" in text
    assert "search index 3/3 pages (done)" in text and "meaning index 3/3 pages (done)" in text
    assert "Indexing done in" in text
