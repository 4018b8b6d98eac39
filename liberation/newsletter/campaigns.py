"""Sending a campaign: each confirmed subscriber of its topic receives it at most once,
at a throttled rate, even if the worker is killed and restarted anywhere.

1. `campaign_send` (the editor's button): draft → sending, one transaction; the
   freeze task is enqueued once it commits.
2. `campaign_freeze`: the recipients become `CampaignDelivery` rows, written in bulk
   (INSERT … ON CONFLICT DO NOTHING, one transaction per batch of FREEZE_BATCH) from
   the highest subscriber already frozen: a restart resumes, and the unique constraint
   on (campaign, subscriber) makes a batch written twice count once.
3. `campaign_release`, repeated: under the campaign's row lock, take the budget of the
   throttle, write one outbox message per unqueued delivery and mark
   those deliveries `queued_at`, in the same transaction. A killed worker leaves both
   or neither: a delivery marked queued has exactly one message, an unmarked one none.
   Two release chains (a restart while the old one still runs) share the budget under
   the lock, so the rate holds.
   The throttle is a token bucket kept in one column: `released_at` is the moment up to
   which the sending is "paid". A batch of n advances it by n / rate, and the budget is
   rate × (now − released_at), at most `_burst_seconds()` of it. A release that runs
   late (a busy worker, the queue's polling) gets what it missed, up to the burst, and
   no fraction of a message is lost to rounding: over any long run the average is the
   configured rate, never less because of the release's own timing.
4. The outbox worker sends (liberation/mail: claimed before SMTP, never twice). When no
   unqueued delivery is left, the campaign is `sent`.

`newsletter_tick` (the clock, every minute) restarts the chain of a campaign whose
worker died (no batch for STALLED_AFTER).
"""

import dataclasses
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from liberation.mail.services import outbox_store_many

from . import conf, emails
from .models import Campaign, CampaignDelivery, Subscriber

FREEZE_BATCH = 5000
UNTHROTTLED_BATCH = 1000
MIN_BURST_SECONDS = 5.0
STALLED_AFTER = timedelta(seconds=30)


class CampaignError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def campaign_recipients(campaign: Campaign):
    """Confirmed subscribers of the campaign's topic (and département, when set)."""
    recipients = Subscriber.objects.filter(
        status=Subscriber.Status.CONFIRMED, **{campaign.topic: True}
    )
    if campaign.departement_id:
        recipients = recipients.filter(departement_id=campaign.departement_id)
    return recipients


def campaign_problem(campaign: Campaign) -> str:
    if not (campaign.subject_fr.strip() and campaign.body_fr.strip()):
        return _("Write the subject and the text in French.")
    if not (campaign.subject_en.strip() and campaign.body_en.strip()):
        return _("Write the subject and the text in English.")
    return ""


def campaign_send(*, campaign_id: int, user=None, now: datetime | None = None) -> Campaign:
    """The editor sends: once only. The recipients are frozen by the task queue."""
    from .tasks import freeze_campaign

    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != Campaign.Status.DRAFT:
            raise CampaignError(_("This campaign has already been sent."))
        problem = campaign_problem(campaign)
        if problem:
            raise CampaignError(problem)
        campaign.status = Campaign.Status.SENDING
        campaign.send_started_at = now
        campaign.sent_by = user if user is not None and user.is_authenticated else None
        campaign.save(update_fields=["status", "send_started_at", "sent_by", "updated_at"])
        transaction.on_commit(lambda: freeze_campaign.enqueue(campaign_id=campaign.pk))
    return campaign


def campaign_freeze(*, campaign_id: int, batch: int = FREEZE_BATCH) -> int:
    """Write the delivery rows of every recipient (resumable); returns the count."""
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.SENDING:
        return 0
    if campaign.frozen_at is None:
        deliveries = CampaignDelivery.objects.filter(campaign_id=campaign_id)
        last = deliveries.aggregate(last=Max("subscriber_id"))["last"] or 0
        recipients = campaign_recipients(campaign).order_by("pk").values_list("pk", flat=True)
        while True:
            ids = list(recipients.filter(pk__gt=last)[:batch])
            if not ids:
                break
            with transaction.atomic():
                CampaignDelivery.objects.bulk_create(
                    [CampaignDelivery(campaign_id=campaign_id, subscriber_id=pk) for pk in ids],
                    ignore_conflicts=True,
                )
            last = ids[-1]
        count = deliveries.count()
        Campaign.objects.filter(pk=campaign_id, frozen_at__isnull=True).update(
            frozen_at=timezone.now(), recipients=count
        )
    return Campaign.objects.get(pk=campaign_id).recipients


