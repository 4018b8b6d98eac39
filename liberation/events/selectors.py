"""Read-only queries on ceremonies."""

from django.utils import timezone
from wagtail.models import Locale

from .models import CeremonyPage


def upcoming_ceremonies(*, locale: Locale, limit: int) -> list[CeremonyPage]:
    return list(
        CeremonyPage.objects.live()
        .public()
        .filter(locale=locale, starts_at__gte=timezone.now())
        .order_by("starts_at")[:limit]
    )
