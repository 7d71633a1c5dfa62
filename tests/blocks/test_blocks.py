"""The blocklist: managers add and lift blocks; blocked riders get the refusal screen."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from chinatime import today_in_china
from tenants import tenant_context
from tests.conftest import csrf_token
from tests.factories import (
    ACTIVE,
    ACTIVE_2,
    age_arrivals,
    arrivals,
    make_place,
    sign_in_office,
    sign_in_rider,
)
from xgm.blocks.models import Block
from xgm.extensions import db


@pytest.fixture
def places(city_app, client):
    """A company with its owner signed in, compounds 阳光花园 (东门) and 富春苑 (南门)."""
    tenant_id = sign_in_office(city_app, client, "boss@example.com", "阳光物业有限公司").tenant_id
    sunny = make_place(city_app, tenant_id, "阳光花园", "东门")
    river = make_place(city_app, tenant_id, "富春苑", "南门")
    return tenant_id, sunny, river


def blocks(app, tenant_id) -> list[Block]:
    """The tenant's blocks, oldest first (detached)."""
    with app.app_context(), tenant_context(tenant_id):
        rows = list(db.session.scalars(select(Block).order_by(Block.id)))
        db.session.expunge_all()
        return rows


def add(client, **fields):
    """Submit the blocklist form."""
    data = {"rider_code": ACTIVE, "compound_id": "0", "reason": "多次逆行", "ends_on": ""}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/blocks")
    return client.post("/blocks", data=data)


def scan(new_client, token):
    """A rider (王小明) scans the gate; the page."""
    rider = new_client()
    sign_in_rider(rider, token, ACTIVE)
    return rider.get(f"/g/{token}")


def test_blocklist_page_lists_blocks(client, places):
    """GET /blocks shows the form and the blocks in force."""
    tenant_id, _, _ = places
    assert add(client).status_code == 302
    body = client.get("/blocks").get_data(as_text=True)
    assert "黑名单" in body and ACTIVE in body and "王小明" in body and "多次逆行" in body
    assert "全公司" in body


def test_tenant_wide_block_refuses_at_every_compound(client, new_client, places):
    """A tenant-wide block refuses the rider at both compounds, with the reason."""
    tenant_id, sunny, river = places
    add(client)
    for _, _, token in (sunny, river):
        body = scan(new_client, token).get_data(as_text=True)
        assert "禁止通行" in body and "本物业已禁止您进入" in body and "多次逆行" in body
        assert "物业服务电话" in body
    assert [(a.outcome, a.refusal) for a in arrivals(client.application, tenant_id)] == [
        ("refused", "blocked"),
        ("refused", "blocked"),
    ]


def test_compound_block_refuses_only_there(client, new_client, places):
    """A block at one compound refuses the rider there and nowhere else."""
    tenant_id, sunny, river = places
    add(client, compound_id=str(sunny[0]))
    assert "禁止通行" in scan(new_client, sunny[2]).get_data(as_text=True)
    assert 'data-outcome="pending"' in scan(new_client, river[2]).get_data(as_text=True)


def test_other_riders_are_not_blocked(client, new_client, places):
    """Only the blocked rider code is refused."""
    _, sunny, _ = places
    add(client)
    rider = new_client()
    sign_in_rider(rider, sunny[2], ACTIVE_2)
    assert 'data-outcome="pending"' in rider.get(f"/g/{sunny[2]}").get_data(as_text=True)


def test_lifting_a_block_lets_the_rider_in(client, new_client, places):
    """After 解除 the next scan passes again."""
    tenant_id, sunny, _ = places
    add(client)
    rider = new_client()
    sign_in_rider(rider, sunny[2], ACTIVE)
    assert "禁止通行" in rider.get(f"/g/{sunny[2]}").get_data(as_text=True)
    [block] = blocks(client.application, tenant_id)
    response = client.post(
        f"/blocks/{block.id}/lift", data={"csrf_token": csrf_token(client, "/blocks")}
    )
    assert response.status_code == 302
    [lifted] = blocks(client.application, tenant_id)
    assert lifted.lifted_at is not None and lifted.lifted_by_name == "王经理"
    age_arrivals(client.application, tenant_id, timedelta(minutes=3))
    assert 'data-outcome="pending"' in rider.get(f"/g/{sunny[2]}").get_data(as_text=True)


def test_block_with_an_end_date_ends(client, new_client, places):
    """A block whose end date has passed no longer refuses."""
    tenant_id, sunny, _ = places
    add(client, ends_on=today_in_china().isoformat())  # the form judges dates in China time
    assert "禁止通行" in scan(new_client, sunny[2]).get_data(as_text=True)
    with client.application.app_context(), tenant_context(tenant_id):
        block = db.session.scalars(select(Block)).one()
        block.ends_at = block.ends_at - timedelta(days=2)
        db.session.commit()
    age_arrivals(client.application, tenant_id, timedelta(minutes=3))
    assert 'data-outcome="pending"' in scan(new_client, sunny[2]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rider_code": ""}, "此项必填"),
        ({"rider_code": "<script>"}, "骑手编号格式不正确"),
        ({"reason": ""}, "此项必填"),
        ({"ends_on": "2000-01-01"}, "截止日期不能早于今天"),
        ({"rider_code": "XGM999999999999"}, "城市平台查无此骑手编号"),
    ],
)
def test_bad_block_input_is_a_form_error(client, places, fields, message):
    """Bad input re-shows the form with a reason, never a 500, and adds nothing."""
    tenant_id, _, _ = places
    response = add(client, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert blocks(client.application, tenant_id) == []
    assert message in body


def test_another_compound_id_is_refused(client, new_client, places):
    """A compound id that is not one of the tenant's is a form error."""
    tenant_id, _, _ = places
    response = add(client, compound_id="99999")
    assert response.status_code == 200
    assert blocks(client.application, tenant_id) == []


def test_another_tenant_cannot_lift_the_block(client, new_client, places):
    """Lifting another tenant's block is 404 and leaves it in force."""
    tenant_id, _, _ = places
    add(client)
    [block] = blocks(client.application, tenant_id)
    rival = new_client()
    sign_in_office(client.application, rival, "rival@example.com", "对手物业有限公司")
    response = rival.post(
        f"/blocks/{block.id}/lift", data={"csrf_token": csrf_token(rival, "/blocks")}
    )
    assert response.status_code == 404
    assert blocks(client.application, tenant_id)[0].lifted_at is None


def test_blocks_of_another_tenant_do_not_apply(client, new_client, places):
    """Another company's block does not refuse the rider at our gates."""
    _, sunny, _ = places
    rival = new_client()
    sign_in_office(client.application, rival, "rival@example.com", "对手物业有限公司")
    add(rival)
    assert 'data-outcome="pending"' in scan(new_client, sunny[2]).get_data(as_text=True)


def test_blocklist_needs_an_office_user(new_client, places):
    """Strangers are sent to sign in."""
    response = new_client().get("/blocks")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
