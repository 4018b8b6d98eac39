"""The request's rules: deadline, outlet quota (normalised), pools' capacity, decisions
and their emails; a refusal writes nothing."""

import pytest
from django.utils import translation

from liberation.mail.models import OutboxMessage
from liberation.press import emails, services
from liberation.press.models import Accreditation
from liberation.press.services import PressError
from liberation.programme.storage import private_storage

State = Accreditation.State
pytestmark = pytest.mark.django_db


def test_outlet_normalised():
    assert services.outlet_normalise("  LE  Monde. ") == services.outlet_normalise("le monde")
    assert services.outlet_normalise("Libé") == "libe"
    assert services.outlet_normalise("France-Info") == "france info"


def test_start_sends_the_private_link(make_press):
    press = make_press()
    started = services.accreditation_start(press_id=press.pk, email="J@Example.org", language="en")
    message = OutboxMessage.objects.get(source="press", object_id=started.accreditation.pk)
    assert message.to == "j@example.org"
    assert f"/en/accreditation/a/{started.token}/" in message.body
    assert started.accreditation.token_hash == services.token_hash(started.token)
    assert started.token not in started.accreditation.token_hash
    assert services.accreditation_for_token(started.token) == started.accreditation
    assert services.accreditation_for_token(started.token + "x") is None


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "ont fermé le"), ("en", "closed on")],
)
def test_after_the_deadline_refused_in_both_languages(make_press, language, text):
    press = make_press(starts_in=10, deadline_weeks=3)  # the deadline was 11 days ago
    with translation.override(language), pytest.raises(PressError) as error:
        services.accreditation_start(press_id=press.pk, email="j@example.org", language=language)
    assert error.value.code == "deadline"
    assert text in error.value.message
    assert not Accreditation.objects.exists()


def test_closed_by_staff_refused(make_press):
    press = make_press(is_open=False)
    with pytest.raises(PressError) as error:
        services.accreditation_start(press_id=press.pk, email="j@example.org", language="fr")
    assert error.value.code == "closed"


def test_submit_takes_a_slot_and_stores_the_letter(make_press, submitted):
    press = make_press()
    started = submitted(press)
    a = started.accreditation
    assert a.state == State.SUBMITTED and a.outlet_slot == 1 and a.outlet_key == "le monde"
    assert a.letter.name.startswith("press/") and a.letter_type == "application/pdf"
    assert private_storage().exists(a.letter.name)
    assert list(emails.messages_of(a).values_list("kind", flat=True)) == ["link", "received"]


def test_quota_per_outlet_whatever_its_spelling(make_press, submitted, request_data, letter):
    press = make_press(quota=2)
    submitted(press, "Le Monde", 1)
    submitted(press, "LE MONDE.", 2)
    submitted(press, "Libération", 3)  # another outlet
    third = services.accreditation_start(press_id=press.pk, email="j4@example.org", language="fr")
    files_before = len(private_storage().listdir("press/" + _month())[1])
    with pytest.raises(PressError) as error:
        services.accreditation_submit(
            accreditation_id=third.accreditation.pk,
            data=request_data(" le  monde ", 4),
            letter=letter,
        )
    assert error.value.code == "quota"
    assert "2" in error.value.message
    third.accreditation.refresh_from_db()
    assert third.accreditation.state == State.DRAFT and not third.accreditation.letter
    assert third.accreditation.outlet == ""  # nothing half-written
    assert len(private_storage().listdir("press/" + _month())[1]) == files_before


def _month():
    from django.utils import timezone

    return timezone.now().strftime("%Y/%m")


def test_a_withdrawal_frees_the_slot(make_press, submitted):
    press = make_press(quota=1)
    first = submitted(press, "Le Monde", 1)
    services.accreditation_withdraw(accreditation_id=first.accreditation.pk)
    second = submitted(press, "Le Monde", 2)
    assert second.accreditation.state == State.SUBMITTED and second.accreditation.outlet_slot == 1


def test_sent_twice_refused(make_press, submitted, request_data, letter):
    press = make_press()
    started = submitted(press)
    with pytest.raises(PressError) as error:
        services.accreditation_submit(
            accreditation_id=started.accreditation.pk, data=request_data(), letter=letter
        )
    assert error.value.code == "sent"


def test_approve_within_the_pool_capacity(make_press, submitted):
    press = make_press(quota=5, pools=(("Pool A", 1),))
    pool = press.pools.get()
    one, two = submitted(press, n=1), submitted(press, n=2)
    services.accreditation_approve(
        accreditation_id=one.accreditation.pk, pool_id=pool.pk, actor="staff"
    )
    with pytest.raises(PressError) as error:
        services.accreditation_approve(
            accreditation_id=two.accreditation.pk, pool_id=pool.pk, actor="staff"
        )
    assert error.value.code == "pool_full"
    two.accreditation.refresh_from_db()
    assert two.accreditation.state == State.SUBMITTED and two.accreditation.pool is None
    # Approving the same one again (moving pools) does not count it twice.
    services.accreditation_approve(
        accreditation_id=one.accreditation.pk, pool_id=pool.pk, actor="staff"
    )


def test_a_pool_is_required_when_the_ceremony_has_pools(make_press, submitted):
    press = make_press()
    one = submitted(press)
    with pytest.raises(PressError) as error:
        services.accreditation_approve(
            accreditation_id=one.accreditation.pk, pool_id=None, actor="s"
        )
    assert error.value.code == "pool"


def test_another_ceremonys_pool_refused(make_press, submitted):
    press, other = make_press(), make_press()
    one = submitted(press)
    with pytest.raises(PressError):
        services.accreditation_approve(
            accreditation_id=one.accreditation.pk, pool_id=other.pools.get().pk, actor="s"
        )


@pytest.mark.parametrize(("language", "text"), [("fr", "Motif"), ("en", "Reason")])
def test_refusal_emails_the_reason(make_press, submitted, language, text):
    press = make_press()
    one = submitted(press)
    a = one.accreditation
    Accreditation.objects.filter(pk=a.pk).update(language=language)
    a.refresh_from_db()
    services.accreditation_refuse(
        accreditation_id=a.pk, reason="Carte de presse expirée", actor="s"
    )
    message = emails.messages_of(a).get(kind="refused")
    with translation.override(language):
        body = emails.render(message)
    assert "Carte de presse expirée" in body and text in body
    a.refresh_from_db()
    assert a.state == State.REFUSED and a.outlet_slot is None


def test_refusal_needs_a_reason(make_press, submitted):
    one = submitted(make_press())
    with pytest.raises(PressError) as error:
        services.accreditation_refuse(accreditation_id=one.accreditation.pk, reason=" ", actor="s")
    assert error.value.code == "reason"


def test_approval_email_names_the_pool(make_press, submitted):
    press = make_press()
    one = submitted(press)
    pool = press.pools.get()
    services.accreditation_approve(
        accreditation_id=one.accreditation.pk, pool_id=pool.pk, actor="s"
    )
    message = emails.messages_of(one.accreditation).get(kind="approved")
    with translation.override("fr"):
        assert pool.name in emails.render(message)
