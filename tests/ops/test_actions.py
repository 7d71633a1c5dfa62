"""The operators' own log: every operator action leaves one append-only row, shown at /ops/actions."""

import json

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.factories import (
    PASSWORD,
    create_observer,
    create_operator,
    create_tenant,
    create_user,
    ops_login,
    signed_in_operator,
)
from xgm.extensions import db
from xgm.ops.models import OperatorAction, OperatorLogIsAppendOnly
from xgm.queues import get_queue, get_redis


def _actions(app) -> list[tuple]:
    """(action, operator_name, tenant_id, target, detail) of every row, oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(OperatorAction).order_by(OperatorAction.id)).all()
        return [
            (r.action, r.operator_name, r.tenant_id, r.target, json.loads(r.detail or "{}"))
            for r in rows
        ]


def test_sign_in_failure_and_sign_out_are_logged(app, client):
    """A failed sign-in keeps the email typed; a sign-in and a sign-out keep the operator."""
    with app.app_context():
        create_operator("root@xgm.example")
    assert "邮箱或密码不正确" in ops_login(client, "root@xgm.example", "wrong-password").get_data(
        as_text=True
    )
    ops_login(client, "nobody@xgm.example")
    assert ops_login(client, "root@xgm.example").status_code == 302
    token = csrf_token(client, "/ops")
    assert client.post("/ops/logout", data={"csrf_token": token}).status_code == 302
    assert _actions(app) == [
        ("operator.sign_in_failed", "运营", None, "", {"email": "root@xgm.example"}),
        (
            "operator.sign_in_failed",
            "nobody@xgm.example",
            None,
            "",
            {"email": "nobody@xgm.example"},
        ),
        ("operator.signed_in", "运营", None, "", {}),
        ("operator.signed_out", "运营", None, "", {}),
    ]


def test_suspend_and_resume_are_logged_with_reason_and_sessions(app, client):
    """Suspending names the tenant, the reason and how many sessions ended; resuming too."""
    with app.app_context():
        tenant = create_tenant("甲物业有限公司")
        tid = tenant.id
        create_user(tenant, "owner", email="boss@jia.example")
    assert login(app.test_client(), "boss@jia.example", PASSWORD).status_code == 302
    signed_in_operator(app, client)
    token = csrf_token(client, f"/ops/tenants/{tid}/suspend")
    client.post(f"/ops/tenants/{tid}/suspend", data={"reason": "欠费停用", "csrf_token": token})
    token = csrf_token(client, f"/ops/tenants/{tid}/resume")
    client.post(f"/ops/tenants/{tid}/resume", data={"csrf_token": token})
    assert _actions(app)[1:] == [
        (
            "tenant.suspended",
            "运营",
            tid,
            "甲物业有限公司",
            {"reason": "欠费停用", "ended_sessions": 1},
        ),
        ("tenant.resumed", "运营", tid, "甲物业有限公司", {"reason": "欠费停用"}),
    ]


def test_observer_changes_are_logged(app, client):
    """Creating, deactivating and restoring an observer account each leave a row."""
    signed_in_operator(app, client)
    token = csrf_token(client, "/ops/observers")
    form = {
        "name": "北山街道办事处",
        "email": "beishan@gov.example",
        "password": "street-pass-2024",
        "division_code": "330106002000",
        "role": "observer",
        "csrf_token": token,
    }
    assert client.post("/ops/observers/new", data=form).status_code == 302
    with app.app_context():
        oid = create_observer(email="ob@gov.example").id
    assert login(app.test_client(), "ob@gov.example", PASSWORD).status_code == 302
    client.post(f"/ops/observers/{oid}/deactivate", data={"csrf_token": token})
    client.post(f"/ops/observers/{oid}/activate", data={"csrf_token": token})
    assert _actions(app)[1:] == [
        (
            "observer.created",
            "运营",
            None,
            "北山街道办事处",
            {
                "email": "beishan@gov.example",
                "level": "street",
                "area": "杭州市西湖区北山街道",
                "division": "330106002000",
                "role": "observer",
            },
        ),
        (
            "observer.deactivated",
            "运营",
            None,
            "北山街道办",
            {"email": "ob@gov.example", "ended_sessions": 1},
        ),
        ("observer.activated", "运营", None, "北山街道办", {"email": "ob@gov.example"}),
    ]
    html = client.get("/ops/actions?action=observer.created").get_data(as_text=True)
    assert "级别：镇街" in html and "辖区：杭州市西湖区北山街道" in html
    assert "区划代码：330106002000" in html and "角色：观察员" in html


def test_a_requeued_job_is_logged_and_a_refused_one_is_not(app, client):
    """Requeueing a failed job names the job and its queue; a job no longer failed adds nothing."""
    with app.app_context():
        job = get_queue("default").enqueue("xgm.ops.no_such_module.job")
        SimpleWorker(
            [get_queue("default")], connection=get_redis(), serializer=get_queue().serializer
        ).work(burst=True)
    signed_in_operator(app, client)
    token = csrf_token(client, "/ops/health")
    for _ in range(2):
        client.post(f"/ops/health/failed/default/{job.id}/requeue", data={"csrf_token": token})
    assert _actions(app)[1:] == [("job.requeued", "运营", None, job.id, {"queue": "default"})]


def test_the_log_page_lists_newest_first_and_filters(app, client):
    """Chinese labels, newest first, one tenant's rows with ?tenant=, one kind with ?action=."""
    with app.app_context():
        a, b = create_tenant("甲物业有限公司").id, create_tenant("乙物业有限公司").id
    signed_in_operator(app, client)
    for tid, reason in ((a, "欠费停用"), (b, "违规")):
        token = csrf_token(client, f"/ops/tenants/{tid}/suspend")
        client.post(f"/ops/tenants/{tid}/suspend", data={"reason": reason, "csrf_token": token})
    html = client.get("/ops/actions").get_data(as_text=True)
    rows = html[html.index("<tbody>") :]
    assert rows.count('class="action-row"') == 3
    assert rows.index("乙物业有限公司") < rows.index("甲物业有限公司") < rows.index("运营人员登录")
    assert "暂停租户" in rows and "原因：欠费停用" in rows
    one = client.get(f"/ops/actions?tenant={a}").get_data(as_text=True)
    assert one.count('class="action-row"') == 1
    assert "甲物业有限公司" in one and "违规" not in one
    kind = client.get("/ops/actions?action=operator.signed_in").get_data(as_text=True)
    assert kind.count('data-action="operator.signed_in"') == 1
    assert 'data-action="tenant.suspended"' not in kind


def test_the_log_is_for_operators_only(app, client):
    """Anonymous visitors are sent to the operator sign-in; a tenant's owner is refused."""
    response = client.get("/ops/actions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/ops/login")
    with app.app_context():
        create_user(create_tenant("甲物业有限公司"), "owner", email="boss@jia.example")
    owner = app.test_client()
    login(owner, "boss@jia.example", PASSWORD)
    assert owner.get("/ops/actions").status_code == 403


def test_rows_cannot_be_changed_or_deleted(app, client):
    """The ORM refuses to update or delete an operator action."""
    signed_in_operator(app, client)
    with app.app_context():
        row = db.session.scalars(select(OperatorAction)).one()
        row.target = "改写"
        with pytest.raises(OperatorLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(OperatorAction)).one())
        with pytest.raises(OperatorLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
    assert len(_actions(app)) == 1
