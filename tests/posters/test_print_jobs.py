"""Whole-tenant print runs: a real RQ worker renders every active gate; the page tracks it."""

import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from tests.factories import token_of
from tests.posters.pdf import page_count, qr_codes
from xgm.extensions import db
from xgm.posters.jobs import chunks, output_path, print_tenant_posters
from xgm.posters.models import PrintJob
from xgm.queues import get_queue, get_redis

NO_WORKER = "打印服务未运行"


def _gates(office):
    """Two live compounds with three active gates, one inactive gate, one archived compound."""
    first = office.add_compound("富春江畔花园")
    second = office.add_compound("迎春南苑")
    archived = office.add_compound("老小区", archived=True)
    active = [
        office.add_gate(first, "东门"),
        office.add_gate(first, "北门"),
        office.add_gate(second, "南门"),
    ]
    office.add_gate(first, "西门", active=False)
    office.add_gate(archived, "旧门")
    return active


@contextmanager
def listening_worker(app):
    """An RQ worker registered on the printables queue (as `python worker.py` would be)."""
    with app.app_context():
        worker = SimpleWorker(
            [get_queue("printables")], connection=get_redis(), serializer=JSONSerializer
        )
        worker.register_birth()
    try:
        yield
    finally:
        with app.app_context():
            worker.register_death()


def run_worker(app) -> None:
    """Work the printables queue until it is empty, in this process (RQ burst mode)."""
    with app.app_context():
        worker = SimpleWorker(
            [get_queue("printables")], connection=get_redis(), serializer=JSONSerializer
        )
        assert worker.work(burst=True) is True


