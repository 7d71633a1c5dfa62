"""Isolation world: tenant A's guards and phones, and a guard of each tenant signed in on a phone."""

from sqlalchemy import func, inspect, select

from tenants import tenant_context
from tests.conftest import csrf_token
from tests.guards.support import (
    Office,
    create_compound,
    create_guard,
    enroll_phone,
    new_code,
    pin_sign_in,
)
from xgm.devices.models import Device
from xgm.extensions import db

ORDER = 30


def _signed_in_guard_phone(app, office: Office, compound_id: int, guard_id: int):
    phone = enroll_phone(app, new_code(office, compound_id))
    response = pin_sign_in(phone, guard_id)
    assert response.status_code == 302 and response.headers["Location"] == "/guard"
    return phone


def build(world) -> None:
    """Fill <guard_id> and <device_id> with objects other than the actors' own, add the guard actors."""
    app = world.app
    client_a, client_b = world.actors["office"]
    # The tenants are detached and expired by now: read their ids from the identity key.
    tenant_a, tenant_b = inspect(world.tenant_a).identity[0], inspect(world.tenant_b).identity[0]
    office_a = Office(app, client_a, tenant_a, csrf_token(client_a, "/guards"))
    office_b = Office(app, client_b, tenant_b, csrf_token(client_b, "/guards"))
    with app.app_context():
        compound_a = world.ids.get("compound_id") or create_compound(tenant_a, "甲门卫小区")
        world.ids.setdefault("compound_id", compound_a)
        compound_b = create_compound(tenant_b, "乙门卫小区")
        actor_a = create_guard(app, tenant_a, compound_a, "甲值班门卫")
        actor_b = create_guard(app, tenant_b, compound_b, "乙值班门卫")
        # Targets of the office actions (deactivate, reset PIN, revoke...), so the sweep's POSTs
        # never sign the guard actor out.
        world.ids["guard_id"] = create_guard(app, tenant_a, compound_a, "甲二号门卫")
    guard_phone_a = _signed_in_guard_phone(app, office_a, compound_a, actor_a)
    guard_phone_b = _signed_in_guard_phone(app, office_b, compound_b, actor_b)
    enroll_phone(app, new_code(office_a, compound_a))
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Device)) == 2
        world.ids["device_id"] = db.session.scalar(select(func.max(Device.id)))
    world.add_actor("guard", guard_phone_a, guard_phone_b)
