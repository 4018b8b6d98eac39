"""When the database makes a web request wait too long: a bounded wait, then a clear
"try again in a moment" page instead of a frozen site.

A write stall (a long transaction, a backup, a migration, a lock held by hand) used to
hold every request thread that wanted to write for the whole busy timeout (20 s): with
four threads, public pages queued behind registration POSTs. Now:

- web requests wait at most `DATABASE_REQUEST_LOCK_TIMEOUT` seconds for a lock
  (SQLite's busy timeout, PostgreSQL's `lock_timeout`) and, on PostgreSQL, run no
  statement longer than `DATABASE_REQUEST_STATEMENT_TIMEOUT`: `use_request_timeouts`,
  called by the web entry points (liberation/wsgi.py, asgi.py). The worker, the clock
  and commands keep the settings' longer wait (`DATABASE_LOCK_TIMEOUT`);
- `DatabaseBusyMiddleware` answers such a timeout (or a lost connection) with a 503,
  `Retry-After`, a localized DSFR page, and one log line instead of a traceback;
- for `RETRY_AFTER` seconds after a timeout, the process answers form submissions
  (unsafe methods) with the same page at once instead of letting each wait again: a
  stall then costs each POST nothing and reads keep the threads (SQLite's WAL and
  PostgreSQL's MVCC let reads go on beside a held write lock). Meanwhile one form
  submission at a time per process, at most every `PROBE_EVERY` seconds, goes through
  as a probe: once one succeeds the stall is over, so that registrations resume within
  about a second of the server being back instead of up to `RETRY_AFTER` seconds after
  the last failure (tests/faults/test_postgres_restart_rush.py).

Nothing is half-written: the view's transaction was rolled back by the exception.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# Seconds the client is told to wait (Retry-After), and how long this process answers
# form submissions at once after a lock timeout.
RETRY_AFTER = 5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# SQLite result codes (low byte of the extended code): SQLITE_BUSY, SQLITE_LOCKED.
SQLITE_BUSY_CODES = frozenset({5, 6})
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")
# PostgreSQL SQLSTATEs: a lock or statement timeout, or the server going away.
POSTGRES_BUSY_STATES = frozenset(
    {
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown (server stopped or restarting)
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (server starting up)
    }
)

_stalled_until = 0.0  # time.monotonic() until which unsafe requests are answered at once


def is_database_busy(error: BaseException) -> bool:
    """Whether `error` means "the database could not serve this in time; try again":
    a lock wait or statement that timed out, or a connection that failed or was lost.
    Errors in the request itself (a constraint, bad SQL) are not."""
    if isinstance(error, InterfaceError):
        return True  # "connection already closed"
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in SQLITE_BUSY_CODES
    message = str(error).lower()
    if any(text in message for text in SQLITE_BUSY_MESSAGES):
        return True
    if cause is not None and type(cause).__module__.split(".")[0] in {"psycopg", "psycopg2"}:
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        # No SQLSTATE: the connection itself failed (refused, closed by the server).
        return state is None or state in POSTGRES_BUSY_STATES or state.startswith("08")
    return False


def first_line(error: BaseException) -> str:
    """The error's first line, for a log line without the traceback."""
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def use_request_timeouts() -> None:
    """Give this process's connections the web requests' bounded waits
    (`DATABASE_REQUEST_OPTIONS`). For the web entry points only: connections opened
    afterwards, by every thread, use them."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.settings_dict["OPTIONS"] = dict(settings.DATABASE_REQUEST_OPTIONS)
    connection.close()


PROBE_EVERY = 1.0  # seconds between two probes of a stalled database (per process)
_probe_lock = threading.Lock()
_probing = False
_next_probe = 0.0


def note_stall() -> None:
    global _stalled_until, _next_probe
    now = time.monotonic()
    _stalled_until = now + RETRY_AFTER
    _next_probe = now + PROBE_EVERY


def _take_probe() -> bool:
    """May this request try the database during a stall? One at a time, spaced."""
    global _probing, _next_probe
    with _probe_lock:
        now = time.monotonic()
        if _probing or now < _next_probe:
            return False
        _probing, _next_probe = True, now + PROBE_EVERY
        return True


def _release_probe() -> None:
    global _probing
    with _probe_lock:
        _probing = False


def stalled() -> bool:
    return time.monotonic() < _stalled_until


def clear_stall() -> None:
    global _stalled_until
    _stalled_until = 0.0


class DatabaseBusyMiddleware:
    """503 "try again in a moment" for database timeouts; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS and stalled():
            if not _take_probe():
                return self.busy(request)
            try:
                response = self.get_response(request)
            finally:
                _release_probe()
            if not getattr(request, "database_busy", False) and response.status_code < 500:
                clear_stall()  # the database answered: the stall is over
            return response
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_busy(exception):
            return None
        request.database_busy = True
        note_stall()
        logger.warning(
            "Database busy: %s %s answered 503 (%s: %s)",
            request.method,
            request.path,
            type(exception).__name__,
            first_line(exception),
        )
        return self.busy(request)

    @staticmethod
    def busy(request: HttpRequest) -> HttpResponse:
        from .views import service_unavailable

        response = service_unavailable(request, retry_after=RETRY_AFTER)
        # Logged above in one line (or, for an answer given at once during a stall,
        # not at all): Django would add "Service Unavailable: /path" at ERROR level.
        response._has_been_logged = True
        return response


def close_connections() -> None:
    """Close every open connection of this thread, even a broken one: the next query
    opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None
