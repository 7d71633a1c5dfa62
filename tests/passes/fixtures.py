"""Fixtures of the scan tests: a REAL simulator process and the app pointed at it.

The conftest.py files of tests/passes and tests/webhooks import them.
"""

import pytest
import requests

from tests.passes.support import CLIENT_ID, PUBLIC_URL, SECRET, city_config, make_place
from xgm.citysim.process import SimProcess


@pytest.fixture(scope="session")
def sim_server(tmp_path_factory):
    """`python -m xgm.citysim` on a free port for the session (webhooks held, not sent)."""
    process = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=PUBLIC_URL,
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=tmp_path_factory.mktemp("citysim") / "citysim.log",
    )
    with process:
        yield process.url


@pytest.fixture
def sim(sim_server):
    """The simulator's URL, back in its seed state."""
    requests.post(sim_server + "/_sim/reset", timeout=5).raise_for_status()
    return sim_server


@pytest.fixture
def city_app(app, sim):
    """The test app talking to the simulator process."""
    app.config.update(city_config(sim))
    return app


@pytest.fixture
def place(city_app):
    """A tenant with a compound (with buildings) and one gate: (tenant_id, compound_id, gate_id, token)."""
    from tests.factories import create_tenant

    with city_app.app_context():
        tenant_id = create_tenant("安居物业有限公司").id
    compound_id, gate_id, token = make_place(city_app, tenant_id, buildings="1幢\n2幢\n3幢")
    return tenant_id, compound_id, gate_id, token
