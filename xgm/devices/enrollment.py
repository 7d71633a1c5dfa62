"""Enrollment: a manager's one-time code turns a browser into a gate phone with a signed cookie."""

import re
import secrets
from datetime import timedelta

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.audit import record
from xgm.devices.models import Device, EnrollmentCode, secret_digest
from xgm.extensions import db

#: No 0/O, 1/I/L: read aloud or copied by hand at a gate without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)
CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")

COOKIE_NAME = "xgm_device"
COOKIE_SALT = "xgm-device"
COOKIE_MAX_AGE = 365 * 24 * 3600


class EnrollmentError(Exception):
    """The code cannot enroll a phone; `reason` is one of invalid, unknown, used, expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def error_message(reason: str) -> str:
    """The Chinese explanation of an EnrollmentError for the phone's screen."""
    return {
        "invalid": _("登记码应为 8 位字母和数字，请核对后重新输入"),
        "unknown": _("登记码不正确，请核对后重新输入"),
        "used": _("该登记码已经用过，请让管理员重新生成"),
        "expired": _("该登记码已过期（15 分钟有效），请让管理员重新生成"),
    }[reason]


def normalise_code(text: str | None) -> str:
    """Upper-case the typed code and drop spaces and dashes."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def create_code(compound, gate=None, user=None) -> tuple[EnrollmentCode, str]:
    """Create a one-time code for a compound (and optionally one gate); returns (row, code)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    row = EnrollmentCode(
        code_hash=secret_digest(code),
        compound_id=compound.id,
        gate_id=gate.id if gate is not None else None,
        created_by=user.id if user is not None else None,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    db.session.add(row)
    db.session.flush()
    record(
        "device.code_created",
        detail={"compound": compound.name, "gate": gate.name if gate is not None else ""},
    )
    db.session.commit()
    return row, code


def enroll_url(code: str) -> str:
    """The URL a phone opens (by QR) to enroll with this code."""
    return f"{current_app.config['XGM_PUBLIC_URL']}/device/enroll?code={code}"


def redeem_code(text: str, name: str = "") -> tuple[Device, str]:
    """Use a code once: create the Device and return it with its cookie secret."""
    code = normalise_code(text)
    if not CODE_RE.match(code):
        raise EnrollmentError("invalid")
    with unscoped():  # the code alone says which tenant the phone will belong to
        row = db.session.scalars(
            select(EnrollmentCode).where(EnrollmentCode.code_hash == secret_digest(code))
        ).first()
    if row is None:
        raise EnrollmentError("unknown")
    if row.used_at is not None:
        raise EnrollmentError("used")
    if row.expires_at <= utcnow():
        raise EnrollmentError("expired")
    with tenant_context(row.tenant_id):
        claimed = db.session.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if claimed.rowcount != 1:  # another phone won the race for the same code
            db.session.rollback()
            raise EnrollmentError("used")
        secret = secrets.token_urlsafe(32)
        device = Device(
            tenant_id=row.tenant_id,
            compound_id=row.compound_id,
            gate_id=row.gate_id,
            name=(name or _default_name(row))[:40],
            secret_hash=secret_digest(secret),
            last_ip=(request.remote_addr or "")[:45],
        )
        db.session.add(device)
        db.session.flush()
        row.device_id = device.id
        _retire_previous_device(row.tenant_id)
        record(
            "device.enrolled",
            device=device,
            actor=device,
            detail={"compound": row.compound.name, "gate": row.gate.name if row.gate else ""},
        )
        db.session.commit()
        return device, secret


def _default_name(row: EnrollmentCode) -> str:
    place = row.gate.name if row.gate is not None else row.compound.name
    count = db.session.scalar(
        select(func.count()).select_from(Device).where(Device.compound_id == row.compound_id)
    )
    return _("%(place)s 手机 %(n)s", place=place, n=count + 1)


def _retire_previous_device(tenant_id: int) -> None:
    """A browser that re-enrolls drops its old cookie: revoke that phone record so none dangles."""
    parsed = read_device_cookie()
    if parsed is None or parsed[0] != tenant_id:
        return
    old = db.session.scalars(select(Device).where(Device.id == parsed[1])).first()
    if old is None or old.revoked_at is not None:
        return
    if secret_digest(parsed[2]) != old.secret_hash:
        return
    from xgm.devices.revocation import revoke_device

    revoke_device(old, reason="reenrolled", commit=False)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=COOKIE_SALT)


def set_device_cookie(response, device: Device, secret: str) -> None:
    """Store the phone's identity: signed, HttpOnly, SameSite=Lax, Secure on https, one year."""
    value = _serializer().dumps([device.tenant_id, device.id, secret])
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/",
    )


def read_device_cookie() -> tuple[int, int, str] | None:
    """(tenant_id, device_id, secret) from a validly signed device cookie, else None."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[:2])
        or not isinstance(value[2], str)
    ):
        return None
    return value[0], value[1], value[2]
