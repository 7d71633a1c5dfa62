"""Fixtures running a REAL simulator process and a small webhook receiver for it."""

import pytest
import requests

from tests.factories import CLIENT_ID, SECRET, WEBHOOK_MAX_ATTEMPTS, Receiver
from xgm.city import CityClient
from xgm.citysim.process import SimProcess


@pytest.fixture(scope="session")
def receiver():
    """A running webhook receiver (xgm's stand-in) for the whole session."""
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture(scope="session")
def sim_server(receiver, tmp_path_factory):
    """A real `python -m xgm.citysim` process on a free port, webhooks to the receiver."""
    process = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=receiver.url,
        env={
            "CITYSIM_WEBHOOK_BACKOFF": "0.05",
            "CITYSIM_WEBHOOK_MAX_ATTEMPTS": str(WEBHOOK_MAX_ATTEMPTS),
        },
        log_path=tmp_path_factory.mktemp("citysim") / "citysim.log",
    )
    with process:
        yield process.url


@pytest.fixture
def sim(sim_server, receiver):
    """The simulator's URL, reset to its seed state, with an empty receiver."""
    requests.post(sim_server + "/_sim/reset", timeout=5).raise_for_status()
    receiver.clear()
    return sim_server


@pytest.fixture
def city(sim):
    """A CityClient configured for the simulator process."""
    client = CityClient(sim, CLIENT_ID, SECRET, connect_timeout=1.0, read_timeout=3.0)
    yield client
    client.close()
