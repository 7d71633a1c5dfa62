"""Rider sign-in with the city platform (OAuth 2.0 code flow): start it, and its callback."""

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from xgm.city import CityError, InvalidGrant
from xgm.inputs.forms import Form
from xgm.riders import bp
from xgm.riders.city import city_client
from xgm.riders.cookie import (
    begin_signin,
    clear_rider_cookie,
    end_signin,
    pending_signin,
    set_rider_cookie,
    state_matches,
)
from xgm.riders.link import record_failure, record_success


def callback_url() -> str:
    """The redirect_uri registered with the city: <XGM_PUBLIC_URL>/rider/callback."""
    return current_app.config["XGM_PUBLIC_URL"].rstrip("/") + "/rider/callback"


def start_signin(gate_token: str):
    """Send the rider's browser to the city's sign-in page, state bound to browser and gate."""
    response = make_response("", 302)
    state = begin_signin(response, gate_token)
    response.headers["Location"] = city_client().authorize_url(callback_url(), state)
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(status: int, title: str, text: str, gate_token: str | None):
    """A clear page for a sign-in that did not work, with the way back to the gate."""
    retry = url_for("passes.gate", token=gate_token) if gate_token else None
    response = make_response(
        render_template("riders/problem.html", title=title, text=text, retry=retry),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    end_signin(response)
    return response


@bp.route("/rider/callback")
def callback():
    """The city sends the rider back here: check state, exchange the code, set the rider cookie."""
    saved = pending_signin()
    gate_token = saved["g"] if saved else None
    error = request.args.get("error")
    if error:
        if error == "access_denied":
            return _problem(
                403,
                _("您没有同意登录"),
                _("需要用小哥码登录后才能出示通行证。请重新扫码，并在城市平台页面点“同意”。"),
                gate_token,
            )
        return _problem(
            400,
            _("登录没有成功"),
            _("城市平台没有完成登录（%(error)s）。请重新扫码再试。", error=error[:40]),
            gate_token,
        )
    if not state_matches(saved, request.args.get("state")):
        return _problem(
            400,
            _("登录校验失败"),
            _("这个登录链接不属于本手机，或已经超时。请重新扫描门岗的二维码。"),
            gate_token,
        )
    code = request.args.get("code", "")
    if not code:
        return _problem(400, _("登录没有成功"), _("城市平台没有返回登录凭证。"), gate_token)
    try:
        token = city_client().exchange_code(code, callback_url())
    except InvalidGrant:
        return _problem(
            400,
            _("登录凭证已失效"),
            _("这个登录凭证已经用过或已过期。请重新扫描门岗的二维码。"),
            gate_token,
        )
    except CityError as exc:
        # The exchange failed or timed out: the rider registers by hand for the guard to check.
        record_failure(str(exc))
        if gate_token is None:
            return _problem(
                503,
                _("城市平台暂时无法连接"),
                _("暂时无法向城市平台核验身份。请重新扫描门岗的二维码，按提示人工登记。"),
                None,
            )
        response = redirect(url_for("passes.manual", token=gate_token), code=303)
        end_signin(response)
        response.headers["Cache-Control"] = "no-store"
        return response
    record_success()
    response = redirect(url_for("passes.gate", token=gate_token), code=302)
    set_rider_cookie(response, token.rider_code)
    end_signin(response)
    response.headers["Cache-Control"] = "no-store"
    return response


class SwitchForm(Form):
    """Just the CSRF token: "not me, sign in again" on a shared phone."""


@bp.route("/rider/switch/<token>", methods=["POST"])
def switch(token: str):
    """Forget the rider on this phone and scan the gate again (another rider signs in)."""
    if not SwitchForm().validate_on_submit():
        abort(400)
    response = redirect(url_for("passes.gate", token=token), code=303)
    clear_rider_cookie(response)
    return response
