"""Fixtures of the physical-gate tests: the city simulator, a guard on duty, a paired agent."""

import pytest

from tests.factories import GateDuty


@pytest.fixture
def duty(city_app, new_client):
    """A guard on duty at 甲苑 东门 (a second gate 北门), the app talking to the simulator."""
    return GateDuty(city_app, new_client)
