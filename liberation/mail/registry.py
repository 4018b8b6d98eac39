"""Who writes the body of a message: each sending app registers one renderer for its
`source` (in its AppConfig.ready), which the worker calls at delivery.

A renderer takes the OutboxMessage and returns its text, written from the source object
as it is at delivery, or None when there is nothing left to send (the object is gone):
the message is then given up, visibly. The worker calls it with the message's language
active (`translation.override(message.language)`).
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from .models import OutboxMessage

Renderer = Callable[[OutboxMessage], str | None]

_renderers: dict[str, Renderer] = {}


def register_renderer(source: str, renderer: Renderer) -> None:
    """Make `renderer` write the bodies of the messages of `source` (idempotent)."""
    existing = _renderers.get(source)
    if existing is not None and existing is not renderer:
        raise ImproperlyConfigured(f"a mail renderer is already registered for {source!r}")
    _renderers[source] = renderer


def renderer_for(source: str) -> Renderer | None:
    return _renderers.get(source)
