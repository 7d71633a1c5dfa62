"""Which compounds an observer may see: every tenant's compounds inside the observer's division.

Inside means by code (xgm.divisions): a compound's street or community code lies in the
observer's city, county, street or community. Names play no part, so two streets of the
same name in different counties never meet, and an observer not bound to a division sees
nothing.
"""

from sqlalchemy import select

from tenants import Tenant, unscoped
from xgm.compounds.models import Compound
from xgm.divisions.catalog import catalog, code_range
from xgm.extensions import db
from xgm.oversight.models import Observer


def area_compounds(observer: Observer) -> list[tuple[Compound, Tenant]]:
    """(compound, tenant) for each live compound of the observer's division, across tenants."""
    division = catalog().get(observer.division_code)
    if division is None:
        return []
    lowest, highest = code_range(division)
    with unscoped():  # observers read across tenants, strictly filtered by their division
        rows = db.session.execute(
            select(Compound, Tenant)
            .join(Tenant, Tenant.id == Compound.tenant_id)
            .where(
                Compound.division_code.between(lowest, highest),
                Compound.archived.is_(False),
            )
            .order_by(Compound.division_code, Compound.name, Compound.id)
        ).all()
    return [(compound, tenant) for compound, tenant in rows]


def bind_observer(observer: Observer, code: str) -> None:
    """Bind the observer to a division: its code, level and name from the city down."""
    divisions = catalog()
    division = divisions.get(code)
    if division is None:
        raise ValueError(f"unknown division {code!r}")
    observer.division_code = division.code
    observer.level = division.level
    observer.area = divisions.path(division.code, start="city")[:40]
