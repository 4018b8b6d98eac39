import gc
import os

from django.core.asgi import get_asgi_application

from liberation.core.database import use_request_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")

application = get_asgi_application()
use_request_timeouts()  # as in wsgi.py: web requests wait for a lock only briefly
gc.freeze()  # as in wsgi.py: what is loaded now lives as long as the process
