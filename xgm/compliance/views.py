"""`GET /compliance.pdf`: the company's compliance pack as a PDF."""

from datetime import timedelta

from flask import Response, current_app, render_template, request
from sqlalchemy import func, select

from printables import render_document_pdf
from tenants import current_tenant
from xgm.accounts.access import office_required
from xgm.audit.models import AuditEvent
from xgm.compliance import bp
from xgm.compounds.models import Compound, Gate
from xgm.devices.models import Device
from xgm.errors import render_error
from xgm.extensions import db
from xgm.guards.models import Guard
from xgm.guards.pins import LOCK_FOR, MAX_FAILURES
from xgm.privacy.models import PLACES, RiderDataAccess, RiderDeletionRequest
from xgm.reporting.periods import Period, PeriodError, local_now, local_today, period_between

DEFAULT_DAYS = 30


def _period() -> Period:
    if request.args.get("from") or request.args.get("to"):
        return period_between(request.args.get("from"), request.args.get("to"))
    today = local_today()
    return Period("30d", today - timedelta(days=DEFAULT_DAYS - 1), today)


def _in(model, period: Period):
    return (model.created_at >= period.start, model.created_at < period.end)


def _figures(period: Period) -> dict:
    """Counts over the period: purge runs and rows purged, access-log rows by place, requests."""
    purges = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.kind == "privacy.purged", *_in(AuditEvent, period)
        )
    ).all()
    import json

    purged = {"arrivals": 0, "complaints": 0, "audit_events": 0}
    for detail in purges:
        facts = json.loads(detail or "{}")
        for key in purged:
            purged[key] += int(facts.get(key) or 0)
    by_place = dict(
        db.session.execute(
            select(RiderDataAccess.place, func.count(RiderDataAccess.id))
            .where(*_in(RiderDataAccess, period))
            .group_by(RiderDataAccess.place)
        ).all()
    )
    requests = dict(
        db.session.execute(
            select(RiderDeletionRequest.status, func.count(RiderDeletionRequest.id))
            .where(*_in(RiderDeletionRequest, period))
            .group_by(RiderDeletionRequest.status)
        ).all()
    )
    return {
        "purge_runs": len(purges),
        "purged": purged,
        "access_total": sum(by_place.values()),
        "access_by_place": [(str(PLACES.get(k, k)), n) for k, n in sorted(by_place.items())],
        "requests": requests,
        "audit_events": db.session.scalar(
            select(func.count(AuditEvent.id)).where(*_in(AuditEvent, period))
        ),
    }


def _inventory() -> dict:
    count = lambda q: db.session.scalar(q) or 0  # noqa: E731
    return {
        "compounds": count(select(func.count(Compound.id)).where(Compound.archived.is_(False))),
        "gates": count(select(func.count(Gate.id)).where(Gate.active.is_(True))),
        "guards": count(select(func.count(Guard.id)).where(Guard.active.is_(True))),
        "devices": count(select(func.count(Device.id)).where(Device.revoked_at.is_(None))),
    }


@bp.route("/compliance.pdf")
@office_required()
def pack():
    """The company's compliance pack (record of processing, clause, settings, counts, measures)."""
    try:
        period = _period()
    except PeriodError as exc:
        return render_error(400, str(exc))
    config = current_app.config
    html = render_template(
        "compliance/pack.html",
        tenant=current_tenant._get_current_object(),
        period=period,
        generated=local_now().strftime("%Y-%m-%d %H:%M"),
        figures=_figures(period),
        inventory=_inventory(),
        https=config["XGM_PUBLIC_URL"].startswith("https://"),
        idle_hours=float(config["XGM_SESSION_IDLE_TIMEOUT"]) / 3600,
        max_age_days=float(config["XGM_SESSION_MAX_AGE"]) / 86400,
        pin_failures=MAX_FAILURES,
        lock_minutes=int(LOCK_FOR.total_seconds() // 60),
        postgres=db.session.get_bind().dialect.name == "postgresql",
    )
    response = Response(render_document_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=compliance_{period.first_day}_{period.last_day}.pdf"
    )
    return response
