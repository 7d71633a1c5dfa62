"""gunicorn settings: gevent workers, so each process holds many open guard streams (SSE)."""

import multiprocessing
import os


def _from_environment() -> dict:
    """This file's settings from the environment, with their defaults (its one reader).

    Prometheus multiprocess mode: every worker writes its samples to files in one directory
    and /metrics adds them up. Set before the app is imported (workers inherit it). Share the
    same directory with the RQ workers on this host (PROMETHEUS_MULTIPROC_DIR in the
    environment file) and /metrics shows their city calls too; without it a private one is
    made here.
    """
    env = os.environ
    metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR")
    if not metrics_dir:
        import tempfile

        metrics_dir = tempfile.mkdtemp(prefix="xgm-metrics-")
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    return {
        "worker_class": env.get("XGM_WORKER_CLASS", "gevent"),
        "workers": int(env.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count()))),
        "worker_connections": int(env.get("XGM_WORKER_CONNECTIONS", "1000")),
        "accesslog": env.get("XGM_ACCESS_LOG") or None,
        "metrics_dir": metrics_dir,
    }


_settings = _from_environment()
worker_class = _settings["worker_class"]
workers = _settings["workers"]
worker_connections = _settings["worker_connections"]
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = _settings["accesslog"]
metrics_dir = _settings["metrics_dir"]
os.makedirs(metrics_dir, exist_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server):
    """Drop the sample files of processes that no longer run (a previous gunicorn's)."""
    import glob
    import re

    for path in glob.glob(os.path.join(metrics_dir, "*.db")):
        match = re.search(r"_(\d+)\.db$", path)
        if match and not _pid_alive(int(match.group(1))):
            os.remove(path)


def child_exit(server, worker):
    """A worker ended: its live gauges (open guard streams) no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
