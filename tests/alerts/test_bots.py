"""Group robots: added by the owner, sent to by the worker with retries, logged, tested."""

import pytest
from sqlalchemy import select

from tenants import tenant_context
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, add_hook, create_user, deliveries, run_worker, sign_in_office
from xgm.alerts import raise_event
from xgm.alerts.models import AlertHook
from xgm.extensions import db
from xgm.queues import get_queue

ALL = (
    "complaint_status",
    "complaint_overdue",
    "unattended",
    "overstay",
    "agent_offline",
    "phone_offline",
)


@pytest.fixture
def company(app, client):
    """A company with its owner signed in."""
    return sign_in_office(app, client, "owner@example.com", None)


def raise_committed(company, kind="complaint_status", **fields):
    """raise_event and commit, as a feature's transaction would."""
    with company.app.app_context():
        fields.setdefault("ref", "TS20261203-0001")
        fields.setdefault("detail", "已处理")
        fields.setdefault("link", "/complaints/1")
        event_id = raise_event(company.tenant_id, kind, **fields)
        db.session.commit()
        return event_id


def test_hook_is_stored_encrypted_and_shown_by_hint(app, company, wecom):
    """The robot URL (its key) never lies in the database in clear; the page shows a hint."""
    response = add_hook(company, "wecom", wecom.hook_url(), ALL)
    assert response.status_code == 302
    with app.app_context(), tenant_context(company.tenant_id):
        hook = db.session.scalars(select(AlertHook)).one()
        assert wecom.key not in hook.url_enc
        assert hook.event_list == list(ALL)
    page = company.client.get("/settings/alerts").get_data(as_text=True)
    assert wecom.key not in page
    assert wecom.key[-4:] in page


@pytest.mark.parametrize(
    ("kind", "url", "secret", "message"),
    [
        (
            "wecom",
            "https://evil.example/cgi-bin/webhook/send?key=12345678",
            "",
            "这不是企业微信群机器人的地址",
        ),
        ("wecom", "{wecom}/cgi-bin/webhook/send", "", "缺少机器人的密钥"),
        ("dingtalk", "{dingtalk}/robot/send?access_token=abcdefgh1234", "", "加签"),
        ("wecom", "{wecom}/cgi-bin/webhook/send?key=12345678", "", None),
    ],
)
def test_bad_hooks_are_refused_in_words(app, company, wecom, dingtalk, kind, url, secret, message):
    """A foreign host, a URL without key, DingTalk without its secret: 400, a message, no row."""
    url = url.format(wecom=wecom.url, dingtalk=dingtalk.url)
    events = ALL if message else ()
    response = add_hook(company, kind, url, events, secret)
    assert response.status_code == 400
    assert (message or "请至少选择一种提醒") in response.get_data(as_text=True)
    with app.app_context(), tenant_context(company.tenant_id):
        assert db.session.scalars(select(AlertHook)).all() == []


def test_manager_cannot_manage_robots(app, company, new_client):
    """Robots are the owner's: a manager gets 403."""
    with app.app_context():
        from tenants import Tenant

        create_user(db.session.get(Tenant, company.tenant_id), "manager", email="m@example.com")
    manager = new_client()
    login(manager, "m@example.com", PASSWORD)
    assert manager.get("/settings/alerts").status_code == 403


def test_both_robots_get_the_event_signed_and_without_personal_data(app, company, wecom, dingtalk):
    """One event reaches WeCom and DingTalk (whose signature the simulator checked): code, link."""
    add_hook(company, "wecom", wecom.hook_url(), ["complaint_status"])
    add_hook(company, "dingtalk", dingtalk.hook_url(), ["complaint_status"], dingtalk.secret)
    raise_committed(company)
    run_worker(app)
    assert [d.status for d in deliveries(company)] == ["sent", "sent"]
    for sim in (wecom, dingtalk):
        (text,) = sim.texts()
        assert "投诉状态变化" in text
        assert "TS20261203-0001" in text and "已处理" in text
        assert "http://xgm.test/complaints/1" in text
    assert dingtalk.messages[0]["query"]["timestamp"].isdigit()


def test_unsubscribed_kinds_are_not_sent(app, company, wecom):
    """A robot only gets the kinds ticked for it."""
    add_hook(company, "wecom", wecom.hook_url(), ["overstay"])
    raise_committed(company, "complaint_status")
    run_worker(app)
    assert deliveries(company) == [] and wecom.requests == 0


def test_transient_failures_are_retried_until_sent(app, company, wecom):
    """HTTP 500 then 'too fast' (45009): retried, sent on the third attempt, logged."""
    add_hook(company, "wecom", wecom.hook_url(), ["agent_offline"])
    wecom.fail_next(1, status=500)
    wecom.fail_next(1, errcode=45009)
    raise_committed(company, "agent_offline", ref="阳光花园 · 东门")
    run_worker(app)
    (delivery,) = deliveries(company)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert wecom.requests == 3 and len(wecom.messages) == 1


