"""The isolation world: tenant A with one object of every kind, tenant B with only its actors.

Each feature's builder below creates tenant A's objects (recording their ids under the URL
argument names, e.g. world.ids["compound_id"]) and, when the feature has its own kind of
signed-in actor (a guard on an enrolled phone, ...), registers a pair of clients with
world.add_actor(kind, client_of_tenant_a, client_of_tenant_b). BUILDERS runs them in order
(later ones use the ids of earlier ones). A new kind of object gets a builder here.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, inspect, select, update

from tenants import tenant_context, utcnow
from tests.conftest import csrf_token, login
from tests.factories.accounts import PASSWORD, create_tenant, create_user
from tests.factories.guards import (
    PLAIN_COMPOUND,
    Office,
    create_compound,
    create_guard,
    enroll_phone,
    new_code,
    pin_sign_in,
)
from xgm.alerts.models import AlertHook
from xgm.blocks.models import Block
from xgm.complaints.filing import Draft, file_complaint
from xgm.complaints.models import ComplaintPhoto
from xgm.compounds.models import Compound, Gate
from xgm.devices.models import Device
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.gateagents.models import GateAgent
from xgm.gateagents.pairing import secret_digest
from xgm.guide.models import CompoundMap
from xgm.passes.models import Arrival
from xgm.posters.models import PrintJob
from xgm.privacy.models import RiderDeletionRequest
from xgm.sealed import seal


@dataclass
class World:
    """Two tenants, A's objects by URL argument name, and clients of both for each actor kind."""

    app: object
    tenant_a: object = None
    tenant_b: object = None
    ids: dict = field(default_factory=dict)
    actors: dict = field(default_factory=dict)

    def add_actor(self, kind: str, client_a, client_b) -> None:
        """Register a kind of signed-in actor: a client of tenant A and one of tenant B."""
        self.actors[kind] = (client_a, client_b)


# accounts: a manager of tenant A (the target of the team actions).


def _build_accounts(world) -> None:
    """Tenant A gets a manager whose id fills <user_id>."""
    with world.app.app_context():
        manager = create_user(world.tenant_a, "manager", email="manager-a@example.com")
        world.ids["user_id"] = manager.id
    with world.app.app_context():
        from sqlalchemy import inspect

        from tenants import tenant_context
        from xgm.accounts.invitations import create
        from xgm.extensions import db

        with tenant_context(inspect(world.tenant_a).identity[0]):
            invitation, _token = create("invitee-a@example.com", "受邀人", world.owner_a_id)
            db.session.commit()
            world.ids["invitation_id"] = invitation.id


# compounds: tenant A's compound, gate and print run (fill <compound_id>, <gate_id>, ...).


def _build_compounds(world) -> None:
    """Tenant A gets a compound with one active gate and one print run."""
    with world.app.app_context(), tenant_context(world.tenant_a.id):
        compound = Compound(name="甲小区", address="桐庐县桐君街道 1 号", hotline="0571-64610001")
        db.session.add(compound)
        db.session.flush()
        gate = Gate(compound_id=compound.id, name="东门")
        job = PrintJob(size="A4")
        db.session.add_all([gate, job])
        db.session.commit()
        world.ids["compound_id"] = compound.id
        world.ids["gate_id"] = gate.id
        world.ids["print_job_id"] = job.id


# guards: tenant A's guards and phones, and a guard of each tenant signed in on a phone.


def _signed_in_guard_phone(app, office: Office, compound_id: int, guard_id: int):
    phone = enroll_phone(app, new_code(office, compound_id))
    response = pin_sign_in(phone, guard_id)
    assert response.status_code == 302 and response.headers["Location"] == "/guard"
    return phone


def _build_guards(world) -> None:
    """Fill <guard_id> and <device_id> with objects other than the actors' own, add the guard actors."""
    app = world.app
    client_a, client_b = world.actors["office"]
    # The tenants are detached and expired by now: read their ids from the identity key.
    tenant_a, tenant_b = inspect(world.tenant_a).identity[0], inspect(world.tenant_b).identity[0]
    office_a = Office(app, client_a, tenant_a, csrf_token(client_a, "/guards"))
    office_b = Office(app, client_b, tenant_b, csrf_token(client_b, "/guards"))
    with app.app_context():
        compound_a = world.ids.get("compound_id") or create_compound(
            tenant_a, "甲门卫小区", **PLAIN_COMPOUND
        )
        world.ids.setdefault("compound_id", compound_a)
        compound_b = create_compound(tenant_b, "乙门卫小区", **PLAIN_COMPOUND)
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


# passes: tenant A's arrival at its gate, and a block (fill <arrival_id>, <block_id>).


