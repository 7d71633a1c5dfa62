"""The rider and notice cookies: a verified value is remembered, and still expires and fails."""

from datetime import timedelta

from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from xgm.riders.cookie import read_signed

SALT = "xgm-rider"


def _signed(secret: str, data, age_seconds: int = 0) -> str:
    """`data` signed as the app signs it, `age_seconds` ago."""

    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - age_seconds

    return URLSafeTimedSerializer(secret, salt=SALT, signer=Aged).dumps(data)


def _app(secret: str) -> Flask:
    app = Flask(__name__)
    app.secret_key = secret
    return app


def test_a_valid_value_reads_the_same_twice():
    """Fresh value: its data, from the signature and then from the process's memo."""
    raw = _signed("k1", {"r": "XGM000001"})
    with _app("k1").app_context():
        assert read_signed(raw, SALT, timedelta(days=30)) == {"r": "XGM000001"}
        assert read_signed(raw, SALT, timedelta(days=30)) == {"r": "XGM000001"}


def test_a_remembered_value_still_expires():
    """Read once within its age, the same text is refused once older than max_age."""
    raw = _signed("k1", [7], age_seconds=100)
    with _app("k1").app_context():
        assert read_signed(raw, SALT, timedelta(seconds=200)) == [7]
        assert read_signed(raw, SALT, timedelta(seconds=99)) is None
        assert read_signed(raw, SALT, timedelta(seconds=200)) == [7]


def test_another_key_salt_or_a_changed_text_does_not_verify():
    """The memo is per app key and salt: a value verified for one does not pass another."""
    raw = _signed("k1", {"r": "XGM000001"})
    with _app("k1").app_context():
        assert read_signed(raw, SALT, timedelta(days=1)) == {"r": "XGM000001"}
        assert read_signed(raw, "xgm-rider-notice", timedelta(days=1)) is None
        assert (
            read_signed(raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB"), SALT, timedelta(days=1))
            is None
        )
    with _app("k2").app_context():
        assert read_signed(raw, SALT, timedelta(days=1)) is None


def test_a_value_signed_in_the_future_is_refused():
    """A timestamp ahead of the clock (a forged or skewed value) reads as None."""
    raw = _signed("k1", [1], age_seconds=-3600)
    with _app("k1").app_context():
        assert read_signed(raw, SALT, timedelta(days=1)) is None
