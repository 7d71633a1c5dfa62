"""Factories for test data (Redash style): create_tenant, create_user."""

import random
from itertools import count

from tenants import Tenant, tenant_context
from tenants.uscc import ALPHABET, uscc_check_char
from xgm.accounts.models import User
from xgm.accounts.passwords import hash_secret
from xgm.extensions import db

PASSWORD = "correct-horse-42"
_seq = count(1)


def make_uscc(rng: random.Random | None = None) -> str:
    """A random USCC with a correct GB 32100-2015 check digit."""
    rng = rng or random.Random()
    body = "91" + "330122" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def create_tenant(name: str | None = None, status: str = "active") -> Tenant:
    """A property company (call inside an app context)."""
    n = next(_seq)
    tenant = Tenant(
        name=name or f"测试物业{n}有限公司",
        uscc=make_uscc(),
        contact_name="张三",
        contact_phone="13800000000",
        status=status,
    )
    db.session.add(tenant)
    db.session.commit()
    return tenant


def create_user(
    tenant: Tenant,
    role: str = "owner",
    email: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
    name: str = "王经理",
) -> User:
    """An office account in the tenant (call inside an app context)."""
    n = next(_seq)
    with tenant_context(tenant.id):
        user = User(
            email=email or f"user{n}@example.com",
            name=name,
            phone="13900000000",
            role=role,
            password_hash=hash_secret(password),
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user
