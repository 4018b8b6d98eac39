"""WSGI entry point for the web server (granian, started by `liberation/run.py`)."""

import os

from django.core.wsgi import get_wsgi_application

from liberation.core.database import use_request_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")

application = get_wsgi_application()
# Web requests wait for a database lock only briefly, then answer 503 "try again in a
# moment"; the worker and commands, which do not come through here, wait longer.
use_request_timeouts()