@dataclasses.dataclass(frozen=True)
class Released:
    count: int  # messages written to the outbox by this step
    done: bool  # nothing left to release: the campaign is sent


def _burst_seconds() -> float:
    """How much unsent allowance a late release may catch up: a few intervals."""
    return max(MIN_BURST_SECONDS, 3 * conf.release_interval())


def _paid_until(campaign: Campaign, now: datetime) -> datetime:
    """The start of the bucket: `released_at`, but never more than the burst ago."""
    last = campaign.released_at or campaign.frozen_at or now
    return max(last, now - timedelta(seconds=_burst_seconds()))


def _budget(campaign: Campaign, now: datetime) -> int:
    rate = conf.send_rate()
    if rate <= 0:
        return UNTHROTTLED_BATCH
    elapsed = max((now - _paid_until(campaign, now)).total_seconds(), 0.0)
    return int(rate * elapsed + 1e-9)


def _paid_after(campaign: Campaign, now: datetime, count: int) -> datetime:
    """`released_at` after a batch of `count`: advanced by exactly what was spent."""
    rate = conf.send_rate()
    if rate <= 0:
        return now
    return _paid_until(campaign, now) + timedelta(seconds=count / rate)


def _mark_queued(ids: list[int], now: datetime) -> None:
    CampaignDelivery.objects.filter(pk__in=ids).update(queued_at=now)


def campaign_release(*, campaign_id: int, now: datetime | None = None) -> Released:
    """One throttled batch of the campaign to the outbox (see the module docstring)."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != Campaign.Status.SENDING or campaign.frozen_at is None:
            return Released(0, campaign.status == Campaign.Status.SENT)
        budget = _budget(campaign, now)
        if budget < 1:
            return Released(0, False)
        batch = list(
            CampaignDelivery.objects.filter(campaign_id=campaign_id, queued_at__isnull=True)
            .order_by("pk")
            .values_list(
                "pk",
                "subscriber_id",
                "subscriber__email",
                "subscriber__key",
                "subscriber__language",
                "subscriber__status",
            )[:budget]
        )
        if not batch:
            campaign.status = Campaign.Status.SENT
            campaign.finished_at = now
            campaign.save(update_fields=["status", "finished_at", "updated_at"])
            return Released(0, True)
        messages = [
            emails.campaign_message(
                campaign=campaign,
                subscriber_pk=subscriber_pk,
                email=email,
                key=key,
                language=language if language in ("fr", "en") else "fr",
            )
            for _pk, subscriber_pk, email, key, language, status in batch
            # Unsubscribed since the freeze: marked, not sent.
            if status == Subscriber.Status.CONFIRMED
        ]
        outbox_store_many(messages=messages)
        _mark_queued([row[0] for row in batch], now)
        campaign.released_at = _paid_after(campaign, now, len(batch))
        campaign.save(update_fields=["released_at"])
    return Released(len(messages), False)


def campaigns_stalled(*, now: datetime | None = None):
    """Campaigns sending whose chain stopped (a killed worker): the clock restarts them."""
    now = now or timezone.now()
    sending = Campaign.objects.filter(status=Campaign.Status.SENDING)
    return sending.filter(send_started_at__lt=now - STALLED_AFTER).exclude(
        released_at__gte=now - STALLED_AFTER
    )


def campaign_progress(campaign: Campaign) -> dict:
    deliveries = CampaignDelivery.objects.filter(campaign=campaign)
    return {
        "recipients": campaign.recipients if campaign.frozen_at else deliveries.count(),
        "queued": deliveries.filter(queued_at__isnull=False).count(),
    }
