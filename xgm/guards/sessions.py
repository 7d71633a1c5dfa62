"""Guard sessions as Flask-Login principals of kind "g", checked against the phone on every request.

The Flask-Login id is "g:<tenant_id>:<guard_session_id>:<nonce>". A session is over, on the
next request, once it has ended (handover, deactivation, PIN reset, phone revocation, being
moved or replaced), once its shift is over, or when the request does not come from the phone
it was started on.
"""

import secrets
from datetime import timedelta

from flask import flash, request, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from tenants import set_request_tenant, utcnow
from xgm.accounts.sessions import register_loader
from xgm.audit import record
from xgm.devices.access import current_device
from xgm.devices.revocation import on_device_revoked
from xgm.extensions import db
from xgm.guards.models import Guard, GuardSession


def _reason_messages() -> dict[str, str]:
    return {
        "shift_end": _("班次已结束，请重新登录"),
        "deactivated": _("您的门卫账号已被停用，请联系管理员"),
        "pin_reset": _("您的 PIN 已被管理员重置，请用新 PIN 登录"),
        "device_revoked": _("本机已被管理员停用"),
        "moved": _("您已调到其他小区，请在那里的门岗手机上登录"),
        "replaced": _("其他门卫已在本机登录"),
    }


def end_guard_sessions(
    *, guard_id: int | None = None, device_id: int | None = None, reason: str
) -> int:
    """End every open session of a guard and/or on a phone (not committed); returns how many."""
    query = select(GuardSession).where(GuardSession.ended_at.is_(None))
    if guard_id is not None:
        query = query.where(GuardSession.guard_id == guard_id)
    if device_id is not None:
        query = query.where(GuardSession.device_id == device_id)
    if guard_id is None and device_id is None:
        raise ValueError("end_guard_sessions needs a guard or a device")
    now = utcnow()
    ended = list(db.session.scalars(query))
    for guard_session in ended:
        guard_session.ended_at = now
        guard_session.end_reason = reason
    return len(ended)


@on_device_revoked
def _end_sessions_on_revoked_phone(device) -> int:
    """A revoked phone signs its guard out at once."""
    return end_guard_sessions(device_id=device.id, reason="device_revoked")


def start_guard_session(guard: Guard, device) -> GuardSession:
    """Sign a guard in on this phone for one shift (ending whoever was still signed in on it)."""
    now = utcnow()
    for previous in db.session.scalars(
        select(GuardSession).where(
            GuardSession.device_id == device.id, GuardSession.ended_at.is_(None)
        )
    ):
        previous.ended_at, previous.end_reason = now, "replaced"
        record(
            "guard.handover",
            guard=previous.guard,
            device=device,
            actor=guard,
            detail={"reason": "replaced"},
        )
    guard_session = GuardSession(
        guard_id=guard.id,
        device_id=device.id,
        nonce=secrets.token_urlsafe(32),
        started_at=now,
        ends_at=now + timedelta(hours=guard.tenant.shift_hours),
        ip=(request.remote_addr or "")[:45],
    )
    db.session.add(guard_session)
    db.session.flush()
    guard.guard_session = guard_session
    record("guard.signed_in", guard=guard, device=device, actor=guard)
    db.session.commit()
    session.permanent = True  # a browser restart on the gate phone keeps the shift; ends_at rules
    login_user(guard)
    return guard_session


def hand_over(guard: Guard) -> None:
    """End the guard's session on this phone at shift change (交班) and sign the phone out."""
    guard_session = guard.guard_session
    guard_session.ended_at, guard_session.end_reason = utcnow(), "handover"
    record("guard.handover", guard=guard, device=guard_session.device, actor=guard)
    db.session.commit()
    logout_user()


def _forget(reason: str | None = None) -> None:
    """Drop the dead principal from the cookie (so the loader is not asked again) and say why."""
    session.pop("_user_id", None)
    message = _reason_messages().get(reason or "")
    if message:
        flash(message, "warning")


def _end_now(guard_session: GuardSession, reason: str, kind: str | None = None) -> None:
    guard_session.ended_at, guard_session.end_reason = utcnow(), reason
    if kind:
        record(
            kind, guard=guard_session.guard, device=guard_session.device, actor=guard_session.guard
        )
    db.session.commit()
    _forget(reason)


def _load_guard(rest: str) -> Guard | None:
    """Load a guard from "<tenant_id>:<session_id>:<nonce>", binding the request's tenant."""
    try:
        tenant_id_s, session_id_s, nonce = rest.split(":", 2)
        tenant_id, session_id = int(tenant_id_s), int(session_id_s)
    except ValueError:
        return None
    if not nonce:
        return None
    set_request_tenant(tenant_id)
    guard_session = db.session.scalars(
        select(GuardSession).where(GuardSession.id == session_id, GuardSession.nonce == nonce)
    ).first()
    if guard_session is None:
        _forget()
        return None
    if guard_session.ended_at is not None:
        _forget(guard_session.end_reason)
        return None
    guard = guard_session.guard
    device = current_device()
    if device is None and guard_session.device.revoked_at is not None:
        _end_now(guard_session, "device_revoked")
        return None
    if device is None or device.id != guard_session.device_id:
        _forget()  # a copied cookie, or the phone lost its device cookie: not this phone's session
        return None
    if not guard.active:
        _end_now(guard_session, "deactivated")
        return None
    if guard.pin_changed_at > guard_session.started_at:
        _end_now(guard_session, "pin_reset")
        return None
    if guard.compound_id != device.compound_id:
        _end_now(guard_session, "moved")
        return None
    if utcnow() >= guard_session.ends_at:
        _end_now(guard_session, "shift_end", "guard.shift_ended")
        return None
    if not guard.tenant.is_active:
        _forget()
        return None
    guard.guard_session = guard_session
    return guard


register_loader("g", _load_guard)