def test_retries_give_up_and_the_log_says_why(app, company, wecom):
    """Three transient failures with two retries configured: failed, the answer kept."""
    add_hook(company, "wecom", wecom.hook_url(), ["agent_offline"])
    wecom.fail_next(3, status=503)
    raise_committed(company, "agent_offline")
    run_worker(app)
    (delivery,) = deliveries(company)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "HTTP 503")
    page = company.client.get("/settings/alerts").get_data(as_text=True)
    assert "发送失败" in page and "HTTP 503" in page


def test_a_wrong_key_fails_at_once(app, company, wecom):
    """errcode 93000 (the robot was removed): no retry, failed after one attempt."""
    add_hook(
        company, "wecom", wecom.hook_url().replace(wecom.key, "removed-robot-key"), ["overstay"]
    )
    raise_committed(company, "overstay")
    run_worker(app)
    (delivery,) = deliveries(company)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("errcode 93000")


def test_a_bad_dingtalk_secret_is_refused_by_the_robot(app, company, dingtalk):
    """A wrong 加签 secret: the robot answers 310000, the delivery fails, nothing posted."""
    add_hook(company, "dingtalk", dingtalk.hook_url(), ["overstay"], "SEC" + "0" * 40)
    raise_committed(company, "overstay")
    run_worker(app)
    (delivery,) = deliveries(company)
    assert delivery.status == "failed" and "310000" in delivery.last_error
    assert dingtalk.messages == []


def test_scheduled_retry_waits_for_its_delay(app, company, wecom):
    """With a real delay the retry is a scheduled job, not run at once."""
    app.config["XGM_ALERT_RETRY_DELAYS"] = "30"
    add_hook(company, "wecom", wecom.hook_url(), ["overstay"])
    wecom.fail_next(1, status=500)
    raise_committed(company, "overstay")
    run_worker(app)
    (delivery,) = deliveries(company)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    with app.app_context():
        registry = get_queue("default").scheduled_job_registry
        scheduled = [j for j in registry.get_job_ids() if j.startswith("xgm-alert-")]
    assert scheduled == [f"xgm-alert-{delivery.id}-1"]


def test_test_button_sends_a_test_message(app, company, wecom):
    """发送测试消息: one message saying it is a test, logged as 已送达."""
    add_hook(company, "wecom", wecom.hook_url(), ["overstay"])
    page = company.client.get("/settings/alerts").get_data(as_text=True)
    assert "发送测试消息" in page
    with app.app_context(), tenant_context(company.tenant_id):
        hook_id = db.session.scalar(select(AlertHook.id))
    token = csrf_token(company.client, "/settings/alerts")
    response = company.client.post(f"/settings/alerts/{hook_id}/test", data={"csrf_token": token})
    assert response.status_code == 302
    run_worker(app)
    assert wecom.texts() and "测试消息" in wecom.texts()[0]
    assert "已送达" in company.client.get("/settings/alerts").get_data(as_text=True)


def test_another_tenants_robot_is_a_404(app, company, wecom, new_client):
    """Testing or deleting another company's robot: 404."""
    add_hook(company, "wecom", wecom.hook_url(), ["overstay"])
    with app.app_context(), tenant_context(company.tenant_id):
        hook_id = db.session.scalar(select(AlertHook.id))
    other = sign_in_office(app, new_client(), "other@example.com", None)
    token = csrf_token(other.client, "/settings/alerts")
    for action in ("test", "delete"):
        url = f"/settings/alerts/{hook_id}/{action}"
        assert other.client.post(url, data={"csrf_token": token}).status_code == 404


def test_sweep_re_enqueues_a_lost_delivery(app, company, wecom):
    """Redis lost the job: the sweep puts the due delivery back on the queue and it is sent."""
    from datetime import timedelta

    from sqlalchemy import update

    from xgm.alerts.delivery import sweep_deliveries
    from xgm.alerts.models import AlertDelivery
    from xgm.queues import get_redis

    add_hook(company, "wecom", wecom.hook_url(), ["overstay"])
    raise_committed(company, "overstay")
    with app.app_context():
        get_redis().flushdb()
        with tenant_context(company.tenant_id):
            (delivery,) = deliveries(company)
            db.session.execute(
                update(AlertDelivery).values(due_at=delivery.due_at - timedelta(minutes=5))
            )
            db.session.commit()
        assert sweep_deliveries() == 1
    run_worker(app)
    assert [d.status for d in deliveries(company)] == ["sent"]
