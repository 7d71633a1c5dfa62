"""Where a compound lies: the division the form names (a code, or today's free text).

The form sends `division_code` (a street or community, from the cascading selects) and,
under a chosen street, optionally a community the data lacks (`community`, kept as typed and
marked unverified). Old clients send only the `district` / `street` / `community` text:
accepted when it names exactly one place, else a form error asking to pick from the list.
The compound's text columns are then derived from the division: they are what pages show and
what the city receives with a complaint.
"""

from __future__ import annotations

from flask_babel import gettext as _

from xgm.compounds.models import Compound
from xgm.divisions.catalog import Catalog, Division, catalog
from xgm.divisions.resolve import (
    Placement,
    Unresolved,
    area_names,
    community_under,
    place,
)

#: Levels a compound may be placed at.
PLACE_LEVELS = ("street", "community")
#: Candidates named in a "several" error before "…".
CANDIDATES_SHOWN = 6


def _where(divisions: Catalog, division: Division) -> str:
    """The place above a division, for telling candidates apart ("杭州市桐庐县")."""
    return "".join(d.name for d in divisions.ancestors(division.code) if d.depth >= 1)


def _candidates(divisions: Catalog, found) -> str:
    names = [_where(divisions, d) + d.name for d in found[:CANDIDATES_SHOWN]]
    return "、".join(names) + ("…" if len(found) > CANDIDATES_SHOWN else "")


def _message(divisions: Catalog, problem: Unresolved) -> str:
    if problem.kind == "missing":
        return _("请填写镇街道，或从列表中选择所在的街道和社区")
    if problem.kind == "several":
        return _(
            "有 %(n)d 个“%(name)s”：%(places)s。请从列表中选择（或填写区县、街道来区分）",
            n=len(problem.candidates),
            name=problem.text,
            places=_candidates(divisions, problem.candidates),
        )
    if problem.field == "district":
        return _("没有找到区县“%(name)s”，请从列表中选择", name=problem.text)
    if problem.field == "street":
        return _("没有找到镇街道“%(name)s”，请从列表中选择", name=problem.text)
    return _("没有找到社区“%(name)s”，请先选择所在的镇街道", name=problem.text)


def placement_from_form(form) -> Placement | None | bool:
    """The form's placement; None when it names no place at all; False after adding the
    form error that says why it names none (the form is shown again)."""
    divisions = catalog()
    code = (form.division_code.data or "").strip()
    typed = form.community.data or ""
    if code:
        division = divisions.get(code)
        if division is None:
            form.division_code.errors.append(_("请从列表中选择所在的街道或社区"))
            return False
        if division.level not in PLACE_LEVELS:
            form.division_code.errors.append(_("请选择到镇街道或社区（村）"))
            return False
        if division.level == "street" and typed.strip():
            community = community_under(divisions, division, typed)
            return Placement(community) if community else Placement(division, typed.strip())
        return Placement(division)
    found = place(divisions, form.district.data, form.street.data, typed)
    if isinstance(found, Unresolved):
        getattr(form, found.field).errors.append(_message(divisions, found))
        return False
    return found


def apply_placement(compound: Compound, placement: Placement | None) -> None:
    """Set the compound's division and derive its 区县 / 镇街道 / 社区 names from it.

    None keeps whatever text the form gave (no division: the manager is asked on the home
    page to pick one).
    """
    if placement is None:
        compound.division_code = ""
        compound.community_unverified = False
        return
    compound.division_code = placement.division.code
    compound.district, compound.street, compound.community = area_names(catalog(), placement)
    compound.community_unverified = bool(placement.unverified)
