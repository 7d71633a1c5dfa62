"""The outbox sweep and the periodic schedule: lost or killed deliveries are recovered."""

import time
from datetime import timedelta

from tenants import tenant_context, utcnow
from tests.factories import file_direct, load, sim_complaints, update_outbox
from xgm.complaints.deadlines import OVERDUE_SWEEP
from xgm.complaints.delivery import claim
from xgm.complaints.jobs import POLL_QUIET, SWEEP, deliver_complaint, due_rows, sweep_outbox
from xgm.complaints.outbox import QUEUE, delivery_job_id
from xgm.queues import get_queue, get_redis
from xgm.queues.periodic import ensure_periodic_jobs, slot_job_id
from xgm.queues.worker import make_worker


def queued_ids(app) -> list[str]:
    """Job ids waiting on the complaints queue."""
    with app.app_context():
        return get_queue(QUEUE).get_job_ids()


def lose_queue(app) -> None:
    """What a Redis restart without persistence does: every job is gone."""
    with app.app_context():
        get_redis().flushdb()


def overdue(site, complaint_id: int, seconds: float = 60) -> None:
    """Make a complaint's next attempt overdue (it was due a while ago)."""
    update_outbox(site, complaint_id, due_at=utcnow() - timedelta(seconds=seconds))


def test_filing_enqueues_the_first_attempt(site):
    """Filing puts exactly one job on the complaints queue, its id derived from the complaint."""
    cid = file_direct(site)
    assert queued_ids(site.app) == [delivery_job_id(cid, 0)]


def test_sweep_reenqueues_a_lost_job(site, sim):
    """The queue lost the job: the sweep enqueues it again and it delivers."""
    cid = file_direct(site)
    lose_queue(site.app)
    overdue(site, cid)
    with site.app.app_context():
        assert sweep_outbox() == {
            "due": 1,
            "enqueued": 1,
            "reminders_due": 0,
            "reminders_enqueued": 0,
        }
    assert queued_ids(site.app) == [delivery_job_id(cid, 0)]
    with site.app.app_context():
        assert deliver_complaint(site.tenant_id, cid) == "received"
    assert len(sim_complaints(sim)) == 1


def test_sweep_waits_for_the_grace_period(site):
    """A row due only just now is left to its own job (no sweep duplicate)."""
    cid = file_direct(site)
    lose_queue(site.app)
    with site.app.app_context():
        assert sweep_outbox() == {
            "due": 0,
            "enqueued": 0,
            "reminders_due": 0,
            "reminders_enqueued": 0,
        }
    overdue(site, cid, seconds=11)  # XGM_COMPLAINT_SWEEP_GRACE is 10 s
    with site.app.app_context():
        assert sweep_outbox() == {
            "due": 1,
            "enqueued": 1,
            "reminders_due": 0,
            "reminders_enqueued": 0,
        }


def test_sweep_does_not_duplicate_a_job_still_queued(site):
    """A due row whose job still waits on the queue is not enqueued twice."""
    cid = file_direct(site)
    overdue(site, cid)
    with site.app.app_context():
        assert sweep_outbox() == {
            "due": 1,
            "enqueued": 0,
            "reminders_due": 0,
            "reminders_enqueued": 0,
        }
    assert queued_ids(site.app) == [delivery_job_id(cid, 0)]


def test_sweep_ignores_delivered_failed_held_and_future_rows(site):
    """Only undelivered rows that are due and not held by a job are swept."""
    delivered, failed, held, future = (
        file_direct(site, category=c) for c in ("unsafe_riding", "no_helmet", "littering", "other")
    )
    past = utcnow() - timedelta(minutes=5)
    update_outbox(site, delivered, due_at=None, delivered_at=past)
    update_outbox(site, failed, due_at=None)
    update_outbox(site, held, due_at=past, locked_until=utcnow() + timedelta(seconds=30))
    update_outbox(site, future, due_at=utcnow() + timedelta(minutes=5))
    with site.app.app_context():
        assert due_rows(utcnow(), 10) == []


def test_sweep_lists_every_tenant(site, app, new_client):
    """The sweep is system work: it finds due rows of all tenants."""
    from tests.factories import make_complaint_site

    other = make_complaint_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    mine, theirs = file_direct(site), file_direct(other)
    overdue(site, mine)
    overdue(other, theirs)
    with app.app_context():
        rows = due_rows(utcnow(), 10)
    assert sorted(rows) == sorted([(site.tenant_id, mine, 0), (other.tenant_id, theirs, 0)])


def test_killed_attempt_is_recovered_after_its_lease(site, sim):
    """A worker died after taking the row: once the lease ran out, the sweep and job finish it."""
    site.app.config["XGM_COMPLAINT_LEASE"] = 0.5
    cid = file_direct(site)
    lose_queue(site.app)
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert claim(cid, utcnow(), 0.5) is not None  # ...and then the worker was SIGKILLed
    overdue(site, cid)
    with site.app.app_context():
        assert due_rows(utcnow(), 10) == []  # still held
    time.sleep(0.6)
    with site.app.app_context():
        assert sweep_outbox() == {
            "due": 1,
            "enqueued": 1,
            "reminders_due": 0,
            "reminders_enqueued": 0,
        }
    assert queued_ids(site.app) == [delivery_job_id(cid, 1)]
    with site.app.app_context():
        assert deliver_complaint(site.tenant_id, cid) == "received"
    complaint, _row, events = load(site, cid)
    assert complaint.attempts == 2
    assert [e.kind for e in events] == ["filed", "recovered", "attempt", "status"]
    assert len(sim_complaints(sim)) == 1


def test_a_real_worker_delivers_from_the_queue(site, sim):
    """An RQ worker (JSON serializer, job by dotted path) runs the queued job to `received`."""
    cid = file_direct(site)
    worker = make_worker(site.app, ["complaints"])
    assert worker.work(burst=True) is True
    complaint, _row, _events = load(site, cid)
    assert complaint.status == "received"
    assert len(sim_complaints(sim)) == 1


def test_periodic_jobs_are_scheduled_once(app):
    """Ensuring the periodic jobs twice schedules the sweep, the poll and the overdue sweep once,
    in the next slot."""
    with app.app_context():
        now = time.time()
        first = ensure_periodic_jobs()
        second = ensure_periodic_jobs()
        registry = get_queue(QUEUE).scheduled_job_registry.get_job_ids()
    sweep_slot = int(now // app.config["XGM_COMPLAINT_SWEEP_INTERVAL"]) + 1
    poll_slot = int(now // app.config["XGM_COMPLAINT_POLL_INTERVAL"]) + 1
    overdue_slot = int(now // app.config["XGM_COMPLAINT_OVERDUE_INTERVAL"]) + 1
    ours = [
        slot_job_id(SWEEP, sweep_slot),
        slot_job_id(POLL_QUIET, poll_slot),
        slot_job_id(OVERDUE_SWEEP, overdue_slot),
    ]
    assert set(ours) <= set(first)
    assert second == []
    assert sorted(r for r in registry if "complaints-" in r) == sorted(ours)


def test_sweep_schedules_its_own_next_run(app):
    """A sweep run first schedules the next one, so a crash mid-sweep keeps the chain."""
    with app.app_context():
        sweep_outbox()
        registry = get_queue(QUEUE).scheduled_job_registry.get_job_ids()
    assert len(registry) == 1
    assert registry[0].startswith(slot_job_id(SWEEP, 0)[:-1])
