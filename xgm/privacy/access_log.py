"""`log_access(...)`: record that someone was shown riders' personal data (PIPL access log).

The one call every view makes that shows a rider's name, phone or photo: pass what is shown
(arrivals, complaints, blocks, deletion requests: anything with a `rider_code`), the place it
was shown (one of PLACES; features add theirs with `register_places`) and, when it is not the
signed-in office user or guard, who saw it. One row per rider shown; the rows of one call are
written in one multi-row INSERT. Streams hand rows to the per-process buffer instead
(xgm/privacy/viewings.py).
"""

from collections.abc import Iterable
from datetime import timedelta

from flask_login import current_user
from sqlalchemy import insert, select

from tenants import current_tenant_id, tenant_connection, utcnow
from xgm.accounts.models import User
from xgm.extensions import db
from xgm.guards.models import Guard
from xgm.privacy.caching import mark_rider_data
from xgm.privacy.models import PLACES, RiderDataAccess

#: Showing the same rider (arrival) to the same person at the same place again within this
#: window is one viewing (the guard console refreshes its list every few seconds).
SAME_VIEWING = timedelta(hours=1)
#: Places where each showing counts (a phone number revealed or called is an act, not a glance).
EVERY_TIME = {"phone_reveal", "phone_call", "phone_full"}


def register_places(places: dict, every_time: Iterable[str] = ()) -> None:
    """Add a feature's places ({key: label}); `every_time` ones are never folded into one."""
    PLACES.update(places)
    EVERY_TIME.update(every_time)


def actor_of(principal) -> tuple[str, int, str] | None:
    """(kind, id, name) of an office user or guard; None for anyone else."""
    if isinstance(principal, User):
        return "user", principal.id, principal.name
    if isinstance(principal, Guard):
        return "guard", principal.id, principal.name
    return None


def shows_personal_data(item) -> bool:
    """True when the item still carries a rider's name, phone or photo."""
    return bool(
        getattr(item, "rider_name", "")
        or getattr(item, "rider_phone", "")
        or getattr(item, "photo_url", "")
    )


def _arrival_id(item) -> int | None:
    """The arrival an item is tied to (a complaint's own, an arrival itself), or None."""
    return getattr(item, "arrival_id", None)


def log_access(items: Iterable, place: str, principal=None, *, commit: bool = True) -> int:
    """Log that `principal` (default: the signed-in one) saw these riders' data at `place`.

    Items whose personal data is already removed, or (except EVERY_TIME places) that this
    person saw at this place within the last hour, are not logged again. Commits unless told
    not to (then the caller's commit writes the rows). Returns how many rows were written.
    """
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}")
    mark_rider_data()  # what is shown is not cached either (Cache-Control: no-store)
    if principal is None:
        principal = current_user._get_current_object() if current_user.is_authenticated else None
    actor = actor_of(principal)
    shown = {}
    for item in items:
        if shows_personal_data(item):
            key = (_arrival_id(item), (item.rider_code or "")[:32])
            shown.setdefault(key, item)
    if actor is None or not shown:
        return 0
    kind, actor_id, name = actor
    now = utcnow()
    if place not in EVERY_TIME:
        codes = sorted({code for _a, code in shown})
        seen = set(
            db.session.execute(
                select(RiderDataAccess.arrival_id, RiderDataAccess.rider_code).where(
                    RiderDataAccess.rider_code.in_(codes),
                    RiderDataAccess.actor_kind == kind,
                    RiderDataAccess.actor_id == actor_id,
                    RiderDataAccess.place == place,
                    RiderDataAccess.created_at >= now - SAME_VIEWING,
                )
            ).all()
        )
        keys = [k for k in shown if k not in seen]
    else:
        keys = list(shown)
    if not keys:
        return 0
    tenant_id = current_tenant_id()
    rows = [
        {
            "tenant_id": tenant_id,
            "actor_kind": kind,
            "actor_id": actor_id,
            "actor_name": name[:50],
            "arrival_id": arrival_id,
            "rider_code": code,
            "place": place,
            "created_at": now,
        }
        for arrival_id, code in keys
    ]
    # One statement for all rows (executemany / multi-row VALUES), tenant ids set explicitly;
    # a Core statement, so through the door.
    tenant_connection().execute(insert(RiderDataAccess.__table__), rows)
    if commit:
        db.session.commit()
    return len(rows)
