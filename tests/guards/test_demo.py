"""The demo seeder creates guards with the printed PINs, a compound too if none exists."""

import re

from sqlalchemy import select

from tenants import tenant_context
from tests.factories import create_tenant
from xgm.accounts.passwords import verify_secret
from xgm.extensions import db
from xgm.guards.demo import seed_guards
from xgm.guards.models import Guard


def test_demo_guards_without_any_compound(app):
    """With no compound yet, the seeder makes one and three guards whose printed PINs work."""
    with app.app_context():
        tenant = create_tenant()
        with tenant_context(tenant.id):
            lines = seed_guards(tenant)
            db.session.commit()
            guards = db.session.scalars(select(Guard).order_by(Guard.id)).all()
            printed = dict(re.findall(r"(\S+)  PIN (\d{6})", "\n".join(lines)))
            assert [g.name for g in guards] == ["王建国", "陈立新", "刘海峰"]
            assert all(verify_secret(g.pin_hash, printed[g.name]) for g in guards)
            assert {g.compound.name for g in guards} == {"翠苑小区（演示）"}
            assert "/device/enroll?code=" in lines[-1]