def _start(office, size="A4") -> int:
    response = office.post("/posters/jobs", {"size": size})
    assert response.status_code == 302
    match = re.fullmatch(r"/posters/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _job(office, job_id) -> PrintJob:
    with office.tenant():
        job = db.session.scalars(select(PrintJob).where(PrintJob.id == job_id)).one()
        db.session.expunge(job)
        return job


def test_print_run_on_a_real_worker(app, office):
    """The worker renders every active gate: done == total == 3, and the PDF has 3 pages."""
    gate_ids = _gates(office)
    with listening_worker(app):
        job_id = _start(office)
        queued = office.client.get(f"/posters/jobs/{job_id}.json").get_json()
        assert (queued["status"], queued["finished"]) == ("queued", False)
        run_worker(app)
    job = _job(office, job_id)
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    state = office.client.get(f"/posters/jobs/{job_id}.json").get_json()
    assert state["status"] == "done"
    assert (state["done"], state["total"], state["percent"]) == (3, 3, 100)
    assert state["download_url"] == f"/posters/jobs/{job_id}/download"
    download = office.client.get(state["download_url"])
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.data.startswith(b"%PDF")
    assert page_count(download.data) == 3
    urls = {f"http://xgm.test/g/{token_of(app, g)}" for g in gate_ids}
    assert set(qr_codes(download.data, dpi=72)) == urls


def test_print_run_writes_under_the_tenants_prints_dir(app, office):
    """The finished PDF lives under <prints>/<tenant_id>/ and marks the gates printed."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office, "A3")
        run_worker(app)
    job = _job(office, job_id)
    with app.app_context():
        path = output_path(office.tenant_id, job)
    assert path.parent.name == str(office.tenant_id)
    assert path.parent.parent == Path(app.config["XGM_PRINTS_DIR"])
    assert path.is_file()
    printed = sorted(g.name for g in office.gates() if g.printed_at is not None)
    assert printed == ["东门", "北门", "南门"]


def test_download_is_an_attachment_with_the_company_name(app, office):
    """The run's PDF downloads as an attachment named after the company."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office)
        run_worker(app)
    disposition = office.client.get(f"/posters/jobs/{job_id}/download").headers[
        "Content-Disposition"
    ]
    assert disposition.startswith(f'attachment; filename="posters-{job_id}-A4.pdf"; ')
    assert quote("桐庐安居物业服务有限公司-全部门岗二维码-A4-", safe="") in disposition


def test_running_the_job_twice_is_harmless(app, office):
    """A second run of a finished job leaves the same PDF and the same counts."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office)
        run_worker(app)
    job = _job(office, job_id)
    with app.app_context():
        path = output_path(office.tenant_id, job)
        first = path.read_bytes()
        result = print_tenant_posters(office.tenant_id, job_id)
    assert result == {"status": "done", "done": 3, "total": 3}
    assert path.read_bytes() == first
    again = _job(office, job_id)
    assert (again.status, again.done, again.total) == ("done", 3, 3)


def test_a_lost_pdf_is_made_again(app, office):
    """Re-running a job whose PDF went missing renders it again."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office)
        run_worker(app)
    with app.app_context():
        path = output_path(office.tenant_id, _job(office, job_id))
        path.unlink()
        print_tenant_posters(office.tenant_id, job_id)
    assert page_count(path.read_bytes()) == 3


def test_progress_page_shows_done_of_total_and_polls(app, office):
    """The progress page shows done / total, a progress bar and the static polling script."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office)
        html = office.client.get(f"/posters/jobs/{job_id}").get_data(as_text=True)
    assert '<span id="print-done">0</span> / <span id="print-total">0</span>' in html
    assert f'data-status-url="/posters/jobs/{job_id}.json"' in html
    assert '<progress class="print-progress"' in html
    assert '<script src="/static/js/print-progress.js"></script>' in html
    assert "<script>" not in html


def test_no_worker_is_said_clearly_and_nothing_is_queued(office):
    """With no worker on the printables queue the page says so and the start is refused."""
    _gates(office)
    page = office.client.get("/posters")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert NO_WORKER in html
    assert 'action="/posters/jobs"' not in html
    response = office.post("/posters/jobs", {"size": "A4"})
    assert response.status_code == 503
    assert NO_WORKER in response.get_data(as_text=True)
    assert office.count(PrintJob) == 0


def test_worker_listening_offers_the_start_button(app, office):
    """With a worker registered the page offers the start form and no warning."""
    _gates(office)
    with listening_worker(app):
        html = office.client.get("/posters").get_data(as_text=True)
    assert 'action="/posters/jobs"' in html
    assert NO_WORKER not in html


def test_redis_down_is_a_clear_message(app, office):
    """With Redis unreachable the page explains it and the start answers 503, not 500."""
    _gates(office)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    html = office.client.get("/posters").get_data(as_text=True)
    assert "无法连接任务队列" in html
    response = office.post("/posters/jobs", {"size": "A4"})
    assert response.status_code == 503
    assert "无法连接任务队列" in response.get_data(as_text=True)
    assert office.count(PrintJob) == 0


def test_nothing_to_print_is_refused(app, office):
    """A tenant without active gates cannot start a run (409 with the reason)."""
    office.add_compound()
    with listening_worker(app):
        response = office.post("/posters/jobs", {"size": "A4"})
    assert response.status_code == 409
    assert "没有可打印的门岗" in response.get_data(as_text=True)
    assert office.count(PrintJob) == 0


def test_bad_size_is_refused(app, office):
    """A size other than A4/A3 is a 400."""
    _gates(office)
    with listening_worker(app):
        response = office.post("/posters/jobs", {"size": "B5"})
    assert response.status_code == 400
    assert office.count(PrintJob) == 0


def test_second_start_goes_to_the_run_in_progress(app, office):
    """Starting while a run is queued leads to that run instead of a second one."""
    _gates(office)
    with listening_worker(app):
        first = _start(office)
        assert _start(office) == first
    assert office.count(PrintJob) == 1


def test_download_before_done_is_409(app, office):
    """The download of an unfinished run is refused with a reason."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office)
        response = office.client.get(f"/posters/jobs/{job_id}/download")
    assert response.status_code == 409
    assert "还没有完成" in response.get_data(as_text=True)


def test_a_run_lost_by_the_queue_is_reported_failed(app, office):
    """A queued run whose RQ job vanished (Redis flushed) shows as failed, with advice."""
    _gates(office)
    with listening_worker(app):
        job_id = _start(office)
    with app.app_context():
        get_queue("printables").empty()
        get_redis().delete(f"rq:job:xgm-print-{office.tenant_id}-{job_id}")
    state = office.client.get(f"/posters/jobs/{job_id}.json").get_json()
    assert (state["status"], state["finished"]) == ("failed", True)
    assert "请重新开始" in state["message"]


def test_another_tenants_run_is_404(app, office, rival):
    """Another tenant's run, its JSON and its download are 404."""
    _gates(rival)
    with listening_worker(app):
        job_id = _start(rival)
    for path in (f"/posters/jobs/{job_id}", f"/posters/jobs/{job_id}.json"):
        assert office.client.get(path).status_code == 404
    assert office.client.get(f"/posters/jobs/{job_id}/download").status_code == 404


def test_progress_comes_in_about_twenty_steps():
    """Runs are rendered in chunks of 5 to 50 posters, about 20 of them for big tenants."""
    assert [len(c) for c in chunks(list(range(3)))] == [3]
    assert [len(c) for c in chunks(list(range(12)))] == [5, 5, 2]
    assert [len(c) for c in chunks(list(range(100)))] == [5] * 20
    assert [len(c) for c in chunks(list(range(1000)))] == [50] * 20
    assert sum(len(c) for c in chunks(list(range(2001)))) == 2001


def test_a_twelve_gate_run_renders_in_chunks_to_the_end(app, office):
    """Twelve gates are rendered in chunks of 5, 5 and 2 and end at done == total == 12."""
    compound_id = office.add_compound()
    for n in range(12):
        office.add_gate(compound_id, f"{n + 1} 号门")
    with listening_worker(app):
        job_id = _start(office)
        run_worker(app)
    job = _job(office, job_id)
    assert (job.status, job.done, job.total) == ("done", 12, 12)
    with app.app_context():
        assert page_count(output_path(office.tenant_id, job).read_bytes()) == 12
