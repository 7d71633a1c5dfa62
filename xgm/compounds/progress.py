"""Onboarding progress of the current tenant: has it registered compounds, gates, printed posters."""

from sqlalchemy import func, select

from xgm.compounds.models import Compound, Gate
from xgm.extensions import db


def has_compound() -> bool:
    """True once the tenant has registered a compound."""
    return bool(db.session.scalar(select(func.count(Compound.id))))


def has_gate() -> bool:
    """True once the tenant has added a gate to a compound."""
    return bool(db.session.scalar(select(func.count(Gate.id))))


def has_printed_poster() -> bool:
    """True once a poster of any of the tenant's gates was rendered for printing."""
    return bool(db.session.scalar(select(func.count(Gate.id)).where(Gate.printed_at.is_not(None))))
