"""The whole-tenant print run on the `printables` queue: every active gate, one PDF, with progress."""

import os
from pathlib import Path

from sqlalchemy import select

from chinatime import today_in_china
from printables import FontMissingError
from tenants import tenant_context, utcnow
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.posters.models import PrintJob
from xgm.posters.rendering import (
    mark_printed,
    merge_pdfs,
    poster_for,
    prints_dir,
    render_many,
)

QUEUE = "printables"
#: Generous: a tenant with a few hundred gates renders in well under a minute when warm.
JOB_TIMEOUT = 30 * 60


def chunks(items: list, steps: int = 20, smallest: int = 5, largest: int = 50) -> list[list]:
    """Split the posters into about `steps` chunks of `smallest` to `largest` posters each."""
    size = min(largest, max(smallest, -(-len(items) // steps)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def rq_job_id(tenant_id: int, print_job_id: int) -> str:
    """The RQ job id of a print run: derived from it, so enqueuing twice is one job."""
    return f"xgm-print-{int(tenant_id)}-{int(print_job_id)}"


def output_path(tenant_id: int, job: PrintJob) -> Path:
    """Where the finished PDF of a print run is written."""
    return prints_dir(tenant_id) / f"posters-{job.id}-{job.size}.pdf"


def printable_gates() -> list[tuple[Gate, Compound]]:
    """The current tenant's active gates of live compounds, by compound name then gate."""
    rows = db.session.execute(
        select(Gate, Compound)
        .join(Compound, Compound.id == Gate.compound_id)
        .where(Gate.active.is_(True), Compound.archived.is_(False))
        .order_by(Compound.name, Gate.id)
    ).all()
    return [(gate, compound) for gate, compound in rows]


def print_tenant_posters(tenant_id: int, print_job_id: int) -> dict:
    """Render every active gate's poster of one tenant into one PDF, reporting done / total."""
    with tenant_context(tenant_id):
        try:
            return _run(int(tenant_id), int(print_job_id))
        finally:
            db.session.remove()


def _load(print_job_id: int) -> PrintJob | None:
    return db.session.scalars(select(PrintJob).where(PrintJob.id == print_job_id)).first()


def _run(tenant_id: int, print_job_id: int) -> dict:
    job = _load(print_job_id)
    if job is None:
        return {"status": "missing"}
    target = output_path(tenant_id, job)
    if job.status == "done" and target.is_file():
        return {"status": "done", "done": job.done, "total": job.total}  # already made: no-op
    gates = printable_gates()
    job.status, job.done, job.total = "running", 0, len(gates)
    job.error, job.file_name, job.started_at, job.finished_at = "", "", utcnow(), None
    db.session.commit()
    if not gates:
        return _fail(print_job_id, "no_gates")
    try:
        today = today_in_china()
        posters = [poster_for(gate, compound, today) for gate, compound in gates]
        parts = []
        for chunk in chunks(posters):
            # One document per chunk shares its font subset across pages: ~20x smaller than
            # merging one-page PDFs, and still ~20 progress steps.
            parts.append(render_many(chunk, job.size))
            job.done += len(chunk)
            db.session.commit()
        _write_atomically(target, merge_pdfs(parts))
    except FontMissingError:
        _fail(print_job_id, "font_missing")
        raise
    except Exception:
        _fail(print_job_id, "render_failed")
        raise
    mark_printed([gate for gate, _compound in gates])
    job.file_name = target.name
    job.status = "done"
    job.finished_at = utcnow()
    db.session.commit()
    return {"status": "done", "done": job.done, "total": job.total}


def _write_atomically(target: Path, data: bytes) -> None:
    """Write the PDF next to its final name, then rename: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def _fail(print_job_id: int, reason: str) -> dict:
    """Record why the run failed (a code from ERRORS) for the progress page; callers re-raise."""
    db.session.rollback()
    job = _load(print_job_id)
    if job is not None:
        job.status = "failed"
        job.error = reason
        job.finished_at = utcnow()
        db.session.commit()
    return {"status": "failed", "error": reason}
