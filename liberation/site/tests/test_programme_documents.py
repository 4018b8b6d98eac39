"""The programme's public events (labelled projects) in the site search
(`site/programme_documents.py`): indexed through the queue when labelled, updated when
their sessions change, removed when they stop being public, never a draft, a refused or
withdrawn project, nor anything private; found by the search page in both languages
with their type, département and date. Ceremony pages are indexed with when they take
place."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from liberation.discovery.indexing import rebuild_index
from liberation.discovery.models import SearchEntry, SearchPosting
from liberation.discovery.selectors import SearchFilters, search_pages
from liberation.programme import services
from liberation.programme.factories import project_make
from liberation.programme.review_services import project_decide, project_take
from liberation.programme.services import SessionRow
from liberation.programme.tests.review_fixtures import *  # noqa: F403 (fixtures)
from liberation.site import programme_documents

pytestmark = pytest.mark.django_db

TITLE = "Exposition des affiches de la Libération"
DESCRIPTION = "Les affiches placardées à Caen en juillet 1944, prêtées par les familles."


def _entry(project):
    return SearchEntry.objects.filter(source="event", key=project.public_id).first()


@pytest.fixture
def submitted(campaign, communes):
    project, _ = project_make(
        campaign=campaign,
        commune=communes["14118"],
        title=TITLE,
        description=DESCRIPTION,
        venue="Hôtel de ville",
        contact_email="zorglub.secret@example.org",
        contact_name="Anatole Vrombier",
        organiser_name="Association Zanzibaroise",
        sessions=2,
    )
    return project


def _label(project, actor, capture, decision="labelled", reason=""):
    project_take(project_id=project.pk, actor=actor)
    with capture(execute=True):
        project_decide(project_id=project.pk, actor=actor, decision=decision, reason=reason)


def test_labelling_enqueues_the_reindex_after_the_commit(
    submitted,
    calvados,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from liberation.discovery import indexing

    enqueued = []
    monkeypatch.setattr(
        indexing, "reindex_documents", mock.Mock(enqueue=lambda *args: enqueued.append(args))
    )
    project_take(project_id=submitted.pk, actor=calvados)
    with django_capture_on_commit_callbacks() as callbacks:
        project_decide(project_id=submitted.pk, actor=calvados, decision="labelled")
    assert enqueued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert enqueued == [("event", [submitted.public_id])]
    assert _entry(submitted) is None  # the task (not run here) does the indexing


def test_labelling_indexes_the_event(
    submitted,
    calvados,
    django_capture_on_commit_callbacks,
):
    assert _entry(submitted) is None
    _label(submitted, calvados, django_capture_on_commit_callbacks)
    entry = _entry(submitted)
    first = submitted.sessions.order_by("starts_at").first()
    assert entry.page_id is None and entry.url == f"/fr/agenda/{submitted.public_id}/"
    assert (entry.lang, entry.type, entry.departements) == ("fr", "event", "|14|")
    assert entry.places == "Hôtel de ville, Caen (14)"
    assert entry.date == timezone.localdate(first.starts_at)
    assert "affiches placardées" in entry.text


def test_nothing_private_enters_the_index(
    submitted,
    calvados,
    django_capture_on_commit_callbacks,
):
    _label(submitted, calvados, django_capture_on_commit_callbacks)
    entry = _entry(submitted)
    stored = " ".join(
        str(v) for v in SearchEntry.objects.filter(pk=entry.pk).values().first().values()
    )
    for secret in ("zorglub", "example.org", "Anatole", "Vrombier", "Zanzibaroise"):
        assert secret.lower() not in stored.lower()
    terms = set(SearchPosting.objects.filter(entry=entry).values_list("term", flat=True))
    assert not {t for t in terms if t.startswith(("zorglub", "anatol", "vrombier", "zanzibar"))}
    assert search_pages(query="Vrombier", lang="fr").candidates == []


def test_a_refused_or_draft_project_is_never_indexed(
    submitted,
    calvados,
    campaign,
    communes,
    django_capture_on_commit_callbacks,
):
    _label(submitted, calvados, django_capture_on_commit_callbacks, "refused", "Hors sujet")
    draft, _ = project_make(
        campaign=campaign, commune=communes["14047"], state="draft", title=f"{TITLE} (brouillon)"
    )
    for state in ("under_review", "changes_requested", "opinion_given", "withdrawn"):
        project_make(campaign=campaign, commune=communes["14047"], state=state, title=TITLE)
    # Even when asked for (a stale task, a rebuild), the source answers labelled only.
    programme_documents.event_changed(draft.pk)
    programme_documents.event_changed(submitted.pk)
    assert not SearchEntry.objects.filter(source="event").exists()
    assert rebuild_index() == 0
    assert search_pages(query="affiches", lang="fr").candidates == []


def test_rebuild_indexes_labelled_projects_only(campaign, communes):
    labelled, _ = project_make(campaign=campaign, commune=communes["14118"], state="labelled")
    for state in ("draft", "submitted", "refused", "withdrawn"):
        project_make(campaign=campaign, commune=communes["14118"], state=state)
    assert rebuild_index() == 1
    assert list(SearchEntry.objects.values_list("source", "key")) == [("event", labelled.public_id)]


def test_an_event_sent_back_to_review_leaves_the_index(
    submitted,
    calvados,
    django_capture_on_commit_callbacks,
):
    """A change of dates sends a labelled event back to review when its campaign says so:
    it is no longer public, so it leaves the search."""
    _label(submitted, calvados, django_capture_on_commit_callbacks)
    assert search_pages(query="affiches", lang="fr").candidates
    submitted.campaign.date_change_needs_review = True
    submitted.campaign.save()
    later = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_sessions_update(
            project_id=submitted.pk,
            rows=[SessionRow(None, later, later + dt.timedelta(hours=2))],
            keep=set(),
        )
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    assert _entry(submitted) is None
    assert search_pages(query="affiches", lang="fr").candidates == []


def test_new_sessions_move_the_event_date(
    submitted,
    calvados,
    django_capture_on_commit_callbacks,
):
    _label(submitted, calvados, django_capture_on_commit_callbacks)
    earlier = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_sessions_update(
            project_id=submitted.pk,
            rows=[SessionRow(None, earlier, earlier + dt.timedelta(hours=2))],
            keep=set(submitted.sessions.values_list("pk", flat=True)),
        )
    assert _entry(submitted).date == timezone.localdate(earlier)


def test_a_cancelled_event_says_so(
    submitted,
    calvados,
    django_capture_on_commit_callbacks,
):
    _label(submitted, calvados, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_status_set(project_id=submitted.pk, status="cancelled")
    assert _entry(submitted).text.startswith("Annulé")


def test_an_english_project_is_an_english_document(campaign, communes):
    project, _ = project_make(
        campaign=campaign,
        commune=communes["75056"],
        state="labelled",
        language="en",
        title="Liberation posters walk",
        description="A guided walk past the posters of August 1944.",
    )
    rebuild_index()
    entry = _entry(project)
    assert (entry.lang, entry.url, entry.title) == (
        "en",
        f"/en/agenda/{project.public_id}/",
        "Liberation posters walk",
    )


def test_type_and_departement_facets(campaign, communes):
    caen, _ = project_make(
        campaign=campaign, commune=communes["14118"], state="labelled", title=TITLE
    )
    project_make(
        campaign=campaign,
        commune=communes["50129"],
        state="labelled",
        title="Affiches de Cherbourg",
        description="Les affiches de la libération de Cherbourg.",
    )
    rebuild_index()
    results = search_pages(query="affiches", lang="fr")
    assert results.facets["type"] == [("event", 2)]
    assert results.facets["departement"] == [("14", 1), ("50", 1)]
    only = search_pages(query="affiches", lang="fr", filters=SearchFilters(departement="14"))
    assert [c.entry_id for c in only.candidates] == [_entry(caen).pk]
    assert search_pages(query="affiches", lang="fr", filters=SearchFilters(type="event")).total == 2


@pytest.mark.parametrize(
    "path,label,day", [("/fr/recherche/", "Événement", "juillet"), ("/en/search/", "Event", "July")]
)
def test_search_page_shows_the_event(client, structure, campaign, communes, path, label, day):
    start = timezone.make_aware(dt.datetime(2027, 7, 14, 15))
    project, _ = project_make(
        campaign=campaign,
        commune=communes["14118"],
        state="labelled",
        title=TITLE,
        description=DESCRIPTION,
        starts_at=start,
    )
    rebuild_index()
    response = client.get(path, {"q": "affiches Caen"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/fr/agenda/{project.public_id}/"' in html
    assert label in html and "Caen (14)" in html
    assert "type=event" in html and "Calvados (14)" in html
    assert '<time datetime="2027-07-14">' in html and day in html
    assert "organiser@example.org" not in html
    assert client.get(f"/fr/agenda/{project.public_id}/").status_code == 200


def test_a_ceremony_page_is_indexed_with_when_it_takes_place(make_page, communes):
    from liberation.content.models import Place
    from liberation.events.models import CeremonyPage

    caen = Place.objects.create(
        name="Caen", commune=communes["14118"], latitude=49.18, longitude=-0.37
    )
    starts_at = timezone.make_aware(dt.datetime(2027, 5, 8, 11))
    page = make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai à Caen",
        section="ceremonies",
        starts_at=starts_at,
        venue="Mémorial de Caen",
        places=[caen],
        date=dt.date(2026, 11, 11),  # published months before
    )
    entry = SearchEntry.objects.get(page=page)
    assert (entry.type, entry.departements) == ("ceremony", "|14|")
    assert entry.date == dt.date(2027, 5, 8)
    results = search_pages(query="cérémonie Caen", lang="fr")
    assert ("ceremony", 1) in results.facets["type"] and ("14", 1) in results.facets["departement"]


@pytest.mark.parametrize(
    "path,upcoming,past",
    [("/fr/recherche/", "À venir", "Passé"), ("/en/search/", "Upcoming", "Past")],
)
def test_date_facet_upcoming_and_past(client, structure, campaign, communes, path, upcoming, past):
    """The date facet sorts what has a date into upcoming (today or later) and past: an
    event by its first session, a page by its date."""
    now = timezone.now()
    coming, _ = project_make(
        campaign=campaign,
        commune=communes["14118"],
        state="labelled",
        title="Affiches à venir",
        starts_at=now + dt.timedelta(days=30),
    )
    gone, _ = project_make(
        campaign=campaign,
        commune=communes["14118"],
        state="labelled",
        title="Affiches passées",
        starts_at=now - dt.timedelta(days=30),
    )
    rebuild_index()
    results = search_pages(query="affiches", lang="fr")
    assert results.facets["when"] == [("past", 1), ("upcoming", 1)]
    only = search_pages(query="affiches", lang="fr", filters=SearchFilters(when="upcoming"))
    assert [c.entry_id for c in only.candidates] == [_entry(coming).pk]
    only = search_pages(query="affiches", lang="fr", filters=SearchFilters(when="past"))
    assert [c.entry_id for c in only.candidates] == [_entry(gone).pk]
    assert search_pages(query="affiches", lang="fr", filters=SearchFilters(when="x")).total == 0

    html = client.get(path, {"q": "affiches", "when": "upcoming"}).content.decode()
    assert f"/agenda/{coming.public_id}/" in html and f"/agenda/{gone.public_id}/" not in html
    assert upcoming in html and past in html and 'aria-current="true"' in html
    assert client.get(path, {"q": "affiches", "when": "<script>"}).status_code == 200
