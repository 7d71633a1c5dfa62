"""The PIN lockout holds under real concurrency: 20 wrong PINs at once from two phones."""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.conftest import CSRF_RE
from tests.factories import PIN
from xgm.audit.models import AuditEvent
from xgm.extensions import db
from xgm.guards.models import Guard, GuardSession

WRONG = "860731"
LEFT_RE = re.compile(r"PIN 不正确，还可以再试 (\d) 次")


def _phone(base: str, code: str, guard_id: int) -> tuple[requests.Session, str]:
    """A browser enrolled over real HTTP, on the guard's PIN pad; returns it and its CSRF token."""
    phone = requests.Session()
    response = phone.get(f"{base}/device/enroll?code={code}", allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.status_code
    page = phone.get(f"{base}/guard/signin?guard_id={guard_id}", timeout=30)
    assert page.status_code == 200
    return phone, CSRF_RE.search(page.text).group(1)


def _attempt(base: str, phone: requests.Session, token: str, guard_id: int, pin: str):
    response = phone.post(
        f"{base}/guard/signin",
        data={"guard_id": guard_id, "pin": pin, "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    return response.status_code, response.text


def test_twenty_parallel_wrong_pins_check_at_most_five(site, live_server):
    """20 wrong PINs sent at once from 2 phones: exactly 5 are checked, then the guard is locked.

    The 5 checked ones answer "4, 3, 2, 1 left" and the lockout; the 15 others are refused as
    locked without a check. The right PIN, from a third phone, is refused while locked.
    """
    guard_id = site.add_guard()
    phones = [_phone(live_server, site.new_code(), guard_id) for _ in range(3)]
    start = threading.Barrier(20)

    def attempt(i: int):
        phone, token = phones[i % 2]
        start.wait(timeout=60)
        return _attempt(live_server, phone, token, guard_id, WRONG)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    statuses = Counter(status for status, _body in results)
    assert statuses == {200: 4, 403: 16}, statuses
    left = sorted(int(LEFT_RE.search(body).group(1)) for status, body in results if status == 200)
    assert left == [1, 2, 3, 4]
    assert all("已被锁定 15 分钟" in body for status, body in results if status == 403)
    with site.app.app_context(), tenant_context(site.tenant_id):
        kinds = Counter(db.session.scalars(select(AuditEvent.kind)))
        guard = db.session.get(Guard, guard_id)
        assert guard.locked_until is not None and guard.locked_until > utcnow()
    assert (kinds["guard.pin_failed"], kinds["guard.locked"]) == (5, 1)

    phone, token = phones[2]
    status, body = _attempt(live_server, phone, token, guard_id, PIN)
    assert status == 403
    assert "已被锁定 15 分钟" in body
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalars(select(GuardSession)).all() == []
        assert Counter(db.session.scalars(select(AuditEvent.kind)))["guard.pin_failed"] == 5


def test_parallel_attempts_with_the_right_pin_among_them_sign_in_once_checked(site, live_server):
    """4 wrong PINs and the right one at once: the right one is among the 5 checked and signs in."""
    guard_id = site.add_guard()
    phones = [_phone(live_server, site.new_code(), guard_id) for _ in range(2)]
    pins = [WRONG] * 4 + [PIN]
    start = threading.Barrier(len(pins))

    def attempt(i: int):
        phone, token = phones[i % 2]
        start.wait(timeout=60)
        return _attempt(live_server, phone, token, guard_id, pins[i])

    with ThreadPoolExecutor(max_workers=len(pins)) as pool:
        results = list(pool.map(attempt, range(len(pins))))
    assert results[4][0] == 302
    assert Counter(status for status, _body in results[:4]) in (
        {200: 4},  # the right PIN came last or in between: the count was cleared or not reached
        {200: 3, 403: 1},  # the fifth reservation locked, then the right PIN cleared the lock
    )
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert len(db.session.scalars(select(GuardSession)).all()) == 1
