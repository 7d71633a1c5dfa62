"""Every response that shows a rider's name, phone or photo carries Cache-Control: no-store.

Walks every GET rule of the app as every kind of principal (new routes are covered without
editing this file) against a world whose arrival, complaint and block carry a rider's name,
phone and photo; any response holding one of them, and every live stream, must be no-store.
"""

import json

from flask import url_for

from tests.conftest import CSRF_RE
from tests.factories import RIDER_NAME, RIDER_PHONE, RIDER_PHOTO, build_principals

#: The rider's data as HTML shows it and as JSON escapes it.
MARKS = (RIDER_NAME, json.dumps(RIDER_NAME)[1:-1], RIDER_PHONE, RIDER_PHOTO)


def _path(app, rule, values) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


def test_every_response_with_rider_data_is_no_store(app, tmp_path):
    """No response that shows rider personal data may be stored by a browser or a proxy."""
    app.config["XGM_POSTER_CACHE_DIR"] = str(tmp_path / "posters")
    principals = build_principals(app)
    showed, problems = set(), []
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    for rule in sorted(rules, key=lambda r: r.rule):
        path = _path(app, rule, principals.values)
        for kind, client in principals.clients.items():
            response = client.get(path, buffered=False)
            try:
                if response.mimetype == "text/event-stream":
                    shown = True
                else:
                    body = response.get_data().decode("utf-8", "replace")
                    shown = any(mark in body for mark in MARKS)
            finally:
                response.close()
            if not shown:
                continue
            showed.add(rule.endpoint)
            if response.headers.get("Cache-Control") != "no-store":
                problems.append(
                    f"{kind} GET {path}: Cache-Control {response.headers.get('Cache-Control')!r}"
                )
    assert problems == []
    # The sweep saw the pages it is about (so it cannot pass by seeing nothing).
    assert {
        "passes.arrivals",
        "passes.arrival",
        "guardphone.arrivals",
        "guardphone.stream",
        "complaints.index",
        "complaints.detail",
        "guardphone.complain",
        "blocks.index",
    } <= showed


def test_guard_decisions_answer_no_store(app):
    """Admit and deny answer the rider's card as JSON: no-store too (also when already decided)."""
    principals = build_principals(app)
    guard = principals.clients["guard"]
    token = CSRF_RE.search(guard.get("/guard").get_data(as_text=True)).group(1)
    arrival_id = principals.values["arrival_id"]
    for _attempt in range(2):  # the second answer is the 409 "already decided"
        response = guard.post(
            f"/guard/arrivals/{arrival_id}/admit",
            headers={"Accept": "application/json", "X-CSRFToken": token},
        )
        assert response.status_code in (200, 409)
        assert response.get_json()["arrival"]["rider"]["name"] == RIDER_NAME
        assert response.headers["Cache-Control"] == "no-store"
