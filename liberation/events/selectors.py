"""Read-only queries on ceremonies."""

from django.utils import timezone
from wagtail.models import Locale

from .models import CeremonyPage, RegistrationSettings


def upcoming_ceremonies(*, locale: Locale, limit: int) -> list[CeremonyPage]:
    return list(
        CeremonyPage.objects.live()
        .public()
        .filter(locale=locale, starts_at__gte=timezone.now())
        .order_by("starts_at")[:limit]
    )


def ceremony_page(*, settings: RegistrationSettings | int, language: str) -> CeremonyPage | None:
    """The live ceremony page of these registration settings (a row or its id) in
    `language`, else the first one created in any language; None when none is live.

    The one lookup of "the ceremony page in a language" (registration views, emails,
    badges, the gate): one query over the few language versions, chosen here."""
    pages = list(
        CeremonyPage.objects.live()
        .filter(registration=settings)
        .select_related("locale")
        .order_by("pk")
    )
    chosen = next((page for page in pages if page.locale.language_code == language), None)
    return chosen or (pages[0] if pages else None)
