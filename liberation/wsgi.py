"""WSGI entry point for gunicorn (see `liberation/core/management/commands/serve.py`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")

application = get_wsgi_application()
