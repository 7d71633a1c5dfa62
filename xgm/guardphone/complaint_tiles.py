"""The guard's complaint from an arrival card (投诉 -> category tile -> optional note -> done),
and the complaints this guard filed in the last 7 days."""

from datetime import UTC, datetime, time, timedelta

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from chinatime import CN_TZ
from xgm.city import COMPLAINT_CATEGORIES
from xgm.complaints.arrivals import guard_draft
from xgm.complaints.filing import (
    AlreadyComplained,
    complaint_on_arrival,
    file_complaint,
    recent_duplicate,
)
from xgm.complaints.forms import GuardComplaintForm
from xgm.complaints.models import Complaint
from xgm.extensions import db
from xgm.guardphone.cards import arrival_or_404
from xgm.guards.access import current_device, current_guard, guard_required
from xgm.inputs import query_id
from xgm.passes.models import Arrival
from xgm.privacy import shows_rider_data
from xgm.privacy.access_log import log_access


def _page(template: str, arrival: Arrival, status: int = 200, **context):
    log_access([arrival], "guard_card")  # PIPL: the page shows the rider's name and photo
    return render_template(template, arrival=arrival, device=current_device(), **context), status


@guard_required
def complain(arrival_id: int):
    """A guard complains about the rider of an arrival card: a category tile, then a note."""
    arrival = arrival_or_404(arrival_id)
    if not arrival.rider_code:
        return _page("complaints/guard_no_code.html", arrival, 400)
    existing = complaint_on_arrival(arrival.id)
    if existing is not None:
        return _already(arrival, existing)
    form = GuardComplaintForm()
    if request.method == "GET":
        category = request.args.get("category")
        if category not in COMPLAINT_CATEGORIES:
            return _page("complaints/guard_tiles.html", arrival, categories=COMPLAINT_CATEGORIES)
        form.category.data = category
        return _page("complaints/guard_note.html", arrival, form=form)
    if not form.validate_on_submit():
        if form.category.errors:
            return _page(
                "complaints/guard_tiles.html", arrival, 400, categories=COMPLAINT_CATEGORIES
            )
        return _page("complaints/guard_note.html", arrival, 400, form=form)
    draft = guard_draft(arrival, current_guard(), form.category.data, form.description.data or "")
    draft.photos = list(form.clean_photos)
    if form.confirm.data != "new":
        duplicate = recent_duplicate(draft)
        if duplicate is not None:
            return _page("complaints/guard_confirm.html", arrival, form=form, duplicate=duplicate)
    try:
        complaint = file_complaint(draft)
    except AlreadyComplained as exc:  # another phone filed it meanwhile
        return _already(arrival, exc.complaint)
    return redirect(url_for("guardphone.my_complaints", filed=complaint.id))


def _already(arrival: Arrival, complaint: Complaint):
    """A second complaint about one arrival is refused: say so, and which complaint it has."""
    return _page("complaints/guard_already.html", arrival, 409, complaint=complaint)


#: The guard's own list covers this many days (today included).
MY_DAYS = 7


def _filed_by_guard() -> list[Complaint]:
    """The signed-in guard's complaints of the last MY_DAYS days (China time), newest first."""
    first_day = datetime.now(CN_TZ).date() - timedelta(days=MY_DAYS - 1)
    midnight = datetime.combine(first_day, time.min, tzinfo=CN_TZ)
    since = midnight.astimezone(UTC).replace(tzinfo=None)
    return list(
        db.session.scalars(
            select(Complaint)
            .where(
                Complaint.reporter_kind == "guard",
                Complaint.reporter_id == current_guard().id,
                Complaint.created_at >= since,
            )
            .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        )
    )


@guard_required
@shows_rider_data
def my_complaints():
    """The complaints this guard filed in the last 7 days (the done step shows the new one first)."""
    complaints = _filed_by_guard()
    filed_id = query_id("filed")
    filed = next((c for c in complaints if c.id == filed_id), None)
    log_access(complaints, "guard_complaint")  # PIPL: the list names the riders
    return render_template(
        "complaints/guard_today.html", complaints=complaints, filed=filed, device=current_device()
    )
