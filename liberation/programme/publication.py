"""The public side of a project has changed: tell whoever listens, after the commit.

A labelled project is a public event (the agenda's page, the site search). Programme
knows none of the apps that show it: a higher floor registers a listener with
`on_change` (the site app indexes the event for the search, `site/programme_documents.py`),
and the services call `public_changed(project_id)` inside the transaction of any change
of what the public may see: becoming labelled, leaving the labelled state (back to
review when dates change), the sessions or the event status of a labelled project.
Listeners run once the transaction commits (never for a rolled-back change), each
isolated from the others' errors (`robust=True`).
"""

from collections.abc import Callable

from django.db import transaction

_listeners: list[Callable[[int], None]] = []


def on_change(listener: Callable[[int], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def public_changed(project_id: int) -> None:
    """Tell the listeners (project id) once the current transaction commits."""
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: listener(project_id), robust=True)
