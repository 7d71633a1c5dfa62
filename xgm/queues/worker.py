"""The RQ worker class: each job runs in its own fresh app context (own DB session, no tenant)."""

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from xgm.queues import QUEUE_NAMES, get_queue, get_redis


class AppWorker(SimpleWorker):
    """An RQ worker that runs every job inside a new app context of one long-lived app.

    Jobs run in the worker process (no fork per job): cheaper per job, and the app, its
    connection pools and the WeasyPrint font configuration are built once.
    """

    flask_app = None
    #: Longest pause between reconnection attempts while Redis is away (RQ's default is 60 s).
    max_connection_wait_time = 5.0

    def perform_job(self, job, queue, execution) -> bool:
        """Run the job in a fresh app context, then release its DB session."""
        from xgm.extensions import db

        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()

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
    )
    worker.flask_app = app
    return worker
