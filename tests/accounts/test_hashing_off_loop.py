"""argon2 runs off the gevent event loop, in real threads (issue 11, point 9).

Under gevent (a fresh interpreter, monkey-patched as gunicorn's gevent worker is), a greenlet
keeps counting while a production-cost verification runs in another greenlet: a check made on
the event loop itself would let it count nothing at all until the check returned. No timing
is asserted, only that the loop ran during the check and that the check ran in another thread.
"""

import json
import subprocess
import sys
import threading
from pathlib import Path

from xgm.accounts.passwords import hash_secret, off_the_loop, verify_secret

ROOT = Path(__file__).resolve().parents[2]

UNDER_GEVENT = r"""
from gevent import monkey

monkey.patch_all()

import json
import os
import threading

import gevent

from xgm import create_app
from xgm.accounts.passwords import hash_secret, off_the_loop, verify_secret

app = create_app({
    "TESTING": True,
    "SECRET_KEY": "x",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "XGM_ARGON2_PROFILE": "rfc9106_low_memory",
})
ticks = 0


def ticker():
    global ticks
    while True:
        ticks += 1
        gevent.sleep(0)


def timed(check):
    before = ticks
    result = check()
    return result, ticks - before


with app.app_context():
    stored = hash_secret("一二三四五六七八九十")
    gevent.spawn(ticker)
    gevent.sleep(0)
    right, during_right = timed(lambda: verify_secret(stored, "一二三四五六七八九十"))
    wrong, during_wrong = timed(lambda: verify_secret(stored, "wrong password"))
    thread = off_the_loop(lambda: (threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0)))
    try:
        off_the_loop(int, "not a number")
        raised = False
    except ValueError:
        raised = True
    print(json.dumps({
        "right": right, "wrong": wrong,
        "ticks_during": [during_right, during_wrong],
        "loop_thread": threading.get_native_id(),
        "loop_nice": os.getpriority(os.PRIO_PROCESS, 0),
        "pool_thread": thread[0], "pool_nice": thread[1],
        "raised": raised,
    }))
"""


def test_under_gevent_verification_runs_in_a_thread_while_the_loop_serves():
    out = subprocess.run(
        [sys.executable, "-c", UNDER_GEVENT],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert (result["right"], result["wrong"]) == (True, False)
    # The other greenlet ran while each check was in progress: the loop was not held.
    assert all(n > 0 for n in result["ticks_during"]), result
    assert result["pool_thread"] != result["loop_thread"]
    assert result["pool_nice"] == 19  # the lowest priority: sign-ins queue behind the gate
    assert result["raised"] is True


def test_without_gevent_it_is_a_plain_call(app):
    """The test suite and the RQ worker run no event loop: the calling thread does the work."""
    with app.app_context():
        assert off_the_loop(threading.get_native_id) == threading.get_native_id()
        stored = hash_secret("482915")
        assert verify_secret(stored, "482915") is True
        assert verify_secret(stored, "482916") is False
        assert verify_secret("not an argon2 hash", "482915") is False
