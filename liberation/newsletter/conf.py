"""The newsletter's settings, each with its default (docs/newsletter.md)."""

from datetime import timedelta

from django.conf import settings


def confirm_ttl() -> timedelta:
    """How long a confirmation link works."""
    return timedelta(hours=getattr(settings, "NEWSLETTER_CONFIRM_TTL_HOURS", 48))


def confirm_window() -> timedelta:
    """At most one confirmation email per address per window."""
    return timedelta(minutes=getattr(settings, "NEWSLETTER_CONFIRM_WINDOW_MINUTES", 15))


def send_rate() -> float:
    """Campaign messages released to the outbox per second; 0: no throttle."""
    return float(getattr(settings, "NEWSLETTER_SEND_RATE", 20))


def release_interval() -> float:
    """Seconds between two throttled batches of a campaign."""
    return float(getattr(settings, "NEWSLETTER_RELEASE_INTERVAL", 1.0))


def unsubscribed_retention() -> timedelta:
    """How long an unsubscribed address is kept before the purge deletes it."""
    return timedelta(days=getattr(settings, "NEWSLETTER_UNSUBSCRIBED_RETENTION_DAYS", 1))
