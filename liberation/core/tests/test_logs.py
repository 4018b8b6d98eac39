"""Rule refusals (409) are not logged as warnings (core/logs.py)."""

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response


@pytest.fixture
def records():
    """What reaches the root logger's handlers, the filters of LOGGING applied."""
    caught: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record):
            caught.append(record)

    root = logging.getLogger()
    handler, level = Catch(), root.level
    root.addHandler(handler)
    yield caught
    root.removeHandler(handler)
    root.setLevel(level)


def answer(status: int) -> None:
    request = RequestFactory().post("/fr/r/inscription/3/")
    log_response("%s: %s", "Answer", request.path, response=HttpResponse(status=status))


def test_a_409_is_not_a_warning(records):
    logging.getLogger().setLevel(logging.WARNING)  # LOG_LEVEL's default
    answer(409)
    assert records == []


def test_a_409_is_an_info_when_the_level_asks_for_it(records):
    logging.getLogger().setLevel(logging.INFO)
    answer(409)
    [record] = records
    assert record.levelno == logging.INFO and record.levelname == "INFO"
    assert record.getMessage() == "Answer: /fr/r/inscription/3/"


@pytest.mark.parametrize("status", [400, 403, 404, 413, 429])
def test_other_client_errors_stay_warnings(records, status):
    logging.getLogger().setLevel(logging.WARNING)
    answer(status)
    [record] = records
    assert record.levelno == logging.WARNING and record.status_code == status


def test_server_errors_stay_errors(records):
    logging.getLogger().setLevel(logging.WARNING)
    answer(503)
    [record] = records
    assert record.levelno == logging.ERROR
