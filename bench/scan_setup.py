"""Setup of the scan benchmark: database, data, signed-in riders and guard phones over HTTP."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
import requests

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CODE_RE = re.compile(r'id="enroll-code">([^<]+)<')
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
OWNER_EMAIL = "bench-owner@example.com"
OWNER_PASSWORD = "bench-password-2026"
PIN = "482915"


def create_database(name: str) -> str:
    """A fresh PostgreSQL database; its SQLAlchemy URL."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    """Drop the benchmark's database."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class World:
    """What the setup created: the gates (id, token, compound id) and the guards per compound."""

    tenant_id: int = 0
    gates: list[tuple[int, str, int]] = field(default_factory=list)
    guards: dict[int, list[int]] = field(default_factory=dict)


def build_world(app, compounds: int, guards_per_compound: int) -> World:
    """Schema (migrations + models), a tenant, its owner, compounds with one gate, guards."""
    from flask_migrate import upgrade

    from tenants import Tenant, tenant_context
    from xgm.accounts.models import User
    from xgm.accounts.passwords import hash_secret
    from xgm.compounds.models import Compound, Gate
    from xgm.extensions import db
    from xgm.guards.models import Guard
    from xgm.guards.pins import set_pin

    world = World()
    with app.app_context():
        upgrade()
        db.create_all()  # tables whose migration the coordinator has not written yet
        tenant = Tenant(
            name="桐庐安居物业服务有限公司",
            uscc="91330122MA2B3C4D5J",
            contact_name="李经理",
            contact_phone="13900002222",
        )
        db.session.add(tenant)
        db.session.commit()
        world.tenant_id = tenant.id
        with tenant_context(tenant.id):
            db.session.add(
                User(
                    email=OWNER_EMAIL,
                    name="李经理",
                    role="owner",
                    password_hash=hash_secret(OWNER_PASSWORD),
                )
            )
            for n in range(compounds):
                compound = Compound(name=f"小区{n:03d}", buildings="1幢\n2幢\n3幢")
                db.session.add(compound)
                db.session.flush()
                gate = Gate(compound_id=compound.id, name="东门")
                db.session.add(gate)
                db.session.flush()
                world.gates.append((gate.id, gate.token, compound.id))
                world.guards[compound.id] = []
                for k in range(guards_per_compound):
                    guard = Guard(
                        name=f"门卫{n:03d}-{k}",
                        phone="13700000000",
                        compound_id=compound.id,
                        pin_hash="",
                    )
                    set_pin(guard, PIN)
                    db.session.add(guard)
                    db.session.flush()
                    world.guards[compound.id].append(guard.id)
            db.session.commit()
        db.engine.dispose()
    return world


def csrf_of(session: requests.Session, url: str) -> str:
    """The CSRF token of a page's form."""
    match = CSRF_RE.search(session.get(url, timeout=10).text)
    if not match:
        raise RuntimeError(f"no csrf_token on {url}")
    return match.group(1)


def sign_in_rider(base: str, token: str, rider_code: str) -> str:
    """The OAuth round trip through the simulator; the rider cookie's value."""
    browser = requests.Session()
    start = browser.get(f"{base}/g/{token}", allow_redirects=False, timeout=10)
    city = requests.get(
        start.headers["Location"] + "&login_hint=" + rider_code, allow_redirects=False, timeout=10
    )
    back = browser.get(city.headers["Location"], allow_redirects=False, timeout=10)
    if back.status_code != 302 or "xgm_rider" not in browser.cookies:
        raise RuntimeError(f"sign-in of {rider_code} failed: {back.status_code}")
    # Before the first scan at the company the rider reads its privacy notice and accepts it.
    notice = browser.get(f"{base}/g/{token}", allow_redirects=False, timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', notice.text)
    accepted = browser.post(
        f"{base}/g/{token}/notice",
        data={"csrf_token": csrf.group(1) if csrf else ""},
        allow_redirects=False,
        timeout=10,
    )
    if accepted.status_code != 303 or "xgm_notice" not in browser.cookies:
        raise RuntimeError(f"notice of {rider_code} not accepted: {accepted.status_code}")
    # One value for both cookies ("Cookie: xgm_rider=<this>" carries the notice too).
    return browser.cookies["xgm_rider"] + ";xgm_notice=" + browser.cookies["xgm_notice"]


def sign_in_riders(base: str, token: str, codes: list[str], workers: int = 8) -> dict[str, str]:
    """Every rider signed in (in parallel); rider code -> cookie value."""
    with ThreadPoolExecutor(workers) as pool:
        cookies = list(pool.map(lambda code: sign_in_rider(base, token, code), codes))
    return dict(zip(codes, cookies, strict=True))


def guard_phones(base: str, world: World) -> list[tuple[int, str]]:
    """Enroll one phone per guard and sign the guard in; [(compound id, Cookie header)]."""
    office = requests.Session()
    csrf = csrf_of(office, f"{base}/login")
    answer = office.post(
        f"{base}/login",
        data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302:
        raise RuntimeError("owner sign-in failed")
    office_csrf = csrf_of(office, f"{base}/guards")
    code_page = threading.Lock()

    def one(item: tuple[int, int]) -> tuple[int, str]:
        compound_id, guard_id = item
        with code_page:  # the office browser shows the code it created last: one at a time
            page = office.post(
                f"{base}/compounds/{compound_id}/devices/new",
                data={"csrf_token": office_csrf},
                timeout=10,
            )
        found = CODE_RE.search(page.text)
        if found is None:
            said = re.findall(r'role="alert">([^<]+)<', page.text)
            raise RuntimeError(f"no enrollment code: {page.status_code} {said}")
        code = found.group(1)
        phone = requests.Session()
        enrolled = phone.get(f"{base}/device/enroll?code={code}", allow_redirects=False, timeout=10)
        if enrolled.status_code != 302:
            said = re.findall(r'role="alert">([^<]+)<', enrolled.text)
            raise RuntimeError(f"enrollment failed: {enrolled.status_code} {said}")
        csrf = csrf_of(phone, f"{base}/guard/signin?guard_id={guard_id}")
        signed = phone.post(
            f"{base}/guard/signin",
            data={"guard_id": guard_id, "pin": PIN, "csrf_token": csrf},
            allow_redirects=False,
            timeout=10,
        )
        if signed.headers.get("Location") != "/guard":
            raise RuntimeError(f"guard sign-in failed: {signed.status_code}")
        cookie = "; ".join(f"{c.name}={c.value}" for c in phone.cookies)
        return compound_id, cookie

    # Round-robin over the compounds: a compound has one live enrollment code at a time, so
    # the phones of one compound enroll one after another, never at once.
    ranked = [(n, c, g) for c, guards in world.guards.items() for n, g in enumerate(guards)]
    items = [(c, g) for _n, c, g in sorted(ranked)]
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, items))
