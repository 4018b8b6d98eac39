"""The journalist's side and the staff's decisions: start a request (email → private
link), send it (under the deadline and the outlet's quota), approve with a pool (within
its capacity), refuse with a reason, withdraw.

Every write is one transaction that first locks the ceremony's press settings row
(`_lock_press`): requests, decisions and withdrawals of one ceremony run one after the
other, so a quota or a pool's capacity is counted on rows that cannot change
meanwhile. The database backs the quota on its own: a counted request holds a numbered
slot of its outlet (1..quota), unique per ceremony and outlet. A refusal raises
`PressError` (a code and a localized message) and nothing is written; the letter, stored
before the transaction, is deleted again.
"""

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liberation.core.private_links import token_hash
from liberation.events.models import CeremonyPage
from liberation.programme.attachments import EXTENSION, Checked
from liberation.programme.storage import private_storage

from . import emails
from .models import Accreditation, Pool, PressSettings

State = Accreditation.State
COUNTED = (State.SUBMITTED, State.APPROVED)  # what takes a slot of the outlet's quota
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as registrations: no 0/O, 1/I


class PressError(Exception):
    """A refusal the journalist or the staff can read."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def accreditation_for_token(token: str) -> Accreditation | None:
    """The accreditation a link opens, or None (unknown, tampered, malformed, erased)."""
    if not token or len(token) > 100:
        return None
    return (
        Accreditation.objects.select_related("press__ceremony", "pool")
        .filter(token_hash=token_hash(token), erased_at__isnull=True)
        .first()
    )


def outlet_normalise(name: str) -> str:
    """The key an outlet's quota is counted on: “Le Monde”, “LE MONDE.” and
    “le  monde” are one outlet (case, accents, punctuation and spacing ignored)."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return " ".join(text.split())[:120]


# -- the deadline ----------------------------------------------------------------------


def ceremony_starts_at(press: PressSettings) -> dt.datetime | None:
    """The ceremony's start: the earliest over its pages in every language."""
    return CeremonyPage.objects.filter(registration_id=press.ceremony_id).aggregate(
        start=Min("starts_at")
    )["start"]


def press_deadline(press: PressSettings) -> dt.datetime | None:
    starts = ceremony_starts_at(press)
    return starts - dt.timedelta(weeks=press.deadline_weeks) if starts else None


def press_state(press: PressSettings, *, now: dt.datetime | None = None) -> str:
    """open, closed (staff closed it, or the ceremony has no date) or past_deadline."""
    now = now or timezone.now()
    deadline = press_deadline(press)
    if not press.is_open or deadline is None:
        return "closed"
    if now >= deadline:
        return "past_deadline"
    return "open"


