"""The rider cookie (who this phone signed in as) and the short-lived sign-in state cookie."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from functools import lru_cache

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

RIDER_COOKIE = "xgm_rider"
SIGNIN_COOKIE = "xgm_rider_signin"
RIDER_MAX_AGE = timedelta(days=30)
#: A sign-in must come back from the city within this time (the city's codes live 60 s).
SIGNIN_MAX_AGE = timedelta(minutes=10)


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


@lru_cache(maxsize=4096)
def _verified(secret_key: str, salt: str, raw: str) -> tuple[object, float]:
    """A signed value's data and signing time; raises BadSignature (not remembered)."""
    data, signed = URLSafeTimedSerializer(secret_key, salt=salt).loads(raw, return_timestamp=True)
    return data, signed.timestamp()


def read_signed(raw: str, salt: str, max_age: timedelta):
    """The data of a cookie value signed with this app's key and `salt`, no older than
    `max_age`; None when the signature is bad or expired. Every scan reads the rider and the
    notice cookies: a value once verified is remembered by this process (the same text
    verifies the same way; its age is checked on each read). Do not mutate the result."""
    try:
        data, signed_at = _verified(current_app.secret_key, salt, raw)
    except BadSignature:
        return None
    age = time.time() - signed_at
    return data if 0 <= age <= max_age.total_seconds() else None


def _set(response, name: str, value: str, max_age: timedelta) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(max_age.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/",
    )


def current_rider_code() -> str | None:
    """The rider code this browser signed in as (valid signed cookie, < 30 days), or None."""
    if "_xgm_rider" not in g:
        raw = request.cookies.get(RIDER_COOKIE)
        code = None
        if raw:
            data = read_signed(raw, "xgm-rider", RIDER_MAX_AGE)
            if isinstance(data, dict) and isinstance(data.get("r"), str) and data["r"]:
                code = data["r"]
        g._xgm_rider = code
    return g._xgm_rider


def set_rider_cookie(response, rider_code: str) -> None:
    """Remember on this phone, for 30 days, that it belongs to rider_code."""
    value = _serializer("xgm-rider").dumps({"r": rider_code})
    _set(response, RIDER_COOKIE, value, RIDER_MAX_AGE)


def clear_rider_cookie(response) -> None:
    """Forget the rider on this phone."""
    response.delete_cookie(RIDER_COOKIE, path="/")


def begin_signin(response, gate_token: str) -> str:
    """Bind a fresh random state to this browser and the gate; return the state."""
    state = secrets.token_urlsafe(24)
    value = _serializer("xgm-rider-signin").dumps({"s": state, "g": gate_token})
    _set(response, SIGNIN_COOKIE, value, SIGNIN_MAX_AGE)
    return state


def pending_signin() -> dict | None:
    """The sign-in this browser started ({"s": state, "g": gate token}), or None."""
    raw = request.cookies.get(SIGNIN_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer("xgm-rider-signin").loads(
            raw, max_age=int(SIGNIN_MAX_AGE.total_seconds())
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        return None
    if not isinstance(data.get("g"), str):
        return None
    return data


def end_signin(response) -> None:
    """The state is single-use: drop it whatever the outcome."""
    response.delete_cookie(SIGNIN_COOKIE, path="/")


def state_matches(saved: dict | None, given: str | None) -> bool:
    """Constant-time check of the state the city sent back against this browser's."""
    if not saved or not given:
        return False
    return secrets.compare_digest(saved["s"].encode(), given.encode("utf-8", "replace"))
