"""The generator and the demo programme (commands of the top app, called by name)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liberation.agenda.filters import AgendaFilters
from liberation.agenda.selectors import agenda_projects, agenda_sessions
from liberation.programme.models import Project, Session

pytestmark = pytest.mark.django_db


def test_generate_programme_small_run(communes):
    out = StringIO()
    call_command("generate_programme", events=60, applications=15, stdout=out)
    assert "60 labelled projects" in out.getvalue()
    assert Project.objects.filter(state=Project.State.LABELLED).count() == 60
    assert Project.objects.exclude(state=Project.State.LABELLED).count() == 15
    labelled = Project.objects.filter(state=Project.State.LABELLED)
    assert not labelled.filter(sessions__isnull=True).exists()
    assert labelled.values("departement").distinct().count() > 3
    assert agenda_projects(AgendaFilters()).count() == 60
    assert (
        agenda_sessions(AgendaFilters()).count()
        == Session.objects.filter(project__state=Project.State.LABELLED).count()
    )


def test_generate_programme_refuses_negative():
    with pytest.raises(CommandError):
        call_command("generate_programme", events=-1, stdout=StringIO())


def test_demo_programme_is_idempotent_and_listed(client, structure):
    call_command("load_demo", stdout=StringIO())
    count = Project.objects.filter(state=Project.State.LABELLED).count()
    assert count >= 25
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo programme: 0 labelled projects created" in out.getvalue()
    assert Project.objects.filter(state=Project.State.LABELLED).count() == count
    html = client.get("/fr/agenda/?commune=50129&radius_km=20").content.decode()
    assert "Cherbourg" in html
    en = client.get("/en/agenda/?departement=14").content.decode()
    assert "Caen in ruins" in en
