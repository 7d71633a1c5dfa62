"""A signed-in owner for the hostile-input tests."""

import pytest

from tests.factories import sign_in_office


@pytest.fixture
def office(app, client):
    """The owner of a property company, signed in."""
    return sign_in_office(app, client, "owner@example.com")
