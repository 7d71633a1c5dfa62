"""The audit log page: newest first, filterable by kind, paginated; read-only."""

from flask import render_template, request
from sqlalchemy import select

from xgm.accounts.access import office_required
from xgm.audit import bp
from xgm.audit.events import KINDS, describe
from xgm.audit.models import AuditEvent
from xgm.inputs.paging import paginate

PER_PAGE = 50


@bp.route("/audit")
@office_required()
def index():
    """Owners and managers read the company's audit log (there is no way to edit it)."""
    kind = request.args.get("kind", "")
    if kind not in KINDS:
        kind = ""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if kind:
        query = query.where(AuditEvent.kind == kind)
    page = paginate(query, PER_PAGE)
    return render_template(
        "audit/index.html",
        page=page,
        kind=kind,
        kinds=KINDS,
        describe=describe,
    )
