"""A database that makes a web request wait too long: a bounded wait, then 503 "try
again in a moment" (liberation/core/database.py; issue 10, item 2)."""

import datetime as dt
import logging
import sqlite3
import time

import psycopg
import pytest
from django.core.cache import cache
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from liberation.core import database
from liberation.core.database import DatabaseBusyMiddleware, is_database_busy
from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.registrations.models import Registration

from .conftest import write_lock_held


def as_django_raises(cause: Exception, kind=OperationalError) -> Exception:
    """The error as Django raises it: its own class, the driver's error as the cause."""
    try:
        try:
            raise cause
        except Exception as driver_error:
            raise kind(*cause.args) from driver_error
    except kind as error:
        return error


@pytest.mark.parametrize(
    ("cause", "busy"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("database table is locked"), True),
        (sqlite3.OperationalError("no such table: core_page"), False),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), True),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.OperationalError("connection refused"), True),  # no SQLSTATE
        (psycopg.errors.DiskFull("could not extend file"), False),
    ],
)
def test_which_database_errors_mean_try_again(cause, busy):
    assert is_database_busy(as_django_raises(cause)) is busy


def test_errors_of_the_request_itself_are_not_busy():
    unique = psycopg.errors.UniqueViolation("duplicate key")
    assert not is_database_busy(as_django_raises(unique, IntegrityError))
    assert not is_database_busy(ValueError("database is locked"))
    assert is_database_busy(InterfaceError("connection already closed"))


@pytest.fixture
def middleware(monkeypatch):
    database.clear_stall()
    calls = []

    def view(request):
        calls.append(request.method)
        return HttpResponse("ok")

    instance = DatabaseBusyMiddleware(view)
    instance.calls = calls
    yield instance
    database.clear_stall()


LOCKED = as_django_raises(sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    ("path", "title"),
    [("/en/r/inscription/1/", "Try again in a moment"), ("/fr/r/inscription/1/", "Réessayez")],
)
def test_a_lock_timeout_answers_503_with_retry_after_and_one_log_line(
    middleware, caplog, path, title
):
    request = RequestFactory().post(path)
    with caplog.at_level(logging.WARNING):
        response = middleware.process_exception(request, LOCKED)
    assert response.status_code == 503
    assert response["Retry-After"] == str(database.RETRY_AFTER)
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert 'id="error-503"' in page and title in page and "fr-btn" in page
    assert f'lang="{path[1:3]}"' in page
    (record,) = caplog.records
    assert record.getMessage() == (
        f"Database busy: POST {path} answered 503 (OperationalError: database is locked)"
    )
    assert record.exc_info is None  # a line, not a traceback
    assert response._has_been_logged  # and not a second "Service Unavailable" line


def test_other_errors_are_left_to_the_500_page(middleware):
    request = RequestFactory().post("/fr/")
    assert middleware.process_exception(request, IntegrityError("duplicate")) is None
    assert not database.stalled()


def test_during_a_stall_writes_are_answered_at_once_and_reads_go_on(middleware, monkeypatch):
    monkeypatch.setattr(database, "RETRY_AFTER", 0.3)
    middleware.process_exception(RequestFactory().post("/fr/x/"), LOCKED)
    assert middleware(RequestFactory().post("/fr/x/")).status_code == 503
    assert middleware(RequestFactory().get("/fr/")).status_code == 200
    assert middleware.calls == ["GET"]  # the POST did not reach the view
    time.sleep(0.4)
    assert middleware(RequestFactory().post("/fr/x/")).status_code == 200
    assert middleware.calls == ["GET", "POST"]


def test_during_a_stall_one_probe_at_a_time_ends_it_early(middleware, monkeypatch):
    """The database back before RETRY_AFTER: a spaced probe lets writes resume."""
    monkeypatch.setattr(database, "RETRY_AFTER", 30)
    monkeypatch.setattr(database, "PROBE_EVERY", 0.2)
    middleware.process_exception(RequestFactory().post("/fr/x/"), LOCKED)
    assert middleware(RequestFactory().post("/fr/x/")).status_code == 503  # too soon
    time.sleep(0.25)
    assert middleware(RequestFactory().post("/fr/x/")).status_code == 200  # the probe
    assert not database.stalled()
    assert middleware(RequestFactory().post("/fr/x/")).status_code == 200
    assert middleware.calls == ["POST", "POST"]


