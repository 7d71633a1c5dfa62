"""Revoking a gate phone: its cookie stops working and every guard session on it ends."""

from tenants import utcnow
from xgm.audit import record
from xgm.devices.models import Device
from xgm.extensions import db


def revoke_device(device: Device, reason: str = "", commit: bool = True) -> int:
    """Shut a phone off at once; returns how many guard sessions ended with it."""
    from xgm.guards.sessions import end_guard_sessions

    device.revoked_at = utcnow()
    ended = end_guard_sessions(device_id=device.id, reason="device_revoked")
    detail = {"ended_sessions": ended}
    if reason:
        detail["reason"] = reason
    record("device.revoked", device=device, detail=detail)
    if commit:
        db.session.commit()
    return ended
