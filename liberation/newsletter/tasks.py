"""The campaign's chain in the task queue (django-tasks): freeze the recipients, then
release one throttled batch per NEWSLETTER_RELEASE_INTERVAL until none is left.

With a backend that cannot defer (the immediate backend of tests), the chain runs in
the task itself, batch after batch, sleeping between throttled batches."""

import time
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from . import campaigns, conf


@task()
def freeze_campaign(campaign_id: int) -> int:
    count = campaigns.campaign_freeze(campaign_id=campaign_id)
    release_campaign.enqueue(campaign_id=campaign_id)
    return count


def _schedule_next(campaign_id: int) -> None:
    run_after = timezone.now() + timedelta(seconds=conf.release_interval())
    release_campaign.using(run_after=run_after).enqueue(campaign_id=campaign_id)


@task()
def release_campaign(campaign_id: int) -> int:
    """One batch, then the next one is scheduled (or, without deferral, run here)."""
    deferrable = release_campaign.get_backend().supports_defer
    released = 0
    while True:
        step = campaigns.campaign_release(campaign_id=campaign_id)
        released += step.count
        if step.done:
            return released
        if deferrable:
            _schedule_next(campaign_id)
            return released
        if conf.send_rate() > 0:
            time.sleep(conf.release_interval())


def campaigns_resume() -> int:
    """Restart the chain of every stalled campaign (the clock calls it each minute)."""
    resumed = 0
    for campaign in campaigns.campaigns_stalled():
        if campaign.frozen_at is None:
            freeze_campaign.enqueue(campaign_id=campaign.pk)
        else:
            release_campaign.enqueue(campaign_id=campaign.pk)
        resumed += 1
    return resumed
