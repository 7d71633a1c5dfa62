"""Riders' personal data in complaints: the rider's name and the evidence photos.

Blanked (names) and deleted (photos) by the retention job, the name erased on a granted
deletion request. Registered with `xgm.privacy.registry` from the package's init_app.
"""

from datetime import datetime

from sqlalchemy import delete, select, update

from xgm.complaints.models import Complaint, ComplaintPhoto
from xgm.extensions import db


def purge_complaints(cutoff: datetime, now: datetime) -> dict[str, int]:
    """Blank the rider's name and delete the photos of complaints older than the cutoff."""
    complaints = db.session.execute(
        update(Complaint)
        .where(Complaint.created_at < cutoff, Complaint.rider_name != "")
        .values(rider_name="")
        .execution_options(synchronize_session=False)
    ).rowcount
    # Evidence photos are the complaint's personal data: deleted with the rider's name.
    old = select(Complaint.id).where(Complaint.created_at < cutoff)
    photos = db.session.execute(
        delete(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id.in_(old))
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"complaints": complaints, "photos": photos}


def erase_complaints(rider_code: str) -> dict[str, int]:
    """Remove the rider's name from the current tenant's complaints about him."""
    complaints = db.session.execute(
        update(Complaint)
        .where(Complaint.rider_code == rider_code)
        .values(rider_name="")
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"complaints": complaints}
