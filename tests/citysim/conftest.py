"""Fixtures for the simulator tested in-process through Flask's test client."""

import pytest

from tests.factories import Signed, sim_config
from xgm.citysim import create_sim_app


@pytest.fixture
def sim_app():
    """A fresh simulator app in its seed state."""
    return create_sim_app(sim_config())


@pytest.fixture
def sim_client(sim_app):
    """A test client of the simulator."""
    return sim_app.test_client()


@pytest.fixture
def signed(sim_client):
    """A signed-request helper bound to the simulator's test client."""
    return Signed(sim_client)
