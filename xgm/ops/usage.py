"""Per-tenant usage counts for the operator's tenant list: one grouped query per kind of row."""

from datetime import timedelta

from sqlalchemy import func, select

from tenants import unscoped, utcnow
from xgm.complaints.models import Complaint
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.guards.models import Guard
from xgm.passes.models import Arrival

USAGE_KEYS = ("compounds", "gates", "guards", "arrivals_30d", "complaints")


def _counts(model, tenant_ids: list[int], *where) -> dict[int, int]:
    """{tenant_id: rows of model} for the given tenants (cross-tenant: operators only)."""
    stmt = (
        select(model.tenant_id, func.count())
        .where(model.tenant_id.in_(tenant_ids), *where)
        .group_by(model.tenant_id)
    )
    with unscoped():  # the operator console counts rows of every tenant on the page
        return dict(db.session.execute(stmt).all())


def _sources():
    """(key, model, extra where clauses) for each usage count."""
    since = utcnow() - timedelta(days=30)
    return [
        ("compounds", Compound, (Compound.archived.is_(False),)),
        ("gates", Gate, ()),
        ("guards", Guard, (Guard.active.is_(True),)),
        ("arrivals_30d", Arrival, (Arrival.created_at >= since,)),
        ("complaints", Complaint, ()),
    ]


def tenant_usage(tenant_ids: list[int]) -> dict[int, dict[str, int]]:
    """Usage counts per tenant; a kind whose feature is absent is None (shown as "-")."""
    usage: dict[int, dict[str, int | None]] = {tid: dict.fromkeys(USAGE_KEYS) for tid in tenant_ids}
    if not tenant_ids:
        return usage
    for key, model, where in _sources():
        counts = _counts(model, tenant_ids, *where)
        for tid in tenant_ids:
            usage[tid][key] = counts.get(tid, 0)
    return usage