def _build_passes(world) -> None:
    """A pending arrival at tenant A's gate (the guard actor's compound) and a tenant-wide block."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        compound = db.session.scalars(
            db.select(Compound).where(Compound.id == world.ids["compound_id"])
        ).one()
        gate = db.session.scalars(db.select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        assert gate.compound_id == compound.id
        arrival = Arrival(
            compound_id=compound.id,
            gate_id=gate.id,
            compound_name=compound.name,
            gate_name=gate.name,
            rider_code="XGM330122000123",
            rider_name="王小明",
            rider_phone="13800001234",
            platform_name="美团外卖",
            rider_status="active",
        )
        block = Block(rider_code="XGM330106000202", reason="多次逆行")
        db.session.add_all([arrival, block])
        db.session.commit()
        world.ids["arrival_id"] = arrival.id
        world.ids["block_id"] = block.id


# complaints: tenant A's complaint about a rider at its compound, with a photo (fills <complaint_id> and <photo_id>).


def _build_complaints(world) -> None:
    """A queued complaint filed by tenant A's owner at the world's compound and gate."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.test_request_context(), tenant_context(tenant_a):
        compound = db.session.scalars(
            select(Compound).where(Compound.id == world.ids["compound_id"])
        ).one()
        gate = db.session.scalars(select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        complaint = file_complaint(
            Draft(
                compound=compound,
                gate=gate,
                rider_code="XGM330122000123",
                category="rude_behaviour",
                description="与门卫发生言语冲突",
                occurred_at=utcnow() - timedelta(minutes=3),
                reporter_kind="manager",
                reporter_id=world.owner_a_id,
                reporter_name="甲经理",
                reporter_phone="13900000000",
            )
        )
        world.ids["complaint_id"] = complaint.id
        photo = ComplaintPhoto(
            complaint_id=complaint.id,
            content_type="image/png",
            sha256="0" * 64,
            size=8,
            data=b"\x89PNG\r\n\x1a\n",
        )
        db.session.add(photo)
        db.session.commit()
        world.ids["photo_id"] = photo.id


# gateagents: tenant A's gate agent at its gate (fills <gate_agent_id>).


def _build_gateagents(world) -> None:
    """An agent paired with tenant A's gate (the gate pages take <gate_id> from compounds)."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        gate = db.session.scalars(db.select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        agent = GateAgent(
            compound_id=gate.compound_id,
            gate_id=gate.id,
            name="东门开闸器 1",
            secret_hash=secret_digest("world-agent-secret-not-used-by-any-request"),
        )
        db.session.add(agent)
        db.session.commit()
        world.ids["gate_agent_id"] = agent.id


# dashboard: a finished CSV export of tenant A (fills <export_id>).


def _build_dashboard(world) -> None:
    """Tenant A gets one finished background export."""
    with world.app.app_context(), tenant_context(world.tenant_a.id):
        job = ExportJob(
            kind="arrivals",
            first_day=date(2024, 5, 1),
            last_day=date(2024, 5, 31),
            status="done",
            rows_total=0,
            content="\ufeff扫码时间\r\n".encode(),
        )
        db.session.add(job)
        db.session.commit()
        world.ids["export_id"] = job.id


# physicalgate: a building map for tenant A's compound (its map URL must answer for A).


def _build_physicalgate(world) -> None:
    """A stored map of tenant A's compound (the guard, gate and arrival ids come from others)."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        compound_id = world.ids["compound_id"]
        db.session.add(
            CompoundMap(compound_id=compound_id, image=b"\xff\xd8\xff\xd9", width=1, height=1)
        )
        db.session.execute(update(Compound).where(Compound.id == compound_id).values(map_version=1))
        db.session.commit()


# privacy: a rider's deletion request to tenant A (fills <deletion_id>).


def _build_privacy(world) -> None:
    """An open deletion request of a rider who entered tenant A's compound."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        row = RiderDeletionRequest(
            rider_code="XGM330122000777", due_at=utcnow() + timedelta(days=15)
        )
        db.session.add(row)
        db.session.commit()
        world.ids["deletion_id"] = row.id


# alerts: tenant A's group robot, an event and its owner's notification.


def _build_alerts(world) -> None:
    """Fill <hook_id> and <notification_id> with tenant A's objects."""
    from sqlalchemy import inspect, select

    from xgm.alerts import raise_event
    from xgm.alerts.models import Notification

    with world.app.app_context():
        tenant_id = inspect(world.tenant_a).identity[0]
        with tenant_context(tenant_id):
            url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=world-robot-key"
            hook = AlertHook(kind="wecom", name="甲群", url_enc=seal(url), events="overstay")
            db.session.add(hook)
            db.session.commit()
            world.ids["hook_id"] = hook.id
        raise_event(tenant_id, "agent_offline", ref="甲苑 · 东门", link="/devices")
        db.session.commit()
        with tenant_context(tenant_id):
            world.ids["notification_id"] = db.session.scalar(
                select(Notification.id).where(Notification.user_id == world.owner_a_id)
            )


#: The builders in the order they run.
BUILDERS = (
    _build_accounts,
    _build_compounds,
    _build_guards,
    _build_passes,
    _build_complaints,
    _build_gateagents,
    _build_dashboard,
    _build_physicalgate,
    _build_privacy,
    _build_alerts,
)


def build_world(app) -> World:
    """Create both tenants, their owners signed in, and every feature's objects for tenant A."""
    world = World(app)
    with app.app_context():
        world.tenant_a = create_tenant("甲物业有限公司")
        world.tenant_b = create_tenant("乙物业有限公司")
        owner_a = create_user(world.tenant_a, "owner", email="owner-a@example.com")
        create_user(world.tenant_b, "owner", email="owner-b@example.com")
        world.owner_a_id = owner_a.id
    client_a, client_b = app.test_client(), app.test_client()
    assert login(client_a, "owner-a@example.com", PASSWORD).status_code == 302
    assert login(client_b, "owner-b@example.com", PASSWORD).status_code == 302
    world.add_actor("office", client_a, client_b)
    for build in BUILDERS:
        build(world)
    return world
