"""Password sign-in under real concurrency: at most 5 passwords of one account checked a minute."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import CSRF_RE
from tests.factories import PASSWORD, create_observer, create_operator, create_tenant, create_user


def _browser(base: str, path: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(base + path, timeout=30)
    return browser, CSRF_RE.search(page.text).group(1)


def _storm(base: str, path: str, email: str, n: int = 20) -> list[tuple[int, str]]:
    """n wrong passwords for one account, sent at once from n browsers of one address."""
    browsers = [_browser(base, path) for _ in range(n)]
    start = threading.Barrier(n)

    def attempt(i: int):
        browser, token = browsers[i]
        start.wait(timeout=60)
        response = browser.post(
            base + path,
            data={"email": email, "password": f"wrong-password-{i}", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(attempt, range(n)))


def _right_password(base: str, path: str, email: str) -> int:
    browser, token = _browser(base, path)
    return browser.post(
        base + path,
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    ).status_code


def test_office_login_storm_checks_five_passwords(app, live_server):
    """20 wrong passwords at once: 5 checked ("邮箱或密码不正确"), 15 refused with 429 unchecked."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    results = _storm(live_server, "/login", "owner@example.com")
    assert Counter(status for status, _body in results) == {200: 5, 429: 15}
    assert all("邮箱或密码不正确" in body for status, body in results if status == 200)
    assert _right_password(live_server, "/login", "owner@example.com") == 429


def test_observer_login_storm_checks_five_passwords(app, live_server):
    """The same limit holds for an observer signing in at /login."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    results = _storm(live_server, "/login", "ob@gov.example")
    assert Counter(status for status, _body in results) == {200: 5, 429: 15}
    assert _right_password(live_server, "/login", "ob@gov.example") == 429


def test_operator_login_storm_checks_five_passwords(app, live_server):
    """And for an operator at /ops/login."""
    with app.app_context():
        create_operator("root@xgm.example")
    results = _storm(live_server, "/ops/login", "root@xgm.example")
    assert Counter(status for status, _body in results) == {200: 5, 429: 15}
    assert _right_password(live_server, "/ops/login", "root@xgm.example") == 429
