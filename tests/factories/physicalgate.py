"""Helpers of the physical-gate tests: a guard on duty, gate settings, agents, arrivals."""

from datetime import timedelta

from sqlalchemy import select, update

from tenants import tenant_context
from tests.factories.gateagents import paired_agent
from tests.factories.guards import create_gate
from tests.factories.passes import Duty as ConsoleDuty
from tests.factories.passes import arrivals
from xgm.audit.models import AuditEvent
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.gateagents.models import GateCommand
from xgm.passes.models import Arrival


class GateDuty(ConsoleDuty):
    """The console tests' guard on duty at 甲苑 东门, plus a second gate 北门 and helpers."""

    def __init__(self, app, new_client):
        super().__init__(app, new_client)
        with app.app_context():
            self.north_id = create_gate(self.site.tenant_id, self.site.home, "北门")

    @property
    def tenant_id(self) -> int:
        """The company's tenant id."""
        return self.site.tenant_id

    def agent(self, gate_id: int | None = None):
        """An agent paired with the gate (default 东门) through the real page and API."""
        return paired_agent(self.site, gate_id or self.site.gate_id)

    def set_gate(self, gate_id: int | None = None, **values) -> None:
        """Write gate columns directly (the settings page has its own tests)."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            db.session.execute(
                update(Gate).where(Gate.id == (gate_id or self.site.gate_id)).values(**values)
            )
            db.session.commit()
        from xgm.compounds.lookup import forget_gates

        with self.app.app_context():
            forget_gates()  # a raw UPDATE: retire the cached gate as an ORM commit would

    def set_compound(self, **values) -> None:
        """Write columns of 甲苑 directly."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            db.session.execute(
                update(Compound).where(Compound.id == self.site.home).values(**values)
            )
            db.session.commit()

    def arrivals(self) -> list[Arrival]:
        """The company's arrivals, oldest first (detached)."""
        return arrivals(self.app, self.tenant_id)

    def commands(self) -> list[GateCommand]:
        """The company's open commands, oldest first (detached)."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            rows = list(db.session.scalars(select(GateCommand).order_by(GateCommand.id)))
            db.session.expunge_all()
            return rows

    def audit_kinds(self) -> list[str]:
        """The company's audit event kinds, oldest first."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            return list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))

    def age_admission(self, arrival_id: int, minutes: float) -> None:
        """Move an arrival's scan and decision `minutes` into the past (a controlled clock)."""
        shift = timedelta(minutes=minutes)
        with self.app.app_context(), tenant_context(self.tenant_id):
            row = db.session.get(Arrival, arrival_id)
            row.created_at -= shift
            row.decided_at -= shift
            db.session.commit()
