import pytest


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    """Campaigns go out at once unless a test is about the throttle."""
    settings.NEWSLETTER_SEND_RATE = 0


@pytest.fixture
def calvados(db):
    from liberation.places.factories import communes_sample

    return communes_sample()["14118"].departement


@pytest.fixture
def deliver():
    """What the worker does once the transaction commits (the test's never does): send
    the due outbox messages; returns every email sent so far."""
    from django.core import mail

    from liberation.mail.delivery import outbox_deliver

    def run():
        outbox_deliver(limit=10_000)
        return mail.outbox

    return run
