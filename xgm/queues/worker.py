"""The RQ worker class: each job runs in its own fresh app context (own DB session, no tenant)."""

import logging
import time

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from xgm.observability.requestid import bind, unbind
from xgm.queues import QUEUE_NAMES, get_queue, get_redis

#: A worker heartbeat is not repeated within this many seconds of the previous one.
HEARTBEAT_EVERY = 1.0


class OneLinePerJob(logging.Filter):
    """Keeps RQ's worker log at one line per successful job (the line naming the job it starts).

    RQ logs "Successfully completed job ..." and "...: Job OK (...)" after every job as well: at
    50 jobs a second that is 150 lines a second saying the same thing. Only those two messages
    are dropped (matched by their format strings); failures, retries and the worker's own
    start, stop and maintenance lines stay, and the complaint timeline records every attempt.
    """

    COMPLETED = "Successfully completed job %s in %ss on worker %s"
    JOB_OK = "Worker %s: %s: %s (%s)"

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the two per-job success lines."""
        if record.msg == self.COMPLETED:
            return False
        return not (record.msg == self.JOB_OK and "Job OK" in str(record.args[2]))


class AppWorker(SimpleWorker):
    """An RQ worker that runs every job inside a new app context of one long-lived app.

    Jobs run in the worker process (no fork per job): cheaper per job, and the app, its
    connection pools and the WeasyPrint font configuration are built once.
    """

    flask_app = None
    #: Longest pause between reconnection attempts while Redis is away (RQ's default is 60 s).
    max_connection_wait_time = 5.0
    #: Delivery jobs keep no result (result_ttl=0): RQ's "result discarded" line is noise.
    log_result_lifespan = False
    #: Monotonic time until which the worker's Redis key is known to live (last heartbeat).
    _alive_until = 0.0

    def perform_job(self, job, queue, execution) -> bool:
        """Run the job in a fresh app context under its request id, then release its DB session."""
        from xgm.extensions import db

        token = bind((job.meta or {}).get("request_id") or f"job-{job.id}"[:64])
        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()
                unbind(token)

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        """RQ's heartbeat in one Redis round trip, and not again within HEARTBEAT_EVERY seconds.

        RQ sends its heartbeat (extend the worker's key: HSET + two EXPIREs) around every job:
        after it, before and after the dequeue, and inside the job's preparation. A heartbeat is
        skipped only when an earlier one already keeps the key alive at least `timeout` - 1 s
        from now (the key lives worker_ttl + 60 s, so nothing can expire meanwhile); the others
        send their three commands in one pipeline instead of three round trips.
        """
        timeout = timeout or self.worker_ttl + 60
        now = time.monotonic()
        if pipeline is not None:  # part of a pipeline RQ executes itself
            super().heartbeat(timeout, pipeline=pipeline)
            self._alive_until = max(self._alive_until, now + timeout)
            return
        if self._alive_until >= now + timeout - HEARTBEAT_EVERY:
            return
        with self.connection.pipeline(transaction=False) as beat:
            super().heartbeat(timeout, pipeline=beat)
            beat.execute()
        self._alive_until = now + timeout

    def set_state(self, state: str, pipeline=None) -> None:
        """Set the worker's state; an unchanged state is not written again (RQ sets idle twice)."""
        if pipeline is None and state == self._state:
            return
        super().set_state(state, pipeline=pipeline)

    def run_maintenance_tasks(self):
        """RQ's maintenance (which restarts a dead scheduler), then re-ensure the periodic jobs."""
        from xgm.queues.periodic import ensure_periodic_jobs

        super().run_maintenance_tasks()
        with self.flask_app.app_context():
            ensure_periodic_jobs()


def make_worker(app, queue_names=None) -> AppWorker:
    """Build a worker for the app on the given queues (all of the app's queues by default)."""
    with app.app_context():
        queues = [get_queue(name) for name in (queue_names or QUEUE_NAMES)]
        connection = get_redis()
    worker = AppWorker(
        queues,
        connection=connection,
        serializer=JSONSerializer,
        worker_ttl=app.config["XGM_WORKER_TTL"],
        maintenance_interval=app.config["XGM_WORKER_MAINTENANCE_INTERVAL"],
        # The start line names the job id (complaint and attempt), not the call's repr.
        log_job_description=False,
    )
    worker.flask_app = app
    if not any(isinstance(f, OneLinePerJob) for f in worker.log.filters):
        worker.log.addFilter(OneLinePerJob())
    return worker
