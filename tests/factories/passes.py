"""Helpers of the scan tests: a real simulator process, gates, rider sign-in, signed webhooks."""

import json
import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from tenants import tenant_context, unscoped
from tests.conftest import csrf_token
from tests.factories.city import CLIENT_ID, PUBLIC_URL, SECRET, control
from tests.factories.compounds import create_compound, create_gate, token_of
from tests.factories.guards import make_site, page_csrf, signed_in_phone
from xgm.city.signing import signed_headers
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.passes.models import Arrival

ACTIVE = "XGM330122000123"  # 王小明, 美团外卖
ACTIVE_2 = "XGM330122000131"  # 张伟, 饿了么
SUSPENDED = "XGM330122000132"  # 刘洋
REVOKED = "XGM330106000202"  # 杨帆
EXPIRED = "XGM330108000302"  # 黄海涛: active but valid_until in the past


def city_config(sim_url: str) -> dict:
    """The app settings pointing at the simulator process."""
    return {
        "XGM_CITY_URL": sim_url,
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "XGM_CITY_CONNECT_TIMEOUT": 1.0,
        "XGM_CITY_READ_TIMEOUT": 3.0,
    }


def lookups(sim_url: str) -> int:
    """How many rider lookups the simulator has answered since its last reset."""
    return control(sim_url, "GET", "/_sim/state")["counters"].get("rider_lookups", 0)


#: The scan tests' compounds: an address and the hotline, no division fields.
PLACE = {"address": "桐庐县滨江路 1 号", "district": "", "street": "", "community": ""}


def make_place(
    app, tenant_id: int, compound: str = "富春江畔花园", gate: str = "东门", buildings: str = ""
):
    """A compound with one gate for the tenant; returns (compound_id, gate_id, token)."""
    with app.app_context():
        compound_id = create_compound(tenant_id, compound, **PLACE, buildings=buildings)
        gate_id = create_gate(tenant_id, compound_id, gate)
    return compound_id, gate_id, token_of(app, gate_id)


