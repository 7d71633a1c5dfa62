"""Guard PINs: the 6-digit rule, weak-PIN refusal, generation, and checking with lockout."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenants import utcnow
from xgm.accounts.passwords import hash_secret, verify_secret
from xgm.audit import record
from xgm.extensions import db

PIN_LENGTH = 6
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)

#: Well-known PINs besides the patterns pin_problem() catches.
COMMON_PINS = frozenset(
    {
        "123123",
        "112233",
        "111222",
        "520520",
        "520131",
        "521521",
        "147258",
        "258369",
        "159357",
        "147369",
        "789456",
        "456123",
        "159753",
        "753951",
        "666888",
        "168168",
        "518518",
        "100200",
    }
)


def pin_problem(pin: str | None) -> str | None:
    """Why a PIN is not acceptable ("format" or "weak"), or None when it is fine."""
    pin = pin or ""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        return "format"
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):  # 000000, 123456, 654321
        return "weak"
    if pin[:2] * 3 == pin or pin[:3] * 2 == pin:  # 121212, 123123
        return "weak"
    if pin in COMMON_PINS:
        return "weak"
    return None


def generate_pin() -> str:
    """A random PIN that passes pin_problem()."""
    while True:
        pin = f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"
        if pin_problem(pin) is None:
            return pin


def set_pin(guard, pin: str) -> None:
    """Store a new PIN hash and clear any lockout."""
    guard.pin_hash = hash_secret(pin)
    guard.pin_changed_at = utcnow()
    guard.failed_pins = 0
    guard.locked_until = None


@dataclass(frozen=True)
class PinCheck:
    """The outcome of one PIN attempt."""

    ok: bool
    locked_until: datetime | None = None
    attempts_left: int = MAX_FAILURES


def check_pin(guard, device, pin: str) -> PinCheck:
    """Verify a PIN on a phone; wrong PINs count toward a 15-minute lockout. Commits."""
    now = utcnow()
    if guard.locked_at(now):
        return PinCheck(False, guard.locked_until, 0)
    if guard.locked_until is not None:  # an expired lockout: a fresh set of attempts
        guard.locked_until = None
        guard.failed_pins = 0
    if verify_secret(guard.pin_hash, pin):
        guard.failed_pins = 0
        return PinCheck(True)
    guard.failed_pins += 1
    record("guard.pin_failed", guard=guard, device=device, detail={"failures": guard.failed_pins})
    if guard.failed_pins >= MAX_FAILURES:
        guard.locked_until = now + LOCK_FOR
        record(
            "guard.locked",
            guard=guard,
            device=device,
            detail={"failures": guard.failed_pins},
        )
        guard.failed_pins = 0
        db.session.commit()
        return PinCheck(False, guard.locked_until, 0)
    db.session.commit()
    return PinCheck(False, None, MAX_FAILURES - guard.failed_pins)
