"""Poster PDFs of a gate or a compound, and the whole-tenant print run with its progress page."""

import re
from urllib.parse import quote

from flask import Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, Conflict, HTTPException
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from chinatime import today_in_china
from printables import FontMissingError
from tenants import current_tenant, get_or_404
from xgm.accounts.access import current_office_user, office_required
from xgm.audit import record
from xgm.compounds.models import Compound, Gate
from xgm.errors import render_error
from xgm.extensions import db
from xgm.inputs.forms import Form
from xgm.posters import bp
from xgm.posters.jobs import output_path, printable_gates
from xgm.posters.models import PrintJob
from xgm.posters.rendering import SIZES, mark_printed, poster_for, render_many
from xgm.posters.service import DOWN, UNREACHABLE, UP, enqueue, reconcile, service_status

ERRORS = {
    "no_gates": _l("没有可打印的门岗：请先添加门岗，或启用已停用的门岗。"),
    "font_missing": _l(
        "服务器缺少中文字体 Noto Sans CJK SC，无法生成海报。"
        "请系统管理员安装 fonts-noto-cjk 软件包（apt-get install fonts-noto-cjk）后重试。"
    ),
    "render_failed": _l("生成海报时出错，请稍后重试；如一再失败，请联系技术支持。"),
    "lost": _l("打印任务已丢失（打印服务可能重启过），请重新开始。"),
    "queue_down": _l("无法连接任务队列，未能开始打印，请稍后重试。"),
}
SERVICE_MESSAGES = {
    DOWN: _l(
        "打印服务未运行：批量打印需要后台打印服务（worker.py）。请联系系统管理员启动；"
        "单个门岗或单个小区的海报仍可直接下载。"
    ),
    UNREACHABLE: _l(
        "无法连接任务队列（Redis），批量打印暂不可用；单个门岗或单个小区的海报仍可直接下载。"
    ),
}
STATUS_LABELS = {
    "queued": _l("排队中"),
    "running": _l("正在生成"),
    "done": _l("已完成"),
    "failed": _l("失败"),
}
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


class PrintForm(Form):
    """Start printing every active gate of the tenant on one paper size."""

    size = SelectField(
        _l("纸张"),
        choices=[SelectChoice("A4", "A4"), SelectChoice("A3", _l("A3（更大，远处也能扫）"))],
    )


def _fail(exc_class: type[HTTPException], detail: str):
    exc = exc_class()
    exc.xgm_detail = detail
    raise exc


@bp.errorhandler(FontMissingError)
def _font_missing(exc: FontMissingError):
    """No CJK font on the server: a 503 that names the package, never boxes or a 500."""
    return render_error(503, str(ERRORS["font_missing"]))


def _size_arg() -> str:
    size = (request.args.get("size") or "A4").strip().upper()
    if size not in SIZES:
        _fail(BadRequest, _("纸张尺寸只能是 A4 或 A3。"))
    return size


def content_disposition(name: str, fallback: str, attachment: bool = False) -> str:
    """Content-Disposition with an ASCII fallback and the Chinese name as RFC 5987 filename*."""
    kind = "attachment" if attachment else "inline"
    name = UNSAFE_FILENAME.sub("_", name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def pdf_response(data: bytes, name: str, fallback: str, attachment: bool = False) -> Response:
    """Serve a PDF under a readable name; inline by default (the browser shows it, to print)."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name, fallback, attachment)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/gates/<int:gate_id>/poster.pdf")
@office_required()
def gate_poster(gate_id: int):
    """One gate's poster as a PDF (?size=A4 default, or A3); its QR carries the gate URL."""
    gate = get_or_404(Gate, gate_id)
    size = _size_arg()
    compound = gate.compound
    if compound.archived:
        _fail(Conflict, _("该小区已归档，海报上的二维码无法使用。请先恢复小区。"))
    if not gate.active:
        _fail(Conflict, _("该门岗已停用，海报上的二维码无法使用。请先启用门岗。"))
    data = render_many([poster_for(gate, compound)], size)
    mark_printed([gate])
    db.session.commit()
    return pdf_response(
        data,
        f"{compound.name}-{gate.name}-门岗二维码-{size}.pdf",
        f"gate-{gate.id}-poster-{size}.pdf",
    )


@bp.route("/compounds/<int:compound_id>/posters.pdf")
@office_required()
def compound_posters(compound_id: int):
    """Every active gate of a compound in one PDF, one poster a page."""
    compound = get_or_404(Compound, compound_id)
    size = _size_arg()
    if compound.archived:
        _fail(Conflict, _("该小区已归档，海报上的二维码无法使用。请先恢复小区。"))
    gates = db.session.scalars(
        select(Gate).where(Gate.compound_id == compound.id, Gate.active.is_(True)).order_by(Gate.id)
    ).all()
    if not gates:
        _fail(Conflict, _("该小区还没有启用的门岗，没有可打印的海报。请先添加或启用门岗。"))
    today = today_in_china()
    data = render_many([poster_for(gate, compound, today) for gate in gates], size)
    mark_printed(gates)
    db.session.commit()
    return pdf_response(
        data,
        f"{compound.name}-全部门岗二维码-{size}.pdf",
        f"compound-{compound.id}-posters-{size}.pdf",
    )


def _index_page(form: PrintForm, status: str, error: str | None = None, code: int = 200):
    compounds = db.session.scalars(
        select(Compound).where(Compound.archived.is_(False)).order_by(Compound.name)
    ).all()
    gates = db.session.scalars(select(Gate).order_by(Gate.id)).all()
    by_compound: dict[int, list[Gate]] = {}
    for gate in gates:
        by_compound.setdefault(gate.compound_id, []).append(gate)
    jobs = db.session.scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(10)).all()
    page = render_template(
        "posters/index.html",
        form=form,
        compounds=compounds,
        gates=by_compound,
        printable=len(printable_gates()),
        jobs=jobs,
        service=status,
        service_message=SERVICE_MESSAGES.get(status),
        error=error,
        labels=STATUS_LABELS,
    )
    return page, code


