"""Riders' deletion requests: filed from the pass flow, answered by the company's office.

A rider asks a company to delete his entries at its compounds; the request reaches the
company's managers (office navigation, /privacy/deletions) with a 15-day deadline. Answered
"done", the rider's entries at the company lose everything that identifies him (rider code,
name, phone, photo; his complaints' names) and only counts stay; "refused" keeps them, with
the reason the rider is given. Both are audited.
"""

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from chinatime import CN_OFFSET
from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.audit import record
from xgm.extensions import db
from xgm.home.notices import Notice
from xgm.inputs.forms import Form
from xgm.inputs.paging import paginate
from xgm.privacy import bp
from xgm.privacy.models import DELETION_DEADLINE_DAYS, RiderDeletionRequest
from xgm.privacy.registry import run_erasers

PER_PAGE = 50


class AnswerForm(Form):
    """The office's answer to a deletion request: done, or refused with a reason."""

    status = RadioField(
        _l("处理结果"),
        choices=[SelectChoice("done", _l("已删除")), SelectChoice("refused", _l("拒绝删除"))],
        validators=[InputRequired(message=_l("请选择处理结果"))],
    )
    answer = TextAreaField(
        _l("说明"), validators=[Length(max=500, message=_l("说明最多 500 个字"))]
    )

    def validate(self, extra_validators=None) -> bool:
        """A refusal needs its reason (the rider is told why)."""
        ok = super().validate(extra_validators)
        if ok and self.status.data == "refused" and not (self.answer.data or "").strip():
            self.answer.errors.append(_("拒绝删除时请写明理由"))
            return False
        return ok


def file_request(rider_code: str, note: str = "") -> RiderDeletionRequest:
    """File a deletion request for the current tenant (audited; the caller commits)."""
    now = utcnow()
    row = RiderDeletionRequest(
        rider_code=rider_code[:32],
        note=note[:500],
        created_at=now,
        due_at=now + timedelta(days=DELETION_DEADLINE_DAYS),
    )
    db.session.add(row)
    record(
        "rider.deletion_requested",
        actor_kind="rider",
        actor_id=None,
        actor_name=rider_code[:50],
        detail={"rider_code": rider_code},
    )
    return row


def erase_rider(rider_code: str) -> dict[str, int]:
    """Remove what identifies the rider from the current tenant's entries (every eraser the
    features registered, xgm.privacy.registry); returns counts."""
    return run_erasers(rider_code)


def deletion_notices() -> list:
    """Home-page banner: riders' deletion requests waiting for an answer, the nearest deadline."""
    count, due = db.session.execute(
        select(func.count(RiderDeletionRequest.id), func.min(RiderDeletionRequest.due_at)).where(
            RiderDeletionRequest.status == "open"
        )
    ).one()
    if not count:
        return []
    text = _(
        "%(n)d 条骑手删除申请待处理，最早须在 %(due)s 前答复（15 天内）",
        n=count,
        due=(due + CN_OFFSET).strftime("%Y-%m-%d"),
    )
    return [Notice(text, [(_("处理删除申请"), url_for("privacy.deletions"))])]


@bp.route("/privacy/deletions")
@office_required()
def deletions():
    """Managers see riders' deletion requests, the open ones first with their deadline."""
    query = select(RiderDeletionRequest).order_by(
        (RiderDeletionRequest.status != "open"),
        RiderDeletionRequest.due_at,
        RiderDeletionRequest.id.desc(),
    )
    page = paginate(query, PER_PAGE)
    return render_template(
        "privacy/deletions.html", page=page, form=AnswerForm(formdata=None), now=utcnow()
    )


@bp.route(
    "/privacy/deletions/<int:deletion_id>/answer", methods=["POST"], endpoint="deletions_answer"
)
@office_required()
def answer(deletion_id: int):
    """Answer a deletion request: delete the rider's entries, or refuse with a reason."""
    row = get_or_404(RiderDeletionRequest, deletion_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        errors = [str(e) for field in form for e in field.errors]
        flash("；".join(errors) or _("请求无效"), "error")
        return redirect(url_for("privacy.deletions"))
    if row.status != "open":
        flash(_("该申请已处理"), "info")
        return redirect(url_for("privacy.deletions"))
    user = current_office_user()
    row.status = form.status.data
    row.answer = (form.answer.data or "").strip()
    row.answered_at = utcnow()
    row.answered_by_name = user.name[:50]
    detail = {"request": row.id, "rider_code": row.rider_code, "reason": row.answer}
    if row.status == "done":
        detail.update(erase_rider(row.rider_code))
        record("rider.deletion_done", detail=detail)
        flash(_("已删除该骑手在本公司的进出记录中的身份信息"), "success")
    else:
        record("rider.deletion_refused", detail=detail)
        flash(_("已拒绝该删除申请"), "success")
    db.session.commit()
    return redirect(url_for("privacy.deletions"))
