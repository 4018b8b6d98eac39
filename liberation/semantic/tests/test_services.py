"""Embedding on publication, skipping unchanged text, forgetting unpublished pages."""

import pytest

from liberation.content.models import ArticlePage, NewsPage
from liberation.semantic import embeddings, services
from liberation.semantic.models import PageEmbedding


def test_publishing_embeds_the_page_through_the_task(make_page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_page(ArticlePage, title="Royan", lead="La poche de Royan, avril 1945.")
    row = PageEmbedding.objects.get(page_id=page.pk)
    assert len(bytes(row.vector)) == embeddings.DIMENSIONS * 4
    assert len(row.content_hash) == 64


def test_unchanged_text_is_not_embedded_again(make_page, monkeypatch):
    page = make_page(ArticlePage, title="Royan", lead="La poche de Royan, avril 1945.")
    assert services.page_index_update(page_id=page.pk) == "embedded"

    def refuse(texts):
        raise AssertionError("the model was called for unchanged text")

    monkeypatch.setattr(embeddings, "encode", refuse)
    assert services.page_index_update(page_id=page.pk) == "unchanged"
    page.lead = "La poche de Royan, libérée en avril 1945."
    page.save_revision().publish()
    with pytest.raises(AssertionError):
        services.page_index_update(page_id=page.pk)


def test_unpublishing_and_deleting_forget_the_page(make_page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept = make_page(NewsPage, title="Exposition", lead="Une exposition.", section="news")
        gone = make_page(ArticlePage, title="Royan", lead="La poche de Royan.")
        deleted = make_page(ArticlePage, title="Colmar", lead="La poche de Colmar.")
    assert PageEmbedding.objects.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        gone.unpublish()
        deleted.delete()
    assert list(PageEmbedding.objects.values_list("page_id", flat=True)) == [kept.pk]
    # the remaining page no longer lists the pages that went away
    assert PageEmbedding.objects.get(page_id=kept.pk).related_ids == []


def test_the_command_embeds_every_live_page(make_page, capsys):
    from django.core.management import call_command

    make_page(ArticlePage, title="Royan", lead="La poche de Royan.")
    make_page(ArticlePage, title="Colmar", lead="La poche de Colmar.")
    call_command("embed_pages")
    assert PageEmbedding.objects.count() == 2
    assert "2 embedded" in capsys.readouterr().out
    call_command("embed_pages")
    assert "0 embedded, 2 unchanged" in capsys.readouterr().out


def test_the_command_shards_split_the_pages(make_page, capsys):
    """`--workers N` runs the command on N shards: together they embed every page once."""
    from django.core.management import call_command

    for title in ("Royan", "Colmar", "Lorient"):
        make_page(ArticlePage, title=title, lead=f"La poche de {title}.")
    call_command("embed_pages", shard="0/2")
    assert "shard 0/2: 2 of 2 pages embedded" in capsys.readouterr().out
    call_command("embed_pages", shard="1/2")
    assert "shard 1/2: 1 of 1 pages embedded" in capsys.readouterr().out
    assert PageEmbedding.objects.count() == 3
