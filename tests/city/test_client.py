"""CityClient against a real simulator process: every HTTP outcome maps to a typed answer."""

import time
import uuid
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.factories import CLIENT_ID, SECRET, complaint_body, control, free_port
from xgm.city import (
    BadSignature,
    CityClient,
    CityError,
    CityRateLimited,
    CityUnavailable,
    ComplaintRejected,
    InvalidClient,
    InvalidGrant,
    RiderCard,
    UnknownComplaint,
    UnknownRider,
    client_from_config,
)
from xgm.citysim import seed

REDIRECT = "http://127.0.0.1:9/rider/callback"


def sign_in(city: CityClient, sim: str, rider_code: str, redirect_uri: str) -> str:
    """Follow authorize_url() with a login_hint like a browser and return the code."""
    url = city.authorize_url(redirect_uri, "state-1") + f"&login_hint={rider_code}"
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


@pytest.fixture
def redirect_uri(receiver):
    """A redirect_uri under the simulator's XGM_PUBLIC_URL (the receiver's URL)."""
    return receiver.url + "/rider/callback"


def test_authorize_url_carries_the_contract_parameters(city, sim):
    """authorize_url() points at /oauth/authorize with code, client, redirect and state."""
    url = urlsplit(city.authorize_url(REDIRECT, "st"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == sim + "/oauth/authorize"
    assert parse_qs(url.query) == {
        "response_type": ["code"],
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT],
        "state": ["st"],
    }


def test_exchange_code_returns_the_rider(city, sim, redirect_uri):
    """A fresh code exchanges for a TokenResult naming the rider."""
    code = sign_in(city, sim, seed.SEED_ACTIVE, redirect_uri)
    result = city.exchange_code(code, redirect_uri)
    assert (result.rider_code, result.token_type, result.expires_in) == (
        seed.SEED_ACTIVE,
        "Bearer",
        3600,
    )
    assert result.access_token


def test_reused_code_is_invalid_grant(city, sim, redirect_uri):
    """The second exchange of a code raises InvalidGrant."""
    code = sign_in(city, sim, seed.SEED_ACTIVE, redirect_uri)
    city.exchange_code(code, redirect_uri)
    with pytest.raises(InvalidGrant) as info:
        city.exchange_code(code, redirect_uri)
    assert (info.value.status, info.value.transient) == (400, False)


def test_redirect_mismatch_is_invalid_grant(city, sim, redirect_uri):
    """Exchanging with another redirect_uri raises InvalidGrant."""
    code = sign_in(city, sim, seed.SEED_ACTIVE, redirect_uri)
    with pytest.raises(InvalidGrant):
        city.exchange_code(code, redirect_uri + "/other")


def test_wrong_secret_at_token_is_invalid_client(city, sim, redirect_uri):
    """A wrong client secret raises InvalidClient, a BadSignature."""
    code = sign_in(city, sim, seed.SEED_ACTIVE, redirect_uri)
    with CityClient(sim, CLIENT_ID, "wrong") as wrong, pytest.raises(InvalidClient) as info:
        wrong.exchange_code(code, redirect_uri)
    assert isinstance(info.value, BadSignature)


def test_get_rider_returns_the_card(city, sim):
    """get_rider() returns the seed rider's card, whose photo is fetchable unsigned."""
    rider = city.get_rider(seed.SEED_ACTIVE)
    photo = requests.get(rider.photo_url, timeout=5)
    assert isinstance(rider, RiderCard)
    assert (rider.name, rider.platform_code, rider.platform_name) == (
        "王小明",
        "meituan",
        "美团外卖",
    )
    assert rider.photo_url == f"{sim}/photos/{seed.SEED_ACTIVE}.jpg"
    assert (photo.status_code, photo.content[:3]) == (200, b"\xff\xd8\xff")


@pytest.mark.parametrize(
    ("code", "shown", "admissible"),
    [
        (seed.SEED_ACTIVE, "active", True),
        (seed.SEED_SUSPENDED, "suspended", False),
        (seed.SEED_REVOKED, "revoked", False),
        (seed.SEED_EXPIRED, "expired", False),
    ],
)
def test_get_rider_per_status(city, code, shown, admissible):
    """Each status comes back and decides admission."""
    rider = city.get_rider(code)
    assert rider.effective_status(date.today()) == shown
    assert rider.is_admissible(date.today()) is admissible


def test_unknown_rider_raises(city):
    """A 404 lookup raises UnknownRider."""
    with pytest.raises(UnknownRider) as info:
        city.get_rider("XGM000000000000")
    assert info.value.status == 404


def test_odd_rider_code_is_quoted_and_signed(city):
    """A code needing URL quoting is still signed exactly as sent (404, not 401)."""
    with pytest.raises(UnknownRider):
        city.get_rider("XGM 12/34?x=中")


def test_wrong_secret_raises_bad_signature(sim):
    """A 401 from the city raises BadSignature."""
    with CityClient(sim, CLIENT_ID, "wrong") as wrong, pytest.raises(BadSignature) as info:
        wrong.get_rider(seed.SEED_ACTIVE)
    assert (info.value.status, info.value.transient) == (401, False)


def test_complaint_first_receipt_then_replay(city, sim):
    """201 gives first_receipt True; the same key again gives the same id, first_receipt False."""
    key = str(uuid.uuid4())
    first = city.post_complaint(complaint_body(), key)
    again = city.post_complaint(complaint_body(description="改过的描述"), key)
    assert (first.status, first.first_receipt) == ("received", True)
    assert (again.complaint_id, again.first_receipt) == (first.complaint_id, False)
    assert control(sim, "GET", "/_sim/state")["complaints"] == 1


def test_complaint_rejected_carries_fields(city):
    """A 400 raises ComplaintRejected with the city's message and fields."""
    with pytest.raises(ComplaintRejected) as info:
        city.post_complaint(complaint_body(category="noise", description=""), str(uuid.uuid4()))
    assert set(info.value.fields) == {"category", "description"}
    assert info.value.message.startswith("投诉内容有误")
    assert info.value.transient is False


def test_complaint_unknown_rider(city):
    """A 404 on a complaint raises UnknownRider."""
    with pytest.raises(UnknownRider):
        city.post_complaint(complaint_body(rider_code="XGM000000000000"), str(uuid.uuid4()))


def test_503_is_transient_unavailable(city, sim):
    """A 503 raises CityUnavailable (transient) and stores nothing."""
    control(sim, "POST", "/_sim/fail", {"mode": "503", "count": 1})
    with pytest.raises(CityUnavailable) as info:
        city.post_complaint(complaint_body(), str(uuid.uuid4()))
    assert type(info.value) is CityUnavailable
    assert (info.value.status, info.value.transient) == (503, True)
    assert control(sim, "GET", "/_sim/state")["complaints"] == 0


def test_429_is_rate_limited_with_retry_after(city, sim):
    """A 429 raises CityRateLimited carrying Retry-After in seconds."""
    control(sim, "POST", "/_sim/fail", {"mode": "429", "count": 1, "retry_after": 2})
    with pytest.raises(CityRateLimited) as info:
        city.post_complaint(complaint_body(), str(uuid.uuid4()))
    assert (info.value.retry_after, info.value.transient) == (2.0, True)


def test_read_timeout_is_unavailable_and_retry_is_idempotent(sim):
    """A slow answer raises CityUnavailable; the city still stores it and a retry replays."""
    control(sim, "POST", "/_sim/fail", {"mode": "timeout", "count": 1, "delay": 1.0})
    key = str(uuid.uuid4())
    with CityClient(sim, CLIENT_ID, SECRET, read_timeout=0.3) as impatient:
        with pytest.raises(CityUnavailable) as info:
            impatient.post_complaint(complaint_body(), key)
        assert info.value.status is None
        deadline = time.monotonic() + 5
        while not control(sim, "GET", "/_sim/complaints")["complaints"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        retry = impatient.post_complaint(complaint_body(), key)
    assert retry.first_receipt is False
    assert control(sim, "GET", "/_sim/state")["complaints"] == 1


def test_city_down_is_unavailable(city, sim, redirect_uri):
    """In down mode lookups and code exchanges raise CityUnavailable."""
    code = sign_in(city, sim, seed.SEED_ACTIVE, redirect_uri)
    control(sim, "POST", "/_sim/down", {"down": True})
    with pytest.raises(CityUnavailable):
        city.get_rider(seed.SEED_ACTIVE)
    with pytest.raises(CityUnavailable):
        city.exchange_code(code, redirect_uri)


def test_connection_refused_is_unavailable():
    """Nobody listening raises CityUnavailable without a status."""
    nowhere = CityClient(f"http://127.0.0.1:{free_port()}", CLIENT_ID, SECRET)
    with nowhere, pytest.raises(CityUnavailable) as info:
        nowhere.get_rider(seed.SEED_ACTIVE)
    assert (info.value.status, info.value.transient) == (None, True)


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"[1, 2]", b'{"rider_code": 5}'])
def test_garbage_answer_is_unavailable(receiver, body):
    """A 200 that is not the contract's JSON raises CityUnavailable, never a decode error."""
    receiver.clear()
    receiver.body = body
    with CityClient(receiver.url, CLIENT_ID, SECRET) as garbled, pytest.raises(CityUnavailable):
        garbled.get_rider(seed.SEED_ACTIVE)


