"""The waiting alarm on the server: unattended arrivals (sweep, poll path, every gate's phone),
the rider's masked phone and its logged reveal, the cards' 已加入黑名单 mark."""

from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select, update

from tenants import tenant_context, utcnow
from tests.conftest import REDIS_URL
from tests.factories import create_gate, make_site, page_csrf, signed_in_phone
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.passes.feed import feed_key
from xgm.passes.models import Arrival
from xgm.passes.waiting import mark_unattended, sweep_unattended
from xgm.privacy.models import RiderDataAccess

RIDER = "HZ330100000001"


class Gates:
    """A company with compound 甲苑: gate 东门 and gate 北门, each with its own phone on duty."""

    def __init__(self, app, client):
        self.app = app
        self.site = make_site(app, client)
        with app.app_context():
            self.north = create_gate(self.site.tenant_id, self.site.home, "北门")
        self.east_phone = signed_in_phone(
            self.site, self.site.add_guard("赵东"), gate_id=self.site.gate_id
        )
        self.north_phone = signed_in_phone(
            self.site, self.site.add_guard("钱北"), gate_id=self.north
        )

    def arrival(self, seconds_ago: float, gate_id: int | None = None, **fields) -> int:
        """A pending arrival of a verified rider, scanned `seconds_ago` (at 东门 by default)."""
        with self.app.app_context(), tenant_context(self.site.tenant_id):
            values = {
                "compound_id": self.site.home,
                "gate_id": gate_id or self.site.gate_id,
                "compound_name": "甲苑",
                "gate_name": "东门",
                "rider_code": RIDER,
                "rider_name": "王小明",
                "rider_phone": "13800001234",
                "rider_status": "active",
                "created_at": utcnow() - timedelta(seconds=seconds_ago),
            }
            arrival = Arrival(**{**values, **fields})
            db.session.add(arrival)
            db.session.commit()
            return arrival.id

    def unattended_at(self, arrival_id: int):
        with self.app.app_context(), tenant_context(self.site.tenant_id):
            return db.session.scalar(select(Arrival.unattended_at).where(Arrival.id == arrival_id))

    def set_thresholds(self, alarm: int, escalate: int) -> None:
        with self.app.app_context(), tenant_context(self.site.tenant_id):
            db.session.execute(
                update(Compound)
                .where(Compound.id == self.site.home)
                .values(wait_alarm_seconds=alarm, wait_escalate_seconds=escalate)
            )
            db.session.commit()

    def listed(self, phone) -> dict[int, dict]:
        response = phone.get("/guard/arrivals")
        assert response.status_code == 200
        return {a["id"]: a for a in response.get_json()["arrivals"]}


@pytest.fixture
def gates(app, client):
    return Gates(app, client)


def test_sweep_marks_what_waited_past_the_threshold_without_any_phone(gates):
    """The worker's sweep (no phone asked) marks the verified rider pending past 90 s, once;
    not one at 60 s, not a manual registration, not a decided arrival."""
    late = gates.arrival(95)
    young = gates.arrival(60)
    manual = gates.arrival(200, manual=True, rider_code="", rider_status="")
    decided = gates.arrival(200, outcome="admitted", decided_at=utcnow())
    with gates.app.app_context():
        assert sweep_unattended() == 1
        assert sweep_unattended() == 0  # once
    assert gates.unattended_at(late) is not None
    assert [gates.unattended_at(i) for i in (young, manual, decided)] == [None, None, None]


def test_an_unattended_rider_is_one_team_alert_with_codes_only(gates):
    """Marked unattended: one `unattended` alert (bell and robots) naming gate and rider code,
    never the rider's name or phone; a second sweep raises none."""
    from xgm.alerts.models import AlertEvent

    late = gates.arrival(95)
    with gates.app.app_context():
        assert (sweep_unattended(), sweep_unattended()) == (1, 0)
        with tenant_context(gates.site.tenant_id):
            rows = db.session.execute(
                select(AlertEvent.kind, AlertEvent.ref, AlertEvent.detail, AlertEvent.link)
            ).all()
    assert [tuple(r) for r in rows] == [
        ("unattended", f"甲苑 · 东门 · {RIDER}", "骑手等待无人处理", f"/arrivals/{late}")
    ]


def test_the_compound_sets_the_threshold(gates):
    """A compound that escalates after 40 s marks a 50 s wait; the default 90 s would not."""
    waiting = gates.arrival(50)
    with gates.app.app_context():
        assert sweep_unattended() == 0
    gates.set_thresholds(20, 40)
    with gates.app.app_context():
        assert sweep_unattended() == 1
    assert gates.unattended_at(waiting) is not None


