"""Import and export of the JSON Lines exchange format (services, commands, Markdown)."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page, Revision

from liberation.content.models import (
    ArticlePage,
    ContentKey,
    ContentPage,
    NewsPage,
    Place,
    Theme,
    VideoPage,
)
from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.exchange import write
from liberation.exchange.export import export_content
from liberation.exchange.items import ImportError_, ImportFailed
from liberation.exchange.markdown import blocks_to_markdown, markdown_to_blocks
from liberation.exchange.write import import_content

from .factories import line, write_lines, write_video

Document = get_document_model()
pytestmark = pytest.mark.django_db


def _page(key: str) -> ContentPage:
    return ContentKey.objects.get(key=key).page.specific


def _counts() -> dict:
    models = (Page, Revision, ContentKey, Document, Theme, Place, RegistrationSettings)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def jsonl(tmp_path):
    """jsonl(lines) → path of a file holding those lines."""
    counter = iter(range(1000))

    def make(lines: list):
        return write_lines(tmp_path / f"content-{next(counter)}.jsonl", lines)

    return make


@pytest.fixture
def cherbourg_lines(tmp_path) -> list[dict]:
    """A French article with its English translation, a news item, in a forward order."""
    write_video(tmp_path / "media", "cherbourg.mp4")
    video = {"url": "media/cherbourg.mp4", "caption": "Juin 1944.", "transcript": "Texte."}
    return [
        line(
            key="battle-of-cherbourg",
            lang="en",
            translation_of="bataille-de-cherbourg",
            title="The Battle of Cherbourg",
            lead="A strategic port.",
            body=(
                "The **port** was [taken](https://example.org/cherbourg).\n\n"
                "> We held.\n>\n> — A soldier"
            ),
            related=["programme"],
            themes=["bataille-de-normandie"],
            places=[{"name": "Cherbourg", "lat": 49.6394, "lon": -1.6163}],
            video={**video, "caption": "June 1944."},
        ),
        line(
            key="bataille-de-cherbourg",
            title="La bataille de Cherbourg",
            lead="Un port stratégique.",
            body="Le *port* est pris.\n\n## Les combats\n\n- le 22 juin\n- le 26 juin",
            published="2024-06-19",
            author="Conseil scientifique",
            history={"start": "1944-06-19", "end": "1944-06-30"},
            places=[{"name": "Cherbourg", "lat": 49.6394, "lon": -1.6163}],
            themes=["bataille-de-normandie", "liberation-des-villes"],
            video=video,
            related=["programme", "battle-of-cherbourg"],
        ),
        line(key="programme", type="news", title="Le programme", body="Tout le programme."),
    ]


# Import -----------------------------------------------------------------------------


def test_import_creates_pages_translations_and_related_in_any_order(jsonl, cherbourg_lines):
    report = import_content(path=jsonl(cherbourg_lines))

    assert sorted(report.created) == ["bataille-de-cherbourg", "battle-of-cherbourg", "programme"]
    fr, en, news = _page("bataille-de-cherbourg"), _page("battle-of-cherbourg"), _page("programme")
    assert isinstance(fr, ArticlePage) and isinstance(news, NewsPage)
    assert fr.live and en.live and news.live
    assert en.translation_key == fr.translation_key
    assert en.locale.language_code == "en"
    assert fr.get_parent().specific.kind == "history" and news.get_parent().specific.kind == "news"
    assert en.get_parent().locale.language_code == "en"
    assert fr.slug == "la-bataille-de-cherbourg"
    assert fr.date == dt.date(2024, 6, 19)
    assert timezone.localdate(fr.first_published_at) == dt.date(2024, 6, 19)
    assert timezone.localdate(fr.last_published_at) == dt.date(2024, 6, 19)
    assert fr.author == "Conseil scientifique"
    assert (fr.history_start, fr.history_end) == (dt.date(1944, 6, 19), dt.date(1944, 6, 30))
    assert sorted(fr.themes.values_list("slug", flat=True)) == [
        "bataille-de-normandie",
        "liberation-des-villes",
    ]
    assert Theme.objects.get(slug="liberation-des-villes").name_fr == "Liberation des villes"
    assert [block.value.pk for block in fr.related] == [news.pk, en.pk]
    assert [block.value.pk for block in en.related] == [news.pk]


def test_markdown_body_becomes_blocks_and_video_is_the_last_block(jsonl, cherbourg_lines):
    import_content(path=jsonl(cherbourg_lines))
    fr, en = _page("bataille-de-cherbourg"), _page("battle-of-cherbourg")

    assert [block.block_type for block in fr.body] == ["paragraph", "heading", "paragraph", "video"]
    assert fr.body[0].value.source == "<p>Le <i>port</i> est pris.</p>"
    assert dict(fr.body[1].value) == {"text": "Les combats", "level": "h2"}
    assert fr.body[2].value.source == "<ul><li>le 22 juin</li><li>le 26 juin</li></ul>"
    assert en.body[0].value.source == (
        '<p>The <b>port</b> was <a href="https://example.org/cherbourg">taken</a>.</p>'
    )
    assert dict(en.body[1].value) == {"text": "We held.", "source": "A soldier"}

    video = fr.body[-1].value
    assert video["title"] == "La bataille de Cherbourg"
    assert video["file"].title == "cherbourg.mp4"
    assert video["captions"].title == "cherbourg.vtt"
    assert (video["caption"], video["transcript"]) == ("Juin 1944.", "Texte.")
    # The French and English pages share the same documents.
    assert en.body[-1].value["file"] == video["file"]
    assert Document.objects.count() == 2


def test_video_type_fills_the_video_field(jsonl):
    url = "https://www.dailymotion.com/video/x8abcd1"
    path = jsonl(
        [line(key="film", type="video", body=None, video={"url": url, "transcript": "T."})]
    )
    import_content(path=path)
    page = _page("film")
    assert isinstance(page, VideoPage)
    assert page.video[0].value["url"] == url
    assert page.video[0].value["file"] is None
    assert len(page.body) == 0


def test_ceremony_registration_is_shared_by_both_languages(jsonl):
    ceremony = {
        "type": "ceremony",
        "starts_at": "2025-05-08T17:30:00+02:00",
        "ends_at": "2025-05-08T19:00:00+02:00",
        "venue": "Arc de Triomphe",
    }
    registration = {
        "capacity": 500,
        "opens_at": "2025-04-25T10:00:00+02:00",
        "closes_at": "2025-05-05T23:59:00+02:00",
        "mode": "draw",
    }
    path = jsonl(
        [
            line(key="ceremonie", registration=registration, **ceremony),
            line(key="ceremony", lang="en", translation_of="ceremonie", **ceremony),
        ]
    )
    import_content(path=path)

    fr, en = _page("ceremonie"), _page("ceremony")
    settings = RegistrationSettings.objects.get()
    assert settings.name == "ceremonie"
    assert (settings.capacity, settings.mode) == (500, "draw")
    assert isinstance(fr, CeremonyPage)
    assert fr.registration == settings and en.registration == settings
    assert fr.registration_required and en.registration_required
    assert fr.starts_at == dt.datetime(2025, 5, 8, 15, 30, tzinfo=dt.UTC)
    assert fr.venue == "Arc de Triomphe"


def test_reimporting_an_unchanged_file_writes_nothing(jsonl, cherbourg_lines):
    path = jsonl(cherbourg_lines)
    import_content(path=path)
    before = _counts()

    report = import_content(path=path)

    assert report.created == report.updated == []
    assert len(report.unchanged) == 3
    assert _counts() == before


def test_a_changed_item_gets_one_new_published_revision(jsonl, cherbourg_lines):
    import_content(path=jsonl(cherbourg_lines))
    page = _page("programme")
    revisions = page.revisions.count()

    cherbourg_lines[2]["title"] = "Le nouveau programme"
    report = import_content(path=jsonl(cherbourg_lines))

    assert report.updated == ["programme"]
    page = _page("programme")
    assert page.revisions.count() == revisions + 1
    assert page.title == "Le nouveau programme" and page.live
    assert not page.has_unpublished_changes
    assert page.slug == "le-programme"  # the address does not move


def test_draft_import_creates_pages_that_are_not_live(jsonl, cherbourg_lines):
    call_command("import_content", str(jsonl(cherbourg_lines)), "--draft", stdout=StringIO())
    pages = [_page(k) for k in ("bataille-de-cherbourg", "battle-of-cherbourg", "programme")]
    assert not any(page.live for page in pages)
    assert all(page.revisions.count() >= 1 for page in pages)
    latest = pages[0].get_latest_revision_as_object()
    assert [block.value.pk for block in latest.related] == [pages[2].pk, pages[1].pk]


def test_draft_update_keeps_the_live_version_until_published(jsonl, cherbourg_lines):
    import_content(path=jsonl(cherbourg_lines))
    cherbourg_lines[2]["title"] = "Programme en préparation"
    path = jsonl(cherbourg_lines)

    import_content(path=path, draft=True)
    page = _page("programme")
    assert page.title == "Le programme" and page.has_unpublished_changes
    assert page.get_latest_revision_as_object().title == "Programme en préparation"
    assert import_content(path=path, draft=True).updated == []

    assert import_content(path=path).updated == ["programme"]
    assert _page("programme").title == "Programme en préparation"


def test_dry_run_writes_nothing_even_when_the_file_is_valid(jsonl, cherbourg_lines):
    before = _counts()
    out = StringIO()
    call_command("import_content", str(jsonl(cherbourg_lines)), "--dry-run", stdout=out)
    assert _counts() == before
    assert "3 created" in out.getvalue() and "dry run" in out.getvalue()


def test_failure_while_writing_rolls_everything_back(jsonl, cherbourg_lines, monkeypatch):
    publish = write.page_publish

    def fail_on_last(*, page, item, draft):
        if item.key == "battle-of-cherbourg":  # the last one written: a translation
            raise RuntimeError("disk full")
        publish(page=page, item=item, draft=draft)

    monkeypatch.setattr(write, "page_publish", fail_on_last)
    before = _counts()
    with pytest.raises(RuntimeError):
        import_content(path=jsonl(cherbourg_lines))
    assert _counts() == before
    assert not Theme.objects.filter(slug="liberation-des-villes").exists()


def test_pages_of_the_file_can_point_to_keys_already_on_the_site(jsonl, cherbourg_lines):
    import_content(path=jsonl(cherbourg_lines))
    path = jsonl(
        [
            line(key="suite", related=["bataille-de-cherbourg"]),
            line(key="programme-en", type="news", lang="en", translation_of="programme"),
        ]
    )
    import_content(path=path)
    assert _page("suite").related[0].value.pk == _page("bataille-de-cherbourg").pk
    assert _page("programme-en").translation_key == _page("programme").translation_key


# Bad input: one test per class, through the command -----------------------------------

TOO_LONG = "x" * 401
CEREMONY = {
    "type": "ceremony",
    "starts_at": "2025-05-08T17:30:00+02:00",
    "venue": "Arc de Triomphe",
}
REGISTRATION = {
    "capacity": 500,
    "opens_at": "2025-04-25T10:00:00+02:00",
    "closes_at": "2025-05-05T23:59:00+02:00",
}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [line(key="a"), '{"key": "b", "type": "article",'],
            ("line 2", 'key "b"', "not valid JSON"),
            id="bad-json",
        ),
        pytest.param(
            [line(key="a", publisehd="2025-04-24")],
            ("line 1", 'key "a"', 'field "publisehd"', 'did you mean "published"'),
            id="unknown-field",
        ),
        pytest.param(
            [line(key="a", title=None)],
            ("line 1", 'key "a"', 'field "title"', "is required"),
            id="missing-title",
        ),
        pytest.param(
            [line(key="a"), line(key="b", lang="en", translation_of="nowhere")],
            ("line 2", 'key "b"', 'field "translation_of"', '"nowhere" is not in the file'),
            id="unknown-translation-of",
        ),
        pytest.param(
            [line(key="a"), line(key="a")],
            ("line 2", 'key "a"', 'field "key"', "already used on line 1"),
            id="duplicate-key",
        ),
        pytest.param(
            [line(key="a", published="2025-02-30")],
            ("line 1", 'key "a"', 'field "published"', "2025-02-30 is not a valid date"),
            id="impossible-date",
        ),
        pytest.param(
            [line(key="a", related=["ghost"])],
            ("line 1", 'key "a"', 'field "related[0]"', '"ghost" is not in the file'),
            id="unknown-related",
        ),
        pytest.param(
            [line(key="a", lead=TOO_LONG)],
            ("line 1", 'key "a"', 'field "lead"', "401 characters long; at most 400"),
            id="lead-too-long",
        ),
        pytest.param(
            [line(key="a", video={"url": "https://example.org/v.mp4", "transcript": "T"})],
            ("line 1", 'key "a"', 'field "video.url"', "not a Dailymotion, YouTube or Vimeo"),
            id="bad-video-provider",
        ),
        pytest.param(
            [line(key="a"), line(key="b", translation_of="a")],
            ("line 2", 'key "b"', 'field "translation_of"', "also in French"),
            id="translation-in-same-language",
        ),
        pytest.param(
            [line(key="a"), '{"key": "b", "body": ' + "[" * 100_000 + "]" * 100_000 + "}"],
            ("line 2", 'key "b"', "nested too deeply"),
            id="deep-nesting",
        ),
        pytest.param(
            [line(key="a"), '{"key": "b", "type": "ceremony", "capacity": ' + "9" * 5000 + "}"],
            ("line 2", 'key "b"', "a number too long"),
            id="5000-digit-number",
        ),
        pytest.param(
            [line(key="a", **CEREMONY, registration={**REGISTRATION, "capacity": 10**30})],
            ("line 1", 'key "a"', 'field "registration.capacity"', "at most 1000000"),
            id="capacity-too-large",
        ),
        pytest.param(
            [
                line(
                    key="a",
                    **CEREMONY,
                    registration={**REGISTRATION, "opens_at": "0001-01-01T00:00:00+05:00"},
                )
            ],
            ("line 1", 'key "a"', 'field "registration.opens_at"', "between the years 1900"),
            id="date-before-year-1-in-utc",
        ),
        pytest.param(
            [line(key="a", **{**CEREMONY, "starts_at": "9999-12-31T23:00:00-05:00"})],
            ("line 1", 'key "a"', 'field "starts_at"', "between the years 1900"),
            id="date-after-year-9999-in-utc",
        ),
        pytest.param(
            [line(key="a", published="0001-01-01")],
            ("line 1", 'key "a"', 'field "published"', "between the years 1000"),
            id="published-in-year-1",
        ),
    ],
)
def test_bad_input_fails_with_a_precise_message_and_writes_nothing(jsonl, lines, expected):
    path = jsonl(lines)
    pages = Page.objects.count()
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_content", str(path), stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 1
    message = next(m for m in err.getvalue().splitlines() if expected[0] in m)
    for part in expected:
        assert part in message
    assert "nothing imported" in err.getvalue()
    assert Page.objects.count() == pages


def test_every_error_of_the_file_is_reported_at_once(jsonl):
    path = jsonl(
        [
            line(key="Bad Key"),
            line(key="b", type="podcast", lang="de"),
            line(key="c", starts_at="2025-05-08T17:30:00"),
            line(key="d", type="ceremony", starts_at="2025-05-08T17:30:00", venue="Paris"),
            line(key="e", history={"start": "1944-06-30", "end": "1944-06-19"}),
            line(
                key="f",
                places=[{"name": "Nowhere", "lat": 95, "lon": 0}],
                themes=["Not A Slug"],
            ),
            line(
                key="g",
                type="ceremony",
                starts_at="2025-05-08T17:30:00+02:00",
                venue="Paris",
                registration={
                    "capacity": 0,
                    "opens_at": "2025-05-01T10:00:00+02:00",
                    "closes_at": "2025-04-01T10:00:00+02:00",
                    "mode": "lottery",
                },
            ),
            line(key="h", video={"url": "films/absent.mp4", "transcript": "T"}),
        ]
    )
    with pytest.raises(ImportFailed) as failure:
        import_content(path=path)
    found = {(error.line, error.field) for error in failure.value.errors}
    assert found >= {
        (1, "key"),
        (2, "type"),
        (2, "lang"),
        (3, "starts_at"),
        (4, "starts_at"),
        (5, "history.end"),
        (6, "places[0].lat"),
        (6, "themes[0]"),
        (7, "registration.capacity"),
        (7, "registration.closes_at"),
        (7, "registration.mode"),
        (8, "video.url"),
    }
    assert "only for ceremonies" in str(failure.value)
    assert "with its UTC offset" in str(failure.value)
    assert "absent.mp4" in str(failure.value)


def test_key_already_used_by_another_type_or_language_is_refused(jsonl, cherbourg_lines):
    import_content(path=jsonl(cherbourg_lines))
    path = jsonl([line(key="programme", lang="en", type="article")])
    with pytest.raises(ImportFailed) as failure:
        import_content(path=path)
    assert {error.field for error in failure.value.errors} == {"type", "lang"}


def test_second_translation_in_the_same_language_is_refused(jsonl, cherbourg_lines):
    import_content(path=jsonl(cherbourg_lines))
    path = jsonl([line(key="other-en", lang="en", translation_of="bataille-de-cherbourg")])
    with pytest.raises(ImportFailed) as failure:
        import_content(path=path)
    assert 'already has a English version on the site (key "battle-of-cherbourg")' in str(
        failure.value
    )


def test_error_text_names_line_key_and_field():
    error = ImportError_(7, "cherbourg", "published", "2025-02-30 is not a valid date (YYYY-MM-DD)")
    assert str(error) == (
        'line 7, key "cherbourg", field "published": 2025-02-30 is not a valid date (YYYY-MM-DD)'
    )


# Export -----------------------------------------------------------------------------


def _snapshot() -> dict:
    """What an import sets, by key, without database ids."""

    def blocks(stream):
        out = []
        for block in stream:
            value = block.block.get_prep_value(block.value)
            if block.block_type == "video":
                value = {
                    **value,
                    "file": block.value["file"] and block.value["file"].title,
                    "captions": block.value["captions"] and block.value["captions"].title,
                }
            if block.block_type == "page":
                value = block.value.content_key.key
            out.append((block.block_type, value))
        return out

    snapshot = {}
    for content_key in ContentKey.objects.select_related("page"):
        page = content_key.page.specific
        translations = page.get_translations().values_list("content_key__key", flat=True)
        snapshot[content_key.key] = {
            "type": type(page).__name__,
            "lang": page.locale.language_code,
            "title": page.title,
            "lead": page.lead,
            "date": page.date,
            "live": page.live,
            "body": blocks(page.body),
            "video": blocks(getattr(page, "video", [])),
            "related": blocks(page.related),
            "translations": sorted(translations),
            "themes": sorted(page.themes.values_list("slug", flat=True)),
            "places": sorted(page.places.values_list("name", "latitude", "longitude")),
            "history": (page.history_start, page.history_end),
        }
    return snapshot


def test_export_reimports_to_the_same_content(jsonl, cherbourg_lines, tmp_path):
    import_content(path=jsonl(cherbourg_lines))
    before, counts = _snapshot(), _counts()
    out = tmp_path / "export" / "content.jsonl"

    assert export_content(path=out) == 3
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert [item["key"] for item in lines][-1] == "battle-of-cherbourg"  # after its original
    fr = next(item for item in lines if item["key"] == "bataille-de-cherbourg")
    assert fr["video"]["url"] == "media/cherbourg.mp4"
    assert (out.parent / "media" / "cherbourg.mp4").read_bytes().startswith(b"\x00")
    assert (out.parent / "media" / "cherbourg.vtt").exists()
    assert fr["history"] == {"start": "1944-06-19", "end": "1944-06-30"}
    assert fr["related"] == ["programme", "battle-of-cherbourg"]

    # Into the same database: nothing to do.
    assert len(import_content(path=out).unchanged) == 3
    assert _counts() == counts

    # Into an empty site: the same content again.
    for page in ContentPage.objects.order_by("-depth", "-pk"):
        page.delete()
    Document.objects.all().delete()
    assert len(import_content(path=out).created) == 3
    assert _snapshot() == before


def test_export_gives_a_lasting_key_to_pages_without_one(make_page, tmp_path):
    page = make_page(ArticlePage, title="Sans clé", body=[])
    out = tmp_path / "content.jsonl"
    export_content(path=out)
    key = ContentKey.objects.get(page=page).key
    assert key == page.slug
    exported = [json.loads(text) for text in out.read_text().splitlines()]
    assert {"key": key, "title": "Sans clé"}.items() <= exported[0].items()
    export_content(path=out)
    assert ContentKey.objects.get(page=page).key == key


def test_export_command_prints_the_count(jsonl, cherbourg_lines, tmp_path):
    import_content(path=jsonl(cherbourg_lines))
    out = StringIO()
    call_command("export_content", str(tmp_path / "out.jsonl"), stdout=out)
    assert "3 items exported" in out.getvalue()


# Markdown ---------------------------------------------------------------------------


def test_markdown_is_sanitized_to_the_rich_text_features():
    text = (
        "Un <span style='color:red'>texte</span> <script>alert(1)</script>"
        "[piège](javascript:alert(1)) et `code`.\n\n"
        "# Titre\n\n#### Petit titre\n\n<div>bloc</div>"
    )
    blocks = markdown_to_blocks(text)
    assert blocks == [
        {"type": "paragraph", "value": "<p>Un texte piège et code.</p>"},
        {"type": "heading", "value": {"text": "Titre", "level": "h2"}},
        {"type": "heading", "value": {"text": "Petit titre", "level": "h3"}},
        {"type": "paragraph", "value": "<p>bloc</p>"},
    ]


def test_blocks_to_markdown_round_trips():
    text = (
        "Texte avec *italique*, **gras**, [lien](https://example.org/a_(b)) & 3 < 4 "
        "et des_soulignés_ \\*étoiles\\*.\n\n"
        "1944\\. Une date en tête.\n\n"
        "### Sous-titre\n\n"
        "1. un\n2. deux\n    - imbriqué\n\n"
        "> Citation sur\n> deux lignes.\n>\n> Suite.\n>\n> — L’auteur"
    )
    blocks = markdown_to_blocks(text)
    again = markdown_to_blocks(blocks_to_markdown((b["type"], b["value"]) for b in blocks))
    assert again == blocks
    assert blocks[-1] == {
        "type": "quote",
        "value": {"text": "Citation sur deux lignes.\n\nSuite.", "source": "L’auteur"},
    }
    assert "<p>1944. Une date en tête.</p>" in blocks[0]["value"]


def test_unchanged_item_follows_a_related_page_that_was_recreated(jsonl, cherbourg_lines):
    path = jsonl(cherbourg_lines)
    import_content(path=path)
    _page("programme").delete()

    report = import_content(path=path)

    assert report.created == ["programme"]
    assert sorted(report.updated) == ["bataille-de-cherbourg", "battle-of-cherbourg"]
    assert _page("bataille-de-cherbourg").related[0].value.pk == _page("programme").pk


def test_editor_changes_survive_a_reimport_of_the_unchanged_file(jsonl, cherbourg_lines):
    path = jsonl(cherbourg_lines)
    import_content(path=path)
    page = _page("programme")
    page.title = "Titre corrigé par la rédaction"
    page.save_revision().publish()

    assert import_content(path=path).updated == []
    assert _page("programme").title == "Titre corrigé par la rédaction"


def test_database_refusal_while_writing_is_reported_with_the_line(jsonl, monkeypatch):
    from django.db import IntegrityError

    def refuse(*, page, item, draft):
        raise IntegrityError("CHECK constraint failed")

    monkeypatch.setattr(write, "page_publish", refuse)
    pages = Page.objects.count()
    with pytest.raises(ImportFailed) as failure:
        import_content(path=jsonl([line(key="a")]))
    assert str(failure.value.errors[0]).startswith('line 1, key "a": the database refused')
    assert Page.objects.count() == pages


def test_translation_of_a_ceremony_on_the_site_keeps_its_registration(jsonl):
    ceremony = {"type": "ceremony", "starts_at": "2030-05-08T10:00:00+02:00", "venue": "Paris"}
    registration = {
        "capacity": 80,
        "opens_at": "2030-04-01T10:00:00+02:00",
        "closes_at": "2030-05-01T10:00:00+02:00",
    }
    import_content(path=jsonl([line(key="ceremonie", registration=registration, **ceremony)]))
    import_content(
        path=jsonl([line(key="ceremony", lang="en", translation_of="ceremonie", **ceremony)])
    )
    english = _page("ceremony")
    assert english.registration == _page("ceremonie").registration
    assert english.registration.mode == "first_come"
    assert english.registration_required
