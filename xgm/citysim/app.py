"""The city platform simulator: a small Flask app implementing the whole contract."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request

from xgm.city.signing import MemoryNonceStore, request_target, verify
from xgm.citysim.state import SimState
from xgm.citysim.webhooks import WebhookDispatcher

DEFAULTS: dict[str, Any] = {
    "XGM_CITY_CLIENT_ID": "xgm-dev",
    "XGM_CITY_SECRET": "citysim-dev-secret",
    "XGM_PUBLIC_URL": "http://127.0.0.1:5000",
    #: Base URL printed into photo_url; empty means "the URL this request came to".
    "CITYSIM_BASE_URL": "",
    #: Lifetime of an authorization code, seconds (the contract says 60).
    "CITYSIM_CODE_TTL": 60.0,
    #: Send webhooks at all (False: deliveries are only recorded, state "held").
    "CITYSIM_WEBHOOKS": True,
    #: First retry delay of a failed webhook, doubled on each try.
    "CITYSIM_WEBHOOK_BACKOFF": 1.0,
    "CITYSIM_WEBHOOK_MAX_ATTEMPTS": 10,
}
#: Where `python -m xgm.citysim` listens and where its `ctl` finds it (not app settings).
PROCESS_DEFAULTS: dict[str, Any] = {
    "CITYSIM_HOST": "127.0.0.1",
    "CITYSIM_PORT": 5055,
    #: The simulator's URL for `ctl`; empty: 127.0.0.1 on CITYSIM_PORT.
    "XGM_CITY_URL": "",
}
_BOOL_FALSE = ("0", "false", "no", "off", "")


def settings_from_env(
    environ: Mapping[str, str] | None = None, defaults: Mapping[str, Any] | None = DEFAULTS
) -> dict[str, Any]:
    """Return the settings named in `defaults` that the environment overrides, typed like them.

    The simulator's one reading of its process environment: the app's DEFAULTS, `serve`'s and
    `ctl`'s PROCESS_DEFAULTS; `defaults=None` returns the whole environment (SimProcess hands
    it on to its child).
    """
    environ = os.environ if environ is None else environ
    if defaults is None:
        return dict(environ)
    found: dict[str, Any] = {}
    for key, default in defaults.items():
        if key in environ:
            raw = environ[key]
            if isinstance(default, bool):
                found[key] = raw.strip().lower() not in _BOOL_FALSE
            elif isinstance(default, int | float):
                found[key] = type(default)(raw)
            else:
                found[key] = raw
    return found


@dataclass
class Sim:
    """The simulator's state and collaborators, stored in app.extensions['citysim']."""

    state: SimState
    webhooks: WebhookDispatcher
    nonces: MemoryNonceStore
    client_id: str
    secret: str
    public_url: str
    code_ttl: float
    base_url: str

    def photo_base(self) -> str:
        """Return the base URL used in photo_url."""
        return self.base_url.rstrip("/") or request.url_root.rstrip("/")


def create_sim_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the simulator app; config None reads the environment, else overrides defaults."""
    settings = dict(DEFAULTS)
    settings.update(settings_from_env() if config is None else config)
    app = Flask(__name__)
    app.config.update(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    sim = Sim(
        state=SimState(),
        webhooks=WebhookDispatcher(
            settings["XGM_PUBLIC_URL"],
            settings["XGM_CITY_CLIENT_ID"],
            settings["XGM_CITY_SECRET"],
            enabled=bool(settings["CITYSIM_WEBHOOKS"]),
            backoff=float(settings["CITYSIM_WEBHOOK_BACKOFF"]),
            max_attempts=int(settings["CITYSIM_WEBHOOK_MAX_ATTEMPTS"]),
        ),
        nonces=MemoryNonceStore(),
        client_id=settings["XGM_CITY_CLIENT_ID"],
        secret=settings["XGM_CITY_SECRET"],
        public_url=settings["XGM_PUBLIC_URL"].rstrip("/"),
        code_ttl=float(settings["CITYSIM_CODE_TTL"]),
        base_url=settings["CITYSIM_BASE_URL"],
    )
    app.extensions["citysim"] = sim

    from xgm.citysim import api, control, oauth, reminders

    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(reminders.bp)
    app.register_blueprint(control.bp)
    return app


def sim() -> Sim:
    """Return the simulator of the current app."""
    return current_app.extensions["citysim"]


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Return a UTF-8 JSON response as the contract prescribes."""
    body = json.dumps(data, ensure_ascii=False)
    return Response(
        body,
        status=status,
        headers=dict(headers or {}),
        content_type="application/json; charset=utf-8",
    )


def api_error(status: int, code: str, message: str, **extra: Any) -> Response:
    """Return the contract's error shape {"error": {"code", "message", ...}}."""
    headers = extra.pop("headers", None)
    return json_response({"error": {"code": code, "message": message, **extra}}, status, headers)


def check_signature() -> None:
    """Verify the current request's X-City-* signature; raise BadSignature if it fails."""
    current = sim()
    verify(
        current.secret,
        request.headers,
        request.method,
        request_target(request.environ),
        request.get_data(cache=True),
        time.time(),
        current.nonces,
        client_id=current.client_id,
    )
