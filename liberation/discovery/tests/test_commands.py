import pytest
from django.core.management import call_command

from liberation.discovery.models import SearchEntry
from liberation.discovery.selectors import search_rank

pytestmark = pytest.mark.django_db


def test_rebuild_search_index(corpus):
    SearchEntry.objects.all().delete()
    call_command("rebuild_search_index")
    assert search_rank(query="cherbourg", lang="fr")[0][0] == corpus["cherbourg"].pk
