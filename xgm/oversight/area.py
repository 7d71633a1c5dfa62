"""Which compounds an observer may see: every tenant's compounds in the observer's area."""

from sqlalchemy import select

from tenants import Tenant, unscoped
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.oversight.models import Observer


def area_column(level: str):
    """The Compound column an area level is matched against."""
    return {
        "district": Compound.district,
        "street": Compound.street,
        "community": Compound.community,
    }[level]


def area_compounds(observer: Observer) -> list[tuple[Compound, Tenant]]:
    """(compound, tenant) for each live compound of the observer's area, across all tenants."""
    with unscoped():  # observers read across tenants, strictly filtered by their area
        rows = db.session.execute(
            select(Compound, Tenant)
            .join(Tenant, Tenant.id == Compound.tenant_id)
            .where(area_column(observer.level) == observer.area, Compound.archived.is_(False))
            .order_by(Compound.community, Compound.name, Compound.id)
        ).all()
    return [(compound, tenant) for compound, tenant in rows]
