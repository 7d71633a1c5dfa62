"""Fixtures for the compound, gate, poster and gate-page tests."""

import pytest

from tests.factories import sign_in_office


@pytest.fixture
def app(app, tmp_path):
    """The test app with the poster cache and print runs under this test's tmp dir."""
    app.config["XGM_POSTER_CACHE_DIR"] = str(tmp_path / "poster-cache")
    app.config["XGM_PRINTS_DIR"] = str(tmp_path / "prints")
    return app


@pytest.fixture
def office(app, client):
    """The owner of a property company, signed in."""
    return sign_in_office(app, client, "owner@example.com")


@pytest.fixture
def rival(app, new_client):
    """The owner of another property company, signed in on another browser."""
    return sign_in_office(app, new_client(), "rival@example.com", "乙物业有限公司")
