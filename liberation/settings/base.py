"""Settings shared by every environment. Values that vary come from `env.py`."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import BASE_DIR, env_bool, env_float, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "liberation.core",
    "liberation.content",
    "liberation.events",
    "liberation.mail",
    "liberation.places",
    "liberation.programme",
    "liberation.collection",
    "liberation.newsletter",
    "liberation.agenda",
    "liberation.maps",
    "liberation.registrations",
    "liberation.gate",
    "liberation.screening",
    "liberation.press",
    "liberation.semantic",
    "liberation.discovery",
    "liberation.exchange",
    "liberation.site",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "dsfr",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control and xkey (core/surrogate.py): before anything that sets a cookie.
    "liberation.core.surrogate.SurrogateMiddleware",
    "liberation.core.middleware.ContentSecurityPolicyMiddleware",
    "liberation.core.middleware.AdminContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database lock timeout answers 503 "try again in a moment" (core/database.py).
    "liberation.core.database.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Before any view reads a POST (the CSRF check reads it in process_view, which runs
    # after this), and after the user and messages are known (the 400 page's header).
    "liberation.core.middleware.FormCharsetMiddleware",
    # Wagtail's site, route and view restrictions kept under the content version
    # (core/serving.py): after the locale is active, before the serve view.
    "liberation.core.serving.PageRouteCacheMiddleware",
]

ROOT_URLCONF = "liberation.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Plain <input> widgets written in Python, the rest through Django's templates
# (liberation/core/form_renderer.py).
FORM_RENDERER = "liberation.core.form_renderer.Renderer"

WSGI_APPLICATION = "liberation.wsgi.application"

# Database: SQLite by default, anything dj-database-url reads through DATABASE_URL.
if not env_str("DATABASE_URL", ""):
    (BASE_DIR / "var").mkdir(exist_ok=True)  # the default SQLite file lives there
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 600),
    )
}
# How long the database may keep a caller waiting for a lock, in seconds. A web request
# waits briefly, then answers "try again in a moment" (503) instead of holding one of
# the server's few threads: liberation/wsgi.py and asgi.py put DATABASE_REQUEST_OPTIONS
# in place (liberation/core/database.py). The task worker, the clock and management
# commands keep the longer wait: nobody is looking at a page while they wait.
DATABASE_LOCK_TIMEOUT = env_int("DATABASE_LOCK_TIMEOUT", 20)
DATABASE_REQUEST_LOCK_TIMEOUT = env_int("DATABASE_REQUEST_LOCK_TIMEOUT", 3)
# PostgreSQL: the longest statement a web request may run (seconds; 0: no limit).
DATABASE_REQUEST_STATEMENT_TIMEOUT = env_int("DATABASE_REQUEST_STATEMENT_TIMEOUT", 30)


def _wait_options(options: dict, *, lock_timeout: int, statement_timeout: int = 0) -> dict:
    """`options` with the lock wait (SQLite's busy timeout, PostgreSQL's lock_timeout)
    and, on PostgreSQL, the statement time limit."""
    engine = DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return {**options, "timeout": lock_timeout}
    if engine == "django.db.backends.postgresql":
        flags = [options.get("options", ""), f"-c lock_timeout={lock_timeout}s"]
        if statement_timeout:
            flags.append(f"-c statement_timeout={statement_timeout}s")
        return {**options, "options": " ".join(flag for flag in flags if flag)}
    return options


if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock up front,
    # so two writers queue on the busy timeout instead of failing with "database is
    # locked" at once (the busy timeout is the `timeout` option, set just below).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASE_REQUEST_OPTIONS = _wait_options(
    DATABASES["default"].get("OPTIONS", {}),
    lock_timeout=DATABASE_REQUEST_LOCK_TIMEOUT,
    statement_timeout=DATABASE_REQUEST_STATEMENT_TIMEOUT,
)
DATABASES["default"]["OPTIONS"] = _wait_options(
    DATABASES["default"].get("OPTIONS", {}), lock_timeout=DATABASE_LOCK_TIMEOUT
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, otherwise memory of the process.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # An outage is a miss, not an error (liberation/core/cache.py); a Redis that
            # does not answer costs at most these waits (s) per call.
            "BACKEND": "liberation.core.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "liberation"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": env_float("REDIS_CONNECT_TIMEOUT", 0.5),
                "SOCKET_TIMEOUT": env_float("REDIS_TIMEOUT", 1.0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Cached fragments of public pages (header, footer, head metadata, related cards),
# invalidated on publish by the content version: how long an unused one is kept (s);
# 0 renders them on every request (liberation/core/fragments.py).
FRAGMENT_CACHE_TIMEOUT = env_int("FRAGMENT_CACHE_TIMEOUT", 24 * 3600)

# `manage.py prepare` (the first step of `make run`) loads the demo content unless this
# is false; a production start-up sets DEMO_CONTENT=false (docs/deployment.md).
DEMO_CONTENT = env_bool("DEMO_CONTENT", True)

# Where the embedding matrices are written once and memory-mapped by every process of
# the machine (semantic/shared.py; docs/search.md "Shared between processes"); empty:
# each process keeps its own copy in memory.
SEMANTIC_SHARED_DIR = env_str("SEMANTIC_SHARED_DIR", str(BASE_DIR / "var" / "semantic"))

# Background work: the database queue of django-tasks, run by `manage.py db_worker`.
# Two queues: "default" (`db_worker`), "purge" (its own worker in `make serve`, polling
# every 0.1 s: core/purge.py).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "purge"],
    }
}

# The shared cache in front of the app (`make serve`, docs/deployment.md): how long it
# may keep a public page (s-maxage, seconds; 0 marks every response private), the
# cookies it may ignore (a name, or a prefix ending in *), the Varnish URLs that purge
# requests go to (comma-separated; empty: no shared cache, nothing is purged) and how
# long after SHARED_CACHE_SECONDS a failed purge is still retried (Varnish's grace).
SHARED_CACHE_SECONDS = env_int("SHARED_CACHE_SECONDS", 120)
SHARED_CACHE_HARMLESS_COOKIES = ["_pk_*", "_ga*", "_gid"]
PURGE_URLS = [url.strip() for url in env_str("PURGE_URLS", "").split(",") if url.strip()]
PURGE_GRACE_SECONDS = env_int("PURGE_GRACE_SECONDS", 10)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: French is the default, English the translation.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# django-dsfr pins subresource-integrity hashes of its original files, but the manifest
# storage rewrites url() references inside dsfr.min.css: the browser would then refuse
# the stylesheet. Same-origin files need no SRI (tested in core/tests/test_static.py).
DSFR_USE_INTEGRITY_CHECKSUMS = False

WAGTAIL_SITE_NAME = "Libération"
WAGTAILADMIN_BASE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "core.CustomImage"
WAGTAILDOCS_EXTENSIONS = ["pdf", "mp4", "webm", "vtt", "csv", "txt"]
# Documents are downloaded (attachment) unless they are videos (core/media.py).
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["video/mp4", "video/webm"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No avatar from gravatar.com: the admin asks no other host for anything (an editor's
# email, hashed, would reach it on every page; the admin's CSP allows no such image).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor releases.wagtail.org from the dashboard (upgrades go through requirements.txt).
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Outgoing email: registrants' emails go through the outbox (registrations/emails.py).
# Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST…
# settings to send for real; the console backend prints them.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Libération <ne-pas-repondre@example.org>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually on port 465
# Seconds per network step; a server that does not answer counts as down (retried).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Right-hand side of the outbox's stable Message-IDs (<outbox-PK@domain>).
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "liberation.local")

SESSION_COOKIE_HTTPONLY = True
# A localized DSFR page when a form is posted without its CSRF token.
CSRF_FAILURE_VIEW = "liberation.registrations.views.csrf_failure"
# Registration POSTs per minute: per client address, generous (people behind one carrier
# NAT; 0 turns both limits off, for benchmarks), and per person (email or link), strict.
_rate = env_int("REGISTRATION_RATE_LIMIT", 3000)
REGISTRATION_RATE_LIMIT = (_rate, 60) if _rate else None
_email_rate = env_int("REGISTRATION_EMAIL_RATE_LIMIT", 5)
REGISTRATION_EMAIL_RATE_LIMIT = (_email_rate, 60) if _email_rate else None
# Behind a reverse proxy only (docs/deployment.md): the header it writes the client's
# address in, e.g. X-Forwarded-For, and how many proxies append to it.
REGISTRATION_CLIENT_IP_HEADER = env_str("REGISTRATION_CLIENT_IP_HEADER", "") or None
REGISTRATION_PROXY_COUNT = env_int("REGISTRATION_PROXY_COUNT", 1)
# Badge signing keys are stored encrypted under a key derived from this secret; empty
# means SECRET_KEY (resolved in gate/keys.py, after dev/test set theirs).
# Previous secrets, comma-separated, stay readable until `manage.py rotate_badge_keys`.
BADGE_KEY_SECRET = env_str("BADGE_KEY_SECRET", "")
BADGE_KEY_SECRET_FALLBACKS = env_list("BADGE_KEY_SECRET_FALLBACKS", "")
# No page of the site is framed by another (nor by itself: Wagtail's preview panel
# frames its own preview view, which sets SAMEORIGIN on its response).
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (core/middleware.py; the format of Django 6's SECURE_CSP).
# Public pages: scripts, styles, fonts and images of the site only (the only inline
# scripts are JSON data, which CSP does not run); the video players of core/video.py
# in frames, after the reader's click.
_SELF = "'self'"
SECURE_CSP = {
    "default-src": [_SELF],
    "script-src": [_SELF],
    "style-src": [_SELF],
    "img-src": [_SELF, "data:"],
    "font-src": [_SELF],
    "connect-src": [_SELF],
    "media-src": [_SELF],
    "frame-src": [
        "https://www.youtube-nocookie.com",
        "https://www.dailymotion.com",
        "https://player.vimeo.com",
    ],
    "worker-src": [_SELF],
    "manifest-src": [_SELF],
    "object-src": ["'none'"],
    "base-uri": [_SELF],
    "form-action": [_SELF],
    "frame-ancestors": ["'none'"],
}
# Wagtail's admin writes inline scripts and styles (panels, widgets, the rich-text
# editor), shows images from other hosts (embeds, avatars) and frames its own preview.
CSP_ADMIN_PATH = "/admin/"
SECURE_CSP_ADMIN = {
    "default-src": [_SELF],
    "script-src": [_SELF, "'unsafe-inline'"],
    "style-src": [_SELF, "'unsafe-inline'"],
    "img-src": [_SELF, "data:", "blob:", "https:"],
    "font-src": [_SELF, "data:"],
    "connect-src": [_SELF],
    "media-src": [_SELF, "blob:"],
    "frame-src": [_SELF, "https:"],
    "worker-src": [_SELF, "blob:"],
    "object-src": ["'none'"],
    "base-uri": [_SELF],
    "form-action": [_SELF],
    "frame-ancestors": [_SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"rule_refusals": {"()": "liberation.core.logs.RuleRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["rule_refusals"]}},  # 409s: INFO
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
# Newsletter campaigns: messages released to the outbox per second (0: no throttle).
NEWSLETTER_SEND_RATE = env_int("NEWSLETTER_SEND_RATE", 20)
