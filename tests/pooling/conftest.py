"""Fixtures of the pooling tests: the simulator process of the scan tests."""

from tests.passes.fixtures import sim, sim_server  # noqa: F401
