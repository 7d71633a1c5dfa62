"""The Redis cache of gate tokens (xgm.compounds.lookup): filled by scans, retired by changes."""

import json

from redis import Redis
from sqlalchemy import update

from tenants import tenant_context, unscoped
from tests.conftest import REDIS_URL
from tests.factories import COMPOUND_FORM, token_of
from xgm.compounds.lookup import ENTRY_PREFIX, GEN_KEY, resolve_token
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db

EXPIRED = "二维码已失效"


def _gate(office, name="东门", compound="富春江畔花园", **fields):
    compound_id = office.add_compound(compound, **fields)
    return compound_id, office.add_gate(compound_id, name)


def _scan(app, token: str):
    """A phone with no rider cookie scans the code (a live code goes on to the city sign-in, or
    to the manual form: no city answers in these tests)."""
    return app.test_client().get(f"/g/{token}")


def _live(response) -> bool:
    return response.status_code in (200, 302) and EXPIRED not in response.get_data(as_text=True)


def _entry_keys(token: str) -> list[bytes]:
    """The cache entries of a token (any generation)."""
    return Redis.from_url(REDIS_URL).keys(f"{ENTRY_PREFIX}*:{token}")


def _resolve(app, token: str):
    with app.app_context():
        return resolve_token(token)


def test_a_scan_caches_the_live_gate_for_sixty_seconds(app, office):
    """The first scan stores the token's gate in Redis with a TTL of at most 60 s."""
    compound_id, gate_id = _gate(office)
    token = token_of(app, gate_id)
    assert _entry_keys(token) == []
    assert _live(_scan(app, token))
    [key] = _entry_keys(token)
    assert 55 <= Redis.from_url(REDIS_URL).ttl(key) <= 60
    gate, compound = _resolve(app, token)
    assert (gate.id, gate.tenant_id, gate.compound_id, gate.name) == (
        gate_id,
        office.tenant_id,
        compound_id,
        "东门",
    )
    assert (compound.id, compound.name, compound.hotline) == (
        compound_id,
        "富春江畔花园",
        COMPOUND_FORM["hotline"],
    )


def test_cached_answer_is_served_without_the_database(app, office):
    """Once cached, a change made behind the ORM's back (raw SQL) is not seen until retired."""
    _, gate_id = _gate(office)
    token = token_of(app, gate_id)
    assert _live(_scan(app, token))
    with app.app_context(), unscoped():  # raw SQL past the ORM and the door
        db.session.execute(db.text("UPDATE gate SET name = '改名' WHERE id = :id"), {"id": gate_id})
        db.session.commit()
    assert _resolve(app, token)[0].name == "东门"
    Redis.from_url(REDIS_URL).incr(GEN_KEY)  # what every ORM write does after its commit
    assert _resolve(app, token)[0].name == "改名"


def test_rotation_retires_a_cached_token(app, office):
    """Rotating after a scan: the old code is the 404 at once, the new one works."""
    _, gate_id = _gate(office)
    old = token_of(app, gate_id)
    assert _live(_scan(app, old))
    assert office.post(f"/gates/{gate_id}/rotate").status_code == 302
    response = _scan(app, old)
    assert response.status_code == 404 and EXPIRED in response.get_data(as_text=True)
    assert _live(_scan(app, token_of(app, gate_id)))


def test_deactivation_retires_a_cached_gate(app, office):
    """Deactivating after a scan is the 404 at once; activating brings the code back."""
    _, gate_id = _gate(office)
    token = token_of(app, gate_id)
    assert _live(_scan(app, token))
    office.post(f"/gates/{gate_id}/deactivate")
    assert _scan(app, token).status_code == 404
    office.post(f"/gates/{gate_id}/activate")
    assert _live(_scan(app, token))


def test_archive_retires_the_cached_gates_of_the_compound(app, office):
    """Archiving after scans retires every gate of the compound; restoring brings them back."""
    compound_id, east = _gate(office)
    north = office.add_gate(compound_id, "北门")
    tokens = [token_of(app, east), token_of(app, north)]
    for token in tokens:
        assert _live(_scan(app, token))
    office.post(f"/compounds/{compound_id}/archive")
    assert [_scan(app, t).status_code for t in tokens] == [404, 404]
    office.post(f"/compounds/{compound_id}/restore")
    assert all(_live(_scan(app, t)) for t in tokens)


