"""The multi-tenancy layer: Tenant, current_tenant and the scoping walls.

Knows nothing about compounds, guards or riders. See architecture.md, "Tenancy: three walls".
"""

from flask import abort, g
from sqlalchemy import select
from werkzeug.local import LocalProxy

from tenants.door import (
    TenantConnection,
    UntenantedStatement,
    check_every_statement,
    tenant_connection,
)
from tenants.models import Tenant, utcnow
from tenants.scoping import (
    CrossTenantWrite,
    TenantRequired,
    TenantScoped,
    begin_request_scope,
    current_tenant_id,
    end_request_scope,
    in_unscoped,
    set_request_tenant,
    tenant_context,
    unscoped,
)
from tenants.uscc import is_valid_uscc, normalise_uscc, uscc_error


def _load_current_tenant() -> Tenant | None:
    from xgm.extensions import db

    tenant_id = current_tenant_id()
    if tenant_id is None:
        return None
    cached = g.get("_xgm_tenant")
    if cached is not None and cached.id == tenant_id:
        return cached
    tenant = db.session.get(Tenant, tenant_id)
    g._xgm_tenant = tenant
    return tenant


#: The Tenant the current request or job acts for (None when there is none).
current_tenant = LocalProxy(_load_current_tenant)


def get_or_404(model, ident):
    """Load a tenant-owned object by id for the current tenant; another tenant's is a 404."""
    from xgm.extensions import db

    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.scalars(select(model).where(model.id == ident)).first()
    if obj is None:
        abort(404)
    return obj


__all__ = [
    "CrossTenantWrite",
    "Tenant",
    "TenantConnection",
    "TenantRequired",
    "TenantScoped",
    "UntenantedStatement",
    "begin_request_scope",
    "check_every_statement",
    "current_tenant",
    "current_tenant_id",
    "end_request_scope",
    "get_or_404",
    "in_unscoped",
    "is_valid_uscc",
    "normalise_uscc",
    "set_request_tenant",
    "tenant_connection",
    "tenant_context",
    "unscoped",
    "uscc_error",
    "utcnow",
]
