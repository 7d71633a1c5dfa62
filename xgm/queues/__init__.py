"""Redis connection and the RQ queues the app uses (complaints, printables, default)."""

from datetime import UTC, datetime, timedelta

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from xgm.observability.requestid import current_request_id

QUEUE_NAMES = ("complaints", "printables", "default")


class AppQueue(Queue):
    """An RQ queue whose jobs carry the request id of the request (or job) that enqueued them.

    The worker binds it again around the job (`xgm.queues.worker`), so the job's log lines and
    its city calls carry the id the user saw on their page.
    """

    def create_job(self, *args, **kwargs):
        """RQ's create_job, with `meta["request_id"]` set when there is one."""
        request_id = current_request_id()
        if request_id:
            meta = dict(kwargs.get("meta") or {})
            meta.setdefault("request_id", request_id)
            kwargs["meta"] = meta
        return super().create_job(*args, **kwargs)


def get_redis() -> Redis:
    """The app's Redis client (one connection pool per process and URL)."""
    ext = current_app.extensions.setdefault("xgm_redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in ext:
        ext[url] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    return ext[url]


def get_queue(name: str = "default") -> Queue:
    """An RQ queue on the app's Redis, with the JSON serializer (never pickle)."""
    from rq.serializers import JSONSerializer

    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    prefix = current_app.config["XGM_QUEUE_PREFIX"]
    return AppQueue(prefix + name, connection=get_redis(), serializer=JSONSerializer)


#: Jobs in these states will still run: enqueuing the same id again would only duplicate them.
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def job_pending(queue: Queue, job_id: str, lease: float) -> bool:
    """True when a job with this id is waiting to run, or started less than `lease` s ago.

    The one check of "is this job still on its way?" that sweeps use before enqueuing the same
    id again (a job that started longer ago than its lease is taken for a killed worker's).
    """
    try:
        job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status in WAITING:
        return True
    if status == JobStatus.STARTED and job.started_at is not None:
        started = job.started_at.replace(tzinfo=None)
        return datetime.now(UTC).replace(tzinfo=None) - started < timedelta(seconds=lease)
    return False
