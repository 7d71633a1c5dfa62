"""Password and PIN hashing with argon2id (argon2-cffi)."""

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_HASHERS: dict[str, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    name = current_app.config.get("XGM_ARGON2_PROFILE", "rfc9106_low_memory")
    if name not in _HASHERS:
        if name == "owasp_minimum":
            # OWASP's minimum argon2id settings (m=19 MiB, t=2, p=1): used by the test suite.
            _HASHERS[name] = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        else:
            _HASHERS[name] = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    return _HASHERS[name]


def hash_secret(secret: str) -> str:
    """Hash a password or PIN with argon2id."""
    return _hasher().hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    """Check a password or PIN against its argon2 hash, in constant time."""
    try:
        return _hasher().verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: dict[str, str] = {}


def burn_verify_time(secret: str) -> None:
    """Spend the time of one verification, so an unknown account answers as slowly as a known one."""
    name = current_app.config.get("XGM_ARGON2_PROFILE", "")
    if name not in _DUMMY:
        _DUMMY[name] = hash_secret("dummy-password-for-timing")
    verify_secret(_DUMMY[name], secret)


def password_problem(password: str) -> str | None:
    """The password rule: at least 10 characters, not all digits. Returns a problem key or None."""
    if len(password or "") < 10:
        return "short"
    if password.isdigit():
        return "digits"
    return None
