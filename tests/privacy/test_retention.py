"""The retention job (PIPL): rider data older than the tenant's period goes, counts stay."""

from datetime import date, timedelta

from sqlalchemy import func, select, update

from tenants import Tenant, tenant_context, unscoped, utcnow
from tests.conftest import csrf_token, login
from tests.dashboard import data
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.complaints.models import Complaint
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.privacy.jobs import purge_rider_data, purge_tenant


def _world(app):
    """Tenant A (180 days) and B (30 days), each with arrivals 10, 45 and 200 days old."""
    with app.app_context():
        a, b = create_tenant("甲物业有限公司"), create_tenant("乙物业有限公司")
        db.session.execute(update(Tenant).where(Tenant.id == b.id).values(retention_days=30))
        db.session.commit()
        now = utcnow()
        for tenant in (a, b):
            c = data.compound(tenant.id, "一号院")
            g = data.gate(tenant.id, c)
            for days in (10, 45, 200):
                data.arrival(tenant.id, c, g, now - timedelta(days=days), rider_code=f"XGM{days}")
                data.complaint(tenant.id, c, now - timedelta(days=days), rider_code=f"XGM{days}")
        return a.id, b.id


def _arrivals(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(
            select(
                Arrival.rider_code, Arrival.rider_name, Arrival.rider_phone, Arrival.photo_url
            ).order_by(Arrival.created_at)
        ).all()
        return [tuple(r) for r in rows]


KEPT = ("李骑手", "13700001111", "http://city.test/photos/1.jpg")
GONE = ("", "", "")


def test_retention_blanks_old_rows_per_tenant_period(app):
    """180 days: only the 200-day-old row is blanked; 30 days: the 45- and 200-day-old rows."""
    a, b = _world(app)
    with app.app_context():
        result = purge_rider_data()
    assert result[a] == {
        "arrivals": 1,
        "complaints": 1,
        "photos": 0,
        "exports": 0,
        "audit_events": 0,
    }
    assert result[b] == {
        "arrivals": 2,
        "complaints": 2,
        "photos": 0,
        "exports": 0,
        "audit_events": 0,
    }
    assert _arrivals(app, a) == [("XGM200", *GONE), ("XGM45", *KEPT), ("XGM10", *KEPT)]
    assert _arrivals(app, b) == [("XGM200", *GONE), ("XGM45", *GONE), ("XGM10", *KEPT)]


def test_retention_keeps_counts_and_rider_codes(app):
    """Rows are kept (6 arrivals, 6 complaints): only names, phones and photos are blanked."""
    _world(app)
    with app.app_context():
        purge_rider_data()
        with unscoped():
            assert db.session.scalar(select(func.count()).select_from(Arrival)) == 6
            assert db.session.scalar(select(func.count()).select_from(Complaint)) == 6
            names = db.session.execute(
                select(Complaint.rider_code, Complaint.rider_name).order_by(Complaint.id)
            ).all()
    assert [tuple(n) for n in names] == [
        ("XGM10", "李骑手"),
        ("XGM45", "李骑手"),
        ("XGM200", ""),
        ("XGM10", "李骑手"),
        ("XGM45", ""),
        ("XGM200", ""),
    ]


def test_retention_job_is_idempotent(app):
    """A second run changes nothing."""
    a, b = _world(app)
    with app.app_context():
        purge_rider_data()
        again = purge_rider_data()
    nothing = {"arrivals": 0, "complaints": 0, "photos": 0, "exports": 0, "audit_events": 0}
    assert again == {a: nothing, b: again[b]}
    assert again[b] == nothing


def test_old_exports_are_deleted(app):
    """Finished CSV exports older than 7 days are deleted; newer ones stay."""
    a, _ = _world(app)
    with app.app_context(), tenant_context(a):
        for age in (8, 1):
            db.session.add(
                ExportJob(
                    kind="arrivals",
                    first_day=date(2024, 5, 1),
                    last_day=date(2024, 5, 2),
                    status="done",
                    created_at=utcnow() - timedelta(days=age),
                )
            )
        db.session.commit()
        assert purge_tenant(a, 180)["exports"] == 1
        assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 1


def test_the_retention_job_is_scheduled_daily(app):
    """The job is declared as a periodic job on the default queue, every 86,400 s."""
    from xgm.queues.periodic import periodic_jobs

    job = next(j for j in periodic_jobs() if j.name == "rider-data-retention")
    assert (job.func, job.queue, app.config[job.interval_key]) == (
        "xgm.privacy.jobs.purge_rider_data",
        "default",
        86400,
    )


def test_cli_runs_the_job(app):
    """`flask privacy purge` applies the retention periods and prints what changed."""
    a, b = _world(app)
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0
    assert (
        f"tenant {b}: {{'arrivals': 2, 'complaints': 2, 'photos': 0, 'exports': 0, 'audit_events': 0}}"
        in result.output
    )


def _owner(app, role="owner"):
    with app.app_context():
        tenant = create_tenant()
        create_user(tenant, role, email=f"{role}@example.com")
        tid = tenant.id
    client = app.test_client()
    assert login(client, f"{role}@example.com", PASSWORD).status_code == 302
    return client, tid


def test_owner_sets_the_retention_period(app):
    """The owner saves 90 days; the tenant's setting changes."""
    client, tid = _owner(app)
    token = csrf_token(client, "/privacy")
    response = client.post("/privacy", data={"retention_days": "90", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Tenant, tid).retention_days == 90


def test_retention_period_must_be_30_to_730(app):
    """29, 731 and text are refused with a Chinese reason; the setting stays 180."""
    client, tid = _owner(app)
    token = csrf_token(client, "/privacy")
    for value in ("29", "731", "abc"):
        response = client.post("/privacy", data={"retention_days": value, "csrf_token": token})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "保留天数应在 30 到 730 天之间" in text or "请填写保留天数" in text
    with app.app_context():
        assert db.session.get(Tenant, tid).retention_days == 180


def test_managers_cannot_change_the_retention_period(app):
    """The setting is the owner's: a manager gets 403."""
    client, _ = _owner(app, "manager")
    assert client.get("/privacy").status_code == 403