@bp.route("/posters")
@office_required()
def index():
    """Printing: per-gate and per-compound posters, and the whole-tenant print run."""
    return _index_page(PrintForm(), service_status())


@bp.route("/posters/jobs", methods=["POST"])
@office_required()
def start():
    """Start a whole-tenant print run on the worker; refuse clearly when no worker listens."""
    form = PrintForm()
    if not form.validate_on_submit():
        _fail(BadRequest, _("纸张尺寸只能是 A4 或 A3。"))
    running = db.session.scalars(
        select(PrintJob).where(PrintJob.status.in_(("queued", "running"))).order_by(PrintJob.id)
    ).first()
    if running is not None and not reconcile(running):
        return redirect(url_for("posters.job", print_job_id=running.id))
    db.session.commit()
    status = service_status()
    if status != UP:
        return _index_page(form, status, str(SERVICE_MESSAGES[status]), 503)
    if not printable_gates():
        return _index_page(form, status, str(ERRORS["no_gates"]), 409)
    user = current_office_user()
    job = PrintJob(size=form.size.data, created_by_id=user.id if user else None)
    db.session.add(job)
    record("poster.printed", detail={"scope": job.size})
    db.session.commit()
    try:
        job.rq_job_id = enqueue(job)
    except RedisError:
        job.status, job.error = "failed", "queue_down"
        db.session.commit()
        return _index_page(form, UNREACHABLE, str(SERVICE_MESSAGES[UNREACHABLE]), 503)
    db.session.commit()
    return redirect(url_for("posters.job", print_job_id=job.id))


def _job_state(job: PrintJob, status: str | None) -> dict:
    """What the progress page and its JSON show about a run."""
    message = ""
    if job.status == "failed":
        message = str(ERRORS.get(job.error, ERRORS["render_failed"]))
    elif status in SERVICE_MESSAGES:
        message = str(SERVICE_MESSAGES[status])
    return {
        "id": job.id,
        "status": job.status,
        "status_label": str(STATUS_LABELS[job.status]),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "message": message,
        "download_url": url_for("posters.download", print_job_id=job.id)
        if job.status == "done"
        else None,
    }


def _load_job(print_job_id: int) -> PrintJob:
    job = get_or_404(PrintJob, print_job_id)
    if reconcile(job):
        db.session.commit()
    return job


@bp.route("/posters/jobs/<int:print_job_id>")
@office_required()
def job(print_job_id: int):
    """A print run's progress (done / total), refreshed by a small script, then its download."""
    job = _load_job(print_job_id)
    status = None if job.finished else service_status()
    return render_template("posters/job.html", job=job, state=_job_state(job, status))


@bp.route("/posters/jobs/<int:print_job_id>.json")
@office_required()
def job_json(print_job_id: int):
    """A print run's progress as JSON, polled by the progress page."""
    job = _load_job(print_job_id)
    status = None if job.finished else service_status()
    response = jsonify(_job_state(job, status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/posters/jobs/<int:print_job_id>/download")
@office_required()
def download(print_job_id: int):
    """The finished PDF of a print run (409 until it is done)."""
    job = _load_job(print_job_id)
    path = output_path(job.tenant_id, job)
    if job.status != "done" or not path.is_file():
        _fail(Conflict, _("这次打印还没有完成，暂时不能下载。"))
    name = f"{current_tenant.name}-全部门岗二维码-{job.size}-{today_in_china():%Y%m%d}.pdf"
    return pdf_response(
        path.read_bytes(), name, f"posters-{job.id}-{job.size}.pdf", attachment=True
    )
