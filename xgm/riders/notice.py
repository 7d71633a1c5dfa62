"""Which companies' privacy notice this phone's rider has read (PIPL art. 17), in a cookie.

Before a rider's first scan at a company's gate the pass flow shows that company's notice;
accepting it adds the company to a signed cookie, so later scans go straight to the pass
(no database read on the scan path). A cleared cookie shows the notice again: harmless.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, request
from itsdangerous import URLSafeTimedSerializer

from xgm.riders.cookie import read_signed

NOTICE_COOKIE = "xgm_notice"
NOTICE_MAX_AGE = timedelta(days=365)
#: Companies remembered per phone (the oldest drop out first).
MAX_TENANTS = 50


_SALT = "xgm-rider-notice"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def noticed_tenants() -> list[int]:
    """The companies whose notice this phone accepted (valid signed cookie), oldest first."""
    if "_xgm_noticed" not in g:
        raw = request.cookies.get(NOTICE_COOKIE)
        ids: list[int] = []
        if raw:
            data = read_signed(raw, _SALT, NOTICE_MAX_AGE)
            if isinstance(data, list):
                ids = [i for i in data if isinstance(i, int) and not isinstance(i, bool)]
        g._xgm_noticed = ids
    return g._xgm_noticed


def has_noticed(tenant_id: int) -> bool:
    """True when this phone's rider accepted the company's notice."""
    return tenant_id in noticed_tenants()


def remember_notice(response, tenant_id: int) -> None:
    """Add the company to the phone's accepted notices."""
    ids = [i for i in noticed_tenants() if i != tenant_id] + [tenant_id]
    response.set_cookie(
        NOTICE_COOKIE,
        _serializer().dumps(ids[-MAX_TENANTS:]),
        max_age=int(NOTICE_MAX_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/",
    )