def test_renames_reach_the_next_scan(app, office):
    """A gate rename and a compound edit after a scan are what the next scan sees."""
    compound_id, gate_id = _gate(office)
    token = token_of(app, gate_id)
    assert _live(_scan(app, token))
    office.post(f"/gates/{gate_id}/edit", {"name": "西门"})
    form = {**COMPOUND_FORM, "name": "富春苑", "hotline": "0571-60000000", "buildings": "9幢"}
    assert office.post(f"/compounds/{compound_id}/edit", form).status_code == 302
    gate, compound = _resolve(app, token)
    assert (gate.name, compound.name, compound.hotline) == ("西门", "富春苑", "0571-60000000")
    assert compound.building_list == ["9幢"]


def test_bulk_orm_update_retires_cached_gates(app, office):
    """An ORM UPDATE statement on gates (no flush) retires the cache after its commit too."""
    _, gate_id = _gate(office)
    token = token_of(app, gate_id)
    assert _live(_scan(app, token))
    with app.app_context(), tenant_context(office.tenant_id):
        db.session.execute(update(Gate).where(Gate.id == gate_id).values(active=False))
        db.session.commit()
    assert _scan(app, token).status_code == 404


def test_uncommitted_change_does_not_retire_the_cache(app, office):
    """A change rolled back is not a change: the cached gate stays and stays right."""
    compound_id, gate_id = _gate(office)
    token = token_of(app, gate_id)
    assert _live(_scan(app, token))
    generation = Redis.from_url(REDIS_URL).get(GEN_KEY)
    with app.app_context(), tenant_context(office.tenant_id):
        compound = db.session.get(Compound, compound_id)
        compound.archived = True
        db.session.flush()
        db.session.rollback()
    assert Redis.from_url(REDIS_URL).get(GEN_KEY) == generation
    assert _live(_scan(app, token))


def test_a_lookup_older_than_a_change_cannot_store_its_answer(app, office):
    """An answer read before a change is stored under the old generation, which nobody reads."""
    _, gate_id = _gate(office)
    token = token_of(app, gate_id)
    redis = Redis.from_url(REDIS_URL)
    before = redis.get(GEN_KEY)
    stale_reply = [before, None]  # what the cache said before the change below
    office.post(f"/gates/{gate_id}/edit", {"name": "西门"})
    assert int(redis.get(GEN_KEY)) == int(before) + 1
    with app.app_context():
        resolve_token(token, stale_reply)
    old_key = f"{ENTRY_PREFIX}{before.decode()}:{token}"
    entry = json.loads(redis.get(old_key))
    entry["g"]["name"] = "东门"  # as if it had read the database before the rename
    redis.set(old_key, json.dumps(entry), ex=60)
    assert _resolve(app, token)[0].name == "西门"


def test_the_cache_never_serves_another_tenants_gate(app, office, rival):
    """Each cached token answers its own tenant's gate, whatever tenant the request acts for."""
    ours_compound, ours = _gate(office)
    theirs_compound, theirs = _gate(rival, name="南门", compound="乙小区")
    ours_token, theirs_token = token_of(app, ours), token_of(app, theirs)
    assert _live(office.client.get(f"/g/{ours_token}"))
    assert _live(office.client.get(f"/g/{theirs_token}"))  # a manager of ours scans theirs
    for acting_for in (office.tenant_id, rival.tenant_id):
        with app.app_context(), tenant_context(acting_for):
            gate, compound = resolve_token(ours_token)
            assert (gate.id, gate.tenant_id, compound.id) == (ours, office.tenant_id, ours_compound)
            gate, compound = resolve_token(theirs_token)
            assert (gate.id, gate.tenant_id, compound.id) == (
                theirs,
                rival.tenant_id,
                theirs_compound,
            )
            assert compound.name == "乙小区"
    rival.post(f"/gates/{theirs}/rotate")
    assert _scan(app, theirs_token).status_code == 404
    assert _resolve(app, token_of(app, theirs))[0].tenant_id == rival.tenant_id
    assert _live(_scan(app, ours_token))


def test_without_redis_gates_resolve_from_the_database(app, office):
    """Redis unreachable: the scan still finds the gate (and nothing is cached)."""
    _, gate_id = _gate(office)
    token = token_of(app, gate_id)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    with app.app_context():
        gate, _ = resolve_token(token)
    assert gate.id == gate_id
    assert _entry_keys(token) == []
