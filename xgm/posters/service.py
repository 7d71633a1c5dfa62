"""The printing service behind whole-tenant print runs: is a worker listening, enqueue, reconcile."""

from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from tenants import current_tenant_id, utcnow
from xgm.posters.jobs import JOB_TIMEOUT, QUEUE, rq_job_id
from xgm.posters.models import PrintJob
from xgm.queues import get_queue, get_redis

UP, DOWN, UNREACHABLE = "up", "down", "unreachable"
#: Kept long enough for the progress page to read the outcome; the PrintJob row is the record.
RESULT_TTL = 24 * 3600


def service_status() -> str:
    """UP when an RQ worker listens on the printables queue, DOWN when none, UNREACHABLE (Redis)."""
    try:
        workers = Worker.all(queue=get_queue(QUEUE))
    except RedisError:
        return UNREACHABLE
    return UP if workers else DOWN


def enqueue(job: PrintJob) -> str:
    """Put a print run on the printables queue (ids only, JSON); returns the RQ job id."""
    job_id = rq_job_id(current_tenant_id(), job.id)
    get_queue(QUEUE).enqueue(
        "xgm.posters.jobs.print_tenant_posters",
        current_tenant_id(),
        job.id,
        job_id=job_id,
        job_timeout=JOB_TIMEOUT,
        result_ttl=RESULT_TTL,
        failure_ttl=RESULT_TTL,
        description=f"print posters of tenant {current_tenant_id()} (run {job.id})",
    )
    return job_id


def reconcile(job: PrintJob) -> bool:
    """Mark a run failed when its RQ job is gone or failed; True when the row was changed."""
    if job.finished:
        return False
    try:
        if not job.rq_job_id:
            raise NoSuchJobError(job.rq_job_id)
        status = Job.fetch(
            job.rq_job_id, connection=get_redis(), serializer=JSONSerializer
        ).get_status()
    except NoSuchJobError:
        status = None
    except RedisError:
        return False  # cannot tell now; the page says the queue is unreachable
    if status is None:
        job.error = "lost"
    elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        job.error = job.error or "render_failed"
    else:
        return False
    job.status = "failed"
    job.finished_at = utcnow()
    return True