def test_unexpected_status_is_a_city_error(receiver):
    """An unexpected non-transient status raises the CityError base, not transient."""
    receiver.clear()
    receiver.statuses.append(403)
    forbidden = CityClient(receiver.url, CLIENT_ID, SECRET)
    with forbidden, pytest.raises(CityError) as info:
        forbidden.get_rider(seed.SEED_ACTIVE)
    assert (type(info.value), info.value.status, info.value.transient) == (CityError, 403, False)


def test_get_complaint_has_history(city, sim):
    """get_complaint() returns status and history, following the city's progress."""
    receipt = city.post_complaint(complaint_body(), str(uuid.uuid4()))
    control(
        sim, "POST", f"/_sim/complaints/{receipt.complaint_id}/advance", {"status": "forwarded"}
    )
    data = city.get_complaint(receipt.complaint_id)
    assert (data["status"], data["reference"]) == ("forwarded", "cmp-0001")
    assert [h["status"] for h in data["history"]] == ["received", "forwarded"]


def test_unknown_complaint_raises(city):
    """A 404 complaint lookup raises UnknownComplaint."""
    with pytest.raises(UnknownComplaint):
        city.get_complaint("C20260101999999")


def test_client_from_config_reads_settings(sim):
    """client_from_config() uses the XGM_CITY_* settings, timeouts included."""
    config = {
        "XGM_CITY_URL": sim + "/",
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "XGM_CITY_READ_TIMEOUT": "7.5",
    }
    with client_from_config(config) as client:
        assert (client.base_url, client.timeout) == (sim, (2.0, 7.5))
        assert client.get_rider(seed.SEED_ACTIVE).name == "王小明"


def test_client_from_config_requires_settings():
    """A missing city setting is a clear ValueError."""
    with pytest.raises(ValueError, match="XGM_CITY_SECRET"):
        client_from_config({"XGM_CITY_URL": "http://x", "XGM_CITY_CLIENT_ID": "x"})
