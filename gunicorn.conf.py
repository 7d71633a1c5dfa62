"""gunicorn settings: gevent workers, so each process holds many open guard streams (SSE)."""

import multiprocessing
import os

worker_class = os.environ.get("XGM_WORKER_CLASS", "gevent")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_connections = int(os.environ.get("XGM_WORKER_CONNECTIONS", "1000"))
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("XGM_ACCESS_LOG") or None
