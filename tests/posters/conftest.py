"""Fixtures shared with the compound tests (tmp poster cache, signed-in owners)."""

from tests.compounds.conftest import app, office, rival  # noqa: F401
