"""Links of the main menu that are views, not pages (the agenda, the map): registered
by the apps that own them from their AppConfig.ready(), so that core's header knows no
app above it. Sections (pages "in menu") come first, then these, in `order`."""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str | Promise
    order: int = 100


_links: dict[str, NavLink] = {}


def nav_link_register(*, url_name: str, label: str | Promise, order: int = 100) -> None:
    """Add a view to the main menu (idempotent per url_name)."""
    _links[url_name] = NavLink(url_name=url_name, label=label, order=order)


def nav_links() -> list[NavLink]:
    return sorted(_links.values(), key=lambda link: (link.order, link.url_name))