def authorize(client, token: str, hint: str):
    """Scan a gate with no rider cookie and let the city answer for `hint`; the callback URL."""
    start = client.get(f"/g/{token}")
    assert start.status_code == 302, start.status_code
    city = requests.get(
        start.headers["Location"] + "&login_hint=" + hint, allow_redirects=False, timeout=5
    )
    assert city.status_code == 302, city.text
    back = urlsplit(city.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == PUBLIC_URL
    return back.path + "?" + back.query


def sign_in_rider(client, token: str, rider_code: str):
    """The whole OAuth round trip against the simulator; returns the callback's response."""
    callback = authorize(client, token, rider_code)
    response = client.get(callback)
    assert response.status_code == 302, response.get_data(as_text=True)
    accept_notice(client, token)
    return response


def accept_notice(client, token: str) -> None:
    """Read the company's privacy notice before the first scan at its gate, and accept it."""
    notice = client.get(f"/g/{token}")
    body = notice.get_data(as_text=True)
    assert notice.status_code == 200 and "个人信息处理告知" in body, notice.status_code
    match = re.search(r'name="csrf_token" value="([^"]+)"', body)
    accepted = client.post(f"/g/{token}/notice", data={"csrf_token": match.group(1)})
    assert accepted.status_code == 303, accepted.status_code


def query_of(url: str) -> dict:
    """The query parameters of a URL, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def arrivals(app, tenant_id: int | None = None) -> list[Arrival]:
    """Arrivals of one tenant (or all), oldest first, detached."""
    with app.app_context():
        ctx = tenant_context(tenant_id) if tenant_id else unscoped()
        with ctx:
            rows = list(db.session.scalars(select(Arrival).order_by(Arrival.id)))
            for row in rows:
                db.session.expunge(row)
            return rows


def count_arrivals(app, tenant_id: int) -> int:
    """How many arrivals a tenant has."""
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(Arrival))


def age_arrivals(app, tenant_id: int, delta) -> None:
    """Move a tenant's arrivals back in time by `delta` (the clock cannot be waited for)."""
    with app.app_context(), tenant_context(tenant_id):
        for arrival in db.session.scalars(select(Arrival)):
            arrival.created_at = arrival.created_at - delta
        db.session.commit()


def post_event(client, event: dict, *, secret: str = SECRET, client_id: str = CLIENT_ID, **sign):
    """POST a city event to /hooks/city, signed as the city platform signs it."""
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    headers = signed_headers(client_id, secret, "POST", "/hooks/city", body, **sign)
    headers["Content-Type"] = "application/json; charset=utf-8"
    return client.post("/hooks/city", data=body, headers=headers)


def held_event(sim_url: str) -> dict:
    """The newest event the simulator wanted to send (webhooks are held in these tests)."""
    deliveries = control(sim_url, "GET", "/_sim/webhooks")["deliveries"]
    assert deliveries, "the simulator sent no event"
    return deliveries[0]["payload"]


def office_csrf(client) -> str:
    """A CSRF token of the signed-in office user's forms."""
    return csrf_token(client, "/blocks")


class Stream:
    """An open /guard/stream read by a background thread (as a phone would), closed at the end.

    The stream's generator keeps its request context pushed while it runs, so it must not run
    in the test's own thread, where the rider's requests are made.
    """

    def __init__(self, phone, headers=None):
        self.response = phone.get("/guard/stream", buffered=False, headers=headers or {})
        assert self.response.status_code == 200, self.response.status_code
        assert self.response.mimetype == "text/event-stream"
        self.text = ""
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for chunk in self.response.iter_encoded():
                with self._cond:
                    self.text += chunk.decode("utf-8")
                    self._cond.notify_all()
                if self._stop.is_set():
                    break
        finally:
            self.response.close()
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def read_until(self, needle: str, timeout: float = 10.0) -> str:
        """Wait until `needle` has arrived (or the stream ended); return the text so far."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while needle not in self.text and not self._done:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            assert needle in self.text, self.text
            return self.text

    def messages(self) -> list[dict]:
        """The data messages received so far: [{"id": .., "data": {...}}]."""
        found = []
        with self._cond:
            blocks = self.text.split("\n\n")
        for block in blocks:
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "data" in fields and "event" not in fields and "id" in fields:
                found.append({"id": fields["id"], "data": json.loads(fields["data"])})
        return found

    def close(self) -> None:
        """Hang up (at the next chunk, a heartbeat at most away)."""
        self._stop.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the stream did not end"


class Duty:
    """A company with a guard signed in on a phone of compound 甲苑 (gate 东门)."""

    def __init__(self, app, new_client):
        self.app = app
        self.site = make_site(app, new_client())
        self.guard_id = self.site.add_guard("赵保安")
        self.phone = signed_in_phone(self.site, self.guard_id)
        self.token = self.token_of(self.site.gate_id)
        self.csrf = page_csrf(self.phone, "/guard")
        self.new_client = new_client

    def token_of(self, gate_id: int) -> str:
        """The gate's QR token."""
        with self.app.app_context(), tenant_context(self.site.tenant_id):
            return db.session.scalars(select(Gate.token).where(Gate.id == gate_id)).one()

    def rider(self, rider_code: str = ACTIVE, token: str | None = None):
        """A rider's phone that signed in and scanned the gate; returns (browser, pass page)."""
        browser = self.new_client()
        sign_in_rider(browser, token or self.token, rider_code)
        return browser, browser.get(f"/g/{token or self.token}")

    def listed(self, phone=None) -> list[dict]:
        """The console's JSON list."""
        response = (phone or self.phone).get("/guard/arrivals")
        assert response.status_code == 200
        return response.get_json()["arrivals"]

    def act(self, arrival_id: int, action: str, data: dict | None = None, json: bool = True):
        """POST admit/deny from the console script (CSRF header) or a plain form (field)."""
        if json:
            return self.phone.post(
                f"/guard/arrivals/{arrival_id}/{action}",
                data=data or {},
                headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
            )
        return self.phone.post(
            f"/guard/arrivals/{arrival_id}/{action}", data={**(data or {}), "csrf_token": self.csrf}
        )
