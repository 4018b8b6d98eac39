import re

import pytest

from liberation.mail.models import OutboxMessage
from liberation.places.factories import communes_sample


@pytest.fixture
def communes(db):
    return communes_sample()


@pytest.fixture
def link_token():
    """The token of the last private link emailed (from the stored body)."""

    def read(lang: str = "fr") -> str:
        message = OutboxMessage.objects.filter(source="collection", kind="link").latest("pk")
        return re.search(rf"/{lang}/collection/c/([\w-]+)/", message.body).group(1)

    return read