def _date(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _refusal_for_state(press: PressSettings, state: str) -> PressError:
    if state == "past_deadline":
        return PressError(
            "deadline",
            _(
                "Accreditation requests for this ceremony closed on %(date)s "
                "(%(weeks)s weeks before it)."
            )
            % {"date": _date(press_deadline(press)), "weeks": press.deadline_weeks},
        )
    return PressError("closed", _("Accreditation is not open for this ceremony."))


def _lock_press(press_id: int) -> PressSettings:
    """The ceremony's press row, locked until the transaction ends (see the module)."""
    return PressSettings.objects.select_for_update().get(pk=press_id)


def _locked(accreditation_id: int) -> Accreditation:
    return Accreditation.objects.select_for_update().get(pk=accreditation_id)


# -- start -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    accreditation: Accreditation
    token: str


def _new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def accreditation_start(
    *, press_id: int, email: str, language: str, now: dt.datetime | None = None
) -> Started:
    """A new request and the email with its private link (opening it proves the
    address). The token is written only in that email."""
    with transaction.atomic():
        press = PressSettings.objects.select_related("ceremony").get(pk=press_id)
        state = press_state(press, now=now)
        if state != "open":
            raise _refusal_for_state(press, state)
        token = secrets.token_urlsafe(32)
        accreditation = Accreditation.objects.create(
            press=press,
            token_hash=token_hash(token),
            reference=_new_reference(),
            secret=secrets.token_hex(16),
            email=email.strip().lower(),
            language=language if language in ("fr", "en") else "fr",
        )
        emails.send_link(accreditation=accreditation, token=token)
    return Started(accreditation=accreditation, token=token)


# -- the request -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestData:
    outlet: str
    role: str
    press_card: str
    given_name: str
    surname: str
    birth_date: dt.date | None = None
    birth_place: str = ""
    nationality: str = ""


def _after_count() -> None:
    """Between reading the outlet's slots and writing one (tests widen the window)."""


def _free_slot(press: PressSettings, outlet_key: str) -> int | None:
    taken = set(
        Accreditation.objects.filter(
            press=press, outlet_key=outlet_key, outlet_slot__isnull=False
        ).values_list("outlet_slot", flat=True)
    )
    free = [n for n in range(1, press.quota_per_outlet + 1) if n not in taken]
    return free[0] if free else None


def _quota_error(press: PressSettings, outlet: str) -> PressError:
    return PressError(
        "quota",
        _(
            "“%(outlet)s” already has %(quota)s accreditation requests for this ceremony, "
            "the most an outlet may have. Ask your editor who covers it."
        )
        % {"outlet": outlet, "quota": press.quota_per_outlet},
    )


def accreditation_submit(
    *,
    accreditation_id: int,
    data: RequestData,
    letter: Checked,
    now: dt.datetime | None = None,
) -> Accreditation:
    """Send a request: before the deadline, within the outlet's quota, once."""
    now = now or timezone.now()
    storage = private_storage()
    stored = ""
    try:
        with transaction.atomic():
            press = _lock_press(
                Accreditation.objects.values_list("press_id", flat=True).get(pk=accreditation_id)
            )
            accreditation = _locked(accreditation_id)
            if accreditation.state != State.DRAFT:
                raise PressError("sent", _("This request has already been sent."))
            state = press_state(press, now=now)
            if state != "open":
                raise _refusal_for_state(press, state)
            outlet_key = outlet_normalise(data.outlet)
            slot = _free_slot(press, outlet_key)
            _after_count()
            if slot is None:
                raise _quota_error(press, data.outlet)
            folder = now.strftime("press/%Y/%m")
            name = f"{folder}/{secrets.token_hex(16)}{EXTENSION[letter.content_type]}"
            stored = storage.save(name, ContentFile(letter.data))
            for field, value in vars(data).items():
                setattr(accreditation, field, value)
            accreditation.outlet_key = outlet_key
            accreditation.outlet_slot = slot
            accreditation.letter = stored
            accreditation.letter_name = letter.original_name
            accreditation.letter_type = letter.content_type
            accreditation.state = State.SUBMITTED
            accreditation.screening = (
                Accreditation.Screening.PENDING
                if press.ceremony.screening_required
                else Accreditation.Screening.NOT_REQUIRED
            )
            accreditation.submitted_at = now
            accreditation.save()
            emails.queue(accreditation=accreditation, kind=emails.Kind.RECEIVED)
    except IntegrityError:
        # Another request of the outlet took the same slot at the same instant (the
        # constraint holds even where the lock would not): the quota is reached.
        if stored:
            storage.delete(stored)
        raise _quota_error(press, data.outlet) from None
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return accreditation


def accreditation_withdraw(*, accreditation_id: int, now: dt.datetime | None = None) -> None:
    """The journalist withdraws: the slot is freed and a badge is revoked."""
    now = now or timezone.now()
    with transaction.atomic():
        accreditation = Accreditation.objects.get(pk=accreditation_id)
        _lock_press(accreditation.press_id)
        accreditation = _locked(accreditation_id)
        if accreditation.state in (State.REFUSED, State.WITHDRAWN):
            return
        was = accreditation.state
        accreditation.state = State.WITHDRAWN
        accreditation.outlet_slot = None
        accreditation.decided_at = now
        accreditation.decided_by = "journalist"
        accreditation.save()
        if was != State.DRAFT:
            emails.queue(accreditation=accreditation, kind=emails.Kind.WITHDRAWN)


# -- staff decisions ---------------------------------------------------------------------


def accreditation_approve(
    *,
    accreditation_id: int,
    pool_id: int | None,
    actor: str,
    now: dt.datetime | None = None,
) -> Accreditation:
    """Approve (or move to another pool) within the pool's capacity."""
    now = now or timezone.now()
    with transaction.atomic():
        press = _lock_press(Accreditation.objects.get(pk=accreditation_id).press_id)
        accreditation = _locked(accreditation_id)
        if accreditation.state not in COUNTED:
            raise PressError("not_open", _("Only a request awaiting review can be approved."))
        pool = None
        if pool_id is not None:
            pool = Pool.objects.filter(pk=pool_id, press=press).first()
            if pool is None:
                raise PressError("pool", _("Choose a pool of this ceremony."))
            members = pool.accreditations.filter(state=State.APPROVED).exclude(pk=accreditation_id)
            if members.count() >= pool.capacity:
                raise PressError(
                    "pool_full",
                    _("The pool “%(pool)s” is full (%(capacity)s journalists).")
                    % {"pool": pool.name, "capacity": pool.capacity},
                )
        elif press.pools.exists():
            raise PressError("pool", _("Choose a pool of this ceremony."))
        first = accreditation.state != State.APPROVED
        accreditation.state = State.APPROVED
        accreditation.pool = pool
        accreditation.decision_reason = ""
        accreditation.decided_at = now
        accreditation.decided_by = actor[:150]
        accreditation.save()
        if first:
            emails.queue(accreditation=accreditation, kind=emails.Kind.APPROVED)
    return accreditation


def accreditation_refuse(
    *, accreditation_id: int, reason: str, actor: str, now: dt.datetime | None = None
) -> Accreditation:
    """Refuse a request, or withdraw an approved accreditation (its badge is revoked);
    the reason is emailed to the journalist."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise PressError("reason", _("Give the reason: it is sent to the journalist."))
    with transaction.atomic():
        _lock_press(Accreditation.objects.get(pk=accreditation_id).press_id)
        accreditation = _locked(accreditation_id)
        if accreditation.state not in COUNTED:
            raise PressError(
                "not_open", _("Only a request awaiting review or approved can be refused.")
            )
        accreditation.state = State.REFUSED
        accreditation.outlet_slot = None
        accreditation.decision_reason = reason
        accreditation.decided_at = now
        accreditation.decided_by = actor[:150]
        accreditation.save()
        emails.queue(accreditation=accreditation, kind=emails.Kind.REFUSED)
    return accreditation


def accreditation_screening_decide(
    *, accreditation_id: int, approved: bool, now: dt.datetime | None = None
) -> None:
    """The security services' decision (through the screening import). A refusal
    refuses the request or withdraws the accreditation (its badge is revoked, the slot
    freed, the journalist told); an approval lets the badge be shown."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_press(Accreditation.objects.get(pk=accreditation_id).press_id)
        accreditation = _locked(accreditation_id)
        accreditation.screening = (
            Accreditation.Screening.APPROVED if approved else Accreditation.Screening.REFUSED
        )
        fields = ["screening"]
        if not approved and accreditation.state in COUNTED:
            accreditation.state = State.REFUSED
            accreditation.outlet_slot = None
            with translation.override(accreditation.language):
                accreditation.decision_reason = str(_("Refused at the security screening."))
            accreditation.decided_at = now
            accreditation.decided_by = "screening"
            fields += ["state", "outlet_slot", "decision_reason", "decided_at", "decided_by"]
        accreditation.save(update_fields=fields)
        if "state" in fields:
            emails.queue(accreditation=accreditation, kind=emails.Kind.REFUSED)
