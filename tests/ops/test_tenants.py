"""The operator's tenant list (search, usage counts) and suspend / resume with a reason."""

from datetime import timedelta

from sqlalchemy import select

from tenants import Tenant, unscoped, utcnow
from tests.conftest import csrf_token, login
from tests.dashboard import data
from tests.factories import PASSWORD, create_tenant, create_user, signed_in_operator
from xgm.accounts.models import LoginSession
from xgm.extensions import db


def _tenant_with_usage(app):
    """Tenant A: 2 compounds (+1 archived), 3 gates, 3 arrivals (1 older than 30 days), 2 complaints."""
    with app.app_context():
        a = create_tenant("甲物业有限公司")
        b = create_tenant("乙物业有限公司")
        create_user(a, "owner", email="boss@jia.example")
        c1, c2 = data.compound(a.id, "一号院"), data.compound(a.id, "二号院")
        c3 = data.compound(a.id, "旧院")
        with unscoped():
            from xgm.compounds.models import Compound

            db.session.execute(
                Compound.__table__.update().where(Compound.id == c3).values(archived=True)
            )
            db.session.commit()
        g1 = data.gate(a.id, c1)
        data.gate(a.id, c1, "西门")
        data.gate(a.id, c2)
        now = utcnow()
        data.arrival(a.id, c1, g1, now - timedelta(days=1))
        data.arrival(a.id, c1, g1, now - timedelta(days=29))
        data.arrival(a.id, c1, g1, now - timedelta(days=31))
        data.complaint(a.id, c1, now - timedelta(days=2))
        data.complaint(a.id, c2, now - timedelta(days=40))
        return a.id, b.id


def _row_of(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_tenant_list_shows_exact_usage_counts(app, client):
    """Compounds (live), gates, guards, arrivals of the last 30 days and complaints per tenant."""
    _tenant_with_usage(app)
    signed_in_operator(app, client)
    html = client.get("/ops").get_data(as_text=True)
    row = _row_of(html, "甲物业有限公司")
    cells = [part.split(">", 1)[1].split("<", 1)[0] for part in row.split('<td data-label="')[1:]]
    assert cells == ["2", "3", "0", "2", "2"]
    assert "boss@jia.example" in row
    other = _row_of(html, "乙物业有限公司")
    assert [p.split(">", 1)[1].split("<", 1)[0] for p in other.split('<td data-label="')[1:]] == [
        "0",
        "0",
        "0",
        "0",
        "0",
    ]


def test_search_finds_by_name_uscc_and_owner_email(app, client):
    """q matches the company name, its credit code, or an account email."""
    _tenant_with_usage(app)
    signed_in_operator(app, client)
    with app.app_context():
        uscc = db.session.scalars(select(Tenant.uscc).where(Tenant.name == "乙物业有限公司")).one()
    for q, expected in (
        ("甲物业", "甲物业有限公司"),
        (uscc, "乙物业有限公司"),
        ("boss@jia", "甲物业有限公司"),
    ):
        html = client.get("/ops", query_string={"q": q}).get_data(as_text=True)
        assert expected in html
        other = "乙物业有限公司" if expected == "甲物业有限公司" else "甲物业有限公司"
        assert other not in html


def test_suspend_requires_a_reason(app, client):
    """An empty reason: 200 with a Chinese error, the tenant stays active."""
    tid, _ = _tenant_with_usage(app)
    signed_in_operator(app, client)
    token = csrf_token(client, f"/ops/tenants/{tid}/suspend")
    response = client.post(f"/ops/tenants/{tid}/suspend", data={"reason": " ", "csrf_token": token})
    assert response.status_code == 200
    assert "请填写暂停原因" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Tenant, tid).status == "active"


def test_suspend_ends_the_tenants_sessions_and_blocks_sign_in(app, client):
    """Suspending revokes every office session of the tenant; its users cannot sign in again."""
    tid, other_tid = _tenant_with_usage(app)
    with app.app_context():
        create_user(db.session.get(Tenant, other_tid), "owner", email="boss@yi.example")
    office, other = app.test_client(), app.test_client()
    assert login(office, "boss@jia.example", PASSWORD).status_code == 302
    assert login(other, "boss@yi.example", PASSWORD).status_code == 302
    signed_in_operator(app, client)
    token = csrf_token(client, f"/ops/tenants/{tid}/suspend")
    response = client.post(
        f"/ops/tenants/{tid}/suspend", data={"reason": "欠费停用", "csrf_token": token}
    )
    assert response.status_code == 302
    assert office.get("/compounds").status_code == 302  # signed out
    assert other.get("/").status_code == 200  # another tenant is untouched
    with app.app_context():
        tenant = db.session.get(Tenant, tid)
        assert (tenant.status, tenant.suspended_reason) == ("suspended", "欠费停用")
        with unscoped():
            live = db.session.scalars(
                select(LoginSession.tenant_id).where(LoginSession.revoked_at.is_(None))
            ).all()
        assert live == [other_tid]
    response = login(app.test_client(), "boss@jia.example", PASSWORD)
    assert "贵公司的账号已被暂停使用" in response.get_data(as_text=True)


def test_resume_lets_the_tenant_sign_in_again(app, client):
    """After resume the status is active, the reason cleared, and sign-in works."""
    tid, _ = _tenant_with_usage(app)
    signed_in_operator(app, client)
    token = csrf_token(client, f"/ops/tenants/{tid}/suspend")
    client.post(f"/ops/tenants/{tid}/suspend", data={"reason": "核查", "csrf_token": token})
    response = client.post(f"/ops/tenants/{tid}/resume", data={"reason": "", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        tenant = db.session.get(Tenant, tid)
        assert (tenant.status, tenant.suspended_reason) == ("active", "")
    assert login(app.test_client(), "boss@jia.example", PASSWORD).status_code == 302


def test_unknown_tenant_is_404(app, client):
    """Suspending a tenant id that does not exist answers 404."""
    signed_in_operator(app, client)
    assert client.get("/ops/tenants/999/suspend").status_code == 404


def test_suspend_ends_the_guards_shift_sessions(app, client):
    """A guard signed in on a gate phone is signed out by the suspension, reason 'suspended'."""
    from tests.factories import make_site, signed_in_phone

    site = make_site(app, app.test_client())
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    assert phone.get("/guard").status_code == 200
    signed_in_operator(app, client)
    token = csrf_token(client, f"/ops/tenants/{site.tenant_id}/suspend")
    client.post(
        f"/ops/tenants/{site.tenant_id}/suspend", data={"reason": "违规", "csrf_token": token}
    )
    assert phone.get("/guard").status_code == 302
    sessions = site.sessions(guard_id)
    assert [(s.ended_at is not None, s.end_reason) for s in sessions] == [(True, "suspended")]
