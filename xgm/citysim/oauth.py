"""OAuth 2.0 authorization code flow of the simulator (contract section 2)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request

from xgm.city.errors import BadSignature
from xgm.citysim.app import check_signature, json_response, sim
from xgm.citysim.state import AuthCode, now_cn

bp = Blueprint("oauth", __name__)

#: Sign-in page parameters carried through the rider's choice.
_PARAMS = ("response_type", "client_id", "redirect_uri", "state")


def _problem(params: Mapping[str, str]) -> str | None:
    """Return why an authorization request is invalid (shown on a 400 page), or None."""
    current = sim()
    if params.get("response_type") != "code":
        return "response_type 必须为 code"
    if params.get("client_id") != current.client_id:
        return "未登记的接入方（client_id 不匹配）"
    redirect_uri = params.get("redirect_uri", "")
    public = current.public_url
    if not (redirect_uri == public or redirect_uri.startswith(public + "/")):
        return "回调地址（redirect_uri）不属于已登记的接入方"
    return None


def _back(params: Mapping[str, str], **answer: str) -> Response:
    """Redirect the browser back to the integrator with code or error, plus state."""
    if params.get("state"):
        answer["state"] = params["state"]
    uri = params["redirect_uri"]
    separator = "&" if "?" in uri else "?"
    return redirect(f"{uri}{separator}{urlencode(answer)}", code=302)


def _approve(params: Mapping[str, str], rider_code: str) -> Response:
    """Issue a single-use code for rider_code and send the browser back."""
    current = sim()
    code = secrets.token_urlsafe(24)
    with current.state.lock:
        current.state.codes[code] = AuthCode(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            rider_code=rider_code,
            expires_at=time.monotonic() + current.code_ttl,
        )
        current.state.counters["codes_issued"] += 1
    return _back(params, code=code)


def _deny(params: Mapping[str, str]) -> Response:
    """Send the browser back with error=access_denied."""
    state = sim().state
    with state.lock:
        state.counters["sign_in_refused"] += 1
    return _back(params, error="access_denied")


def _page(
    params: Mapping[str, str], error: str | None = None, status: int = 200
) -> tuple[str, int]:
    """Render the sign-in page listing the riders one may sign in as."""
    state = sim().state
    today = now_cn().date()
    with state.lock:
        riders = [r for r in state.riders.values() if not r.bulk]
        bulk = len(state.riders) - len(riders)
        shown = [(r, r.shown_status(today)) for r in riders]
    hidden = {k: params.get(k, "") for k in _PARAMS}
    return (
        render_template(
            "citysim/authorize.html", riders=shown, bulk=bulk, hidden=hidden, error=error
        ),
        status,
    )


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response | tuple[str, int]:
    """Show the sign-in page, or act on the rider's choice (login_hint skips the page)."""
    params = request.values
    problem = _problem(params)
    if problem:
        return render_template("citysim/error.html", message=problem), 400
    choice = request.form.get("rider_code") or request.args.get("login_hint") or ""
    choice = choice.strip()
    if request.form.get("decision") == "deny" or choice == "deny":
        return _deny(params)
    if not choice:
        return _page(params)
    state = sim().state
    with state.lock:
        known = choice in state.riders
    if not known:
        return _page(
            params,
            error=f"骑手编号 {choice} 不存在",
            status=400 if request.method == "GET" else 200,
        )
    return _approve(params, choice)


def _token_error(error: str, status: int) -> Response:
    """Return an RFC 6749 error answer."""
    return json_response({"error": error}, status, {"Cache-Control": "no-store"})


@bp.post("/oauth/token")
def token() -> Response:
    """Exchange a code for the rider's identity (client authenticated by its secret)."""
    current = sim()
    state = current.state
    if state.down:
        if state.down_delay:
            time.sleep(state.down_delay)
        return _token_error("temporarily_unavailable", 503)
    if request.headers.get("X-City-Signature"):
        try:
            check_signature()
        except BadSignature:
            return _token_error("invalid_client", 401)
    form = request.form
    if form.get("client_id") != current.client_id or not secrets.compare_digest(
        form.get("client_secret", "").encode(), current.secret.encode()
    ):
        return _token_error("invalid_client", 401)
    if form.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type", 400)
    code = form.get("code", "")
    with state.lock:
        grant = state.codes.pop(code, None)
        if (
            grant is None
            or grant.expires_at < time.monotonic()
            or grant.client_id != form.get("client_id")
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            state.counters["invalid_grant"] += 1
            return _token_error("invalid_grant", 400)
        state.counters["tokens_issued"] += 1
    answer = {
        "access_token": secrets.token_urlsafe(32),
        "token_type": "Bearer",
        "expires_in": 3600,
        "rider_code": grant.rider_code,
    }
    return json_response(answer, 200, {"Cache-Control": "no-store"})
