"""Complaint pages for owners and managers: the list, filing, the timeline, correct and resend."""

from datetime import UTC, datetime, time, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from chinatime import CN_TZ
from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.complaints import bp
from xgm.complaints.arrivals import prefill_from_arrival
from xgm.complaints.deadlines import overdue_condition, overdue_kinds
from xgm.complaints.filing import (
    AlreadyComplained,
    Draft,
    file_complaint,
    recent_duplicate,
    resend_complaint,
)
from xgm.complaints.forms import (
    ChaseForm,
    ComplaintForm,
    CorrectForm,
    FilterForm,
    ResendForm,
    to_local,
    to_utc,
)
from xgm.complaints.models import (
    STATUSES,
    Complaint,
    ComplaintEvent,
    ComplaintOutbox,
    ComplaintPhoto,
)
from xgm.complaints.reminders import ChaseRefused, chase, chase_problem
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.inputs import query_id
from xgm.inputs.paging import page_number
from xgm.passes.models import Arrival
from xgm.privacy import log_access, shows_rider_data

PER_PAGE = 30


def _live_compounds() -> list[Compound]:
    return list(
        db.session.scalars(
            select(Compound).where(Compound.archived.is_(False)).order_by(Compound.name)
        )
    )


def _day_start_utc(day) -> datetime:
    """00:00 China time of a date, as naive UTC."""
    local = datetime.combine(day, time.min, tzinfo=CN_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def _filters(form: FilterForm) -> tuple[list, str | None]:
    """SQL conditions of the valid filters (status apart, for the counts per status)."""
    conditions = []
    if not form.compound_id.errors and form.compound_id.data:
        conditions.append(Complaint.compound_id == form.compound_id.data)
    if form.category.data:
        conditions.append(Complaint.category == form.category.data)
    if not form.date_from.errors and form.date_from.data:
        conditions.append(Complaint.created_at >= _day_start_utc(form.date_from.data))
    if not form.date_to.errors and form.date_to.data:
        end = _day_start_utc(form.date_to.data) + timedelta(days=1)
        conditions.append(Complaint.created_at < end)
    if request.args.get("overdue") == "1":
        conditions.append(overdue_condition(Complaint, utcnow()))
    status = form.status.data if form.status.data in STATUSES else None
    return conditions, status


@bp.route("/complaints")
@office_required()
@shows_rider_data
def index():
    """The tenant's complaints: filters, counts per status, newest first, paginated."""
    form = FilterForm(request.args)
    compounds = _live_compounds()
    form.compound_id.choices = [(None, _("全部小区"))] + [(c.id, c.name) for c in compounds]
    form.validate()
    conditions, status = _filters(form)
    counts = dict(
        db.session.execute(
            select(Complaint.status, func.count(Complaint.id))
            .where(*conditions)
            .group_by(Complaint.status)
        ).all()
    )
    if status:
        conditions.append(Complaint.status == status)
    total = db.session.scalar(select(func.count(Complaint.id)).where(*conditions)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(page_number(), pages)
    complaints = db.session.scalars(
        select(Complaint)
        .where(*conditions)
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    log_access(complaints, "complaint_list")  # PIPL: one row per rider named on this page
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    now = utcnow()
    overdue_count = (
        db.session.scalar(select(func.count(Complaint.id)).where(overdue_condition(Complaint, now)))
        or 0
    )
    return render_template(
        "complaints/index.html",
        overdue_ids={c.id for c in complaints if overdue_kinds(c, now)},
        overdue_count=overdue_count,
        overdue_only=request.args.get("overdue") == "1",
        form=form,
        complaints=complaints,
        counts=counts,
        all_count=sum(counts.values()),
        status=status,
        statuses=STATUSES,
        total=total,
        page=page,
        pages=pages,
        args=args,
        other_args={k: v for k, v in args.items() if k != "status"},
    )


def _prepare(form: ComplaintForm) -> None:
    """Fill the compound and gate choices with the tenant's live compounds and active gates."""
    compounds = _live_compounds()
    names = {c.id: c.name for c in compounds}
    gates = db.session.scalars(
        select(Gate).where(Gate.active.is_(True), Gate.compound_id.in_(names)).order_by(Gate.id)
    ).all()
    form.compound_id.choices = [(None, _("请选择小区"))] + list(names.items())
    form.gate_id.choices = [(None, _("不指定门岗"))] + [
        (g.id, f"{names[g.compound_id]} · {g.name}") for g in gates
    ]
    form.gate_pairs = frozenset((g.compound_id, g.id) for g in gates)


def _draft(form: ComplaintForm) -> Draft:
    """The manager's filing as a Draft."""
    user = current_office_user()
    compound = get_or_404(Compound, form.compound_id.data)
    gate = get_or_404(Gate, form.gate_id.data) if form.gate_id.data else None
    return Draft(
        compound=compound,
        gate=gate,
        rider_code=form.rider_code.data,
        category=form.category.data,
        description=form.description.data,
        occurred_at=to_utc(form.occurred_at.data),
        reporter_kind="manager",
        reporter_id=user.id,
        reporter_name=user.name,
        reporter_phone=user.phone,
        arrival_id=_own_arrival(form.arrival_id.data),
        photos=list(form.clean_photos),
    )


def _own_arrival(arrival_id: int | None) -> int | None:
    """The arrival id when it is one of the tenant's arrivals (the form carries it hidden)."""
    if arrival_id is None:
        return None
    found = db.session.scalar(select(Arrival.id).where(Arrival.id == arrival_id))
    return found


@bp.route("/complaints/new", methods=["GET", "POST"])
@office_required()
@shows_rider_data
def new():
    """File a complaint; the same rider, compound and category within 10 minutes asks first."""
    form = ComplaintForm()
    _prepare(form)
    if request.method == "GET":
        form.occurred_at.data = to_local(datetime.now(UTC).replace(tzinfo=None)).replace(
            second=0, microsecond=0
        )
        prefill_from_arrival(form, query_id("arrival_id"))
    if form.validate_on_submit():
        draft = _draft(form)
        if form.confirm.data != "new":
            duplicate = recent_duplicate(draft)
            if duplicate is not None:
                return render_template("complaints/confirm.html", form=form, duplicate=duplicate)
        try:
            complaint = file_complaint(draft)
        except AlreadyComplained as exc:
            flash(_("这次到访已经投诉过了，不能重复投诉。"), "warning")
            return redirect(url_for("complaints.detail", complaint_id=exc.complaint.id))
        flash(_("投诉已提交，正在发送到城市平台。"), "success")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    return render_template("complaints/form.html", form=form)


def _detail_page(complaint: Complaint, correct_form: CorrectForm | None = None, status=200):
    log_access([complaint], "complaint_detail")  # PIPL: the page names the rider
    events = db.session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.created_at, ComplaintEvent.id)
    ).all()
    outbox = db.session.scalars(
        select(ComplaintOutbox).where(ComplaintOutbox.complaint_id == complaint.id)
    ).first()
    photos = db.session.execute(
        select(
            ComplaintPhoto.id,
            ComplaintPhoto.content_type,
            ComplaintPhoto.size,
            ComplaintPhoto.fetched_at,
        )
        .where(ComplaintPhoto.complaint_id == complaint.id)
        .order_by(ComplaintPhoto.id)
    ).all()
    if correct_form is None and complaint.correctable:
        correct_form = CorrectForm(
            formdata=None,
            rider_code=complaint.rider_code,
            category=complaint.category,
            description=complaint.description,
            occurred_at=to_local(complaint.occurred_at),
        )
    return (
        render_template(
            "complaints/detail.html",
            complaint=complaint,
            events=events,
            outbox=outbox,
            correct_form=correct_form,
            resend_form=ResendForm(),
            photos=photos,
            overdue=overdue_kinds(complaint),
            chase_form=ChaseForm(formdata=None),
            chase_problem=chase_problem(complaint),
        ),
        status,
    )


@bp.route("/complaints/<int:complaint_id>")
@office_required()
@shows_rider_data
def detail(complaint_id: int):
    """One complaint: what was sent, every delivery attempt and status change."""
    return _detail_page(get_or_404(Complaint, complaint_id))


@bp.route("/complaints/<int:complaint_id>/resend", methods=["POST"])
@office_required()
@shows_rider_data
def resend(complaint_id: int):
    """Send a failed complaint again; a refused one may be corrected first (then a new key)."""
    complaint = get_or_404(Complaint, complaint_id)
    if complaint.status != "failed":
        flash(_("只有发送失败的投诉才能重新发送。"), "info")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    corrections = None
    if complaint.correctable and "rider_code" in request.form:
        form = CorrectForm()
        if not form.validate():
            return _detail_page(complaint, form, 400)
        occurred_at = to_utc(form.occurred_at.data)
        if occurred_at == complaint.occurred_at.replace(second=0, microsecond=0):
            occurred_at = complaint.occurred_at  # the form shows minutes: unchanged, not truncated
        corrections = {
            "rider_code": form.rider_code.data,
            "category": form.category.data,
            "description": form.description.data,
            "occurred_at": occurred_at,
        }
    elif not ResendForm().validate():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    new_key = resend_complaint(complaint, corrections)
    if new_key:
        flash(_("已按修改后的内容重新发送。"), "success")
    else:
        flash(_("内容未改动，已按原内容重新发送。"), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.route("/complaints/<int:complaint_id>/chase", methods=["POST"])
@office_required()
def chase_view(complaint_id: int):
    """催办: remind the city of an overdue complaint (sent through the reminders' outbox)."""
    complaint = get_or_404(Complaint, complaint_id)
    form = ChaseForm()
    if not form.validate():
        if form.csrf_token.errors:
            flash(_("页面已过期，请重试。"), "error")
        else:
            flash("；".join(form.note.errors), "error")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id)), 303
    try:
        chase(complaint, current_office_user().id, form.note.data or "")
    except ChaseRefused as exc:
        flash(str(exc), "info")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id)), 303
    flash(_("已催办，正在发送到城市平台。"), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id)), 303


@bp.route("/complaints/<int:complaint_id>/photos/<int:photo_id>")
@office_required()
def photo(complaint_id: int, photo_id: int):
    """One evidence photo of a complaint, for the company's own staff."""
    complaint = get_or_404(Complaint, complaint_id)
    found = db.session.scalars(
        select(ComplaintPhoto).where(
            ComplaintPhoto.id == photo_id, ComplaintPhoto.complaint_id == complaint.id
        )
    ).first()
    if found is None:
        abort(404)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "private, no-store"
    return response
