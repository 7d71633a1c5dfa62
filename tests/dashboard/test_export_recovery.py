"""Background exports survive losing Redis or a worker: the sweep re-enqueues, 失败 offers 重试."""

from datetime import date, timedelta

import pytest
from redis import Redis
from sqlalchemy import select, update

from tenants import Tenant, tenant_context, utcnow
from tests.conftest import REDIS_URL, csrf_token, login
from tests.dashboard import known
from tests.factories import PASSWORD, create_user
from xgm.exports.jobs import MAX_ATTEMPTS, SWEEP, sweep_exports
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.queues import get_queue
from xgm.queues.periodic import periodic_jobs
from xgm.queues.worker import make_worker

#: Nothing listens there: enqueuing fails at once, as when Redis is down.
DEAD_REDIS = "redis://127.0.0.1:1/0"
QUEUE_DOWN = "任务队列暂时不可用，恢复后将自动开始，无需重新导出。"


@pytest.fixture
def k(app):
    """The known data set (tenant A has 11 arrivals in the first week of May 2024)."""
    return known.build(app)


@pytest.fixture
def owner(app, k):
    """Tenant A's owner, signed in; exports above 5 rows run on the worker."""
    app.config["XGM_EXPORT_SYNC_MAX_ROWS"] = 5
    with app.app_context():
        create_user(db.session.get(Tenant, k.a), "owner", email="owner@example.com")
    client = app.test_client()
    assert login(client, "owner@example.com", PASSWORD).status_code == 302
    return client


