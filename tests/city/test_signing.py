"""Request signing of the city contract (section 1): sign, verify, nonce stores."""

import hashlib
import hmac
import uuid

import pytest
from redis import Redis

from tests.conftest import REDIS_URL
from xgm.city.errors import BadSignature
from xgm.city.signing import (
    MemoryNonceStore,
    RedisNonceStore,
    compute_signature,
    request_target,
    signed_headers,
    string_to_sign,
    verify,
)

SECRET = "s3cret"
NOW = 1_800_000_000
BODY = '{"a":"投诉"}'.encode()
PATH = "/api/v1/complaints?x=1"


def fresh_store() -> MemoryNonceStore:
    """Return an empty nonce store."""
    return MemoryNonceStore()


def headers(**kwargs) -> dict:
    """Return signed headers for the standard request at NOW."""
    kwargs.setdefault("timestamp", NOW)
    return signed_headers("xgm", SECRET, "POST", PATH, BODY, **kwargs)


def check(hdrs, method="POST", path=PATH, body=BODY, now=NOW, store=None, **kwargs):
    """verify() the standard request with the given overrides."""
    verify(SECRET, hdrs, method, path, body, now, store or fresh_store(), **kwargs)


def test_signature_matches_the_contract_formula():
    """The signature is hex HMAC-SHA256 over ts, nonce, METHOD, path and the body's SHA-256."""
    nonce = "abcdefghijklmnop"
    expected_text = f"{NOW}\n{nonce}\nPOST\n{PATH}\n{hashlib.sha256(BODY).hexdigest()}"
    expected = hmac.new(SECRET.encode(), expected_text.encode(), hashlib.sha256).hexdigest()
    assert string_to_sign(NOW, nonce, "post", PATH, BODY) == expected_text
    assert compute_signature(SECRET, NOW, nonce, "POST", PATH, BODY) == expected
    assert headers(nonce=nonce) == {
        "X-City-Client": "xgm",
        "X-City-Timestamp": str(NOW),
        "X-City-Nonce": nonce,
        "X-City-Signature": expected,
    }


