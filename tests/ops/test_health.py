"""System health: queue lengths, failed jobs with requeue, the city link, the outbox backlog."""

import re
from datetime import timedelta

import pytest
from rq import SimpleWorker

from tenants import tenant_context, utcnow
from tests.conftest import csrf_token
from tests.dashboard import data
from tests.factories import create_tenant, signed_in_operator
from xgm.citysim.process import SimProcess, free_port
from xgm.complaints.models import ComplaintOutbox
from xgm.extensions import db
from xgm.queues import get_queue, get_redis

MISSING_JOB = "xgm.ops.no_such_module.job"


def _queue_row(html: str, name: str) -> list[str]:
    row = re.search(rf"<td><strong>{name}</strong></td>(.*?)</tr>", html, re.S).group(1)
    return re.findall(r"<td>(?:<span[^>]*>)?(\d+)", row)


@pytest.fixture
def operator(app, client):
    """A signed-in operator's browser; the city link points at a port nobody listens on."""
    app.config["XGM_CITY_URL"] = f"http://127.0.0.1:{free_port()}"
    signed_in_operator(app, client)
    return client


def test_queue_lengths(app, operator):
    """Two jobs waiting on default, one on complaints: the table says 2 and 1."""
    with app.app_context():
        for _ in range(2):
            get_queue("default").enqueue(MISSING_JOB)
        get_queue("complaints").enqueue(MISSING_JOB)
    html = operator.get("/ops/health").get_data(as_text=True)
    # queued, started, scheduled, deferred, failed
    assert _queue_row(html, "default") == ["2", "0", "0", "0", "0"]
    assert _queue_row(html, "complaints") == ["1", "0", "0", "0", "0"]
    assert _queue_row(html, "printables") == ["0", "0", "0", "0", "0"]


def test_failed_job_is_listed_and_requeued(app, operator):
    """A failed job shows with its error; 重新排队 puts it back on its queue."""
    with app.app_context():
        job = get_queue("default").enqueue(MISSING_JOB)
        worker = SimpleWorker(
            [get_queue("default")], connection=get_redis(), serializer=get_queue().serializer
        )
        worker.work(burst=True)
        assert get_queue("default").failed_job_registry.count == 1
    html = operator.get("/ops/health").get_data(as_text=True)
    assert MISSING_JOB in html and job.id in html
    assert _queue_row(html, "default") == ["0", "0", "0", "0", "1"]
    token = csrf_token(operator, "/ops/health")
    response = operator.post(
        f"/ops/health/failed/default/{job.id}/requeue", data={"csrf_token": token}
    )
    assert response.status_code == 302
    with app.app_context():
        assert get_queue("default").job_ids == [job.id]
        assert get_queue("default").failed_job_registry.count == 0
    again = operator.post(
        f"/ops/health/failed/default/{job.id}/requeue", data={"csrf_token": token}
    )
    assert again.status_code == 302
    assert "该任务已不在失败列表中" in operator.get("/ops/health").get_data(as_text=True)


def test_requeue_of_an_unknown_queue_is_refused(app, operator):
    """A queue name that is not ours is not touched."""
    token = csrf_token(operator, "/ops/health")
    operator.post("/ops/health/failed/evil/abc/requeue", data={"csrf_token": token})
    assert "该任务已不在失败列表中" in operator.get("/ops/health").get_data(as_text=True)


def test_city_link_down(app, operator):
    """Nobody listens at the city URL: 无法连接."""
    html = operator.get("/ops/health").get_data(as_text=True)
    assert "无法连接" in html


def test_city_link_up_with_the_simulator(app, operator, tmp_path):
    """A real simulator answers the signed probe: 正常; the result is kept for 30 s."""
    with SimProcess(
        client_id=app.config["XGM_CITY_CLIENT_ID"],
        secret=app.config["XGM_CITY_SECRET"],
        log_path=tmp_path / "citysim.log",
    ) as sim:
        app.config["XGM_CITY_URL"] = sim.url
        html = operator.get("/ops/health", query_string={"refresh": "1"}).get_data(as_text=True)
        assert '<span class="tag ok">正常</span>' in html
        app.config["XGM_CITY_URL"] = f"http://127.0.0.1:{free_port()}"
        cached = operator.get("/ops/health").get_data(as_text=True)
        assert '<span class="tag ok">正常</span>' in cached


def test_city_link_with_a_wrong_secret(app, operator, tmp_path):
    """The simulator refuses our signature: 签名被拒绝."""
    with SimProcess(
        client_id=app.config["XGM_CITY_CLIENT_ID"],
        secret="another-secret",
        log_path=tmp_path / "citysim.log",
    ) as sim:
        app.config["XGM_CITY_URL"] = sim.url
        html = operator.get("/ops/health", query_string={"refresh": "1"}).get_data(as_text=True)
    assert "签名被拒绝" in html


def test_outbox_backlog_counts_undelivered_rows_of_every_tenant(app, operator):
    """Two due rows (two tenants) and one delivered row: 2 waiting."""
    with app.app_context():
        now = utcnow()
        for tenant_id, delivered in ((create_tenant().id, False), (create_tenant().id, True)):
            c = data.compound(tenant_id, "一号院")
            for i in range(2 if not delivered else 1):
                complaint_id = data.complaint(tenant_id, c, now - timedelta(hours=i + 1))
                with tenant_context(tenant_id):
                    db.session.add(
                        ComplaintOutbox(
                            complaint_id=complaint_id,
                            due_at=None if delivered else now,
                            delivered_at=now if delivered else None,
                            give_up_at=now + timedelta(days=1),
                        )
                    )
                    db.session.commit()
    html = operator.get("/ops/health").get_data(as_text=True)
    assert re.search(r'<strong class="figure">2</strong>', html)


def test_scan_side_city_failure_is_shown(app, operator):
    """When the scan side recorded a failed city call, the page says so."""
    from xgm.riders.link import record_failure

    with app.app_context():
        record_failure("timeout")
    html = operator.get("/ops/health").get_data(as_text=True)
    assert "扫码端：最近一次调用城市平台失败" in html