def _request_export(owner) -> int:
    token = csrf_token(owner, "/exports/arrivals.csv?from=2024-05-01&to=2024-05-07")
    response = owner.post(
        "/exports/new",
        data={
            "kind": "arrivals",
            "first_day": "2024-05-01",
            "last_day": "2024-05-07",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _job(app, tenant_id: int) -> ExportJob:
    with app.app_context(), tenant_context(tenant_id):
        job = db.session.scalars(select(ExportJob)).one()
        db.session.expunge(job)
        return job


def _set(app, tenant_id: int, **values) -> None:
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(update(ExportJob).values(**values))
        db.session.commit()


def _sweep(app) -> dict:
    with app.app_context():
        return sweep_exports()


def _queued_ids(app) -> list[str]:
    with app.app_context():
        return get_queue("default").job_ids


def test_the_sweep_is_a_periodic_job(app):
    """exports-sweep runs on the default queue every XGM_EXPORT_SWEEP_INTERVAL (60 s)."""
    job = next(j for j in periodic_jobs() if j.name == SWEEP)
    assert (job.func, job.queue, job.interval_key) == (
        "xgm.exports.jobs.sweep_exports",
        "default",
        "XGM_EXPORT_SWEEP_INTERVAL",
    )
    assert app.config["XGM_EXPORT_SWEEP_INTERVAL"] == 60


def test_export_asked_for_while_redis_is_down_runs_once_it_is_back(app, owner, k):
    """Redis down at the POST: the export waits as 排队中 (saying why); the sweep enqueues it."""
    app.config["REDIS_URL"] = DEAD_REDIS
    export_id = _request_export(owner)
    app.config["REDIS_URL"] = REDIS_URL
    job = _job(app, k.a)
    assert (job.status, job.error) == ("queued", "queue_unavailable")
    page = owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert "排队中" in page and QUEUE_DOWN in page and "失败" not in page
    assert _queued_ids(app) == []
    _set(app, k.a, queued_at=utcnow() - timedelta(seconds=31))  # past the sweep's grace
    assert _sweep(app) == {"enqueued": 1, "failed": 0}
    assert f"xgm-export-{export_id}" in _queued_ids(app)
    assert _job(app, k.a).error == ""
    assert make_worker(app, ["default"]).work(burst=True) is True
    job = _job(app, k.a)
    assert (job.status, job.rows_done, job.attempts) == ("done", 11, 1)
    assert "下载 CSV" in owner.get(f"/exports/{export_id}").get_data(as_text=True)


def test_sweep_leaves_a_waiting_job_alone_and_re_enqueues_a_lost_one(app, owner, k):
    """A queued export with its job on the queue is not enqueued twice; after Redis lost the
    job (flushed), the sweep enqueues it again."""
    export_id = _request_export(owner)
    _set(app, k.a, queued_at=utcnow() - timedelta(minutes=5))
    assert _sweep(app) == {"enqueued": 0, "failed": 0}
    assert _queued_ids(app) == [f"xgm-export-{export_id}"]
    Redis.from_url(REDIS_URL).flushdb()
    assert _sweep(app) == {"enqueued": 1, "failed": 0}
    assert f"xgm-export-{export_id}" in _queued_ids(app)


def test_export_whose_worker_died_is_run_again_then_given_up(app, owner, k):
    """A running export whose job went silent is re-enqueued; after 3 lost runs it is 失败
    with the reason and a 重试 button."""
    export_id = _request_export(owner)
    Redis.from_url(REDIS_URL).flushdb()  # the worker took the job and was killed
    silent = utcnow() - timedelta(seconds=301)
    _set(app, k.a, status="running", attempts=1, heartbeat_at=silent)
    assert _sweep(app) == {"enqueued": 1, "failed": 0}
    assert _job(app, k.a).status == "queued"
    Redis.from_url(REDIS_URL).flushdb()
    _set(app, k.a, status="running", attempts=MAX_ATTEMPTS, heartbeat_at=silent)
    assert _sweep(app) == {"enqueued": 0, "failed": 1}
    job = _job(app, k.a)
    assert (job.status, job.error) == ("failed", "interrupted")
    page = owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert "失败" in page and "后台任务多次中断（已自动重试 3 次），请点击重试。" in page
    assert f'action="/exports/{export_id}/retry"' in page and "重试</button>" in page
    assert 'http-equiv="refresh"' not in page
    listing = owner.get("/exports").get_data(as_text=True)
    assert "后台任务多次中断" in listing and f'action="/exports/{export_id}/retry"' in listing


def test_running_export_with_a_fresh_heartbeat_is_left_alone(app, owner, k):
    """A running export that reported progress recently is alive: no second run."""
    _request_export(owner)
    Redis.from_url(REDIS_URL).flushdb()
    _set(app, k.a, status="running", attempts=1, heartbeat_at=utcnow() - timedelta(seconds=10))
    assert _sweep(app) == {"enqueued": 0, "failed": 0}
    assert _job(app, k.a).status == "running"


def test_retry_starts_a_failed_export_again(app, owner, k):
    """重试 on a failed export: queued again, enqueued, and the worker finishes it."""
    export_id = _request_export(owner)
    Redis.from_url(REDIS_URL).flushdb()
    _set(app, k.a, status="failed", error="interrupted", attempts=3)
    token = csrf_token(owner, f"/exports/{export_id}")
    response = owner.post(f"/exports/{export_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    job = _job(app, k.a)
    assert (job.status, job.error, job.attempts) == ("queued", "", 0)
    assert _queued_ids(app) == [f"xgm-export-{export_id}"]
    assert make_worker(app, ["default"]).work(burst=True) is True
    assert _job(app, k.a).status == "done"


def test_retry_needs_the_csrf_token(app, owner, k):
    """A POST without the token changes nothing."""
    export_id = _request_export(owner)
    _set(app, k.a, status="failed", error="internal")
    assert owner.post(f"/exports/{export_id}/retry").status_code == 400
    assert _job(app, k.a).status == "failed"


def test_a_job_that_raises_shows_failed_with_the_reason(app, owner, k):
    """A job that fails (here: an export of a kind the job cannot build) is 失败, with 重试."""
    with app.app_context(), tenant_context(k.a):
        db.session.add(
            ExportJob(kind="bogus", first_day=date(2024, 5, 1), last_day=date(2024, 5, 7))
        )
        db.session.commit()
        export_id = db.session.scalar(select(ExportJob.id))
    with app.app_context():
        from xgm.exports.jobs import enqueue_export

        with tenant_context(k.a):
            assert enqueue_export(db.session.get(ExportJob, export_id)) is True
    make_worker(app, ["default"]).work(burst=True)
    assert (_job(app, k.a).status, _job(app, k.a).error) == ("failed", "internal")
    page = owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert (
        "失败" in page
        and "生成文件时出错（已记录），请稍后重试。" in page
        and "重试</button>" in page
    )


def test_nothing_stays_queued_forever(app, owner, k):
    """Two hours after it was asked for and still not done (no worker, no Redis): 失败, with 重试.

    The page itself settles it, so this holds even when no sweep can run."""
    app.config["REDIS_URL"] = DEAD_REDIS
    export_id = _request_export(owner)
    _set(app, k.a, queued_at=utcnow() - timedelta(hours=2, seconds=1))
    page = owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert "失败" in page and "排队中" not in page
    assert "排队超过 2 小时仍未完成，后台任务可能暂时不可用，请稍后重试。" in page
    assert (_job(app, k.a).status, _job(app, k.a).error) == ("failed", "timeout")
    app.config["REDIS_URL"] = REDIS_URL
    assert _sweep(app) == {"enqueued": 0, "failed": 0}  # failed ones are left for 重试
