"""Company export (a ZIP of CSVs built by the worker) and account closure with its grace period."""

import csv
import io
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from tenants import Tenant, tenant_context, unscoped, utcnow
from tests.conftest import login
from tests.dashboard import data
from tests.factories import PASSWORD, create_user, make_site
from xgm.accounts.models import User
from xgm.audit.models import AuditEvent
from xgm.company.closure import delete_due_companies
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.ops.models import OperatorAction
from xgm.passes.models import Arrival
from xgm.queues.worker import make_worker


def _kinds(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_owner_exports_the_company_as_a_zip_of_csvs(app, client):
    """POST /settings/export queues a job; the worker writes one CSV per table, with progress;
    no rider name, phone or photo and no secret is in it; the download is audited."""
    site = make_site(app, client)
    with app.app_context():
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow(), name="李骑手")
    response = site.office.post("/settings/export")
    assert response.status_code == 303
    with app.app_context(), tenant_context(site.tenant_id):
        job = db.session.scalars(select(ExportJob)).one()
        assert (job.kind, job.status) == ("company", "queued")
        job_id = job.id
    worker = make_worker(app)
    worker.work(burst=True)  # the real RQ worker runs build_export
    with app.app_context(), tenant_context(site.tenant_id):
        job = db.session.get(ExportJob, job_id)
        assert job.status == "done" and job.rows_done == job.rows_total > 0
    page = site.office.client.get(f"/exports/{job_id}").get_data(as_text=True)
    assert "公司全部数据" in page
    download = site.office.client.get(f"/exports/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = set(archive.namelist())
    assert {"compounds.csv", "gates.csv", "arrivals.csv", "audit_log.csv", "users.csv"} <= names
    arrivals = list(csv.DictReader(io.StringIO(archive.read("arrivals.csv").decode("utf-8-sig"))))
    assert [a["rider_code"] for a in arrivals] == ["XGM330100000001"]
    everything = b"".join(archive.read(n) for n in names).decode("utf-8")
    for secret in ("李骑手", "13700001111", "argon2", "photos/1.jpg"):
        assert secret not in everything
    users = list(csv.DictReader(io.StringIO(archive.read("users.csv").decode("utf-8-sig"))))
    assert "password_hash" not in users[0]
    kinds = _kinds(app, site.tenant_id)
    assert "company.export_requested" in kinds and "company.export_downloaded" in kinds


def test_a_manager_cannot_export_or_close(app, client):
    """The company's data and its closure are the owner's."""
    site = make_site(app, client)
    with app.app_context():
        create_user(db.session.get(Tenant, site.tenant_id), "manager", email="m@x.example")
    manager = app.test_client()
    login(manager, "m@x.example", PASSWORD)
    assert manager.get("/settings/company").status_code in (302, 403, 404)


def test_closure_suspends_at_once_and_deletes_after_30_days(app, client):
    """Wrong password: nothing happens. Right one: suspended at once (sign-in refused), pending
    on /ops; 29 days later still there, 30 days later deleted; the operator log keeps counts."""
    site = make_site(app, client)
    with app.app_context():
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow())
    wrong = site.office.post("/settings/close", {"password": "not-my-password"})
    assert wrong.status_code == 400 and "密码不正确" in wrong.get_data(as_text=True)
    closed = site.office.post("/settings/close", {"password": PASSWORD})
    assert closed.status_code == 303
    with app.app_context():
        tenant = db.session.get(Tenant, site.tenant_id)
        assert tenant.status == "closing"
        assert tenant.delete_after - tenant.closing_at == timedelta(days=30)
        closed_at = tenant.closing_at
    assert "company.closed" in _kinds(app, site.tenant_id)
    again = app.test_client()
    assert "暂停使用" in login(again, "owner@example.com", PASSWORD).get_data(as_text=True)
    assert site.office.client.get("/compounds").status_code == 302  # the session ended
    with app.app_context():
        assert delete_due_companies(now=closed_at + timedelta(days=29)) == {}
        # The real clock past the deadline (the trigger on PostgreSQL reads the real one).
        db.session.get(Tenant, site.tenant_id).delete_after = utcnow() - timedelta(seconds=1)
        db.session.commit()
        done = delete_due_companies(now=utcnow())
        assert set(done) == {site.tenant_id} and done[site.tenant_id]["arrival"] == 1
        assert db.session.get(Tenant, site.tenant_id) is None
        with unscoped():
            assert db.session.scalar(select(func.count(Arrival.id))) == 0
            assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
            assert db.session.scalar(select(func.count(User.id))) == 0
        (logged,) = db.session.scalars(
            select(OperatorAction).where(OperatorAction.action == "tenant.deleted")
        ).all()
        assert (logged.tenant_id, logged.target) == (site.tenant_id, "")
        assert "王经理" not in logged.detail and "owner@" not in logged.detail


def test_operator_sees_the_pending_closure_and_cancels_it(app, client):
    """The operator console lists the company as 注销中 with its date, and can cancel."""
    from tests.conftest import CSRF_RE
    from tests.factories import create_operator, ops_login

    site = make_site(app, client)
    site.office.post("/settings/close", {"password": PASSWORD})
    with app.app_context():
        create_operator("root@xgm.example")
    operator = app.test_client()
    ops_login(operator, "root@xgm.example")
    listing = operator.get("/ops?status=closing").get_data(as_text=True)
    assert "注销中" in listing and "将于" in listing
    csrf = CSRF_RE.search(listing).group(1)
    response = operator.post(
        f"/ops/tenants/{site.tenant_id}/cancel-closure", data={"csrf_token": csrf}
    )
    assert response.status_code == 302
    with app.app_context():
        tenant = db.session.get(Tenant, site.tenant_id)
        assert (tenant.status, tenant.delete_after) == ("active", None)
        assert delete_due_companies(now=utcnow() + timedelta(days=60)) == {}
