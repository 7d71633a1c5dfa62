"""CityClient and the environment: proxy settings are honoured, and read once when it is built."""

import pytest

from tests.factories import CLIENT_ID, SECRET
from xgm.city import CityClient, CityUnavailable
from xgm.citysim import seed

PROXY_VARS = ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


@pytest.fixture
def clean_env(monkeypatch):
    """No proxy variables in the environment."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_http_proxy_from_the_environment_is_used(clean_env, sim, receiver):
    """HTTP_PROXY set when the client is built: requests go through that proxy."""
    clean_env.setenv("HTTP_PROXY", receiver.url)
    with CityClient(sim, CLIENT_ID, SECRET) as city, pytest.raises(CityUnavailable):
        city.get_rider(seed.SEED_ACTIVE)  # the stand-in proxy answers {"ok": true}
    proxied = receiver.wait_for(1)
    assert len(proxied) == 1
    assert proxied[0]["path"] == f"{sim}/api/v1/riders/{seed.SEED_ACTIVE}"


def test_no_proxy_covering_the_city_goes_direct(clean_env, sim, receiver):
    """NO_PROXY naming the city's host: the proxy is bypassed, the city answers."""
    clean_env.setenv("HTTP_PROXY", receiver.url)
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    with CityClient(sim, CLIENT_ID, SECRET) as city:
        card = city.get_rider(seed.SEED_ACTIVE)
    assert card.rider_code == seed.SEED_ACTIVE
    assert receiver.requests == []


def test_environment_is_read_when_the_client_is_built(clean_env, sim, receiver):
    """A proxy variable set after the client was built does not change where it sends."""
    with CityClient(sim, CLIENT_ID, SECRET) as city:
        clean_env.setenv("HTTP_PROXY", receiver.url)
        card = city.get_rider(seed.SEED_ACTIVE)
    assert card.rider_code == seed.SEED_ACTIVE
    assert receiver.requests == []
