"""The registration rate limits (issue 10, item 4): generous per client address (a rush
behind one carrier NAT gets through), strict per person, and the client's address
taken from a proxy's header only when the deployment says so."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from liberation.core import ratelimit
from liberation.registrations.models import Registration
from liberation.registrations.services import Person, RegistrationRequest, registration_create

DEFAULTS = {
    "REGISTRATION_RATE_LIMIT": ratelimit.DEFAULT_LIMIT,
    "REGISTRATION_EMAIL_RATE_LIMIT": ratelimit.DEFAULT_EMAIL_LIMIT,
    "REGISTRATION_CLIENT_IP_HEADER": None,
    "REGISTRATION_PROXY_COUNT": 1,
}
factory = RequestFactory()


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    cache.clear()
    monkeypatch.setattr(ratelimit, "now", lambda: 1_000_040.0)  # 40 s left in the window
    with override_settings(**DEFAULTS):
        yield
    cache.clear()


def carrier_nat(**meta):
    return factory.post("/", REMOTE_ADDR="198.51.100.7", **meta)


def test_the_defaults_are_those_documented():
    """settings/base.py and .env.example give the defaults of ratelimit.py."""
    assert ratelimit.DEFAULT_LIMIT == (3000, 60)
    assert ratelimit.DEFAULT_EMAIL_LIMIT == (5, 60)
    example = (Path(__file__).resolve().parents[3] / ".env.example").read_text()
    assert re.search(r"^REGISTRATION_RATE_LIMIT=3000$", example, re.M)
    assert re.search(r"^REGISTRATION_EMAIL_RATE_LIMIT=5$", example, re.M)
    assert re.search(r"^REGISTRATION_CLIENT_IP_HEADER=$", example, re.M)
    assert re.search(r"^REGISTRATION_PROXY_COUNT=1$", example, re.M)


def test_two_thousand_people_behind_one_address_in_one_minute_get_through():
    verdicts = [ratelimit.hit(carrier_nat(), person=f"person{n}@example.org") for n in range(2000)]
    assert all(v.allowed for v in verdicts)


def test_one_address_is_stopped_past_the_generous_limit():
    with override_settings(REGISTRATION_RATE_LIMIT=(50, 60)):
        verdicts = [ratelimit.hit(carrier_nat(), person=f"p{n}@example.org") for n in range(51)]
    assert [v.allowed for v in verdicts] == [True] * 50 + [False]
    assert verdicts[-1].scope == "address" and verdicts[-1].retry_after == 40


def test_one_email_repeated_is_refused_at_the_sixth_attempt():
    verdicts = [ratelimit.hit(carrier_nat(), person=" Jeanne@Example.org") for _ in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert verdicts[-1].scope == "person"
    # The same address typed otherwise is the same person; from elsewhere too.
    elsewhere = factory.post("/", REMOTE_ADDR="192.0.2.1")
    assert not ratelimit.hit(elsewhere, person="jeanne@example.org ").allowed
    # Another person behind the same address is not affected.
    assert ratelimit.hit(carrier_nat(), person="paul@example.org").allowed


def test_emails_are_not_kept_in_the_cache_keys():
    assert "jeanne" not in ratelimit.person_key("jeanne@example.org")
    assert ratelimit.person_key("Jeanne@Example.org ") == ratelimit.person_key("jeanne@example.org")


def test_no_limit_at_all_when_turned_off():
    with override_settings(REGISTRATION_RATE_LIMIT=None):
        assert all(ratelimit.hit(carrier_nat(), person="a@example.org").allowed for _ in range(50))


# -- the client's address ------------------------------------------------------------------


def test_a_spoofed_header_is_ignored_when_no_proxy_is_configured():
    request = carrier_nat(HTTP_X_FORWARDED_FOR="203.0.113.1", HTTP_X_REAL_IP="203.0.113.2")
    assert ratelimit.client_address(request) == "198.51.100.7"
    # Rotating the header does not give a fresh quota.
    with override_settings(REGISTRATION_RATE_LIMIT=(3, 60)):
        verdicts = [
            ratelimit.hit(carrier_nat(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")) for n in range(4)
        ]
    assert [v.allowed for v in verdicts] == [True] * 3 + [False]


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "X-Forwarded-For", "x-forwarded-for"])
def test_the_configured_header_is_taken(header):
    request = factory.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9")
    with override_settings(REGISTRATION_CLIENT_IP_HEADER=header):
        assert ratelimit.client_address(request) == "192.0.2.9"


def test_a_header_overwritten_by_the_proxy():
    request = factory.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.9")
    with override_settings(REGISTRATION_CLIENT_IP_HEADER="HTTP_X_REAL_IP"):
        assert ratelimit.client_address(request) == "192.0.2.9"


@pytest.mark.parametrize(
    "hops, forwarded, client",
    [
        # The client wrote "6.6.6.6"; one proxy appended the address it saw.
        (1, "6.6.6.6, 192.0.2.9", "192.0.2.9"),
        # A CDN appended the client, then the site's own proxy appended the CDN.
        (2, "6.6.6.6, 192.0.2.9, 203.0.113.50", "192.0.2.9"),
        (2, "192.0.2.9, 203.0.113.50", "192.0.2.9"),
        # Fewer entries than proxies: the farthest one known.
        (3, "192.0.2.9, 203.0.113.50", "192.0.2.9"),
        # Ports, brackets and spaces as some proxies write them.
        (1, "6.6.6.6,192.0.2.9:51234", "192.0.2.9"),
        (1, "6.6.6.6, [2001:db8:1:2::7]:443", "2001:db8:1:2::/64"),
    ],
)
def test_the_right_most_untrusted_address_with_a_hop_count(hops, forwarded, client):
    request = factory.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    settings = {"REGISTRATION_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}
    with override_settings(**settings, REGISTRATION_PROXY_COUNT=hops):
        assert ratelimit.client_address(request) == client


@pytest.mark.parametrize("forwarded", ["", "unknown", " , "])
def test_a_missing_or_unreadable_header_falls_back_to_the_peer(forwarded):
    request = factory.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(REGISTRATION_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR"):
        assert ratelimit.client_address(request) == "10.0.0.1"


def test_an_ipv6_client_is_counted_by_its_64():
    request = factory.post("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert ratelimit.client_address(request) == "2001:db8:1:2::/64"


# -- through the views ----------------------------------------------------------------------


def form(email: str) -> dict:
    return {"given_name": "Jeanne", "surname": "Martin", "email": email, "consent": "on"}


def test_many_people_behind_one_address_register_at_the_defaults(client, make_ceremony):
    ceremony = make_ceremony(capacity=100)
    url = f"/fr/r/inscription/{ceremony.pk}/"
    statuses = [
        client.post(url, {**form(f"p{n}@example.org"), "surname": f"Martin{n}"}).status_code
        for n in range(20)
    ]
    assert statuses == [303] * 20
    assert Registration.objects.count() == 20


def test_one_email_posted_again_and_again_gets_a_429(client, make_ceremony):
    ceremony = make_ceremony()
    url = f"/en/r/inscription/{ceremony.pk}/"
    statuses = [client.post(url, {"email": "jeanne@example.org"}).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    refused = client.post(url, {"email": "JEANNE@example.org"})
    assert refused.status_code == 429 and refused["Retry-After"] == "40"
    assert "Too many forms were sent for the same person" in refused.content.decode()
    assert client.post(url, form("paul@example.org")).status_code == 303


def test_a_management_link_is_limited_as_one_person(client, make_ceremony):
    ceremony = make_ceremony(max_companions=1)
    created = registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email="a@example.org", registrant=Person(given_name="Jeanne", surname="Martin")
        ),
    )
    url = f"/en/r/{created.token}/companions/"
    bad = {"companion_1_given_name": "Paul"}  # incomplete row: 400, nothing written
    statuses = [client.post(url, bad).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
