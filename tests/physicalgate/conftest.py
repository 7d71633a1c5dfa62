"""Fixtures of the physical-gate tests: the city simulator, a guard on duty, a paired agent."""

import pytest

from tests.passes.fixtures import city_app, place, sim, sim_server  # noqa: F401
from tests.physicalgate.support import Duty


@pytest.fixture
def duty(city_app, new_client):  # noqa: F811 - the imported fixture, by name
    """A guard on duty at 甲苑 东门 (a second gate 北门), the app talking to the simulator."""
    return Duty(city_app, new_client)
