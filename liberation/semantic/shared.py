"""Arrays built once per machine and memory-mapped by every process (SEMANTIC_SHARED_DIR).

`arrays_get(name, signature, build)` returns the arrays of a corpus. With no directory
set, `build` fills arrays in this process's memory. With one, the arrays of that name,
database and signature are read from `<dir>/<name>-<tag>/` (numpy .npy files mapped
read-only); when absent, this process builds them into files of a temporary directory
and renames it into place, so that a reader never sees half a corpus. The processes
of a machine that need the same missing corpus take turns on a lock file: the first
writes, the others find the directory and map it. (Were two to write anyway, the first
rename wins and the other discards its copy.) The writer of a signature removes the
directories of the other signatures of that corpus and database: a process still
mapping one keeps its pages until it reloads (Linux frees an unlinked file once
unmapped). Any error of the directory (missing rights, disk full) logs a warning and
falls back to this process's memory: search never fails for want of a file.
"""

import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from liberation.core.stamped import Later

logger = logging.getLogger(__name__)

# Part of every directory's name: bumped whenever what a corpus's arrays mean changes
# (2: documents numbered by key hash, not by row id; 3: the clusters of a large corpus),
# so that no process maps files written by other code for the same table signature.
FORMAT = 3
STALE_TEMPORARY_SECONDS = 3600  # a temporary directory this old is a dead writer's

Make = Callable[[str, tuple, str], np.ndarray]  # (name, shape, dtype) -> a writable array
Build = Callable[[Make], dict[str, np.ndarray]]


def _in_memory(name: str, shape: tuple, dtype: str) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def directory() -> Path | None:
    value = getattr(settings, "SEMANTIC_SHARED_DIR", "")
    return Path(value) if value else None


def _database_tag() -> str:
    db = connection.settings_dict
    ident = f"{connection.vendor}|{db.get('HOST')}|{db.get('PORT')}|{db.get('NAME')}"
    return hashlib.sha256(ident.encode()).hexdigest()[:12]


def _tag(signature: tuple) -> str:
    return hashlib.sha256(repr((FORMAT, signature)).encode()).hexdigest()[:16]


def arrays_get(
    name: str, signature: tuple, build: Build, *, wait: bool = True
) -> dict[str, np.ndarray]:
    """The arrays of this corpus and signature (see the module's docstring). With
    `wait` false, raises `Later` instead of waiting while another process writes them
    (the caller still holds older arrays to answer with)."""
    root = directory()
    if root is None or not signature[0]:  # nothing to share in an empty corpus
        return build(_in_memory)
    prefix = f"{name}-{_database_tag()}-"
    final = root / f"{prefix}{_tag(signature)}"
    try:
        if not final.is_dir():
            root.mkdir(parents=True, exist_ok=True)
            # One writer per corpus at a time: the processes that need the same new
            # signature wait for the first one's files (1.4 s at 180,000 documents)
            # instead of each reading the table and writing its own copy; or, holding
            # an older copy, answer with it meanwhile.
            with (root / f".{prefix}lock").open("a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                except BlockingIOError:
                    raise Later(name) from None
                if not final.is_dir():
                    _write(root, prefix, final, build)
        return _load(final)
    except (OSError, ValueError):
        logger.warning(
            "shared %s corpus unavailable in %s, kept in memory", name, root, exc_info=True
        )
        return build(_in_memory)


def _write(root: Path, prefix: str, final: Path, build: Build) -> None:
    root.mkdir(parents=True, exist_ok=True)
    temporary = root / f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}"
    temporary.mkdir()
    try:
        files: dict[str, np.ndarray] = {}

        def make(array_name: str, shape: tuple, dtype: str) -> np.ndarray:
            if not all(shape):  # numpy cannot map an empty file
                return np.zeros(shape, dtype=dtype)
            array = np.lib.format.open_memmap(
                temporary / f"{array_name}.npy", mode="w+", dtype=dtype, shape=shape
            )
            files[array_name] = array
            return array

        arrays = build(make)
        lengths = {}
        for array_name, array in arrays.items():
            if array_name not in files:  # empty, or made otherwise: stored whole
                np.save(temporary / f"{array_name}.npy", np.asarray(array), allow_pickle=False)
            elif len(array) != len(files[array_name]):
                lengths[array_name] = len(array)  # fewer rows came than were counted
        for array in files.values():
            array.flush()
        (temporary / "lengths.json").write_text(json.dumps(lengths))
        try:
            temporary.rename(final)
        except OSError:
            if not final.is_dir():  # not "another process renamed it first"
                raise
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
    _remove_others(root, prefix, final)


def _load(final: Path) -> dict[str, np.ndarray]:
    lengths = json.loads((final / "lengths.json").read_text())
    arrays = {}
    for path in final.glob("*.npy"):
        array = np.load(path, mmap_mode="r", allow_pickle=False)
        if path.stem in lengths:
            array = array[: lengths[path.stem]]
        arrays[path.stem] = array
    return arrays


def array_mapped(name: str, array: np.ndarray) -> np.ndarray:
    """The same values as `array`, read from `<dir>/<name>.npy` mapped read-only (written
    once, through a temporary file renamed into place; rewritten when it differs): for
    large constant arrays such as the model's vocabulary table. `array` itself when no
    directory is set or the file cannot be used."""
    root = directory()
    if root is None:
        return array
    path = root / f"{name}.npy"
    try:
        mapped = _mapped_if_equal(path, array)
        if mapped is None:
            root.mkdir(parents=True, exist_ok=True)
            temporary = root / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.npy"
            try:
                np.save(temporary, array, allow_pickle=False)
                temporary.rename(path)
            finally:
                temporary.unlink(missing_ok=True)
            mapped = _mapped_if_equal(path, array)
        return array if mapped is None else mapped
    except (OSError, ValueError):
        logger.warning("shared %s unavailable in %s, kept in memory", name, root, exc_info=True)
        return array


COMPARE_BYTES = 4 << 20


def _mapped_if_equal(path: Path, array: np.ndarray) -> np.ndarray | None:
    """The file mapped, if it holds exactly `array`. Compared by reading the file, not
    through the mapping: a read leaves the pages in the page cache, not in this
    process's resident memory (comparing through the mapping made all 62 MB of the
    model's table resident in every process: 211 MB of mapped files instead of 178 at
    200,000 documents, `bench/search_memory.py`)."""
    if not path.is_file():
        return None
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    if mapped.shape != array.shape or mapped.dtype != array.dtype:
        return None
    expected = memoryview(np.ascontiguousarray(array)).cast("B")
    with path.open("rb") as file:
        file.seek(mapped.offset)
        for start in range(0, len(expected), COMPARE_BYTES):
            if file.read(COMPARE_BYTES) != expected[start : start + COMPARE_BYTES]:
                return None
        if file.read(1):
            return None
    return mapped


def _remove_others(root: Path, prefix: str, keep: Path) -> None:
    now = time.time()
    for path in root.iterdir():
        if path == keep or not path.is_dir():
            continue
        if path.name.startswith(prefix):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{prefix}"):
            try:
                if now - path.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass
