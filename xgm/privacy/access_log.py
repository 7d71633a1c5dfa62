"""`log_access(...)`: record that someone was shown riders' personal data."""

from collections.abc import Iterable
from datetime import timedelta

from flask_login import current_user
from sqlalchemy import select

from tenants import utcnow
from xgm.extensions import db
from xgm.privacy.caching import mark_rider_data
from xgm.privacy.models import PLACES, RiderDataAccess

#: Showing the same arrival to the same person at the same place again within this window is
#: one viewing (the guard console refreshes its list every few seconds).
SAME_VIEWING = timedelta(hours=1)


def actor_of(principal) -> tuple[str, int, str] | None:
    """(kind, id, name) of an office user or guard; None for anyone else."""
    from xgm.accounts.models import User
    from xgm.guards.models import Guard

    if isinstance(principal, User):
        return "user", principal.id, principal.name
    if isinstance(principal, Guard):
        return "guard", principal.id, principal.name
    return None


def _shows_personal_data(arrival) -> bool:
    return bool(arrival.rider_name or arrival.rider_phone or arrival.photo_url)


def log_access(arrivals: Iterable, place: str, principal=None, each_time: bool = False) -> int:
    """Log that `principal` (default: the signed-in one) saw these arrivals' rider data; commits.

    Arrivals whose personal data is already removed, or that this person saw at this place
    within the last hour, are not logged again (unless `each_time`: every phone reveal and call
    is its own row). Returns how many rows were written.
    """
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}")
    mark_rider_data()  # what is shown is not cached either (Cache-Control: no-store)
    if principal is None:
        principal = current_user._get_current_object() if current_user.is_authenticated else None
    actor = actor_of(principal)
    shown = [a for a in arrivals if _shows_personal_data(a)]
    if actor is None or not shown:
        return 0
    kind, actor_id, name = actor
    ids = [a.id for a in shown]
    seen = (
        set()
        if each_time
        else set(
            db.session.scalars(
                select(RiderDataAccess.arrival_id).where(
                    RiderDataAccess.arrival_id.in_(ids),
                    RiderDataAccess.actor_kind == kind,
                    RiderDataAccess.actor_id == actor_id,
                    RiderDataAccess.place == place,
                    RiderDataAccess.created_at >= utcnow() - SAME_VIEWING,
                )
            )
        )
    )
    new = [
        RiderDataAccess(
            actor_kind=kind,
            actor_id=actor_id,
            actor_name=name,
            arrival_id=a.id,
            rider_code=a.rider_code,
            place=place,
        )
        for a in shown
        if a.id not in seen
    ]
    if new:
        db.session.add_all(new)
        db.session.commit()
    return len(new)
