"""Complaints about riders, forwarded to the city platform exactly once, and their status back."""

from flask import Blueprint

bp = Blueprint("complaints", __name__)
#: Endpoints whose forms carry evidence photos (the guard phone adds its own, `accept_photos`).
PHOTO_ENDPOINTS = {"complaints.new"}


def accept_photos(endpoint: str) -> None:
    """Let `endpoint`'s filing form carry evidence photos (its POST body limit is raised)."""
    PHOTO_ENDPOINTS.add(endpoint)


def init_app(app) -> None:
    """Register the 投诉 nav link, the status webhook handler, the periodic sweep and poll, the
    console's 已投诉 mark, the handover summary's complaint count and the retention purge and
    eraser of the complaints' rider data."""
    from flask_babel import lazy_gettext as _l

    from xgm.audit import register_kinds
    from xgm.complaints.deadlines import OVERDUE_SWEEP
    from xgm.complaints.filing import complained_arrivals
    from xgm.complaints.jobs import POLL_QUIET, SWEEP
    from xgm.complaints.labels import CATEGORY_LABELS, FIELD_LABELS, STATUS_LABELS, STATUS_TAGS
    from xgm.complaints.photos import UPLOAD_LIMIT
    from xgm.complaints.retention import erase_complaints, purge_complaints
    from xgm.complaints.status import handle_rider_replied, handle_status_changed
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.passes.flags import register_card_flag
    from xgm.privacy.registry import register_eraser, register_purge
    from xgm.queues.periodic import PeriodicJob, register_periodic
    from xgm.webhooks import register_handler

    register_nav_link(NavLink(order=60, endpoint="complaints.index", label=_l("投诉")))
    register_periodic(
        PeriodicJob(
            name=SWEEP,
            func="xgm.complaints.jobs.sweep_outbox",
            queue="complaints",
            interval_key="XGM_COMPLAINT_SWEEP_INTERVAL",
        )
    )
    register_periodic(
        PeriodicJob(
            name=POLL_QUIET,
            func="xgm.complaints.jobs.poll_quiet_complaints",
            queue="complaints",
            interval_key="XGM_COMPLAINT_POLL_INTERVAL",
        )
    )
    register_periodic(
        PeriodicJob(
            name=OVERDUE_SWEEP,
            func="xgm.complaints.deadlines.sweep_overdue",
            queue="complaints",
            interval_key="XGM_COMPLAINT_OVERDUE_INTERVAL",
        )
    )
    register_handler("complaint.status_changed", handle_status_changed)
    register_handler("complaint.rider_replied", handle_rider_replied)
    register_kinds({"settings.complaint_deadlines": _l("修改投诉处理时限")})

    def _photo_upload_limit():
        """The filing pages take up to 3 photos of 5 MB: their body limit is raised (only)."""
        from flask import request

        if request.endpoint in PHOTO_ENDPOINTS and request.method == "POST":
            request.max_content_length = UPLOAD_LIMIT

    # Before CSRF (which reads the form): the limit must be set before the body is parsed.
    app.before_request_funcs.setdefault(None, []).insert(0, _photo_upload_limit)
    register_card_flag("complained", complained_arrivals)
    register_purge("complaints", purge_complaints)
    register_eraser("complaints", erase_complaints)
    _register_shift_figure(_l)
    app.jinja_env.globals.update(
        complaint_category_labels=CATEGORY_LABELS,
        complaint_field_labels=FIELD_LABELS,
        complaint_status_labels=STATUS_LABELS,
        complaint_status_tags=STATUS_TAGS,
    )


def _register_shift_figure(_l) -> None:
    """The handover summary counts the complaints the guard filed in the shift."""
    from sqlalchemy import func, select

    from xgm.complaints.models import Complaint
    from xgm.extensions import db
    from xgm.guards.shifts import ShiftFigure, register_shift_figure

    def count(guard_session) -> int:
        return db.session.scalar(
            select(func.count()).where(
                Complaint.reporter_kind == "guard",
                Complaint.reporter_id == guard_session.guard_id,
                Complaint.created_at >= guard_session.started_at,
            )
        )

    register_shift_figure(ShiftFigure(30, "complaints", _l("投诉"), count))


from xgm.complaints import evidence_views, settings_views, views  # noqa: E402,F401  - registers the routes on bp
