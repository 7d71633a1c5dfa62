"""The worker side of large exports: build the CSV with progress; the sweep that loses none.

The ExportJob row is the truth, a job on the `default` queue only a wake-up call (as in the
complaint outbox). The sweep (every XGM_EXPORT_SWEEP_INTERVAL s) re-enqueues exports that are
queued but have no job waiting (Redis was down when they were asked for, or lost its data), and
running ones whose job went silent (a killed worker); after MAX_ATTEMPTS lost runs, or when an
export is still not done XGM_EXPORT_GIVE_UP s after it was asked for, it is marked failed with
its reason, and the 重试 button starts it again. Nothing stays 排队中 forever.
"""

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from redis.exceptions import RedisError
from sqlalchemy import select

from tenants import tenant_context, unscoped, utcnow
from xgm.exports.company import build_company_zip, count_company_rows
from xgm.exports.csvfiles import count_rows, iter_rows, render_csv
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.queues import get_queue, job_pending
from xgm.queues.periodic import schedule_next
from xgm.replica import reading_replica
from xgm.reporting.periods import Period

log = logging.getLogger(__name__)

SWEEP = "exports-sweep"
#: Runs lost (worker killed, Redis flushed) before an export is marked failed ("interrupted").
MAX_ATTEMPTS = 3
SWEEP_BATCH = 500


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
            job_timeout=current_app.config["XGM_EXPORT_JOB_TIMEOUT"],
            result_ttl=3600,
            failure_ttl=7 * 86400,
        )
    except RedisError:
        return False
    return True


def queue_export(job: ExportJob) -> bool:
    """Mark the (committed) export queued now and enqueue it; commits. False if Redis is down.

    When Redis is down the export stays queued, marked "queue_unavailable": the sweep enqueues
    it once Redis is back.
    """
    job.status, job.queued_at, job.heartbeat_at = "queued", utcnow(), None
    db.session.commit()
    enqueued = enqueue_export(job)
    job.error = "" if enqueued else "queue_unavailable"
    db.session.commit()
    return enqueued


def retry_export(job: ExportJob) -> bool:
    """The 重试 button: a failed export starts over (commits); False if Redis is down."""
    job.rows_done, job.rows_total, job.attempts, job.error = 0, 0, 0, ""
    return queue_export(job)


def give_up_if_overdue(job: ExportJob, now=None) -> bool:
    """Mark a queued or running export failed ("timeout") when XGM_EXPORT_GIVE_UP s have passed
    since it was asked for (no worker, no Redis: the page itself settles it). Commits."""
    now = now or utcnow()
    give_up = timedelta(seconds=float(current_app.config["XGM_EXPORT_GIVE_UP"]))
    if not job.pending or now - job.queued_at < give_up:
        return False
    job.status, job.error = "failed", "timeout"
    db.session.commit()
    return True


def build_export(tenant_id: int, export_id: int) -> int:
    """Job: write the export's CSV into its row, with progress; returns the rows written.

    Idempotent: a finished (or given up) export is left as it is; a re-run of a half-done one
    starts over.
    """
    with tenant_context(tenant_id):
        job = db.session.scalars(select(ExportJob).where(ExportJob.id == export_id)).first()
        if job is None or not job.pending:
            return 0
        job.status, job.error = "running", ""
        job.attempts += 1
        job.heartbeat_at = utcnow()
        job.rows_done = 0
        db.session.commit()

        def progress(n: int) -> None:
            job.rows_done, job.heartbeat_at = n, utcnow()
            db.session.commit()

        try:
            if job.kind == "company":
                job.rows_total = count_company_rows()
                db.session.commit()
                content = build_company_zip(progress)
            else:
                period = Period("custom", job.first_day, job.last_day)  # checked when queued
                with reading_replica():  # the rows from the replica, when there is one
                    job.rows_total = count_rows(job.kind, period)
                    db.session.commit()
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


def _lost(job: ExportJob, queue, now, config) -> bool:
    """True when the export has no job on its way: none waiting, and no live run."""
    if job.status == "queued":
        grace = timedelta(seconds=float(config["XGM_EXPORT_SWEEP_GRACE"]))
        if now - job.queued_at < grace:
            return False
        lease = float(config["XGM_EXPORT_JOB_TIMEOUT"])
        return not job_pending(queue, rq_job_id(job.id), lease)
    lease = timedelta(seconds=float(config["XGM_EXPORT_LEASE"]))
    if job.heartbeat_at is not None and now - job.heartbeat_at < lease:
        return False  # running and alive
    return not job_pending(queue, rq_job_id(job.id), 0)  # re-enqueued already?


def sweep_exports() -> dict:
    """Periodic: re-enqueue exports whose job was lost; fail those lost too often or too old."""
    schedule_next(SWEEP)
    config = current_app.config
    now = utcnow()
    try:
        with unscoped():  # system work: the exports of every tenant
            rows = db.session.execute(
                select(ExportJob.tenant_id, ExportJob.id)
                .where(ExportJob.status.in_(("queued", "running")))
                .order_by(ExportJob.queued_at)
                .limit(SWEEP_BATCH)
            ).all()
        outcome = {"enqueued": 0, "failed": 0}
        queue = get_queue("default")
        for tenant_id, export_id in rows:
            with tenant_context(tenant_id):
                job = db.session.scalars(select(ExportJob).where(ExportJob.id == export_id)).one()
                if give_up_if_overdue(job, now):
                    outcome["failed"] += 1
                elif not _lost(job, queue, now, config):
                    continue
                elif job.attempts >= MAX_ATTEMPTS:
                    job.status, job.error = "failed", "interrupted"
                    db.session.commit()
                    outcome["failed"] += 1
                elif queue_export(job):
                    outcome["enqueued"] += 1
    finally:
        db.session.remove()
    if any(outcome.values()):
        log.info("export sweep: %(enqueued)d re-enqueued, %(failed)d failed", outcome)
    return outcome
