"""Invitations: a one-time 72-hour link, a password set by the invited manager, revocable, audited."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from tenants import Tenant, tenant_context, utcnow
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.accounts.invitations import Invitation
from xgm.accounts.models import User
from xgm.audit.models import AuditEvent
from xgm.extensions import db

LINK = re.compile(r'id="invite-link">http://xgm\.test(/invite/[^<]+)<')
NEW_PASSWORD = "manager-pass-2026"


def sign_in_owner(app, client):
    """A company with its owner signed in; returns the tenant id."""
    with app.app_context():
        tenant = create_tenant()
        create_user(tenant, "owner", email="owner@example.com")
        tenant_id = tenant.id
    assert login(client, "owner@example.com", PASSWORD).status_code == 302
    return tenant_id


def invite(client, email="new@example.com", name="赵敏"):
    """POST /team/invitations; returns the response."""
    token = csrf_token(client, "/team")
    return client.post(
        "/team/invitations", data={"email": email, "name": name, "csrf_token": token}
    )


def invite_path(client, **fields) -> str:
    """Invite, follow the redirect, read the link from id="invite-link"."""
    response = invite(client, **fields)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<svg" in page  # the QR code
    return LINK.search(page).group(1)


def accept(browser, path, password=NEW_PASSWORD):
    """Open the link and set the password."""
    token = csrf_token(browser, path)
    data = {"phone": "13700001111", "password": password, "password_confirm": password}
    return browser.post(path, data={**data, "csrf_token": token})


def test_invited_manager_sets_a_password_and_is_signed_in(app, client, new_client):
    """The link opens a form; after it the new manager is signed in and can sign in again."""
    tenant_id = sign_in_owner(app, client)
    path = invite_path(client)
    browser = new_client()
    page = browser.get(path)
    assert page.status_code == 200 and "赵敏" in page.get_data(as_text=True)
    response = accept(browser, path)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert browser.get("/").status_code == 200
    with app.app_context(), tenant_context(tenant_id):
        user = db.session.scalars(select(User).where(User.email == "new@example.com")).one()
        assert (user.role, user.name) == ("manager", "赵敏")
        kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert kinds == ["invitation.created", "invitation.accepted"]
    assert login(new_client(), "new@example.com", NEW_PASSWORD).status_code == 302


def test_link_works_once(app, client, new_client):
    """A used link answers 410 and makes no second account."""
    tenant_id = sign_in_owner(app, client)
    path = invite_path(client)
    late = new_client()
    late_token = csrf_token(late, path)  # a second browser has the form open meanwhile
    assert accept(new_client(), path).status_code == 302
    assert new_client().get(path).status_code == 410
    data = {"phone": "13700001111", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert late.post(path, data={**data, "csrf_token": late_token}).status_code == 410
    with app.app_context(), tenant_context(tenant_id):
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 2


def test_link_expires_after_72_hours(app, client, new_client):
    """Past its 72 hours the link is 410 (the form is not shown)."""
    tenant_id = sign_in_owner(app, client)
    path = invite_path(client)
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.scalars(select(Invitation)).one()
        assert row.expires_at - row.created_at == timedelta(hours=72)
        db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = new_client().get(path)
    assert response.status_code == 410 and "已过期" in response.get_data(as_text=True)


def test_revoked_link_stops_working(app, client, new_client):
    """撤销: the link is 410, the revocation is audited."""
    tenant_id = sign_in_owner(app, client)
    path = invite_path(client)
    with app.app_context(), tenant_context(tenant_id):
        invitation_id = db.session.scalar(select(Invitation.id))
    token = csrf_token(client, "/team")
    assert (
        client.post(
            f"/team/invitations/{invitation_id}/revoke", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert new_client().get(path).status_code == 410
    with app.app_context(), tenant_context(tenant_id):
        kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert kinds == ["invitation.created", "invitation.revoked"]


def test_unknown_link_is_a_404(client):
    """A made-up token: 404."""
    assert client.get("/invite/not-a-real-token").status_code == 404


def test_an_email_in_use_is_refused_at_invitation(app, client):
    """An email of another company's account: 400 with the namespace's message, no invitation."""
    tenant_id = sign_in_owner(app, client)
    with app.app_context():
        create_user(create_tenant(), "owner", email="taken@example.com")
    response = invite(client, email="Taken@Example.com ")
    assert response.status_code == 400
    assert "该邮箱已被其他账号使用" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_id):
        assert db.session.scalars(select(Invitation)).all() == []


def test_an_email_taken_meanwhile_is_refused_at_acceptance(app, client, new_client):
    """Someone took the email after the invitation: a message, no account, the link still pending."""
    tenant_id = sign_in_owner(app, client)
    path = invite_path(client)
    with app.app_context():
        create_user(create_tenant(), "owner", email="new@example.com")
    response = accept(new_client(), path)
    assert response.status_code == 400
    assert "已有账号" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_id):
        assert db.session.scalars(select(Invitation)).one().state() == "pending"


def test_only_the_owner_invites(app, client, new_client):
    """A manager posting an invitation: 403."""
    tenant_id = sign_in_owner(app, client)
    with app.app_context():
        create_user(db.session.get(Tenant, tenant_id), "manager", email="m@example.com")
    manager = new_client()
    login(manager, "m@example.com", PASSWORD)
    token = csrf_token(manager, "/")
    response = manager.post(
        "/team/invitations", data={"email": "x@example.com", "name": "x", "csrf_token": token}
    )
    assert response.status_code == 403


def test_link_opened_where_another_company_is_signed_in(app, client, new_client):
    """A phone signed in to another company accepts the link: that session ends (in its own
    company), the new manager is signed in instead, never a 500."""
    tenant_id = sign_in_owner(app, client)
    path = invite_path(client)
    browser = new_client()
    with app.app_context():
        create_user(create_tenant("乙物业有限公司"), "owner", email="other@example.com")
    assert login(browser, "other@example.com", PASSWORD).status_code == 302
    response = accept(browser, path)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    with app.app_context(), tenant_context(tenant_id):
        names = db.session.scalars(select(User.email).where(User.role == "manager")).all()
    assert names == ["new@example.com"]
    assert "赵敏" in browser.get("/").get_data(as_text=True)
