"""Demo data for `make run`: one property company with its owner, seeded only into an empty database."""

from sqlalchemy import func, select

from tenants import Tenant, tenant_context
from xgm.accounts.models import User
from xgm.accounts.passwords import hash_secret
from xgm.extensions import db

DEMO_EMAIL = "demo@xgm.local"
DEMO_PASSWORD = "xgm-demo-2026"  # noqa: S105 - printed on the console for local demos only
DEMO_USCC = "91330122MA2B3C4D5J"

#: Extra seeders added by features: functions called with the demo tenant inside its context.
SEEDERS: list = []
#: Reminders added by features: called with the existing demo tenant on later runs (inside its
#: context), they return lines to print again (PINs, a fresh enrollment link).
REMINDERS: list = []


def _login_lines() -> list[str]:
    return [f"  sign in at /login with {DEMO_EMAIL} / {DEMO_PASSWORD}"]


def remind_demo() -> list[str]:
    """The demo login (and the features' reminders) when the demo tenant is there already."""
    tenant = db.session.scalars(select(Tenant).where(Tenant.uscc == DEMO_USCC)).first()
    if tenant is None:
        return ["Database already has data (no demo company); demo seed skipped."]
    lines = [f"Demo tenant: {tenant.name}"]
    with tenant_context(tenant.id):
        owner = db.session.scalars(select(User).where(User.email == DEMO_EMAIL)).first()
        if owner is not None:
            lines.extend(_login_lines())
        for reminder in REMINDERS:
            lines.extend(reminder(tenant) or [])
        db.session.commit()
    return lines


def seed_demo() -> list[str]:
    """Create the demo tenant when no tenant exists; return lines to print."""
    if db.session.scalar(select(func.count()).select_from(Tenant)):
        return remind_demo()
    tenant = Tenant(
        name="桐庐安居物业服务有限公司",
        uscc=DEMO_USCC,
        contact_name="李经理",
        contact_phone="13900002222",
    )
    db.session.add(tenant)
    db.session.flush()
    lines = []
    with tenant_context(tenant.id):
        db.session.add(
            User(
                email=DEMO_EMAIL,
                name="李经理",
                phone="13900002222",
                role="owner",
                password_hash=hash_secret(DEMO_PASSWORD),
            )
        )
        db.session.flush()
        for seeder in SEEDERS:
            lines.extend(seeder(tenant) or [])
        db.session.commit()
    return [
        "Demo tenant created: 桐庐安居物业服务有限公司",
        *_login_lines(),
        *lines,
    ]
