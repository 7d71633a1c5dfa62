"""The rider's own side of PIPL: the notice before a first scan, his entries, deletion requests.

- Before a rider's first scan at a company's gate, `/g/<token>` shows the company's short
  notice (who handles the data, what is kept, for how long) with a link to the full notice;
  accepting it (`POST /g/<token>/notice`) remembers the company on the phone and scans.
- `GET /rider/entries`: the signed-in rider's own entries of the last 30 days, per company.
- `POST /rider/deletion` (`tenant` from that page): asks the company to delete them; the
  request reaches its managers with a 15-day deadline (xgm/privacy/deletions.py).
"""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from sqlalchemy import func, select
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.validators import ValidationError as WTFValidationError

from tenants import Tenant, tenant_context, unscoped, utcnow
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db, limiter
from xgm.inputs import ID_MAX
from xgm.inputs.forms import Form
from xgm.passes import bp
from xgm.passes.models import Arrival
from xgm.privacy.deletions import file_request
from xgm.privacy.models import RiderDeletionRequest
from xgm.riders.cookie import current_rider_code
from xgm.riders.notice import remember_notice

#: How far back a rider sees his own entries.
OWN_ENTRIES_DAYS = 30
OWN_ENTRIES_LIMIT = 500


class DeletionForm(Form):
    """A rider asks a company to delete his entries."""

    tenant = HiddenField(validators=[InputRequired(message=_l("请求无效"))])
    note = TextAreaField(
        _l("留言（可不填）"), validators=[Length(max=500, message=_l("留言最多 500 个字"))]
    )


def _page(template: str, status: int = 200, **context):
    response = render_template(template, **context), status, {"Cache-Control": "no-store"}
    return response


def _tenant(tenant_id) -> Tenant | None:
    try:
        tenant_id = int(tenant_id)
    except (TypeError, ValueError):
        return None
    if not 0 < tenant_id <= ID_MAX:
        return None
    tenant = db.session.get(Tenant, tenant_id)  # Tenant itself is not tenant-owned
    return tenant if tenant is not None and tenant.status != "closing" else None


def notice_page(tenant_id: int, compound_name: str, token: str):
    """The short notice shown before the rider's first scan at one of the company's gates."""
    tenant = db.session.get(Tenant, tenant_id)
    return _page(
        "passes/notice.html", tenant=tenant, compound_name=compound_name, token=token, full=False
    )


@bp.route("/g/<token>/notice", methods=["POST"])
@limiter.limit("30 per minute")
def accept_notice(token: str):
    """The rider read the company's notice: remember it on the phone and go on to the scan."""
    from xgm.passes.views import resolve_gate

    try:
        validate_csrf(request.form.get("csrf_token"))
    except WTFValidationError:
        abort(400)
    found = resolve_gate(token)
    if found is None:
        return _page("passes/expired.html", 404)
    gate, _compound = found
    response = redirect(url_for("passes.gate", token=token), code=303)
    remember_notice(response, gate.tenant_id)
    return response


@bp.route("/rider/notice")
def full_notice():
    """The company's full privacy notice (linked from the short one and the entries page)."""
    tenant = _tenant(request.args.get("tenant"))
    if tenant is None:
        return _page("passes/expired.html", 404)
    return _page("passes/notice.html", tenant=tenant, compound_name="", token=None, full=True)


def _own_entries(rider_code: str) -> list[tuple[Tenant, list[Arrival]]]:
    """The rider's entries of the last 30 days, grouped by company (newest first)."""
    since = utcnow() - timedelta(days=OWN_ENTRIES_DAYS)
    with unscoped():  # the rider's own entries, at every company he passed
        rows = db.session.scalars(
            select(Arrival)
            .where(Arrival.rider_code == rider_code, Arrival.created_at >= since)
            .order_by(Arrival.created_at.desc(), Arrival.id.desc())
            .limit(OWN_ENTRIES_LIMIT)
        ).all()
        tenants = {
            t.id: t
            for t in db.session.scalars(
                select(Tenant).where(Tenant.id.in_({a.tenant_id for a in rows}))
            )
        }
    groups: dict[int, list[Arrival]] = {}
    for arrival in rows:
        if tenants[arrival.tenant_id].status != "closing":
            groups.setdefault(arrival.tenant_id, []).append(arrival)
    return [(tenants[tid], arrivals) for tid, arrivals in groups.items()]


def _open_requests(rider_code: str, tenant_ids) -> dict[int, RiderDeletionRequest]:
    with unscoped():  # this rider's own requests, at the companies listed
        rows = db.session.scalars(
            select(RiderDeletionRequest)
            .where(
                RiderDeletionRequest.rider_code == rider_code,
                RiderDeletionRequest.tenant_id.in_(list(tenant_ids)),
            )
            .order_by(RiderDeletionRequest.id)
        ).all()
    return {r.tenant_id: r for r in rows}


@bp.route("/rider/entries")
def entries():
    """The signed-in rider sees his own entries (30 days) at each company, and may ask for
    their deletion."""
    rider_code = current_rider_code()
    if rider_code is None:
        return _page("passes/rider_signed_out.html", 401)
    groups = _own_entries(rider_code)
    with unscoped():  # names of the compounds and gates of the rider's own entries
        ids = {a.compound_id for _t, arrivals in groups for a in arrivals}
        compounds = dict(
            db.session.execute(select(Compound.id, Compound.name).where(Compound.id.in_(ids))).all()
        )
        gate_ids = {a.gate_id for _t, arrivals in groups for a in arrivals}
        gates = dict(
            db.session.execute(select(Gate.id, Gate.name).where(Gate.id.in_(gate_ids))).all()
        )
    return _page(
        "passes/rider_entries.html",
        rider_code=rider_code,
        groups=groups,
        compounds=compounds,
        gates=gates,
        requests=_open_requests(rider_code, [t.id for t, _a in groups]),
        form=DeletionForm(formdata=None),
        days=OWN_ENTRIES_DAYS,
    )


@bp.route("/rider/deletion", methods=["POST"])
@limiter.limit("10 per hour")
def deletion():
    """The rider asks a company to delete his entries; its managers answer within 15 days."""
    rider_code = current_rider_code()
    if rider_code is None:
        return _page("passes/rider_signed_out.html", 401)
    form = DeletionForm()
    if not form.validate_on_submit():
        abort(400)
    tenant = _tenant(form.tenant.data)
    if tenant is None:
        abort(404)
    with tenant_context(tenant.id):
        has_entries = db.session.scalar(
            select(func.count(Arrival.id)).where(Arrival.rider_code == rider_code)
        )
        pending = db.session.scalar(
            select(func.count(RiderDeletionRequest.id)).where(
                RiderDeletionRequest.rider_code == rider_code,
                RiderDeletionRequest.status == "open",
            )
        )
        if not has_entries:
            abort(404)  # no entries of this rider there: nothing to ask that company
        if not pending:
            file_request(rider_code, (form.note.data or "").strip())
            db.session.commit()
    flash(_("已提交删除申请，%(name)s 将在 15 天内答复", name=tenant.name), "success")
    return redirect(url_for("passes.entries"), code=303)
