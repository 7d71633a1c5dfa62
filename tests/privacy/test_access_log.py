"""The access log: who viewed a rider's personal data, where and when."""

from datetime import timedelta

from sqlalchemy import select, update

from tenants import Tenant, tenant_context, utcnow
from tests.conftest import login
from tests.dashboard import data, known
from tests.factories import PASSWORD, create_user
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.privacy import log_access
from xgm.privacy.models import RiderDataAccess


def _setup(app):
    """Tenant A with one arrival, and its manager signed in."""
    with app.app_context():
        k = known.build(app)
        manager = create_user(
            db.session.get(Tenant, k.a), "manager", email="m@example.com", name="赵经理"
        )
        with tenant_context(k.a):
            arrival_id = db.session.scalars(select(Arrival.id).order_by(Arrival.id)).first()
        manager_id = manager.id
    client = app.test_client()
    assert login(client, "m@example.com", PASSWORD).status_code == 302
    return k, client, arrival_id, manager_id


def _log(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.scalars(select(RiderDataAccess).order_by(RiderDataAccess.id)).all()
        return [
            (r.actor_kind, r.actor_id, r.actor_name, r.arrival_id, r.rider_code, r.place)
            for r in rows
        ]


def test_arrival_detail_is_logged(app):
    """Opening an arrival's detail writes one row: the manager, the arrival, arrival_detail."""
    k, client, arrival_id, manager_id = _setup(app)
    assert client.get(f"/arrivals/{arrival_id}").status_code == 200
    assert _log(app, k.a) == [
        ("user", manager_id, "赵经理", arrival_id, "XGM330100000001", "arrival_detail")
    ]


def test_reopening_within_the_hour_is_one_viewing(app):
    """Opening the same detail again within an hour does not add a row."""
    k, client, arrival_id, _ = _setup(app)
    client.get(f"/arrivals/{arrival_id}")
    client.get(f"/arrivals/{arrival_id}")
    assert len(_log(app, k.a)) == 1


def test_a_new_viewing_after_an_hour_is_logged_again(app):
    """An hour later the same viewing is a new row."""
    k, client, arrival_id, _ = _setup(app)
    client.get(f"/arrivals/{arrival_id}")
    with app.app_context(), tenant_context(k.a):
        db.session.execute(
            update(RiderDataAccess).values(created_at=utcnow() - timedelta(minutes=61))
        )
        db.session.commit()
    client.get(f"/arrivals/{arrival_id}")
    assert len(_log(app, k.a)) == 2


def test_purged_arrivals_are_not_logged(app):
    """An arrival whose personal data was removed shows nothing personal: no row."""
    k, client, arrival_id, _ = _setup(app)
    with app.app_context(), tenant_context(k.a):
        db.session.execute(
            update(Arrival)
            .where(Arrival.id == arrival_id)
            .values(rider_name="", rider_phone="", photo_url="")
        )
        db.session.commit()
    assert client.get(f"/arrivals/{arrival_id}").status_code == 200
    assert _log(app, k.a) == []


def test_log_access_for_a_guard_and_many_cards(app):
    """log_access() with a guard and several cards writes one row per card with a guard actor."""
    from xgm.guards.models import Guard

    with app.app_context():
        k = known.build(app)
        with tenant_context(k.a):
            guard = Guard(
                name="王门卫", phone="13800000001", compound_id=k.compounds["一号院"], pin_hash="x"
            )
            db.session.add(guard)
            db.session.commit()
            arrivals = db.session.scalars(select(Arrival).order_by(Arrival.id).limit(3)).all()
            with app.test_request_context():
                assert log_access(arrivals, "guard_card", guard) == 3
                assert log_access(arrivals, "guard_card", guard) == 0
            ids = [a.id for a in arrivals]
            guard_id = guard.id
    assert _log(app, k.a) == [
        ("guard", guard_id, "王门卫", i, "XGM330100000001", "guard_card") for i in ids
    ]


def test_owner_reads_the_access_log(app):
    """The owner's /privacy page lists who viewed which rider code, and filters by code."""
    k, client, arrival_id, _ = _setup(app)
    client.get(f"/arrivals/{arrival_id}")
    with app.app_context():
        create_user(db.session.get(Tenant, k.a), "owner", email="o@example.com")
        c = k.compounds["一号院"]
        other = data.arrival(k.a, c, k.gates[1], utcnow(), rider_code="XGM999")
    client.get(f"/arrivals/{other}")
    owner = app.test_client()
    login(owner, "o@example.com", PASSWORD)
    html = owner.get("/privacy").get_data(as_text=True)
    assert html.count("进出记录详情") == 2 and "赵经理" in html
    html = owner.get("/privacy", query_string={"rider": "XGM999"}).get_data(as_text=True)
    assert html.count("进出记录详情") == 1


def test_guard_console_cards_are_logged(app):
    """The guard's arrivals list logs each card with the guard as viewer (once per hour)."""
    from tests.factories import make_site, page_csrf, signed_in_phone

    site = make_site(app, app.test_client())
    guard_id = site.add_guard("张伟")
    phone = signed_in_phone(site, guard_id)
    with app.app_context():
        first = data.arrival(site.tenant_id, site.home, site.gate_id, utcnow(), "pending", None)
        second = data.arrival(
            site.tenant_id, site.home, site.gate_id, utcnow(), "pending", None, rider_code="XGM2"
        )
    response = phone.get("/guard/arrivals")
    assert response.status_code == 200
    assert len(response.get_json()["arrivals"]) == 2
    phone.get("/guard/arrivals")  # the polling fallback asks again: still one viewing each
    token = page_csrf(phone, "/guard")
    assert (
        phone.post(f"/guard/arrivals/{first}/admit", data={"csrf_token": token}).status_code == 302
    )
    assert sorted(_log(app, site.tenant_id), key=lambda r: r[3]) == [
        ("guard", guard_id, "张伟", first, "XGM330100000001", "guard_card"),
        ("guard", guard_id, "张伟", second, "XGM2", "guard_card"),
    ]


def test_a_card_admitted_from_the_stream_is_logged(app):
    """A card the guard acted on without the list (it came by the stream) is logged on admit."""
    from tests.factories import make_site, page_csrf, signed_in_phone

    site = make_site(app, app.test_client())
    guard_id = site.add_guard("张伟")
    phone = signed_in_phone(site, guard_id)
    with app.app_context():
        arrival_id = data.arrival(
            site.tenant_id, site.home, site.gate_id, utcnow(), "pending", None
        )
    token = page_csrf(phone, "/guard")
    assert (
        phone.post(f"/guard/arrivals/{arrival_id}/admit", data={"csrf_token": token}).status_code
        == 302
    )
    assert _log(app, site.tenant_id) == [
        ("guard", guard_id, "张伟", arrival_id, "XGM330100000001", "guard_card")
    ]
