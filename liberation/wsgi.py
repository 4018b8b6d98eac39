"""WSGI entry point for the web server (granian, started by `liberation/run.py`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")

application = get_wsgi_application()
