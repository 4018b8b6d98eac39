import datetime as dt

import pytest
from django.utils import timezone

from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.press.models import Pool, PressSettings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def make_press(make_page, translate):
    """make_press(quota=2, starts_in=days, pools=[(name, capacity)], **press fields)."""

    def make(
        *, quota=2, starts_in=60, pools=(("Pool A: arrival of the authorities", 2),), **fields
    ):
        now = timezone.now()
        ceremony = RegistrationSettings.objects.create(
            name=f"press-ceremony-{RegistrationSettings.objects.count()}",
            capacity=100,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=30),
            ask_birth_date=True,
        )
        page = make_page(
            CeremonyPage,
            title=f"Cérémonie du 8 mai {ceremony.pk}",
            section="ceremonies",
            starts_at=now + dt.timedelta(days=starts_in),
            venue="Arc de Triomphe, Paris",
            registration=ceremony,
        )
        translate(page, "en", title=f"8 May ceremony {ceremony.pk}")
        fields.setdefault("is_open", True)
        press = PressSettings.objects.create(ceremony=ceremony, quota_per_outlet=quota, **fields)
        for name, capacity in pools:
            Pool.objects.create(press=press, name=name, capacity=capacity)
        return press

    return make


@pytest.fixture
def request_data():
    from liberation.press.services import RequestData

    def make(outlet="Le Monde", n=1):
        return RequestData(
            outlet=outlet,
            role="writer",
            press_card=f"CARD{n}",
            given_name=f"Albert{n}",
            surname="Londres",
            birth_date=dt.date(1980, 5, 1),
        )

    return make


@pytest.fixture
def letter():
    from liberation.programme.attachments import check_upload

    return check_upload(name="lettre.pdf", data=PDF)


@pytest.fixture
def submitted(make_press, request_data, letter):
    """submitted(press, outlet=…, n=…): a sent request of that outlet."""
    from liberation.press import services

    def make(press, outlet="Le Monde", n=1):
        started = services.accreditation_start(
            press_id=press.pk, email=f"j{n}@example.org", language="fr"
        )
        services.accreditation_submit(
            accreditation_id=started.accreditation.pk,
            data=request_data(outlet, n),
            letter=letter,
        )
        started.accreditation.refresh_from_db()
        return started

    return make
