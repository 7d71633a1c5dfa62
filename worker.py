"""RQ worker entry point: `python worker.py [queue ...]`, with the scheduler, on the app's queues.

Each job runs in its own app context and sets its tenant explicitly from its arguments.
Run more of these processes (same environment) to deliver more in parallel.
"""

import sys

from xgm import create_app
from xgm.queues.worker import make_worker


def main(argv: list[str]) -> int:
    """Build the app once and work the queues until stopped."""
    app = create_app()
    worker = make_worker(app, argv or None)
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
