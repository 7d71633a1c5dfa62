"""RQ worker entry point: `python worker.py [queue ...]`, with the scheduler, on the app's queues.

Each job runs in its own app context and sets its tenant explicitly from its arguments.
Run more of these processes (same environment) to deliver more in parallel. Periodic jobs
(the complaint outbox sweep, ...) are scheduled at start and re-checked on each maintenance tick.
"""

import os
import sys

from xgm import create_app
from xgm.queues.periodic import ensure_periodic_jobs
from xgm.queues.worker import make_worker


def main(argv: list[str]) -> int:
    """Build the app once and work the queues until stopped."""
    app = create_app()
    worker = make_worker(app, argv or None)
    with app.app_context():
        ensure_periodic_jobs()
    try:
        worker.work(with_scheduler=True)
    finally:
        if app.config["PROMETHEUS_MULTIPROC_DIR"]:  # its live gauges stop counting
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
