"""Fixtures of the alert tests: both robot simulators on free ports, the app pointed at them."""

import pytest

from xgm.botsim import DingTalkSim, WeComSim


@pytest.fixture
def wecom():
    """A 企业微信 group robot simulator."""
    with WeComSim() as sim:
        yield sim


@pytest.fixture
def dingtalk():
    """A 钉钉 custom robot simulator (加签)."""
    with DingTalkSim() as sim:
        yield sim


@pytest.fixture
def app(app, wecom, dingtalk):
    """The app sending to the simulators, retrying at once (so one burst worker run sees all)."""
    app.config.update(
        XGM_WECOM_URL=wecom.url, XGM_DINGTALK_URL=dingtalk.url, XGM_ALERT_RETRY_DELAYS="0,0"
    )
    return app
