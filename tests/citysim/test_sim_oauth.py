"""The simulator's OAuth authorization code flow (contract section 2)."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.factories import CLIENT_ID, REDIRECT_URI, SECRET, sim_config
from xgm.city.signing import signed_headers
from xgm.citysim import create_sim_app


def authorize_path(**changes) -> str:
    """Return an /oauth/authorize URL with valid parameters, changes applied."""
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "st-123",
    }
    params.update(changes)
    return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def answer_of(response) -> dict:
    """Return the query of the redirect back to xgm, one value per key."""
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def get_code(client, rider_code: str = "XGM330122000123") -> str:
    """Sign in non-interactively and return the authorization code."""
    response = client.get(authorize_path(login_hint=rider_code))
    assert response.status_code == 302
    return answer_of(response)["code"]


def token(client, code: str, **changes):
    """POST /oauth/token form-encoded, as the contract says."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    form.update(changes)
    return client.post("/oauth/token", data=form)


def test_sign_in_page_lists_seed_riders(sim_client):
    """The sign-in page offers one button per seed rider, a code field and a refusal."""
    response = sim_client.get(authorize_path())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("以此骑手身份登录") == 17
    assert "王小明" in page and "拒绝授权" in page
    assert 'name="state" value="st-123"' in page


@pytest.mark.parametrize(
    "changes",
    [
        {"response_type": "token"},
        {"client_id": "someone-else"},
        {"redirect_uri": "http://evil.test/rider/callback"},
        {"redirect_uri": "http://xgm.test.evil.test/cb"},
        {"redirect_uri": None},
    ],
)
def test_bad_authorization_request_is_a_400_page(sim_client, changes):
    """A wrong response_type, client or redirect_uri gets a 400 page, never a redirect."""
    response = sim_client.get(authorize_path(**changes))
    assert response.status_code == 400
    assert "授权请求无效" in response.get_data(as_text=True)


def test_login_hint_approves_at_once(sim_client):
    """login_hint=<rider code> redirects back with a code and the state."""
    response = sim_client.get(authorize_path(login_hint="XGM330122000123"))
    answer = answer_of(response)
    assert response.status_code == 302
    assert set(answer) == {"code", "state"}
    assert answer["state"] == "st-123"


def test_login_hint_deny_refuses(sim_client):
    """login_hint=deny redirects back with error=access_denied and the state."""
    response = sim_client.get(authorize_path(login_hint="deny"))
    assert response.status_code == 302
    assert answer_of(response) == {"error": "access_denied", "state": "st-123"}


def test_refuse_button_refuses(sim_client):
    """Pressing 拒绝授权 redirects back with error=access_denied."""
    form = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "s2",
        "decision": "deny",
    }
    response = sim_client.post("/oauth/authorize", data=form)
    assert answer_of(response) == {"error": "access_denied", "state": "s2"}


def test_pick_rider_button_signs_in(sim_client):
    """Pressing a rider's button issues a code for that rider."""
    form = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "s3",
        "rider_code": "XGM330106000201",
    }
    response = sim_client.post("/oauth/authorize", data=form)
    code = answer_of(response)["code"]
    assert token(sim_client, code).get_json()["rider_code"] == "XGM330106000201"


def test_unknown_login_hint_is_refused(sim_client):
    """An unknown rider code cannot sign in."""
    response = sim_client.get(authorize_path(login_hint="XGM000000000000"))
    assert response.status_code == 400
    assert "XGM000000000000 不存在" in response.get_data(as_text=True)


def test_token_answers_the_contract(sim_client):
    """A good code gives exactly access_token, token_type, expires_in and rider_code."""
    response = token(sim_client, get_code(sim_client))
    data = response.get_json()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert set(data) == {"access_token", "token_type", "expires_in", "rider_code"}
    assert (data["token_type"], data["expires_in"], data["rider_code"]) == (
        "Bearer",
        3600,
        "XGM330122000123",
    )


def test_code_is_single_use(sim_client):
    """A code works once; the second exchange is invalid_grant."""
    code = get_code(sim_client)
    assert token(sim_client, code).status_code == 200
    second = token(sim_client, code)
    assert second.status_code == 400
    assert second.get_json() == {"error": "invalid_grant"}


def test_code_expires():
    """A code older than its lifetime is invalid_grant."""
    client = create_sim_app(sim_config(CITYSIM_CODE_TTL=0.05)).test_client()
    code = get_code(client)
    time.sleep(0.1)
    response = token(client, code)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_grant"}


def test_code_bound_to_redirect_uri(sim_client):
    """Exchanging with another redirect_uri is invalid_grant."""
    response = token(sim_client, get_code(sim_client), redirect_uri=REDIRECT_URI + "2")
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_grant"}


def test_unknown_code_is_invalid_grant(sim_client):
    """A made-up code is invalid_grant."""
    response = token(sim_client, "not-a-code")
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    "changes", [{"client_secret": "wrong"}, {"client_id": "other"}, {"client_secret": ""}]
)
def test_bad_client_is_invalid_client(sim_client, changes):
    """A wrong client id or secret is 401 invalid_client."""
    response = token(sim_client, get_code(sim_client), **changes)
    assert response.status_code == 401
    assert response.get_json() == {"error": "invalid_client"}


def test_bad_signature_on_token_is_invalid_client(sim_client):
    """A token request carrying a wrong X-City signature is 401 invalid_client."""
    code = get_code(sim_client)
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
        }
    ).encode()
    headers = signed_headers(CLIENT_ID, "not-the-secret", "POST", "/oauth/token", body)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    response = sim_client.post("/oauth/token", data=body, headers=headers)
    assert response.status_code == 401


def test_wrong_grant_type(sim_client):
    """Only grant_type=authorization_code is supported."""
    response = token(sim_client, get_code(sim_client), grant_type="password")
    assert response.status_code == 400
    assert response.get_json() == {"error": "unsupported_grant_type"}


def test_token_down(sim_client):
    """While the city is down, /oauth/token answers 503."""
    code = get_code(sim_client)
    assert sim_client.post("/_sim/down", json={"down": True}).status_code == 200
    assert token(sim_client, code).status_code == 503