def test_empty_body_hashes_the_empty_string():
    """An empty body is hashed as SHA-256 of the empty string."""
    assert string_to_sign(1, "n", "GET", "/p", b"").endswith(
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_round_trip_verifies():
    """A request signed by signed_headers() passes verify()."""
    check(headers())


def test_generated_nonce_is_valid_and_fresh():
    """Generated nonces satisfy the contract and differ per call."""
    first, second = headers()["X-City-Nonce"], headers()["X-City-Nonce"]
    assert first != second
    assert 16 <= len(first) <= 64


def test_lowercase_header_names_are_accepted():
    """Header names are matched case-insensitively, also in a plain dict."""
    check({k.lower(): v for k, v in headers().items()})


def test_wrong_secret_is_refused():
    """A signature made with another secret is refused."""
    hdrs = signed_headers("xgm", "other", "POST", PATH, BODY, timestamp=NOW)
    with pytest.raises(BadSignature, match="signature mismatch"):
        check(hdrs)


def test_tampered_body_is_refused():
    """Changing one byte of the body breaks the signature."""
    with pytest.raises(BadSignature, match="signature mismatch"):
        check(headers(), body=BODY + b" ")


def test_tampered_query_is_refused():
    """Changing the query string breaks the signature."""
    with pytest.raises(BadSignature, match="signature mismatch"):
        check(headers(), path="/api/v1/complaints?x=2")


def test_tampered_method_is_refused():
    """The method is signed."""
    with pytest.raises(BadSignature, match="signature mismatch"):
        check(headers(), method="PUT")


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_timestamp_outside_window_is_refused(skew):
    """A timestamp more than 300 s from our clock (past or future) is refused."""
    with pytest.raises(BadSignature, match="window"):
        check(headers(timestamp=NOW + skew))


@pytest.mark.parametrize("skew", [300, -300, 0])
def test_timestamp_inside_window_is_accepted(skew):
    """Up to 300 s of skew either way is accepted."""
    check(headers(timestamp=NOW + skew))


def test_malformed_timestamp_is_refused():
    """A timestamp that is not an integer is refused."""
    hdrs = headers()
    hdrs["X-City-Timestamp"] = "1.8e9"
    with pytest.raises(BadSignature, match="malformed timestamp"):
        check(hdrs)


@pytest.mark.parametrize("nonce", ["a" * 15, "a" * 65, "abcdefghijklmnop!", "abcdefghijklmnop 1"])
def test_malformed_nonce_is_refused(nonce):
    """Nonces must be 16-64 characters of [A-Za-z0-9_-]."""
    with pytest.raises(BadSignature, match="malformed nonce"):
        check(headers(nonce=nonce))


@pytest.mark.parametrize("nonce", ["a" * 16, "Z9_-" * 16])
def test_nonce_length_limits_are_accepted(nonce):
    """16 and 64 characters are both fine."""
    check(headers(nonce=nonce))


def test_replayed_nonce_is_refused():
    """The same nonce twice within the window is refused the second time."""
    store = fresh_store()
    check(headers(nonce="n" * 20), store=store)
    with pytest.raises(BadSignature, match="nonce already used"):
        check(headers(nonce="n" * 20), store=store)


def test_forged_request_does_not_burn_nonce():
    """A request with a bad signature does not record its nonce."""
    store = fresh_store()
    forged = signed_headers("xgm", "other", "POST", PATH, BODY, timestamp=NOW, nonce="m" * 20)
    with pytest.raises(BadSignature):
        check(forged, store=store)
    check(headers(nonce="m" * 20), store=store)


@pytest.mark.parametrize(
    "name", ["X-City-Client", "X-City-Timestamp", "X-City-Nonce", "X-City-Signature"]
)
def test_missing_header_is_refused(name):
    """Each of the four headers is required."""
    hdrs = headers()
    del hdrs[name]
    with pytest.raises(BadSignature, match="missing header " + name):
        check(hdrs)


def test_other_client_is_refused_when_expected():
    """With client_id given, another X-City-Client is refused."""
    with pytest.raises(BadSignature, match="unknown client"):
        check(headers(), client_id="someone-else")


def test_memory_store_forgets_after_ttl():
    """A nonce may be reused once the TTL has passed."""
    clock = [0.0]
    store = MemoryNonceStore(ttl=600, clock=lambda: clock[0])
    assert (store("n" * 16), store("n" * 16)) == (False, True)
    clock[0] = 601.0
    assert store("n" * 16) is False


def test_redis_store_uses_set_nx_ex():
    """The Redis store reports a nonce seen on its second use and expires it in 600 s."""
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:nonce:{uuid.uuid4().hex}:"
    store = RedisNonceStore(redis, prefix)
    try:
        assert (store("n" * 16), store("n" * 16), store("o" * 16)) == (False, True, False)
        assert 590 <= redis.ttl(prefix + "n" * 16) <= 600
    finally:
        redis.delete(prefix + "n" * 16, prefix + "o" * 16)
        redis.close()


@pytest.mark.parametrize(
    ("environ", "target"),
    [
        ({"RAW_URI": "/hooks/city?a=1%202", "PATH_INFO": "/x"}, "/hooks/city?a=1%202"),
        ({"REQUEST_URI": "/hooks/city"}, "/hooks/city"),
        ({"RAW_URI": "http://h.test/hooks/city?q=1"}, "/hooks/city?q=1"),
        (
            {"SCRIPT_NAME": "/xgm", "PATH_INFO": "/hooks/city", "QUERY_STRING": "q=1"},
            "/xgm/hooks/city?q=1",
        ),
        ({"PATH_INFO": "/a b", "QUERY_STRING": ""}, "/a%20b"),
    ],
)
def test_request_target_reads_the_raw_path(environ, target):
    """request_target() returns the path and query as the sender wrote them."""
    assert request_target(environ) == target
