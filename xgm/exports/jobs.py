"""The worker side of large exports: build the CSV, report progress on the ExportJob row."""

from flask import current_app
from flask_babel import force_locale
from redis.exceptions import RedisError
from sqlalchemy import select

from tenants import tenant_context, utcnow
from xgm.dashboard.periods import Period
from xgm.exports.csvfiles import count_rows, iter_rows, render_csv
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.queues import get_queue


def rq_job_id(export_id: int) -> str:
    """The RQ job id of an export (one per export: enqueuing twice is one job)."""
    return f"xgm-export-{export_id}"


def enqueue_export(job: ExportJob) -> bool:
    """Put the export on the `default` queue (after commit); False when Redis is unreachable."""
    try:
        get_queue("default").enqueue(
            "xgm.exports.jobs.build_export",
            job.tenant_id,
            job.id,
            job_id=rq_job_id(job.id),
            job_timeout=current_app.config.get("XGM_EXPORT_JOB_TIMEOUT", 1800),
            result_ttl=3600,
            failure_ttl=7 * 86400,
        )
    except RedisError:
        return False
    return True


def build_export(tenant_id: int, export_id: int) -> int:
    """Job: write the export's CSV into its row, with progress; returns the rows written.

    Idempotent: a finished export is left as it is; a re-run of a half-done one starts over.
    """
    with tenant_context(tenant_id):
        job = db.session.scalars(select(ExportJob).where(ExportJob.id == export_id)).first()
        if job is None or job.status == "done":
            return 0
        period = Period("custom", job.first_day, job.last_day)
        job.status = "running"
        job.rows_done = 0
        job.rows_total = count_rows(job.kind, period)
        db.session.commit()

        def progress(n: int) -> None:
            job.rows_done = n
            db.session.commit()

        try:
            with force_locale("zh_Hans_CN"):  # no request here: the CSV speaks Chinese
                content = render_csv(job.kind, iter_rows(job.kind, period), progress)
        except Exception:
            db.session.rollback()
            job.status = "failed"
            job.error = "internal"
            db.session.commit()
            raise  # the traceback goes to RQ's failed registry (operators see it in /ops/health)
        job.content = content
        job.rows_done = job.rows_total
        job.status = "done"
        job.finished_at = utcnow()
        db.session.commit()
        return job.rows_total
