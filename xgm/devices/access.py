"""The gate phone this request comes from, read from its signed device cookie."""

import hmac

from flask import g, request
from sqlalchemy import select

from tenants import current_tenant_id, set_request_tenant, tenant_context, utcnow
from xgm.accounts.sessions import LAST_SEEN_EVERY
from xgm.devices.enrollment import read_device_cookie
from xgm.devices.models import Device, secret_digest
from xgm.extensions import db


def current_device() -> Device | None:
    """The enrolled, unrevoked phone making this request, or None.

    A valid device cookie identifies a tenant: with no tenant bound yet (nobody signed in),
    the request is bound to the phone's tenant. A phone of another tenant than the one
    already bound (an office user of another company on this browser) counts as no phone.
    """
    if "_xgm_device" not in g:
        g._xgm_device = _load_device()
    return g._xgm_device


def _load_device() -> Device | None:
    parsed = read_device_cookie()
    if parsed is None:
        return None
    tenant_id, device_id, secret = parsed
    bound = current_tenant_id()
    if bound is not None and bound != tenant_id:
        return None
    with tenant_context(tenant_id):
        device = db.session.scalars(select(Device).where(Device.id == device_id)).first()
    if device is None or device.revoked_at is not None:
        return None
    if not hmac.compare_digest(secret_digest(secret), device.secret_hash):
        return None
    if bound is None:
        set_request_tenant(tenant_id)
    now, ip = utcnow(), (request.remote_addr or "")[:45]
    if now - device.last_seen_at > LAST_SEEN_EVERY or device.last_ip != ip:
        device.last_seen_at, device.last_ip = now, ip
        db.session.commit()
    return device
