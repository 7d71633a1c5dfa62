"""Complaint status changes and missed deadlines as team alerts (xgm.alerts): codes only."""

from flask_babel import force_locale
from sqlalchemy import select

from tenants import current_tenant_id
from xgm.alerts import raise_event
from xgm.complaints.labels import STATUS_LABELS
from xgm.complaints.models import Complaint
from xgm.extensions import db


def status_changed(complaint_id: int, status: str) -> None:
    """Raise `complaint_status` for a complaint of the current tenant that moved to `status`."""
    row = db.session.execute(
        select(Complaint.reference, Complaint.compound_id).where(Complaint.id == complaint_id)
    ).one()
    with force_locale("zh_Hans_CN"):
        detail = str(STATUS_LABELS.get(status, status))
    raise_event(
        current_tenant_id(),
        "complaint_status",
        compound_id=row.compound_id,
        ref=row.reference,
        detail=detail,
        link=f"/complaints/{int(complaint_id)}",
    )


#: What each missed deadline says in the alert (xgm.complaints.deadlines.KINDS).
OVERDUE_DETAILS = {"answer": "城市平台超时未受理", "resolve": "超时未办结"}


def became_overdue(complaint_id: int, kind: str) -> None:
    """Raise `complaint_overdue` for a complaint of the current tenant that missed a deadline."""
    row = db.session.execute(
        select(Complaint.reference, Complaint.compound_id).where(Complaint.id == complaint_id)
    ).one()
    raise_event(
        current_tenant_id(),
        "complaint_overdue",
        compound_id=row.compound_id,
        ref=row.reference,
        detail=OVERDUE_DETAILS[kind],
        link=f"/complaints/{int(complaint_id)}",
    )
