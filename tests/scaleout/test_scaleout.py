"""Proven scale-out: two gunicorn web processes (A, B) and two RQ workers on one PostgreSQL and
one Redis agree with each other.

- a guard's live stream held by A shows, within 1 s, a scan made through B; the guard's admit
  sent to B flips the rider's pass polled through A;
- PIN lockouts and password rate limits hold across processes: a brute force split between A
  and B is stopped after 5;
- 100 complaints filed through A and B, delivered by two workers of which one is SIGKILLed
  mid-run, reach the city exactly once;
- /metrics of a gunicorn process adds up its workers' samples (Prometheus multiprocess mode).

Real processes only (gunicorn, `python worker.py`, the city simulator), started once for the
module; the test waits for events, it does not sleep for them.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from tenants import Tenant, tenant_context
from tests.complaints.processes import WorkerProcess
from tests.conftest import CSRF_RE, REDIS_URL, TEST_DB
from tests.factories import (
    ACTIVE,
    CLIENT_ID,
    PIN,
    PUBLIC_URL,
    SECRET,
    create_user,
    local,
    make_site,
)
from tests.gateagents.processes import WebServer
from xgm.citysim.process import SimProcess
from xgm.complaints.models import Complaint
from xgm.compounds.models import Gate
from xgm.extensions import db

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        TEST_DB != "postgresql",
        reason="several processes on one database: the PostgreSQL suite (SQLite is one machine's)",
    ),
]

COMPLAINTS = 100
KILL_AFTER = 25
WRONG_PIN = "860731"
STATUS_URL = re.compile(r'data-status-url="([^"]+)"')
CITY = {"XGM_CITY_CLIENT_ID": CLIENT_ID, "XGM_CITY_SECRET": SECRET}
FAST = {
    "XGM_CITY_CONNECT_TIMEOUT": "1",
    "XGM_CITY_READ_TIMEOUT": "2",
    "XGM_COMPLAINT_RETRY_BASE": "0.5",
    "XGM_COMPLAINT_RETRY_MAX": "1",
    "XGM_COMPLAINT_LEASE": "4",
    "XGM_COMPLAINT_SWEEP_INTERVAL": "2",
    "XGM_COMPLAINT_SWEEP_GRACE": "1",
    "XGM_WORKER_MAINTENANCE_INTERVAL": "2",
    "XGM_WORKER_TTL": "20",
}


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory):
    """The city simulator process (webhooks held), its riders' OAuth back to PUBLIC_URL."""
    sim = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=PUBLIC_URL,
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=tmp_path_factory.mktemp("citysim") / "citysim.log",
    )
    with sim:
        yield sim.url


@pytest.fixture(scope="module")
def webs(database_url, _schema, sim_server, tmp_path_factory):
    """Web A and web B: two gunicorn (gevent) processes on free ports, one worker each."""
    logs = tmp_path_factory.mktemp("webs")
    servers = []
    for name in ("a", "b"):
        server = WebServer(database_url, logs / f"web-{name}.log", workers=1)
        server.env.update(
            {
                **CITY,
                "XGM_CITY_URL": sim_server,
                "XGM_PUBLIC_URL": PUBLIC_URL,  # both answer for one public name
                "XGM_METRICS_TOKEN": "scrape-token",
                "XGM_REQUEST_LOG": "0",
            }
        )
        servers.append(server)
    try:
        with ThreadPoolExecutor(2) as pool:  # both start at once
            list(pool.map(WebServer.start, servers))
        yield servers[0].url, servers[1].url
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def site(app, client):
    """A company with compound 甲苑 and its gate 东门, the owner signed in (in process)."""
    return make_site(app, client)


