"""The blocklist tests use the scan tests' simulator process and gate fixtures."""

from tests.passes.fixtures import city_app, place, sim, sim_server  # noqa: F401
