"""Fixtures of the scan tests: a real simulator process, the app pointed at it, a gate."""

from tests.passes.fixtures import city_app, place, sim, sim_server  # noqa: F401
