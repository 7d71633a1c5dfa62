"""CSV exports: `/exports/<kind>.csv?from=&to=` answers small periods at once; large ones queue."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import get_or_404
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.errors import render_error
from xgm.exports import bp
from xgm.exports.csvfiles import count_rows, iter_rows, render_csv
from xgm.exports.forms import ExportForm
from xgm.exports.jobs import give_up_if_overdue, queue_export, retry_export
from xgm.exports.models import PERIOD_KINDS, ExportJob
from xgm.extensions import db
from xgm.replica import reading_replica
from xgm.reporting.periods import PeriodError, local_today, period_between

RECENT_JOBS = 20


def reason_text(job: ExportJob) -> str:
    """Why a background export failed, or why a queued one waits; "" when there is nothing to say."""
    if job.status == "failed":
        if job.error == "interrupted":
            return _("后台任务多次中断（已自动重试 %(n)s 次），请点击重试。", n=job.attempts)
        if job.error == "timeout":
            hours = "{:g}".format(float(current_app.config["XGM_EXPORT_GIVE_UP"]) / 3600)
            return _(
                "排队超过 %(hours)s 小时仍未完成，后台任务可能暂时不可用，请稍后重试。", hours=hours
            )
        if job.error == "queue_unavailable":
            return _("任务队列暂时不可用，请稍后重试。")
        return _("生成文件时出错（已记录），请稍后重试。")
    if job.pending and job.error == "queue_unavailable":
        return _("任务队列暂时不可用，恢复后将自动开始，无需重新导出。")
    return ""


def _csv_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/exports")
@office_required()
def index():
    """Choose a period and what to export; see the recent background exports."""
    today = local_today().isoformat()
    jobs = db.session.scalars(
        select(ExportJob)
        .where(ExportJob.kind.in_(PERIOD_KINDS))  # the company ZIP is listed on /settings
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
        .limit(RECENT_JOBS)
    ).all()
    for job in jobs:
        give_up_if_overdue(job)
    return render_template(
        "exports/index.html",
        first=request.args.get("from") or today[:8] + "01",
        last=request.args.get("to") or today,
        jobs=jobs,
        retry_form=ConfirmForm(),
        export_reason=reason_text,
    )


def _export(kind: str):
    """Answer the CSV directly for a small period, or offer a background export for a large one."""
    try:
        period = period_between(request.args.get("from"), request.args.get("to"))
    except PeriodError as exc:
        return render_error(400, str(exc))
    content = None
    with reading_replica():  # the rows from the replica, when there is one
        rows = count_rows(kind, period)
        filename = f"{kind}_{period.first_day.isoformat()}_{period.last_day.isoformat()}.csv"
        if rows <= current_app.config["XGM_EXPORT_SYNC_MAX_ROWS"]:
            content = render_csv(kind, iter_rows(kind, period))
    if content is not None:  # the audit row on the primary
        record(
            "export.downloaded",
            detail={"kind": kind, "period": f"{period.first_day}~{period.last_day}"},
        )
        db.session.commit()
        return _csv_response(content, filename)
    form = ExportForm(
        kind=kind, first_day=period.first_day.isoformat(), last_day=period.last_day.isoformat()
    )
    return render_template("exports/confirm.html", form=form, rows=rows, period=period, kind=kind)


@bp.route("/exports/arrivals.csv")
@office_required()
def arrivals_csv():
    """Arrivals of a period as CSV (UTF-8 with BOM, Chinese headers)."""
    return _export("arrivals")


@bp.route("/exports/complaints.csv")
@office_required()
def complaints_csv():
    """Complaints of a period as CSV (UTF-8 with BOM, Chinese headers)."""
    return _export("complaints")


@bp.route("/exports/new", methods=["POST"])
@office_required()
def new():
    """Start a large export on the worker and show its progress."""
    form = ExportForm()
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        return render_error(400, "；".join(str(e) for e in errors) or None)
    try:
        period = period_between(form.first_day.data, form.last_day.data)
    except PeriodError as exc:
        return render_error(400, str(exc))
    user = current_office_user()
    job = ExportJob(
        kind=form.kind.data,
        first_day=period.first_day,
        last_day=period.last_day,
        requested_by_user_id=user.id,
        requested_by_name=user.name,
    )
    db.session.add(job)
    record(
        "export.requested",
        detail={"kind": job.kind, "period": f"{period.first_day}~{period.last_day}"},
    )
    db.session.commit()
    queue_export(job)  # Redis down: it stays queued and the sweep enqueues it later
    return redirect(url_for("exports.progress", export_id=job.id), code=303)


@bp.route("/exports/<int:export_id>")
@office_required()
def progress(export_id: int):
    """A background export's progress bar, then its download link; 失败 with why and 重试."""
    job = get_or_404(ExportJob, export_id)
    give_up_if_overdue(job)
    return render_template(
        "exports/progress.html", job=job, retry_form=ConfirmForm(), export_reason=reason_text
    )


@bp.route("/exports/<int:export_id>/retry", methods=["POST"])
@office_required()
def retry(export_id: int):
    """重试: start a failed background export again."""
    job = get_or_404(ExportJob, export_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if job.status == "failed":
        record("export.retried", detail={"export": job.id, "kind": job.kind})
        retry_export(job)
        flash(_("已重新开始导出"), "success")
    return redirect(url_for("exports.progress", export_id=job.id), code=303)


@bp.route("/exports/<int:export_id>/download")
@office_required()
def download(export_id: int):
    """Download a finished background export."""
    job = get_or_404(ExportJob, export_id)
    if job.status != "done" or job.content is None:
        flash(_("导出尚未完成"), "info")
        return redirect(url_for("exports.progress", export_id=job.id))
    if job.kind == "company":
        if current_office_user().role != "owner":
            abort(404)  # the whole company's data is the owner's to take out
        record("company.export_downloaded", detail={"export": job.id})
        db.session.commit()
        response = Response(job.content, mimetype="application/zip")
        response.headers["Content-Disposition"] = f"attachment; filename={job.filename}"
        response.headers["Cache-Control"] = "no-store"
        return response
    record("export.downloaded", detail={"export": job.id, "kind": job.kind})
    db.session.commit()
    return _csv_response(job.content, job.filename)
