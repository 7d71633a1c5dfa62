"""Helpers of the alert tests: a company with its owner signed in, hooks added by the form."""

from sqlalchemy import select

from tenants import tenant_context
from tests.conftest import csrf_token
from tests.factories.compounds import Office
from xgm.alerts.models import AlertDelivery
from xgm.extensions import db
from xgm.queues.worker import make_worker


def add_hook(company: Office, kind: str, url: str, events, secret: str = ""):
    """POST /settings/alerts/new as the contract names it; returns the response."""
    data = {
        "kind": kind,
        "url": url,
        "secret": secret,
        "events": list(events),
        "csrf_token": csrf_token(company.client, "/settings/alerts"),
    }
    return company.client.post("/settings/alerts/new", data=data)


def run_worker(app) -> None:
    """Run the default queue until it is empty (retries with delay 0 included)."""
    make_worker(app, ["default"]).work(burst=True)


def deliveries(company: Office) -> list[AlertDelivery]:
    """The company's deliveries, oldest first."""
    with company.app.app_context(), tenant_context(company.tenant_id):
        rows = db.session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)).all()
        db.session.expunge_all()
        return rows
