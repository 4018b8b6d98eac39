import datetime as dt

import pytest
from django.core.management import call_command
from wagtail.models import Locale

from liberation.maps.models import LiberationDate
from liberation.maps.selectors import eighty_years_ago, years_before
from liberation.maps.services import (
    DATA_FILE,
    LoadFailed,
    liberation_dates_load,
    liberation_dates_read,
)

pytestmark = pytest.mark.django_db


def test_the_editorial_file_has_40_sourced_rows_with_known_dates():
    rows = liberation_dates_read()
    assert len(rows) >= 40
    assert all(row["source"] for row in rows.values())
    assert rows["sainte-mere-eglise"]["date"] == dt.date(1944, 6, 6)
    assert rows["bayeux"]["date"] == dt.date(1944, 6, 7)
    assert rows["cherbourg"]["date"] == dt.date(1944, 6, 26)
    assert rows["paris"]["date"] == dt.date(1944, 8, 25)
    assert rows["strasbourg"]["date"] == dt.date(1944, 11, 23)
    assert rows["dunkerque"]["date"] == dt.date(1945, 5, 9)


def test_loader_is_idempotent_and_follows_the_file(tmp_path):
    first = liberation_dates_load()
    assert first.created == LiberationDate.objects.count() >= 40
    again = liberation_dates_load()
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == first.created
    # An edited row is updated, a removed row deleted.
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    edited = [r.replace("Bayeux,1944-06-07", "Bayeux,1944-06-08") for r in rows if r]
    path = tmp_path / "dates.csv"
    path.write_text("\n".join([header, *edited[:-1]]) + "\n", encoding="utf-8")
    report = liberation_dates_load(path=path)
    assert (report.updated, report.deleted) == (1, 1)
    assert LiberationDate.objects.get(key="bayeux").date == dt.date(1944, 6, 8)


def test_a_bad_file_writes_nothing_and_says_where(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "key,insee,departement,place,date,latitude,longitude,source\n"
        "ok,14047,14,Bayeux,1944-06-07,49.27,-0.70,Réf\n"
        "Bad Key,1404,14,X,1944-13-01,north,-0.7,\n"
        "ok,75056,14,Paris,1950-01-01,48.8,2.3,Réf\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadFailed) as failure:
        liberation_dates_load(path=path)
    text = "\n".join(failure.value.errors)
    for expected in ("line 3: key", "INSEE", "not a date", "numbers", "source", "line 4"):
        assert expected in text
    assert "appears twice" in text
    assert LiberationDate.objects.count() == 0


def test_command_loads_and_reports(capsys):
    call_command("load_liberation_dates")
    call_command("load_liberation_dates")
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out


def test_years_before_handles_29_february():
    assert years_before(dt.date(2024, 2, 29), 80) == dt.date(1944, 2, 29)
    assert years_before(dt.date(2028, 2, 29), 81) == dt.date(1947, 2, 28)


def test_eighty_years_ago_joins_liberations_articles_and_todays_events(dates, make_page, labelled):
    from django.utils import timezone

    from liberation.content.models import ArticlePage

    today = dt.date(2024, 8, 25)
    make_page(
        ArticlePage,
        title="La 2e DB entre dans Paris",
        history_start=dt.date(1944, 8, 19),
        history_end=dt.date(1944, 8, 26),
    )
    make_page(ArticlePage, title="Le jour J", history_start=dt.date(1944, 6, 6))
    make_page(ArticlePage, title="Sans date historique")
    start = timezone.make_aware(dt.datetime(2024, 8, 25, 15))
    labelled("75056", title="Bal de la Libération", starts_at=start)
    labelled("75056", title="Le lendemain", starts_at=start + dt.timedelta(days=1))
    day = eighty_years_ago(today, locale=Locale.objects.get(language_code="fr"))
    assert day.historical_day == dt.date(1944, 8, 25)
    assert {row.place for row in day.liberations} >= {"Paris", "Avignon", "Troyes"}
    assert [page.title for page in day.articles] == ["La 2e DB entre dans Paris"]
    assert [s.project.title for s in day.sessions] == ["Bal de la Libération"]
    june = eighty_years_ago(dt.date(2024, 6, 6), locale=Locale.objects.get(language_code="fr"))
    assert [page.title for page in june.articles] == ["Le jour J"]
    assert "Sainte-Mère-Église" in {row.place for row in june.liberations}


def test_home_include_renders_the_day(dates, make_page, rf):
    from django.template.loader import render_to_string
    from django.utils import translation

    locale = Locale.objects.get(language_code="fr")
    with translation.override("fr"):
        html = render_to_string(
            "maps/eighty_years_ago.html",
            {"eighty_years_ago": eighty_years_ago(dt.date(2024, 6, 7), locale=locale)},
        )
    assert "Il y a 80 ans jour pour jour" in html
    assert "Bayeux (14)" in html
    assert "/fr/carte/liberation/?date=1944-06-07" in html
    with translation.override("en"):
        html = render_to_string(
            "maps/eighty_years_ago.html",
            {"eighty_years_ago": eighty_years_ago(dt.date(2024, 1, 2), locale=locale)},
        )
    assert html.strip() == ""


def test_home_context_provides_it_lazily():
    from liberation.content.providers import home_context

    context = home_context(locale=Locale.objects.get(language_code="fr"))
    assert "eighty_years_ago" in context
