"""Every route that shows a rider's name, phone or photo writes the access log (PIPL).

Walks every GET rule as every kind of principal (new routes are covered without editing this
file) against a world whose arrival, complaint and block carry a rider's name, phone and photo.
The access log is emptied before each request; a response that holds the rider's data must
have added a row naming that principal, unless the route is in NOT_LOGGED with its reason.
The same walk holds office lists to masked phone numbers (the full number on detail pages).
"""

import json

from flask import url_for
from sqlalchemy import delete, inspect, select

from tenants import tenant_context
from tests.factories import RIDER_NAME, RIDER_PHONE, RIDER_PHOTO, build_principals
from xgm.extensions import db
from xgm.privacy import mask_phone
from xgm.privacy.models import RiderDataAccess

MARKS = (RIDER_NAME, json.dumps(RIDER_NAME)[1:-1], RIDER_PHONE, RIDER_PHOTO)

#: Routes that show rider data without a row per request, and why.
NOT_LOGGED = {
    "passes.gate": "the rider's own pass, on his own phone",
    "passes.card": "the rider's own pass, on his own phone",
    "guardphone.stream": "a live stream: its cards go through the per-process buffer "
    "(xgm/privacy/viewings.py, tests/privacy/test_viewings.py)",
}
#: Office pages that may show a rider's full phone number (each viewing is logged).
FULL_PHONE_PAGES = {"passes.arrival"}
OFFICE = ("owner", "manager")


def _path(app, rule, values) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


def _rows(app, tenant_id) -> list[tuple[str, str, str]]:
    with app.app_context(), tenant_context(tenant_id):
        return [
            (r.actor_name, r.place, r.rider_code)
            for r in db.session.scalars(select(RiderDataAccess))
        ]


def _clear(app, tenant_id) -> None:
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(delete(RiderDataAccess))
        db.session.commit()


def test_every_route_showing_rider_data_writes_the_access_log(app, tmp_path):
    """Each response holding a rider's name, phone or photo logs who saw it, and where."""
    app.config["XGM_POSTER_CACHE_DIR"] = str(tmp_path / "posters")
    principals = build_principals(app)
    tenant_a = inspect(principals.world.tenant_a).identity[0]
    shown, unlogged, phones = set(), [], []
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    for rule in sorted(rules, key=lambda r: r.rule):
        if rule.endpoint == "guardphone.stream":
            continue  # an endless stream (see NOT_LOGGED)
        path = _path(app, rule, principals.values)
        for kind, client in principals.clients.items():
            _clear(app, tenant_a)
            response = client.get(path)
            body = response.get_data().decode("utf-8", "replace")
            response.close()  # file responses (the favicon) hold their file open until closed
            if not any(mark in body for mark in MARKS):
                continue
            shown.add(rule.endpoint)
            if kind in OFFICE and RIDER_PHONE in body and rule.endpoint not in FULL_PHONE_PAGES:
                phones.append(f"{kind} GET {path}: the full phone number in a list")
            if rule.endpoint in NOT_LOGGED:
                continue
            if not _rows(app, tenant_a):
                unlogged.append(f"{kind} GET {path}: shows rider data, wrote no access-log row")
    assert unlogged == []
    assert phones == []
    assert {
        "passes.arrivals",
        "passes.arrival",
        "guardphone.arrivals",
        "complaints.index",
        "complaints.detail",
        "guardphone.complain",
        "blocks.index",
    } <= shown


def test_lists_log_one_row_per_rider_with_their_place(app):
    """The arrivals list, complaints list and blocklist each log the rider once, by place."""
    principals = build_principals(app)
    tenant_a = inspect(principals.world.tenant_a).identity[0]
    manager = principals.clients["manager"]
    for path in ("/arrivals", "/complaints", "/blocks"):
        assert manager.get(path).status_code == 200
    rows = _rows(app, tenant_a)
    assert sorted(place for _name, place, _code in rows) == [
        "arrival_list",
        "block_list",
        "complaint_list",
    ]
    assert {name for name, _p, _c in rows} == {"王经理"}


def test_arrivals_list_masks_the_phone(app):
    """The list shows 138****1234; the detail page shows the full number."""
    principals = build_principals(app)
    owner = principals.clients["owner"]
    listing = owner.get("/arrivals").get_data(as_text=True)
    assert mask_phone(RIDER_PHONE) == "138****1234"
    assert "138****1234" in listing and RIDER_PHONE not in listing
    detail = owner.get(f"/arrivals/{principals.values['arrival_id']}").get_data(as_text=True)
    assert RIDER_PHONE in detail


def test_access_log_by_rider_code_and_viewer(app):
    """/privacy/access lists one rider's viewings, and one viewer's."""
    principals = build_principals(app)
    tenant_a = inspect(principals.world.tenant_a).identity[0]
    principals.clients["manager"].get("/arrivals")
    principals.clients["guard"].get("/guard/arrivals")
    code = _rows(app, tenant_a)[0][2]
    owner = principals.clients["owner"]
    page = owner.get("/privacy/access", query_string={"rider_code": code}).get_data(as_text=True)
    assert page.count('class="access-row"') == 2
    assert page.count('class="access-row"') == len(_rows(app, tenant_a))
    by_viewer = owner.get("/privacy/access", query_string={"viewer": "王经理"}).get_data(
        as_text=True
    )
    assert by_viewer.count('class="access-row"') == 1 and 'data-place="arrival_list"' in by_viewer
    nobody = owner.get("/privacy/access", query_string={"rider_code": "XGM0"}).get_data(
        as_text=True
    )
    assert 'class="access-row"' not in nobody
    assert principals.clients["manager"].get("/privacy/access").status_code in (302, 403, 404)
