"""Rider sign-in with the city platform: the OAuth round trip against a real simulator process."""

import requests

from tests.factories import (
    ACTIVE,
    CLIENT_ID,
    PUBLIC_URL,
    authorize,
    control,
    count_arrivals,
    query_of,
    sign_in_rider,
)


def _cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_scan_without_rider_cookie_redirects_to_the_city(client, place, sim):
    """/g/<token> with no rider cookie sends the browser to the city's /oauth/authorize."""
    _, _, _, token = place
    response = client.get(f"/g/{token}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(sim + "/oauth/authorize?")
    query = query_of(location)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == PUBLIC_URL + "/rider/callback"
    assert len(query["state"]) >= 32
    state_cookie = _cookie_header(response, "xgm_rider_signin")
    assert "HttpOnly" in state_cookie and "SameSite=Lax" in state_cookie


def test_each_scan_gets_a_fresh_state(client, place):
    """Two sign-in starts carry two different states."""
    _, _, _, token = place
    first = query_of(client.get(f"/g/{token}").headers["Location"])["state"]
    second = query_of(client.get(f"/g/{token}").headers["Location"])["state"]
    assert first != second


def test_round_trip_sets_the_rider_cookie_and_returns_to_the_gate(client, place):
    """The callback exchanges the code, sets a 30-day HttpOnly rider cookie, returns to the gate."""
    tenant_id, _, _, token = place
    response = sign_in_rider(client, token, ACTIVE)
    assert response.headers["Location"] == f"/g/{token}"
    cookie = _cookie_header(response, "xgm_rider")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=2592000" in cookie
    assert count_arrivals(client.application, tenant_id) == 0
    page = client.get(f"/g/{token}")
    assert page.status_code == 200
    assert "王小明" in page.get_data(as_text=True)
    assert count_arrivals(client.application, tenant_id) == 1


def test_state_from_another_browser_is_refused(client, new_client, place):
    """A callback URL opened in a browser that did not start the sign-in gets a clear 400 page."""
    _, _, _, token = place
    callback = authorize(client, token, ACTIVE)
    other = new_client()
    response = other.get(callback)
    assert response.status_code == 400
    assert "登录校验失败" in response.get_data(as_text=True)
    assert "xgm_rider=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_tampered_state_is_refused(client, place):
    """A state that differs from the browser's gets a clear 400 page and no rider cookie."""
    _, _, _, token = place
    callback = authorize(client, token, ACTIVE)
    state = query_of(callback)["state"]
    response = client.get(callback.replace(state, state[:-4] + "AAAA"))
    assert response.status_code == 400
    assert "登录校验失败" in response.get_data(as_text=True)
    assert client.get_cookie("xgm_rider") is None


def test_reused_code_is_refused(client, place):
    """A code already exchanged once gets a clear 400 page (the city says invalid_grant)."""
    _, _, _, token = place
    callback = authorize(client, token, ACTIVE)
    assert client.get(callback).status_code == 302
    code = query_of(callback)["code"]
    client.delete_cookie("xgm_rider")
    fresh = authorize(client, token, ACTIVE)
    replay = fresh.replace(query_of(fresh)["code"], code)
    response = client.get(replay)
    assert response.status_code == 400
    assert "登录凭证已失效" in response.get_data(as_text=True)
    assert client.get_cookie("xgm_rider") is None


def test_callback_url_cannot_be_replayed(client, place):
    """The state is single-use: opening the same callback again is refused."""
    _, _, _, token = place
    callback = authorize(client, token, ACTIVE)
    assert client.get(callback).status_code == 302
    client.delete_cookie("xgm_rider")
    response = client.get(callback)
    assert response.status_code == 400
    assert "登录校验失败" in response.get_data(as_text=True)


def test_refused_sign_in_shows_a_clear_page(client, place):
    """The rider pressing 拒绝 at the city (error=access_denied) gets a 403 page with a way back."""
    _, _, _, token = place
    callback = authorize(client, token, "deny")
    assert query_of(callback)["error"] == "access_denied"
    response = client.get(callback)
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "您没有同意登录" in body
    assert f'href="/g/{token}"' in body
    assert client.get_cookie("xgm_rider") is None


def test_city_down_at_the_code_exchange_leads_to_the_manual_form(client, place, sim):
    """The city failing the code exchange sends the rider to the manual registration form."""
    _, _, _, token = place
    callback = authorize(client, token, ACTIVE)
    control(sim, "POST", "/_sim/down", {"down": True})
    response = client.get(callback)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/g/{token}/manual"
    assert client.get_cookie("xgm_rider") is None
    form = client.get(response.headers["Location"])
    body = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "城市平台暂时无法连接" in body and 'name="phone"' in body


def test_city_unreachable_at_the_code_exchange_leads_to_the_manual_form(client, place, city_app):
    """Nobody listening at the city URL: the manual form too, never a 500."""
    _, _, _, token = place
    callback = authorize(client, token, ACTIVE)
    city_app.config["XGM_CITY_URL"] = "http://127.0.0.1:9"
    city_app.extensions.pop("xgm_city_client", None)
    response = client.get(callback)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/g/{token}/manual"
    assert "人工登记" in client.get(f"/g/{token}/manual").get_data(as_text=True)


def test_code_exchange_timing_out_leads_to_the_manual_form(client, place, sim, city_app):
    """A token exchange that times out (the city hangs) ends on the manual form as well."""
    _, _, _, token = place
    city_app.config["XGM_CITY_READ_TIMEOUT"] = 0.3
    city_app.extensions.pop("xgm_city_client", None)
    callback = authorize(client, token, ACTIVE)
    control(sim, "POST", "/_sim/down", {"down": True, "delay": 1.5})
    response = client.get(callback)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/g/{token}/manual"


def test_callback_without_code_or_state_is_a_clear_page(client, place):
    """A bare /rider/callback is a 400 page, not an error."""
    response = client.get("/rider/callback")
    assert response.status_code == 400
    assert "登录校验失败" in response.get_data(as_text=True)


def test_forged_rider_cookie_is_ignored(client, place):
    """A rider cookie not signed by us counts as no sign-in."""
    _, _, _, token = place
    client.set_cookie("xgm_rider", "eyJyIjoiWEdNMzMwMTIyMDAwMTIzIn0.forged.sig")
    response = client.get(f"/g/{token}")
    assert response.status_code == 302
    assert "/oauth/authorize?" in response.headers["Location"]


def test_unknown_token_is_the_friendly_404(client, place):
    """A token that matches no gate is the friendly 404 page, without asking the city."""
    response = client.get("/g/" + "x" * 32)
    assert response.status_code == 404
    assert "二维码已失效" in response.get_data(as_text=True)


def test_simulator_really_issued_one_token(client, place, sim):
    """The round trip went through the simulator process: one code issued, one token."""
    _, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    counters = requests.get(sim + "/_sim/state", timeout=5).json()["counters"]
    assert (counters["codes_issued"], counters["tokens_issued"]) == (1, 1)


def test_not_me_forgets_the_rider_and_signs_in_again(client, place):
    """The 不是您本人 button clears the rider cookie (CSRF-checked); the gate asks the city again."""
    from tests.conftest import CSRF_RE

    _, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert f'action="/rider/switch/{token}"' in page
    csrf = CSRF_RE.search(page).group(1)
    assert client.post(f"/rider/switch/{token}").status_code == 400
    response = client.post(f"/rider/switch/{token}", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/g/{token}"
    assert client.get_cookie("xgm_rider") is None
    assert client.get(f"/g/{token}").status_code == 302
