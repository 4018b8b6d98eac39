"""Every organiser page, in French and in English: well-formed HTML (html5lib's strict
parser), unique ids, each form field with its label."""

import re
from collections import Counter

import html5lib
import pytest
from django.core.cache import cache

from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Project

pytestmark = pytest.mark.django_db
State = Project.State


def check_html(html: str) -> None:
    html5lib.HTMLParser(strict=True).parse(html)
    assert html.count(" autofocus") <= 1
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert not [i for i, n in ids.items() if n > 1], ids
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', html):
        tag = re.search(rf'<[^>]*\sid="{re.escape(field_id)}"[^>]*>', html).group(0)
        if 'type="hidden"' in tag:
            continue
        assert f'for="{field_id}"' in html, field_id


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_is_well_formed(client, lang):
    cache.clear()
    communes = communes_sample()
    campaign = campaign_make()
    draft, token = project_make(campaign=campaign, commune=communes["14118"], state=State.DRAFT)
    _, labelled = project_make(campaign=campaign, commune=communes["14118"], state=State.LABELLED)
    urls = [
        f"/{lang}/label/",
        f"/{lang}/label/sent/",
        f"/{lang}/label/p/nope/",
        f"/{lang}/label/p/{token}/",
        *(
            f"/{lang}/label/p/{token}/step/{s}/"
            for s in ("organiser", "project", "dates", "audience", "budget")
        ),
        f"/{lang}/label/p/{token}/submit/",
        f"/{lang}/label/p/{token}/withdraw/",
        f"/{lang}/label/p/{labelled}/",
        f"/{lang}/label/p/{labelled}/event/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        check_html(response.content.decode())
    # And a page carrying errors.
    response = client.post(
        f"/{lang}/label/p/{token}/step/dates/",
        {
            "venue": "",
            "commune": "00000",
            "s-TOTAL_FORMS": "1",
            "s-INITIAL_FORMS": "0",
            "s-0-starts_at": "2020-01-01T10:00",
            "s-0-ends_at": "2020-01-01T09:00",
        },
    )
    assert response.status_code == 400
    check_html(response.content.decode())
