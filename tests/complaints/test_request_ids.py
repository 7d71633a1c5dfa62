"""The request id of a filing travels with its delivery job to the city (X-Request-ID)."""

from rq.job import Job

from tests.factories import ACTIVE_RIDER, local, sim_complaints
from xgm.queues import get_queue
from xgm.queues.worker import make_worker


def test_filing_request_id_reaches_the_job_and_the_city(site, sim):
    """Filed with X-Request-ID: the job's meta holds it, and the city's request carried it."""
    response = site.client.post(
        "/complaints/new",
        data={
            "csrf_token": site.csrf,
            "rider_code": ACTIVE_RIDER,
            "compound_id": site.compound_id,
            "gate_id": site.gate_id,
            "category": "unsafe_riding",
            "description": "逆行超速，带着请求编号",
            "occurred_at": local(),
        },
        headers={"X-Request-ID": "trace-filing-0001"},
    )
    assert response.status_code == 302
    assert response.headers["X-Request-ID"] == "trace-filing-0001"
    with site.app.app_context():
        queue = get_queue("complaints")
        [job_id] = queue.job_ids
        job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        assert job.meta["request_id"] == "trace-filing-0001"
    assert make_worker(site.app, ["complaints"]).work(burst=True) is True
    [held] = sim_complaints(sim)
    assert held["request_id"] == "trace-filing-0001"
