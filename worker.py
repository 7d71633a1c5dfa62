"""RQ worker entry point: `python worker.py [queue ...]`, with the scheduler, on the app's queues.

Jobs run inside an app context; each job sets its tenant explicitly from its arguments.
"""

import sys

from rq import Worker
from rq.serializers import JSONSerializer

from xgm import create_app
from xgm.queues import QUEUE_NAMES, get_queue, get_redis


def main(argv: list[str]) -> int:
    """Build the app once and work the queues until stopped."""
    app = create_app()
    names = argv or list(QUEUE_NAMES)
    with app.app_context():
        queues = [get_queue(name) for name in names]
        worker = Worker(queues, connection=get_redis(), serializer=JSONSerializer)
        worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
