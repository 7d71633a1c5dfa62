"""Fixtures of the gate agent tests."""

import pytest

from tests.factories import make_site


@pytest.fixture
def site(app, client):
    """A company whose owner is signed in, with compounds 甲苑 (gate 东门) and 乙苑."""
    return make_site(app, client)
