"""Guard PINs: the 6-digit rule, weak-PIN refusal, generation, and checking with lockout."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update

from tenants import utcnow
from xgm.accounts.passwords import hash_secret, verify_secret
from xgm.audit import record
from xgm.extensions import db
from xgm.guards.models import Guard

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


def _reserve_attempt(guard_id: int, now: datetime) -> tuple[int, datetime | None] | None:
    """Count one attempt before the PIN is checked: one conditional UPDATE ... RETURNING.

    The row is updated only when the guard is not locked (an expired lockout starts a fresh
    count); the attempt that reaches MAX_FAILURES sets the lockout in the same statement, so
    whatever arrives after it, on any phone or web process, finds the guard locked. The
    database serialises the updates of one row (PostgreSQL row lock; SQLite's write lock), so
    however many attempts run at once, at most MAX_FAILURES are counted before the lockout and
    only those get their PIN checked. Returns (attempt number, lockout set by it) or None
    when the guard is locked. Commits.
    """
    expired = and_(Guard.locked_until.is_not(None), Guard.locked_until <= now)
    count = case((expired, 0), else_=Guard.failed_pins) + 1
    row = db.session.execute(
        update(Guard)
        .where(
            Guard.id == guard_id,
            or_(Guard.locked_until.is_(None), Guard.locked_until <= now),
        )
        .values(
            failed_pins=case((count >= MAX_FAILURES, 0), else_=count),
            locked_until=case((count >= MAX_FAILURES, now + LOCK_FOR), else_=None),
        )
        .returning(Guard.failed_pins, Guard.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    if row is None:
        return None
    failed, locked_until = row
    return (MAX_FAILURES, locked_until) if locked_until is not None else (failed, None)


def _clear_attempts(guard_id: int) -> None:
    """A right PIN: no attempts counted, no lockout (commits)."""
    db.session.execute(
        update(Guard)
        .where(Guard.id == guard_id)
        .values(failed_pins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def check_pin(guard, device, pin: str) -> PinCheck:
    """Verify a PIN on a phone; wrong PINs count toward a 15-minute lockout. Commits.

    The attempt is counted in the database before the (slow) argon2 check, never read, added
    to and written back: while a guard is locked, or once the attempts in flight reach the
    limit, the PIN is not checked at all, and the right PIN is refused like any other.
    """
    guard_id = guard.id
    db.session.commit()  # the count below is a transaction of its own, held for one statement
    now = utcnow()
    reserved = _reserve_attempt(guard_id, now)
    if reserved is None:
        locked_until = db.session.scalar(select(Guard.locked_until).where(Guard.id == guard_id))
        if locked_until is None or locked_until <= now:  # unlocked meanwhile: count it now
            reserved = _reserve_attempt(guard_id, now)
        if reserved is None:
            return PinCheck(False, locked_until or now + LOCK_FOR, 0)
    attempt, locked_until = reserved
    if verify_secret(guard.pin_hash, pin):
        _clear_attempts(guard_id)
        return PinCheck(True)
    record("guard.pin_failed", guard=guard, device=device, detail={"failures": attempt})
    if locked_until is not None:
        record("guard.locked", guard=guard, device=device, detail={"failures": attempt})
        db.session.commit()
        return PinCheck(False, locked_until, 0)
    db.session.commit()
    return PinCheck(False, None, MAX_FAILURES - attempt)
