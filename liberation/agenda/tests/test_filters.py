import datetime as dt
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from liberation.agenda.filters import AgendaFilterForm, AgendaFilters
from liberation.agenda.selectors import (
    agenda_ceremonies,
    agenda_projects,
    agenda_sessions,
    bounding_box,
    haversine_km,
)
from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


def _query(params: dict) -> QueryDict:
    return QueryDict(urlencode(params, doseq=True))


def _filters(**params) -> AgendaFilters:
    form = AgendaFilterForm(_query(params))
    assert form.is_valid(), form.errors
    return form.filters()


def _titles(filters) -> set[str]:
    return {s.project.title for s in agenda_sessions(filters)}


def test_only_labelled_projects_are_listed(labelled):
    labelled(title="Labelled")
    labelled(title="Submitted", state=Project.State.SUBMITTED)
    labelled(title="Refused", state=Project.State.REFUSED)
    assert _titles(AgendaFilters()) == {"Labelled"}
    assert [p.title for p in agenda_projects(AgendaFilters())] == ["Labelled"]


def test_each_filter(labelled, soon):
    labelled(
        title="Caen concert",
        insee="14118",
        kind=Project.Kind.CONCERT,
        audience=Project.Audience.FAMILIES,
        wheelchair=True,
        sign_language=True,
        free=False,
    )
    labelled(title="Cherbourg expo", insee="50129", starts_at=soon + dt.timedelta(days=30))
    labelled(title="Paris ceremony", insee="75056", kind=Project.Kind.CEREMONY, wheelchair=True)
    assert _titles(_filters(departement="14")) == {"Caen concert"}
    assert _titles(_filters(commune="50129")) == {"Cherbourg expo"}
    assert _titles(_filters(kind="concert")) == {"Caen concert"}
    assert _titles(_filters(audience="families")) == {"Caen concert"}
    assert _titles(_filters(accessibility="wheelchair")) == {"Caen concert", "Paris ceremony"}
    form = AgendaFilterForm(_query({"accessibility": ["wheelchair", "sign_language"]}))
    assert form.is_valid()
    assert _titles(form.filters()) == {"Caen concert"}
    assert _titles(_filters(free="1")) == {"Cherbourg expo", "Paris ceremony"}
    day = (soon + dt.timedelta(days=30)).date()
    assert _titles(_filters(date_from=day.isoformat())) == {"Cherbourg expo"}
    assert _titles(_filters(date_until=(day - dt.timedelta(days=1)).isoformat())) == {
        "Caen concert",
        "Paris ceremony",
    }
    # Two filters together.
    assert _titles(_filters(departement="14", kind="exhibition")) == set()


def test_radius(labelled):
    labelled(title="Caen", insee="14118")
    labelled(title="Bayeux", insee="14047")  # ~27 km from Caen
    labelled(title="Cherbourg", insee="50129")  # ~100 km from Caen
    assert _titles(_filters(commune="14118", radius_km="10")) == {"Caen"}
    assert _titles(_filters(commune="14118", radius_km="40")) == {"Caen", "Bayeux"}
    assert _titles(_filters(commune="14118", radius_km="150")) == {"Caen", "Bayeux", "Cherbourg"}
    projects = agenda_projects(_filters(commune="14118", radius_km="40"))
    assert {p.title for p in projects} == {"Caen", "Bayeux"}


def test_haversine_and_box():
    assert 25 < haversine_km(49.1829, -0.3707, 49.2764, -0.7024) < 30
    lat_min, lat_max, lon_min, lon_max = bounding_box(49.0, 0.0, 111.32)
    assert lat_min == pytest.approx(48.0) and lat_max == pytest.approx(50.0)
    assert lon_max > 1.0


def test_ordered_by_date(labelled, soon):
    labelled(title="Later", starts_at=soon + dt.timedelta(days=3))
    labelled(title="Sooner", starts_at=soon)
    assert [s.project.title for s in agenda_sessions(AgendaFilters())] == ["Sooner", "Later"]