def test_the_poll_path_marks_it_and_every_gate_phone_gets_it(gates):
    """A phone's console list marks a due arrival of its compound, and the other gate's phone
    lists it as unattended and may admit it, while another gate's ordinary arrival stays out of its reach (404)."""
    late = gates.arrival(120)
    ordinary = gates.arrival(5)
    assert gates.unattended_at(late) is None
    north = gates.listed(gates.north_phone)  # its poll marks it, then lists it
    assert list(north) == [late] and north[late]["unattended"] is True
    assert gates.unattended_at(late) is not None
    east = gates.listed(gates.east_phone)
    assert east[late]["unattended"] is True and east[ordinary]["unattended"] is False
    csrf = page_csrf(gates.north_phone, "/guard")
    headers = {"X-CSRFToken": csrf, "Accept": "application/json"}
    refused = gates.north_phone.post(f"/guard/arrivals/{ordinary}/admit", headers=headers)
    assert refused.status_code == 404
    admitted = gates.north_phone.post(f"/guard/arrivals/{late}/admit", headers=headers)
    assert admitted.status_code == 200
    assert admitted.get_json()["arrival"]["decided_by"] == "钱北"


def test_the_unattended_event_goes_to_every_gate_of_the_feed(gates):
    """Marking publishes the card on the compound's feed for every gate (gate field 0), so a
    phone watching another gate receives it on its stream."""
    late = gates.arrival(120)
    with gates.app.app_context(), tenant_context(gates.site.tenant_id):
        arrival = db.session.get(Arrival, late)
        assert mark_unattended(arrival) is True
        assert mark_unattended(arrival) is False
    client = Redis.from_url(REDIS_URL)
    entries = client.xrange(feed_key(client, gates.site.tenant_id, gates.site.home))
    assert [fields[b"g"] for _id, fields in entries] == [b"0"]
    assert b'"unattended":true' in entries[0][1][b"d"]


def test_card_shows_the_phone_masked(gates):
    """The card's JSON carries 138****1234, never the full number."""
    arrival_id = gates.arrival(5)
    card = gates.listed(gates.east_phone)[arrival_id]
    assert card["rider"]["phone"] == "138****1234"
    assert "13800001234" not in gates.east_phone.get("/guard/arrivals").get_data(as_text=True)


def test_each_reveal_and_call_is_an_access_log_row(gates):
    """POST .../phone answers the full number (no-store) and writes one row per reveal and per
    call, each time, with the guard's name."""
    arrival_id = gates.arrival(5)
    csrf = page_csrf(gates.east_phone, "/guard")
    headers = {"X-CSRFToken": csrf, "Accept": "application/json"}
    url = f"/guard/arrivals/{arrival_id}/phone"
    for kind in ("reveal", "call", "reveal"):
        response = gates.east_phone.post(url, data={"kind": kind}, headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"phone": "13800001234"}
        assert response.headers["Cache-Control"] == "no-store"
    with gates.app.app_context(), tenant_context(gates.site.tenant_id):
        rows = db.session.execute(
            select(RiderDataAccess.place, RiderDataAccess.actor_name, RiderDataAccess.rider_code)
            .where(RiderDataAccess.arrival_id == arrival_id, RiderDataAccess.place != "guard_card")
            .order_by(RiderDataAccess.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("phone_reveal", "赵东", RIDER),
        ("phone_call", "赵东", RIDER),
        ("phone_reveal", "赵东", RIDER),
    ]


def test_phone_reveal_needs_csrf_and_the_phones_gate(gates):
    """Without the CSRF token a 400; from the other gate's phone a 404; neither is logged."""
    arrival_id = gates.arrival(5)
    url = f"/guard/arrivals/{arrival_id}/phone"
    assert gates.east_phone.post(url, data={"kind": "reveal"}).status_code == 400
    csrf = page_csrf(gates.north_phone, "/guard")
    other = gates.north_phone.post(url, headers={"X-CSRFToken": csrf, "Accept": "application/json"})
    assert other.status_code == 404
    with gates.app.app_context(), tenant_context(gates.site.tenant_id):
        places = db.session.scalars(select(RiderDataAccess.place)).all()
    assert "phone_reveal" not in places


def test_deny_with_block_marks_the_card_blocked(gates):
    """拒绝 + 拉黑: the answer's card and the list carry the 已加入黑名单 mark."""
    arrival_id = gates.arrival(5)
    csrf = page_csrf(gates.east_phone, "/guard")
    response = gates.east_phone.post(
        f"/guard/arrivals/{arrival_id}/deny",
        data={"reason": "未戴头盔", "block": "1", "block_days": "7"},
        headers={"X-CSRFToken": csrf, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["arrival"]["flags"] == ["blocked"]
    assert gates.listed(gates.east_phone)[arrival_id]["flags"] == ["blocked"]
