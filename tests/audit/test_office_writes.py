"""Every write route writes its audit row: the table in tests/audit/writes.py, held to the app.

A POST rule that is in neither the table nor its list of exceptions fails the first test, so
a new write route cannot land without saying which audit kind it writes. The second calls
every listed route as its principal, with a valid form, against one world, and checks that a
row of the listed kind was added (who, from which address) for each.
"""

from flask import url_for
from sqlalchemy import func, inspect, select

from tenants import unscoped
from tests.audit.writes import NOT_AUDITED, WRITES, not_audited_reason
from tests.conftest import CSRF_RE
from tests.factories import build_principals
from tests.test_fuzz import _valid_values
from xgm.audit import KINDS
from xgm.audit.models import AuditEvent
from xgm.extensions import db
from xgm.queues.worker import make_worker


def _post_rules(app) -> dict:
    return {r.endpoint: r for r in app.url_map.iter_rules() if "POST" in r.methods}


def test_every_write_route_is_in_the_table(app):
    """Each POST rule is listed with its audit kind, or among the exceptions with a reason."""
    rules = _post_rules(app)
    unlisted = sorted(e for e in rules if e not in WRITES and not_audited_reason(e) is None)
    assert unlisted == [], f"add these write routes to tests/audit/writes.py: {unlisted}"
    assert sorted(e for e in WRITES if e not in rules) == []  # no stale entries
    assert sorted(e for e in NOT_AUDITED if e not in rules) == []
    assert sorted(w.kind for w in WRITES.values() if w.kind not in KINDS) == []


def _csrf(client) -> str:
    for path in ("/", "/guard", "/signup", "/device/enroll", "/rider/entries"):
        match = CSRF_RE.search(client.get(path).get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token for this client")


def _count(kind: str) -> int:
    with unscoped():  # a sign-up writes its row in the new tenant
        return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.kind == kind))


def test_every_write_route_writes_its_audit_row(app, tmp_path):
    """Called as its principal with a valid form, each listed route adds a row of its kind."""
    app.config["XGM_POSTER_CACHE_DIR"] = str(tmp_path / "posters")
    principals = build_principals(app)
    worker = make_worker(app)  # a worker listens (print runs refuse to start without one)
    worker.register_birth()
    tenant_a = inspect(principals.world.tenant_a).identity[0]
    rules = _post_rules(app)
    problems = []
    try:
        for endpoint, write in WRITES.items():
            if write.prepare is not None:
                write.prepare(app, principals)
            rule = rules[endpoint]
            with app.test_request_context():
                path = url_for(
                    endpoint,
                    **{a: principals.values[write.arguments.get(a, a)] for a in rule.arguments},
                )
            client = principals.clients[write.actor]
            data = _valid_values(principals.values)
            data.update({k: (str(tenant_a) if v == "A" else v) for k, v in write.data.items()})
            data["code"] = principals.values.get("code", data["code"])
            data["csrf_token"] = _csrf(client)
            with app.app_context():
                before = _count(write.kind)
            response = client.post(path, data=data)
            with app.app_context():
                after = _count(write.kind)
            if after <= before:
                problems.append(f"{endpoint} ({response.status_code}): no {write.kind} row")
    finally:
        worker.register_death()
    assert problems == [], "\n".join(problems)
    with app.app_context(), unscoped():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "gate.token_rotated"))
        (rotated,) = rows.all()
    assert (rotated.actor_kind, rotated.actor_name, rotated.ip) == ("user", "王经理", "127.0.0.1")
