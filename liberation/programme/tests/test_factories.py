import pytest

from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Project


@pytest.mark.django_db
def test_factories():
    c = communes_sample()
    p, t = project_make(
        campaign=campaign_make(departements=[c["50129"].departement]),
        commune=c["50129"],
        state=Project.State.LABELLED,
        sessions=2,
    )
    assert p.sessions.count() == 2 and p.departement_id == "50" and len(t) > 30
