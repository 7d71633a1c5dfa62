"""Onboarding progress of the current tenant: has it registered compounds, gates, printed posters."""

from sqlalchemy import func, select

from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.home.notices import Notice


def has_compound() -> bool:
    """True once the tenant has registered a compound."""
    return bool(db.session.scalar(select(func.count(Compound.id))))


def has_gate() -> bool:
    """True once the tenant has added a gate to a compound."""
    return bool(db.session.scalar(select(func.count(Gate.id))))


def has_printed_poster() -> bool:
    """True once a poster of any of the tenant's gates was rendered for printing."""
    return bool(db.session.scalar(select(func.count(Gate.id)).where(Gate.printed_at.is_not(None))))


#: Compounds named in the home page notice before "…".
UNPLACED_SHOWN = 20


def unplaced_notices() -> list:
    """The home page notice listing the live compounds that have no division yet: officials
    cannot see them until the manager picks their street or community."""
    from flask import url_for
    from flask_babel import gettext as _

    rows = db.session.execute(
        select(Compound.id, Compound.name)
        .where(Compound.division_code == "", Compound.archived.is_(False))
        .order_by(Compound.name)
        .limit(UNPLACED_SHOWN + 1)
    ).all()
    if not rows:
        return []
    links = [
        (_("为“%(name)s”选择街道和社区", name=name), url_for("compounds.edit", compound_id=cid))
        for cid, name in rows[:UNPLACED_SHOWN]
    ]
    if len(rows) > UNPLACED_SHOWN:
        links.append((_("查看全部小区…"), url_for("compounds.index")))
    text = _(
        "以下小区还没有选择所在的街道和社区，社区、街道的工作人员看不到它们。请逐个编辑并从列表中选择："
    )
    return [Notice(text=text, links=links)]
