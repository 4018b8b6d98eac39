"""Data the fuzz tests find: published articles in both languages (search), labelled
events (agenda), communes (the commune API)."""

import datetime as dt

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone


@pytest.fixture
def content(make_page, translate):
    from liberation.content.models import ArticlePage
    from liberation.places.factories import communes_sample
    from liberation.programme.factories import project_make
    from liberation.programme.models import Project

    article = make_page(
        ArticlePage,
        title="La libération de Cherbourg",
        lead="Le port du Cotentin libéré en juin 1944.",
        history_start=dt.date(1944, 6, 26),
    )
    translate(article, "en", title="The liberation of Cherbourg")
    communes = communes_sample()
    soon = (timezone.now() + dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    for insee in list(communes)[:2]:
        project_make(commune=communes[insee], state=Project.State.LABELLED, starts_at=soon)
    return article


@pytest.fixture
def in_test_transaction(db):
    """As Django's test client does: a request must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
