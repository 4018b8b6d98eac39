"""Fixtures shared by every app: a site with its structure in both languages."""

import pytest


@pytest.fixture
def structure(db):
    from liberation.core.services import site_ensure_structure

    return site_ensure_structure()
