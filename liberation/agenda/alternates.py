"""Other views of the agenda's events that take the same filters (the map): registered
by the apps that own them from their AppConfig.ready(), so that the agenda, below them,
links to them with the current filters without importing them."""

from django.utils.functional import Promise

_views: dict[str, str | Promise] = {}


def agenda_view_register(*, url_name: str, label: str | Promise) -> None:
    """Offer `url_name` (a view reading the agenda's filters) on the agenda page."""
    _views[url_name] = label


def agenda_views() -> list[tuple[str, str | Promise]]:
    return list(_views.items())
