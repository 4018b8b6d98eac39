import datetime as dt

import pytest
from django.utils import timezone

from liberation.places.factories import communes_sample
from liberation.programme.factories import project_make
from liberation.programme.models import Project


@pytest.fixture
def communes(db):
    return communes_sample()


@pytest.fixture
def soon():
    return (timezone.now() + dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def labelled(communes, soon):
    """labelled(insee="50129", **fields) → a labelled project with one session."""

    def make(insee="50129", **fields):
        fields.setdefault("state", Project.State.LABELLED)
        fields.setdefault("starts_at", soon)
        project, _token = project_make(commune=communes[insee], **fields)
        return project

    return make


@pytest.fixture
def dates(db):
    from liberation.maps.services import liberation_dates_load

    liberation_dates_load()
