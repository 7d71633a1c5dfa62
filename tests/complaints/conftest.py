"""Fixtures of the complaint tests: the app configured for the simulator process (`sim`)."""

import pytest

from tests.factories import CLIENT_ID, SECRET, make_complaint_site


@pytest.fixture
def app(app, sim):
    """The test app talking to the simulator, with short retry timings."""
    app.config.update(
        XGM_CITY_URL=sim,
        XGM_CITY_CLIENT_ID=CLIENT_ID,
        XGM_CITY_SECRET=SECRET,
        XGM_CITY_CONNECT_TIMEOUT=1.0,
        XGM_CITY_READ_TIMEOUT=1.0,
        XGM_COMPLAINT_RETRY_BASE=2.0,
        XGM_COMPLAINT_RETRY_MAX=60.0,
        XGM_COMPLAINT_LEASE=20.0,
    )
    return app


@pytest.fixture
def site(app, client):
    """A company with its owner signed in, two compounds and their gates."""
    return make_complaint_site(app, client)
