"""The web entry point moves what it loaded out of the cyclic collector's reach
(liberation/wsgi.py): run in a process of its own, as granian's workers import it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import gc
before = gc.get_freeze_count()
import liberation.wsgi
print(before, gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_wsgi_module_freezes_what_it_loaded():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="liberation.settings.test", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, frozen, tracked = map(int, done.stdout.split())
    assert before == 0
    # Django, Wagtail and the project are loaded by then: most objects are frozen.
    assert frozen > 50_000 and frozen > 5 * tracked
