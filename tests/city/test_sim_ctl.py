"""The `python -m xgm.citysim ctl` command line drives a running simulator."""

import json
import subprocess
import sys

from tests.factories import control
from xgm.citysim.process import ROOT


def ctl(sim: str, *args: str) -> subprocess.CompletedProcess:
    """Run one ctl command against the simulator."""
    return subprocess.run(
        [sys.executable, "-m", "xgm.citysim", "ctl", "--url", sim, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_ctl_sets_a_failure_plan(sim):
    """`ctl fail 429 --count 3` installs the plan and prints the JSON answer."""
    result = ctl(sim, "fail", "429", "--count", "3", "--retry-after", "2")
    assert result.returncode == 0
    assert json.loads(result.stdout)["fail"]["remaining"] == 3
    assert control(sim, "GET", "/_sim/state")["fail"]["mode"] == "429"


def test_ctl_reports_errors(sim):
    """A refused control exits 1."""
    result = ctl(sim, "status", "XGM000000000000", "revoked")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["code"] == "not_found"
