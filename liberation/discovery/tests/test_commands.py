import pytest
from django.core.management import call_command

from liberation.discovery.models import SearchEntry
from liberation.discovery.selectors import search_rank

pytestmark = pytest.mark.django_db


def test_generate_corpus_creates_real_indexed_pages(structure):
    from liberation.content.models import ContentPage

    before = ContentPage.objects.live().count()
    call_command("generate_corpus", pages=6, seed=3)
    pages = ContentPage.objects.live().filter(slug__startswith="corpus-3-")
    assert pages.count() == 6 == ContentPage.objects.live().count() - before
    assert SearchEntry.objects.filter(page__in=pages).count() == 6
    page = pages.first()
    assert page.url_path.startswith(page.get_parent().url_path)
    assert search_rank(query=page.title, lang=page.locale.language_code)[0][0] == page.pk


def test_rebuild_search_index(corpus):
    SearchEntry.objects.all().delete()
    call_command("rebuild_search_index")
    assert search_rank(query="cherbourg", lang="fr")[0][0] == corpus["cherbourg"].pk
