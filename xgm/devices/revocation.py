"""Revoking a gate phone: its cookie stops working and every session on it ends.

The sessions on a phone belong to the packages above devices (a guard's shift): each registers
a hook with `on_device_revoked` that ends its own and says how many.
"""

from collections.abc import Callable

from tenants import utcnow
from xgm.audit import record
from xgm.devices.models import Device
from xgm.extensions import db

#: Called with the phone being revoked (not committed); each returns how many sessions it ended.
_REVOKE_HOOKS: list[Callable[[Device], int]] = []


def on_device_revoked(hook: Callable[[Device], int]) -> Callable[[Device], int]:
    """Register `hook` to end its sessions on a revoked phone (usable as a decorator)."""
    if hook not in _REVOKE_HOOKS:
        _REVOKE_HOOKS.append(hook)
    return hook


def revoke_device(device: Device, reason: str = "", commit: bool = True) -> int:
    """Shut a phone off at once; returns how many sessions ended with it."""
    device.revoked_at = utcnow()
    ended = sum(hook(device) for hook in _REVOKE_HOOKS)
    detail = {"ended_sessions": ended}
    if reason:
        detail["reason"] = reason
    record("device.revoked", device=device, detail=detail)
    if commit:
        db.session.commit()
    return ended
