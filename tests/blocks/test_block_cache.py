"""The per-tenant Redis set of blocked rider codes (xgm.blocks.cache): built, used, retired."""

from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select, update

from tenants import tenant_context, unscoped, utcnow
from tests.conftest import REDIS_URL, csrf_token
from tests.factories import ACTIVE, ACTIVE_2, make_place, sign_in_office, sign_in_rider
from xgm.blocks.cache import SET_PREFIX, may_be_blocked
from xgm.blocks.models import Block
from xgm.blocks.rules import add_block
from xgm.extensions import db

PENDING = 'data-outcome="pending"'
REFUSED = "禁止通行"


@pytest.fixture
def block_gates(city_app, client):
    """A company with its owner signed in and three compounds with one gate each."""
    tenant_id = sign_in_office(city_app, client, "boss@example.com", "阳光物业有限公司").tenant_id
    tokens = [make_place(city_app, tenant_id, f"小区{n}", "东门")[2] for n in range(3)]
    return tenant_id, tokens


@pytest.fixture
def rider(new_client, block_gates):
    """王小明's phone, signed in with the city."""
    browser = new_client()
    sign_in_rider(browser, block_gates[1][0], ACTIVE)
    return browser


def _scan(browser, token: str) -> str:
    return browser.get(f"/g/{token}").get_data(as_text=True)


def _block(client, **fields) -> None:
    """A manager blocks 王小明 tenant-wide through the blocklist form."""
    data = {"rider_code": ACTIVE, "compound_id": "0", "reason": "多次逆行", "ends_on": ""}
    data.update(fields, csrf_token=csrf_token(client, "/blocks"))
    assert client.post("/blocks", data=data).status_code == 302


def _sets(tenant_id: int) -> list[set[bytes]]:
    """The tenant's block sets in Redis (one per generation that was built)."""
    redis = Redis.from_url(REDIS_URL)
    return [redis.smembers(key) for key in redis.keys(f"{SET_PREFIX}{tenant_id}:*")]


def test_a_scan_builds_the_set_and_skips_the_query(client, block_gates, rider):
    """The first scan builds the tenant's set ("" marks it built); it lives 60 s at most."""
    tenant_id, tokens = block_gates
    assert PENDING in _scan(rider, tokens[0])
    assert _sets(tenant_id) == [{b""}]
    redis = Redis.from_url(REDIS_URL)
    [key] = redis.keys(f"{SET_PREFIX}{tenant_id}:*")
    assert 55 <= redis.ttl(key) <= 60
    with client.application.app_context(), tenant_context(tenant_id):
        assert may_be_blocked(ACTIVE) is False


def test_a_new_block_refuses_the_next_scan(client, block_gates, rider):
    """A rider who passed (set cached without them) is refused right after a manager's block."""
    tenant_id, tokens = block_gates
    assert PENDING in _scan(rider, tokens[0])
    _block(client)
    assert REFUSED in _scan(rider, tokens[1])
    assert {b"", ACTIVE.encode()} in _sets(tenant_id)


def test_lifting_rebuilds_the_set_without_the_rider(client, block_gates, rider):
    """After 解除 the next scan passes and the rebuilt set no longer holds the code."""
    tenant_id, tokens = block_gates
    _block(client)
    assert REFUSED in _scan(rider, tokens[0])
    with client.application.app_context(), tenant_context(tenant_id):
        block_id = db.session.scalars(select(Block.id)).one()
    response = client.post(
        f"/blocks/{block_id}/lift", data={"csrf_token": csrf_token(client, "/blocks")}
    )
    assert response.status_code == 302
    assert PENDING in _scan(rider, tokens[1])
    with client.application.app_context(), tenant_context(tenant_id):
        assert may_be_blocked(ACTIVE) is False


def test_a_guards_block_refuses_the_next_scan(client, block_gates, rider):
    """A block added by a guard's deny (add_block + commit) retires the cached set too."""
    tenant_id, tokens = block_gates
    assert PENDING in _scan(rider, tokens[0])
    with client.application.app_context(), tenant_context(tenant_id):
        add_block(
            ACTIVE,
            "冒用他人小哥码",
            compound_id=None,
            ends_at=None,
            by_kind="guard",
            by_id=1,
            by_name="赵保安",
        )
        db.session.commit()
    assert REFUSED in _scan(rider, tokens[1])


def test_a_code_in_the_set_is_still_judged_by_the_database(client, block_gates, rider):
    """A block that ended without any write (its end date passed) no longer refuses."""
    tenant_id, tokens = block_gates
    _block(client, ends_on=(utcnow() + timedelta(days=3)).date().isoformat())
    assert REFUSED in _scan(rider, tokens[0])
    with client.application.app_context(), unscoped():  # raw SQL past the ORM and the door
        # Behind the ORM's back: nothing tells the cache, as when time simply passes.
        db.session.execute(db.text("UPDATE rider_block SET ends_at = :t"), {"t": utcnow()})
        db.session.commit()
    assert {b"", ACTIVE.encode()} in _sets(tenant_id)
    assert PENDING in _scan(rider, tokens[1])


def test_other_riders_pass_while_someone_is_blocked(client, new_client, block_gates):
    """The set holds only blocked codes: another rider passes without the query refusing."""
    tenant_id, tokens = block_gates
    _block(client)
    other = new_client()
    sign_in_rider(other, tokens[0], ACTIVE_2)
    assert PENDING in _scan(other, tokens[0])
    with client.application.app_context(), tenant_context(tenant_id):
        assert may_be_blocked(ACTIVE_2) is False
        assert may_be_blocked(ACTIVE) is True


def test_another_tenants_blocks_are_another_set(client, new_client, block_gates, rider):
    """A block of another company neither refuses nor enters this company's set."""
    tenant_id, tokens = block_gates
    assert PENDING in _scan(rider, tokens[0])
    rival = new_client()
    rival_id = sign_in_office(
        client.application, rival, "rival@example.com", "对手物业有限公司"
    ).tenant_id
    _block(rival)
    assert PENDING in _scan(rider, tokens[1])
    assert _sets(tenant_id) == [{b""}]
    with client.application.app_context(), tenant_context(rival_id):
        assert may_be_blocked(ACTIVE) is True
    with client.application.app_context(), tenant_context(tenant_id):
        assert may_be_blocked(ACTIVE) is False


def test_bulk_orm_update_of_blocks_retires_the_set(client, block_gates, rider):
    """An ORM UPDATE statement on blocks (no flush) retires the tenant's set after its commit."""
    tenant_id, tokens = block_gates
    _block(client)
    assert REFUSED in _scan(rider, tokens[0])
    with client.application.app_context(), tenant_context(tenant_id):
        db.session.execute(update(Block).values(lifted_at=utcnow()))
        db.session.commit()
        assert may_be_blocked(ACTIVE) is False
    assert PENDING in _scan(rider, tokens[1])


def test_without_redis_the_query_decides(client, block_gates):
    """Redis unreachable: every rider may be blocked, so the blocklist query runs."""
    tenant_id, _ = block_gates
    client.application.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    with client.application.app_context(), tenant_context(tenant_id):
        assert may_be_blocked(ACTIVE) is True