def test_querystring_round_trip(communes):
    params = {
        "date_from": "2026-06-01",
        "departement": "14",
        "commune": "14118",
        "radius_km": "20",
        "kind": "concert",
        "accessibility": ["wheelchair", "easy_to_read"],
        "free": "1",
    }
    form = AgendaFilterForm(_query(params))
    assert form.is_valid(), form.errors
    qs = form.filters().querystring()
    assert qs == (
        "date_from=2026-06-01&departement=14&commune=14118&radius_km=20&kind=concert"
        "&accessibility=wheelchair&accessibility=easy_to_read&free=1"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_until": "1850-01-01"}, "date_until"),
        ({"date_from": "2026-06-10", "date_until": "2026-06-01"}, "date_until"),
        ({"departement": "99"}, "departement"),
        ({"departement": "x" * 500}, "departement"),
        ({"commune": "ABCDE"}, "commune"),
        ({"commune": "99999"}, "commune"),
        ({"commune": "1234567"}, "commune"),
        ({"commune": "14118", "radius_km": "-5"}, "radius_km"),
        ({"commune": "14118", "radius_km": "9" * 5000}, "radius_km"),
        ({"commune": "14118", "radius_km": "abc"}, "radius_km"),
        ({"commune": "14118", "radius_km": "5000"}, "radius_km"),
        ({"radius_km": "10"}, "radius_km"),
        ({"kind": "rave"}, "kind"),
        ({"theme": "nope"}, "theme"),
        ({"audience": "robots"}, "audience"),
        ({"accessibility": ["teleport"]}, "accessibility"),
    ],
)
def test_bad_values_are_form_errors(communes, params, field):
    form = AgendaFilterForm(_query(params))
    assert not form.is_valid()
    assert field in form.errors
    assert form.error_list()


def test_ceremonies_excluded_by_project_only_filters():
    assert AgendaFilters(departement="14").excludes_ceremonies
    assert AgendaFilters(kind="concert").excludes_ceremonies
    assert not AgendaFilters(kind="ceremony").excludes_ceremonies
    assert not AgendaFilters(date_from=dt.date(2026, 1, 1)).excludes_ceremonies


def test_ceremonies_listed(structure):
    from wagtail.models import Locale

    assert agenda_ceremonies(AgendaFilters(), locale=Locale.objects.get(language_code="fr")) == []


def test_sessions_and_ceremonies_merge_across_pages(make_page, labelled, soon):
    from django.core.paginator import Paginator
    from wagtail.models import Locale

    from liberation.agenda.selectors import agenda_list
    from liberation.events.models import CeremonyPage

    for hour in range(5):
        labelled(title=f"S{hour}", starts_at=soon + dt.timedelta(hours=hour))
    for hour, name in ((1.5, "C1"), (3.5, "C2"), (-1, "C0")):
        make_page(
            CeremonyPage,
            title=name,
            section="history",
            starts_at=soon + dt.timedelta(hours=hour),
            venue="Place",
        )
    merged = agenda_list(AgendaFilters(), locale=Locale.objects.get(language_code="fr"))
    paginator = Paginator(merged, 3)
    assert paginator.count == 8
    names = []
    for number in paginator.page_range:
        for item in paginator.page(number).object_list:
            names.append(item.session.project.title if item.session else item.ceremony.title)
    assert names == ["C0", "S0", "S1", "C1", "S2", "S3", "C2", "S4"]


def test_a_commune_by_name_or_label_filters_by_its_insee_code(communes):
    for typed in ("Caen", "caen", "Caen (14)", "14118"):
        form = AgendaFilterForm(_query({"commune": typed}))
        assert form.is_valid(), (typed, form.errors)
        assert form.cleaned_data["commune"] == "14118"
        attrs = form.commune_widget_attrs
        assert (attrs["data-insee"], attrs["data-label"]) == ("14118", "Caen (14)")
    assert "commune=14118" in _filters(commune="Caen").querystring()


def test_a_name_two_communes_bear_asks_which_one(communes):
    from liberation.places.models import Commune

    for insee, dept in (("05999", "05"), ("73999", "73")):
        Commune.objects.create(
            insee=insee, name="Saint-Martin", search_name="saint martin", departement_id=dept
        )
    form = AgendaFilterForm(_query({"commune": "Saint-Martin"}))
    assert not form.is_valid()
    message = form.errors["commune"][0]
    assert "Saint-Martin (05)" in message and "Saint-Martin (73)" in message
    form = AgendaFilterForm(_query({"commune": "Saint-Martin (73)"}))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"] == "73999"
