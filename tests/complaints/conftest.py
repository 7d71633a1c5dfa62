"""Fixtures of the complaint tests: a REAL simulator process and the app configured for it."""

import pytest
import requests

from tests.complaints.support import CLIENT_ID, SECRET, make_site
from xgm.citysim.process import SimProcess


@pytest.fixture(scope="session")
def sim_url(tmp_path_factory):
    """A `python -m xgm.citysim` process for the session (webhooks held: tests post them)."""
    sim = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url="http://xgm.test",
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=tmp_path_factory.mktemp("citysim") / "citysim.log",
    )
    with sim:
        yield sim.url


@pytest.fixture
def sim(sim_url):
    """The simulator, reset to its seed state."""
    requests.post(sim_url + "/_sim/reset", timeout=10).raise_for_status()
    return sim_url


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
    return make_site(app, client)
