"""Other people the security services screen for a ceremony, registered by the apps
that hold them (the press app registers its journalists from its AppConfig.ready());
screening imports none of them.

A source's rows are exported after the registrations, one person per row, with the
source's `prefix` before its own reference (e.g. `PRESS-ABCD2345`): a registration's
reference and another source's can never be confused when the decisions come back.
"""

from collections.abc import Callable
from dataclasses import dataclass

from liberation.events.models import RegistrationSettings


@dataclass(frozen=True)
class Person:
    reference: str  # the source's own reference, without the prefix
    values: dict[str, object]  # attribute → value, for the identity fields asked


@dataclass(frozen=True)
class Candidate:
    """A person named in an imported file, as the source knows them."""

    ceremony_id: int
    ceremony_name: str
    screening: str  # "not_required", "pending", "approved" or "refused"
    decide: Callable[[bool], None]  # record the decision (in the import's transaction)


@dataclass(frozen=True)
class ScreeningSource:
    kind: str  # lowercase letters, e.g. "press"
    prefix: str  # uppercase letters before the references in the file, e.g. "PRESS"
    category: Callable[[], str]  # the "category" column, localized
    pending: Callable[[RegistrationSettings], list[Person]]  # awaiting a decision
    find: Callable[[set[str]], dict[str, Candidate]]  # own references → candidates


_sources: dict[str, ScreeningSource] = {}


def screening_source_register(source: ScreeningSource) -> None:
    if not (source.prefix.isascii() and source.prefix.isalpha() and source.prefix.isupper()):
        raise ValueError("a screening source's prefix is uppercase ASCII letters")
    _sources[source.kind] = source


def screening_sources() -> list[ScreeningSource]:
    return list(_sources.values())


def source_of(reference: str) -> tuple[ScreeningSource, str] | None:
    """(source, its own reference) for `PREFIX-REFERENCE`, or None for a registration."""
    head, dash, rest = reference.partition("-")
    if not dash:
        return None
    for source in _sources.values():
        if source.prefix == head:
            return source, rest
    return None
