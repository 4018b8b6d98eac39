"""Redis unreachable (stopped, restarted, cut off): the site answers without its cache
instead of a 500 on every page (issue 13; liberation/core/cache.py). The outage is the
production cache backend pointed at a loopback port where nothing listens: every call
is refused at once, as when the Redis server is down. docs/testing.md."""

import logging

import pytest
from django.core.cache import cache, caches

from liberation.core import cache as outage
from liberation.mail import tasks
from liberation.mail.models import OutboxMessage
from liberation.mail.tests.conftest import DeferringTask, free_port
from liberation.registrations.models import Registration

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


def redis_down(backend: str = "liberation.core.cache.OutageTolerantRedisCache") -> dict:
    return {
        "default": {
            "BACKEND": backend,
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1.0},
        }
    }


@pytest.fixture
def down(settings):
    settings.CACHES = redis_down()
    caches["default"].logger = outage._OutageLog()  # a fresh warning clock for this test


def test_every_call_is_a_miss_and_one_warning_says_so(down, caplog):
    with caplog.at_level(logging.WARNING, logger="liberation.cache"):
        assert cache.get("k") is None
        assert cache.get("k", "default") == "default"
        assert not cache.set("k", 1)
        assert not cache.add("k", 1)
        assert cache.incr("counter") is None
        assert cache.get_many(["a", "b"]) == {}
        assert not cache.delete("k")
    records = [r for r in caplog.records if r.name == "liberation.cache"]
    assert len(records) == 1
    assert records[0].levelname == "WARNING" and not records[0].exc_info
    assert "Cache unreachable" in records[0].getMessage()
    assert "refused" in records[0].getMessage().lower()


def test_the_warning_is_repeated_once_per_period_with_the_count(monkeypatch, caplog):
    log = outage._OutageLog(every=10.0)
    clock = iter([100.0, 101.0, 102.0, 111.0])
    monkeypatch.setattr(outage.time, "monotonic", lambda: next(clock))
    with caplog.at_level(logging.WARNING, logger="liberation.cache"):
        for _ in range(4):
            try:
                raise ConnectionRefusedError("Connection refused")
            except ConnectionRefusedError:
                log.exception("Exception ignored")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "2 more failed calls" in messages[1]


def test_pages_registrations_and_the_admin_login_work_without_redis(client, ceremony, down, caplog):
    page = ceremony.ceremony_pages.get()
    with caplog.at_level(logging.WARNING):
        home = client.get("/fr/")
        article = client.get(page.url)
        registered = client.post(
            f"/fr/r/inscription/{ceremony.pk}/",
            {
                "given_name": "Jeanne",
                "surname": "Martin",
                "email": "jeanne@example.org",
                "consent": "on",
                "homepage": "",
            },
        )
        login = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert home.status_code == 200
    assert article.status_code == 200
    assert registered.status_code == 303  # to the management page
    assert Registration.objects.filter(email="jeanne@example.org").count() == 1
    assert OutboxMessage.objects.filter(to="jeanne@example.org").exists()
    assert login.status_code == 200  # the form again, with its error
    assert not any(r.exc_info for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


def test_the_mail_kick_is_skipped_and_the_clock_delivers(down, monkeypatch, caplog):
    """With a queue that can defer, the kick's de-duplication lives in the cache: with
    Redis down it is skipped (the minute clock delivers the outbox), never raised into
    the registration that called it."""
    task = DeferringTask()
    monkeypatch.setattr(tasks, "deliver_outbox", task)
    with caplog.at_level(logging.WARNING):
        tasks.kick_delivery()
    assert task.enqueued == []
    assert not any(r.exc_info for r in caplog.records)


def test_control_django_redis_alone_turns_the_outage_into_errors(client, ceremony, settings):
    """The control: the stock backend raises on the first cache call of a page."""
    import redis

    settings.CACHES = redis_down("django_redis.cache.RedisCache")
    client.raise_request_exception = True
    with pytest.raises(redis.exceptions.ConnectionError):
        client.get(ceremony.ceremony_pages.get().url)