def _phone(base: str, code: str, guard_id: int) -> tuple[requests.Session, str]:
    """A browser enrolled as a gate phone over HTTP; returns it and its PIN pad's CSRF token."""
    phone = requests.Session()
    response = phone.get(f"{base}/device/enroll?code={code}", allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.status_code
    page = phone.get(f"{base}/guard/signin?guard_id={guard_id}", timeout=30)
    return phone, CSRF_RE.search(page.text).group(1)


def _pin(base: str, phone: requests.Session, token: str, guard_id: int, pin: str):
    return phone.post(
        f"{base}/guard/signin",
        data={"guard_id": guard_id, "pin": pin, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def _rider(base: str, token: str, rider_code: str) -> requests.Session:
    """A rider's browser signed in with the city (OAuth round trip through the simulator)."""
    browser = requests.Session()
    start = browser.get(f"{base}/g/{token}", allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.status_code
    city = requests.get(
        start.headers["Location"] + "&login_hint=" + rider_code, allow_redirects=False, timeout=30
    )
    back = urlsplit(city.headers["Location"])
    done = browser.get(f"{base}{back.path}?{back.query}", allow_redirects=False, timeout=30)
    assert done.status_code == 302, done.status_code
    # The company's privacy notice comes before the first scan at its gate (issue 17).
    notice = browser.get(f"{base}/g/{token}", allow_redirects=False, timeout=30)
    assert notice.status_code == 200 and "个人信息处理告知" in notice.text, notice.status_code
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', notice.text).group(1)
    accepted = browser.post(
        f"{base}/g/{token}/notice", data={"csrf_token": csrf}, allow_redirects=False, timeout=30
    )
    assert accepted.status_code == 303, accepted.status_code
    return browser


class StreamReader:
    """Reads a guard's SSE stream in a thread; each data event lands in `events` with its time."""

    def __init__(self, session: requests.Session, url: str) -> None:
        self.events: queue.Queue = queue.Queue()
        self.response = session.get(url, stream=True, timeout=(5, 30))
        assert self.response.status_code == 200
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.opened.wait(10), "the stream never started"

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line and line.startswith("retry:"):
                    self.opened.set()
                if line and line.startswith("data:") and '"rider_code"' in line:
                    self.events.put((time.monotonic(), line[5:].strip()))
        except (requests.RequestException, AttributeError, ValueError):
            pass  # closed by the test

    def close(self) -> None:
        """Close the connection (the reader thread ends with it)."""
        self.response.close()
        self.thread.join(timeout=0.5)  # a daemon: gunicorn's stop ends the stream anyway


def test_scan_through_b_reaches_the_guard_on_a_and_admit_through_b_flips_the_pass_on_a(
    app, site, sim, webs
):
    """Stream on A, scan on B: the card within 1 s; admit on B: the pass polled on A says so."""
    web_a, web_b = webs
    guard_id = site.add_guard("赵保安")
    phone, pin_token = _phone(web_a, site.new_code(), guard_id)
    assert _pin(web_a, phone, pin_token, guard_id, PIN).status_code == 302
    with app.app_context(), tenant_context(site.tenant_id):
        token = db.session.scalars(select(Gate.token).where(Gate.id == site.gate_id)).one()
    rider = _rider(web_b, token, ACTIVE)
    stream = StreamReader(phone, f"{web_a}/guard/stream")
    try:
        sent = time.monotonic()
        page = rider.get(f"{web_b}/g/{token}", timeout=30)
        made = time.monotonic()  # B has committed and published the scan
        assert page.status_code == 200 and 'data-outcome="pending"' in page.text
        seen_at, event = stream.events.get(timeout=5)
    finally:
        stream.close()
    print(f"scan on B took {made - sent:.3f} s; card on A's stream {seen_at - made:+.3f} s after")
    assert seen_at - made <= 1.0, f"the card reached web A's stream {seen_at - made:.2f} s later"
    assert ACTIVE in event
    status_url = STATUS_URL.search(page.text).group(1)
    assert rider.get(web_a + status_url, timeout=30).json()["outcome"] == "pending"
    console = phone.get(f"{web_b}/guard", timeout=30)
    csrf = CSRF_RE.search(console.text).group(1)
    [arrival] = phone.get(f"{web_b}/guard/arrivals", timeout=30).json()["arrivals"]
    admitted = phone.post(
        f"{web_b}/guard/arrivals/{arrival['id']}/admit",
        headers={"X-CSRFToken": csrf, "Accept": "application/json"},
        timeout=30,
    )
    assert admitted.status_code == 200
    assert rider.get(web_a + status_url, timeout=30).json()["outcome"] == "admitted"


def test_pin_lockout_and_password_limit_hold_across_processes(app, site, webs):
    """Wrong PINs alternating A, B: the fifth locks, the right PIN then fails on both; wrong
    passwords alternating A, B: the sixth is refused (429) before any check."""
    web_a, web_b = webs
    guard_id = site.add_guard("钱保安")
    with app.app_context():
        create_user(db.session.get(Tenant, site.tenant_id), email="brute@example.com")
    phones = [_phone(base, site.new_code(), guard_id) for base in (web_a, web_b)]
    answers = []
    for attempt in range(5):
        base = (web_a, web_b)[attempt % 2]
        phone, token = phones[attempt % 2]
        answers.append(_pin(base, phone, token, guard_id, WRONG_PIN))
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 403]
    assert "已被锁定 15 分钟" in answers[-1].text
    for base, (phone, token) in zip((web_a, web_b), phones, strict=True):
        refused = _pin(base, phone, token, guard_id, PIN)
        assert refused.status_code == 403 and "已被锁定 15 分钟" in refused.text

    codes = []
    for attempt in range(8):
        base = (web_a, web_b)[attempt % 2]
        browser = requests.Session()
        token = CSRF_RE.search(browser.get(f"{base}/login", timeout=30).text).group(1)
        codes.append(
            browser.post(
                f"{base}/login",
                data={"email": "brute@example.com", "password": "wrong", "csrf_token": token},
                allow_redirects=False,
                timeout=30,
            ).status_code
        )
    assert codes == [200] * 5 + [429] * 3


def test_100_complaints_through_two_webs_and_two_workers_one_killed_reach_the_city_once(
    app, site, sim, webs, database_url, tmp_path
):
    """Filed alternately through A and B; worker 1 SIGKILLed after 25 deliveries: the city
    holds exactly 100, one per reference, and every complaint here is received."""
    web_a, web_b = webs
    owner = requests.Session()
    token = CSRF_RE.search(owner.get(f"{web_a}/login", timeout=30).text).group(1)
    signed_in = owner.post(
        f"{web_a}/login",
        data={"email": "owner@example.com", "password": "correct-horse-42", "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302
    codes = requests.post(
        sim + "/_sim/riders", json={"count": COMPLAINTS, "prefix": "XGMS"}, timeout=10
    ).json()["codes"]
    env = {
        **FAST,
        **CITY,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "XGM_CITY_URL": sim,
        "SECRET_KEY": "test-secret-key-not-for-production",
    }
    workers = [
        WorkerProcess(env, tmp_path / f"worker-{n}.log", ("complaints",)).start() for n in (1, 2)
    ]
    killed = False
    try:
        csrf = CSRF_RE.search(owner.get(f"{web_a}/complaints/new", timeout=30).text).group(1)
        now = local(1)
        started = time.monotonic()
        for index, code in enumerate(codes):
            base = (web_a, web_b)[index % 2]
            response = owner.post(
                f"{base}/complaints/new",
                data={
                    "csrf_token": csrf,
                    "rider_code": code,
                    "compound_id": site.home,
                    "gate_id": site.gate_id,
                    "category": "unsafe_riding",
                    "description": f"扩容测试投诉 {index}",
                    "occurred_at": now,
                },
                allow_redirects=False,
                timeout=30,
            )
            assert response.status_code == 302, response.text[:300]
            if not killed and _city_count(sim) >= KILL_AFTER:
                workers[0].kill()
                killed = True
        filed_in = time.monotonic() - started
        deadline = time.monotonic() + 90
        while _received(app, site.tenant_id) < COMPLAINTS and time.monotonic() < deadline:
            if not killed and _city_count(sim) >= KILL_AFTER:
                workers[0].kill()
                killed = True
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()
    print(
        f"filed in {filed_in:.1f} s, all received {time.monotonic() - started:.1f} s after the first"
    )
    assert killed
    held = requests.get(sim + "/_sim/complaints", timeout=10).json()["complaints"]
    state = requests.get(sim + "/_sim/state", timeout=10).json()
    with app.app_context(), tenant_context(site.tenant_id):
        ours = {c.reference: c for c in db.session.scalars(select(Complaint))}
    assert len(ours) == COMPLAINTS
    assert len(held) == COMPLAINTS
    assert state["duplicate_references"] == 0
    assert {c["reference"] for c in held} == set(ours)
    assert {c.status for c in ours.values()} == {"received"}
    assert all(ours[c["reference"]].city_complaint_id == c["complaint_id"] for c in held)
    # Each delivery carried a request id to the city: the filing's (both webs, both workers,
    # retries included), or for one re-enqueued by the outbox sweep (the killed worker's) the
    # sweep job's own.
    ids = [c["request_id"] for c in held]
    assert all(len(i) == 32 or i.startswith("job-") for i in ids), ids
    assert sum(len(i) == 32 for i in ids) >= COMPLAINTS // 2

    # /metrics of web B adds up its processes' samples: its share of the filings is counted.
    metrics = requests.get(
        f"{web_b}/metrics", headers={"Authorization": "Bearer scrape-token"}, timeout=30
    ).text
    filed = re.search(
        r'xgm_http_requests_total\{endpoint="complaints.new",method="POST",status="302"\} (\S+)',
        metrics,
    )
    assert filed and float(filed.group(1)) >= COMPLAINTS / 2


def _city_count(sim: str) -> int:
    return requests.get(sim + "/_sim/state", timeout=10).json()["complaints"]


def _received(app, tenant_id: int) -> int:
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalar(
            select(func.count(Complaint.id)).where(Complaint.status == "received")
        )
