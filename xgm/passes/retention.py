"""Riders' personal data on arrivals: blanked by the retention job, erased on a granted request.

Registered with `xgm.privacy.registry` from the package's init_app.
"""

from datetime import datetime

from sqlalchemy import or_, update

from xgm.extensions import db
from xgm.passes.models import Arrival


def purge_arrivals(cutoff: datetime, now: datetime) -> dict[str, int]:
    """Blank rider names, phones and photo references of arrivals older than the cutoff."""
    arrivals = db.session.execute(
        update(Arrival)
        .where(
            Arrival.created_at < cutoff,
            or_(Arrival.rider_name != "", Arrival.rider_phone != "", Arrival.photo_url != ""),
        )
        .values(rider_name="", rider_phone="", photo_url="")
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"arrivals": arrivals}


def erase_arrivals(rider_code: str) -> dict[str, int]:
    """Remove what identifies the rider from the current tenant's arrivals."""
    arrivals = db.session.execute(
        update(Arrival)
        .where(Arrival.rider_code == rider_code)
        .values(rider_code="", rider_name="", rider_phone="", photo_url="")
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"arrivals": arrivals}
