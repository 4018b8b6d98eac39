"""WSGI entry point for the web server (granian, started by `liberation/run.py`)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

from liberation.core.database import use_request_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")

application = get_wsgi_application()
# Web requests wait for a database lock only briefly, then answer 503 "try again in a
# moment"; the worker and commands, which do not come through here, wait longer.
use_request_timeouts()
# The objects of the code loaded so far (Django, Wagtail, the project: ~225,000 of them)
# live as long as the process: out of the cyclic collector's reach, a full collection
# scans ~70,000 objects instead of ~290,000, a pause of 13-42 ms instead of 160-180 ms
# every few dozen requests (docs/benchmarks.md, "Garbage collection pauses"). Reference
# counting still frees them; only a cycle created before this line is never collected.
gc.freeze()
