"""Enrollment codes under real concurrency: one code enrolls one phone; guessing stays limited."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from tenants import tenant_context
from xgm.devices.models import Device
from xgm.extensions import db


def _parallel(n: int, call):
    start = threading.Barrier(n)

    def run(i: int):
        start.wait(timeout=60)
        return call(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _enroll(base: str, code: str) -> tuple[int, str]:
    response = requests.get(
        f"{base}/device/enroll", params={"code": code}, allow_redirects=False, timeout=60
    )
    return response.status_code, response.text


def test_one_code_opened_by_ten_phones_at_once_enrolls_one(site, live_server):
    """Ten phones redeem the same code at the same moment: one is enrolled, nine are told it was used."""
    code = site.new_code()
    results = _parallel(10, lambda i: _enroll(live_server, code))
    assert Counter(status for status, _body in results) == {302: 1, 400: 9}
    assert all("该登记码已经用过" in body for status, body in results if status == 400)
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(Device)) == 1


def test_parallel_code_guessing_checks_at_most_twenty_a_minute(site, live_server):
    """25 guesses at once from one address: 20 are looked up, 5 are refused with 429 unchecked."""
    guesses = [f"ABCDEF{a}{b}" for a in "23456" for b in "23456"]
    results = _parallel(25, lambda i: _enroll(live_server, guesses[i]))
    assert Counter(status for status, _body in results) == {400: 20, 429: 5}
    assert sum("登记码不正确" in body for status, body in results if status == 400) == 20
    code = site.new_code()
    assert _enroll(live_server, code)[0] == 429  # even the right code waits for the window
