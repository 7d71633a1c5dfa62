"""Helpers of the complaint tests: a company with a compound and gates, filing, the simulator."""

from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select

from chinatime import CN_TZ
from tenants import Tenant, tenant_context, utcnow
from tests.conftest import csrf_token, login
from tests.factories.accounts import PASSWORD, create_tenant, create_user
from tests.factories.compounds import Office, create_compound, create_gate
from tests.factories.guards import Site
from xgm.complaints.filing import Draft, file_complaint
from xgm.complaints.models import Complaint, ComplaintEvent, ComplaintOutbox
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db

ACTIVE_RIDER = "XGM330122000123"
OTHER_RIDER = "XGM330122000124"
UNKNOWN_RIDER = "XGM999999999999"


def make_complaint_site(
    app, client, email: str = "owner@example.com", company: str | None = None
) -> Site:
    """A company with its owner signed in, compound 阳光花园 (东门) and compound 绿城小区 (北门)."""
    with app.app_context():
        tenant = create_tenant(company)
        user = create_user(tenant, email=email, name="李经理")
        tenant_id, user_id = tenant.id, user.id
        home = create_compound(
            tenant_id,
            "阳光花园",
            address="桐庐县迎春南路1号",
            district="桐庐县",
            street="城南街道",
            community="阳光社区",
            hotline="",
        )
        other = create_compound(
            tenant_id, "绿城小区", address="", district="", street="", community="", hotline=""
        )
        east = create_gate(tenant_id, home, "东门")
        north = create_gate(tenant_id, other, "北门")
    assert login(client, email, PASSWORD).status_code == 302
    office = Office(app, client, tenant_id, csrf_token(client, "/complaints/new"))
    return Site(office, home, east, other, other_gate_id=north, user_id=user_id)


def local(minutes_ago: float = 5) -> str:
    """A datetime-local value (China time) `minutes_ago` minutes ago."""
    when = datetime.now(UTC).astimezone(CN_TZ) - timedelta(minutes=minutes_ago)
    return when.strftime("%Y-%m-%dT%H:%M")


def file_direct(site: Site, rider_code: str = ACTIVE_RIDER, **overrides) -> int:
    """File a complaint through the filing service (inside an app context); returns its id."""
    with site.app.test_request_context(), tenant_context(site.tenant_id):
        compound_id = overrides.pop("compound_id", site.compound_id)
        gate_id = overrides.pop(
            "gate_id", site.gate_id if compound_id == site.compound_id else None
        )
        compound = db.session.scalars(select(Compound).where(Compound.id == compound_id)).one()
        gate = db.session.scalars(select(Gate).where(Gate.id == gate_id)).first()
        draft = Draft(
            compound=compound,
            gate=gate,
            rider_code=rider_code,
            category=overrides.pop("category", "unsafe_riding"),
            description=overrides.pop("description", "在小区内逆行超速，险些撞到老人"),
            occurred_at=overrides.pop("occurred_at", utcnow() - timedelta(minutes=5)),
            reporter_kind="manager",
            reporter_id=site.user_id,
            reporter_name="李经理",
            reporter_phone="13900002222",
        )
        for key, value in overrides.items():
            assert hasattr(draft, key), key
            setattr(draft, key, value)
        return file_complaint(draft).id


def load(site: Site, complaint_id: int) -> tuple[Complaint, ComplaintOutbox, list[ComplaintEvent]]:
    """The complaint, its outbox row and its timeline, fresh from the database."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == complaint_id)).one()
        row = db.session.scalars(
            select(ComplaintOutbox).where(ComplaintOutbox.complaint_id == complaint_id)
        ).one()
        events = db.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint_id)
            .order_by(ComplaintEvent.id)
        ).all()
        db.session.expunge_all()
        return complaint, row, list(events)


def update_outbox(site: Site, complaint_id: int, **values) -> None:
    """Set columns of a complaint's outbox row (test set-up: e.g. move due_at or a lease)."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        row = db.session.scalars(
            select(ComplaintOutbox).where(ComplaintOutbox.complaint_id == complaint_id)
        ).one()
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()


def tenant_name(app, tenant_id: int) -> str:
    """The company's name."""
    with app.app_context():
        return db.session.get(Tenant, tenant_id).name


def sim_complaints(sim_url: str) -> list[dict]:
    """Every complaint the simulator holds (with idempotency keys)."""
    response = requests.get(sim_url + "/_sim/complaints", timeout=10)
    response.raise_for_status()
    return response.json()["complaints"]


def sim_fail(sim_url: str, mode: str, count: int = 1, **extra) -> None:
    """Make the simulator's next `count` complaint posts fail with `mode`."""
    response = requests.post(
        sim_url + "/_sim/fail", json={"mode": mode, "count": count, **extra}, timeout=10
    )
    response.raise_for_status()
