"""The RQ worker around delivery jobs: one log line per job, heartbeats not repeated needlessly."""

import logging
import time

from tests.factories import file_direct, load, sim_complaints
from xgm.complaints.outbox import delivery_job_id
from xgm.queues.worker import make_worker


def test_worker_logs_one_line_per_delivered_job(site, sim, caplog):
    """A delivered job leaves one worker log line, naming its job id, and no success chatter."""
    cid = file_direct(site)
    worker = make_worker(site.app, ["complaints"])
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        assert worker.work(burst=True) is True
    job_id = delivery_job_id(cid, 0)
    lines = [r.getMessage() for r in caplog.records if job_id in r.getMessage()]
    assert lines == [f"Worker {worker.name}: complaints: {job_id}"]
    assert not any("Job OK" in r.getMessage() for r in caplog.records)
    assert load(site, cid)[0].status == "received"
    assert len(sim_complaints(sim)) == 1


def test_heartbeat_is_not_repeated_within_a_second(app):
    """Back-to-back heartbeats write the worker's key once; a second later it is written again."""
    worker = make_worker(app, ["complaints"])
    redis = worker.connection
    worker.register_birth()
    try:
        worker.heartbeat()
        first = redis.hget(worker.key, "last_heartbeat")
        assert 0 < redis.ttl(worker.key) <= app.config["XGM_WORKER_TTL"] + 60
        worker.heartbeat()
        assert redis.hget(worker.key, "last_heartbeat") == first
        time.sleep(1.1)
        worker.heartbeat()
        assert redis.hget(worker.key, "last_heartbeat") != first
    finally:
        worker.register_death()