def test_a_failed_probe_keeps_the_stall(monkeypatch):
    monkeypatch.setattr(database, "RETRY_AFTER", 30)
    monkeypatch.setattr(database, "PROBE_EVERY", 0.2)
    database.clear_stall()

    def still_locked(request):  # as Django's handler calls process_exception
        return instance.process_exception(request, LOCKED)

    instance = DatabaseBusyMiddleware(still_locked)
    try:
        instance.process_exception(RequestFactory().post("/fr/x/"), LOCKED)
        time.sleep(0.25)
        assert instance(RequestFactory().post("/fr/x/")).status_code == 503  # probe failed
        assert database.stalled()
        assert instance(RequestFactory().post("/fr/x/")).status_code == 503  # no probe yet
    finally:
        database.clear_stall()


def test_settings_give_web_requests_a_shorter_wait_than_the_worker(settings):
    """The documented defaults (.env.example): 3 s for requests, 20 s otherwise."""
    commands, requests = connection.settings_dict["OPTIONS"], settings.DATABASE_REQUEST_OPTIONS
    if connection.vendor == "sqlite":
        assert (commands["timeout"], requests["timeout"]) == (20, 3)
        assert commands["transaction_mode"] == requests["transaction_mode"] == "IMMEDIATE"
    else:
        assert "-c lock_timeout=20s" in commands["options"]
        assert "statement_timeout" not in commands["options"]
        assert requests["options"].endswith("-c lock_timeout=3s -c statement_timeout=30s")


def test_use_request_timeouts_puts_the_request_options_in_place(settings, monkeypatch):
    original = connection.settings_dict["OPTIONS"]
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", original)
    settings.DATABASE_REQUEST_OPTIONS = {**original, "marker": 1}
    database.use_request_timeouts()
    assert connection.settings_dict["OPTIONS"] == {**original, "marker": 1}
    assert connection.connection is None  # reopened with them
    connection.settings_dict["OPTIONS"] = original


# -- a real write stall, through the whole stack ----------------------------------------


@pytest.fixture
def open_ceremony(make_page):
    now = timezone.now()
    ceremony = RegistrationSettings.objects.create(
        name="stall",
        capacity=50,
        mode="first_come",
        max_companions=0,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=5),
    )
    page = make_page(
        CeremonyPage,
        title="Cérémonie du blocage",
        section="ceremonies",
        starts_at=now + dt.timedelta(days=10),
        venue="Place Charles-de-Gaulle, Paris",
        registration_required=True,
        registration=ceremony,
    )
    return ceremony, page


def registration_form(n: int) -> dict:
    return {
        "given_name": f"Jeanne{n}",
        "surname": "Martin",
        "email": f"stall{n}@example.org",
        "consent": "on",
        "homepage": "",
    }


@pytest.mark.django_db(transaction=True)
def test_a_registration_during_a_write_stall_answers_503_in_bounded_time(
    client, open_ceremony, short_waits
):
    ceremony, page = open_ceremony
    short_waits(1, as_web_request=True)
    form_url = f"/fr/r/inscription/{ceremony.pk}/"
    tables = [RegistrationSettings._meta.db_table, Registration._meta.db_table]
    with write_lock_held(*tables):
        started = time.monotonic()
        response = client.post(form_url, registration_form(1))
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert "Réessayez dans un instant" in response.content.decode()
        assert time.monotonic() - started < 2.5  # the 1 s wait, not the worker's 20 s

        cache.clear()  # the page is read from the database, not from cached fragments
        started = time.monotonic()
        assert client.get(page.url).status_code == 200
        assert client.get(form_url).status_code == 200
        assert time.monotonic() - started < 1  # reads do not wait for the lock

        started = time.monotonic()
        assert client.post(form_url, registration_form(2)).status_code == 503
        assert time.monotonic() - started < 0.5  # answered at once during the stall
    assert not Registration.objects.exists()  # nothing half-written

    database.clear_stall()  # as RETRY_AFTER seconds later
    assert client.post(form_url, registration_form(3)).status_code == 303
    assert Registration.objects.get().email == "stall3@example.org"
