"""Every kind of principal signed in against one world, and a value for every URL argument.

Built on the isolation world (tests/factories/world.py: tenant A with an object of every
kind, an owner and a guard on an enrolled phone), plus a manager, an observer whose area holds
tenant A's compound, an operator and an anonymous browser. The targets of destructive actions (the
tenant an operator may suspend, the observer they may deactivate) are extra objects, so no
request signs a principal out. Used by the sweeps that walk every URL rule (no-store, fuzz).
"""

from dataclasses import dataclass, field

from sqlalchemy import inspect, select, update

from tenants import tenant_context
from tests.conftest import login
from tests.factories.accounts import PASSWORD, create_tenant, create_user
from tests.factories.ops import create_observer, create_operator, ops_login
from tests.factories.world import World, build_world
from xgm.complaints.models import Complaint
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes.models import Arrival

#: The seeded rider's personal data: a response holding any of it shows rider personal data.
RIDER_NAME = "王小明"
RIDER_PHONE = "13800001234"
RIDER_PHOTO = "/photos/xgm330122000123.jpg"
STREET = "桐君街道"
STREET_CODE = "330122003000"  # 桐君街道, 桐庐县


@dataclass
class Principals:
    """Tenant A's world, a signed-in client per principal kind, a value per URL argument."""

    world: World
    clients: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


def build_principals(app) -> Principals:
    """The world, seeded with rider data on its arrival, complaint and block, and every principal."""
    world = build_world(app)
    tenant_a = inspect(world.tenant_a).identity[0]
    with app.app_context(), tenant_context(tenant_a):
        db.session.execute(
            update(Arrival).values(
                rider_name=RIDER_NAME,
                rider_phone=RIDER_PHONE,
                photo_url=app.config["XGM_CITY_URL"] + RIDER_PHOTO,
            )
        )
        db.session.execute(update(Complaint).values(rider_name=RIDER_NAME))
        from xgm.blocks.models import Block

        db.session.execute(update(Block).values(rider_name=RIDER_NAME))
        db.session.execute(update(Compound).values(street=STREET, division_code=STREET_CODE))
        db.session.commit()
        arrival = db.session.scalars(select(Arrival)).first()
        gate = db.session.scalars(select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        values = {"key": arrival.pass_key, "token": gate.token}
    with app.app_context():
        create_user(db.session.get(type(world.tenant_a), tenant_a), "manager", email="m@a.example")
        create_observer(STREET_CODE, email="watcher@gov.example")
        target_observer = create_observer(STREET_CODE, email="target@gov.example")
        create_operator("root@xgm.example")
        values["tid"] = create_tenant("丙物业有限公司").id
        values["oid"] = target_observer.id
    values.update({"queue": "default", "jid": "xgm-export-1", "filename": "css/app.css"})
    values.update(world.ids)
    principals = Principals(world, values=values)
    office, _b = world.actors["office"]
    guard, _b = world.actors["guard"]
    principals.clients["owner"] = office
    principals.clients["guard"] = guard
    manager = app.test_client()
    assert login(manager, "m@a.example", PASSWORD).status_code == 302
    principals.clients["manager"] = manager
    observer = app.test_client()
    assert login(observer, "watcher@gov.example", PASSWORD).headers["Location"] == "/oversight"
    principals.clients["observer"] = observer
    operator = app.test_client()
    assert ops_login(operator, "root@xgm.example").status_code == 302
    principals.clients["operator"] = operator
    principals.clients["anonymous"] = app.test_client()
    return principals
