"""Free text to divisions: the 区县 / 镇街道 / 社区 names of today's forms and of old rows.

Pure functions over a Catalog; the callers (the compound form, the migration) turn the
answers into form errors or report lines. Names match exactly after normalization (NFKC, no
white space), on the shown or the official name ("大丰村" or "大丰村村委会"); each level
narrows the next, so "城南街道" alone is four streets in Zhejiang and "桐庐县" + "城南街道"
is one. Only areas whose streets the data holds count: a compound must lie in a street.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xgm.divisions.catalog import Catalog, Division, normalize_name


@dataclass(frozen=True)
class Placement:
    """Where the text puts a compound: a street or a community, exactly one.

    `unverified` is a community name typed under `division` (a street) that the data does
    not hold: kept as typed and marked for the operator.
    """

    division: Division
    unverified: str = ""


@dataclass(frozen=True)
class Unresolved:
    """The text does not name exactly one place: which field, and why.

    kind: "none" (no such name there), "several" (`candidates` holds them), or "missing"
    (the field is needed: a district alone is not a place for a compound).
    """

    field: str
    kind: str
    text: str = ""
    candidates: tuple[Division, ...] = field(default_factory=tuple)


def _inside_any(catalog: Catalog, division: Division, outers) -> bool:
    return outers is None or any(catalog.inside(division, outer) for outer in outers)


def place(
    catalog: Catalog, district: str = "", street: str = "", community: str = ""
) -> Placement | Unresolved | None:
    """The division the three names point at, or why they do not point at one; None when
    all three are empty.

    A community the data does not hold, typed under a street that resolves, is a Placement
    on the street with `unverified` set (the manager may type one the data lacks).
    """
    district, street = normalize_name(district), normalize_name(street)
    typed_community = " ".join((community or "").split())
    community = normalize_name(community)
    if not (district or street or community):
        return None
    counties = None
    if district:
        counties = [
            d
            for d in catalog.named(district)
            if d.level in ("county", "city") and catalog.detailed(d)
        ]
        if not counties:
            return Unresolved("district", "none", district)
    streets = None
    if street:
        streets = [s for s in catalog.named(street, "street") if _inside_any(catalog, s, counties)]
        if not streets:
            return Unresolved("street", "none", street, tuple(counties or ()))
    if community:
        outers = streets if streets is not None else counties
        found = [
            c for c in catalog.named(community, "community") if _inside_any(catalog, c, outers)
        ]
        if len(found) == 1:
            return Placement(found[0])
        if len(found) > 1:
            return Unresolved("community", "several", community, tuple(found))
        if streets is None:
            return Unresolved("community", "none", community)
        if len(streets) > 1:
            return Unresolved("street", "several", street, tuple(streets))
        return Placement(streets[0], unverified=typed_community)
    if streets is None:
        return Unresolved("street", "missing")
    if len(streets) > 1:
        return Unresolved("street", "several", street, tuple(streets))
    return Placement(streets[0])


def community_under(catalog: Catalog, street: Division, name: str) -> Division | None:
    """The community of that name in the street, when the data holds exactly one."""
    found = catalog.named(name, "community", within=street.code) if name.strip() else []
    return found[0] if len(found) == 1 else None


#: The free-text levels of the old observer accounts and the division levels they name.
AREA_LEVELS = {"district": ("county", "city"), "street": ("street",), "community": ("community",)}


def area_division(catalog: Catalog, level: str, area: str) -> list[Division]:
    """Divisions an old observer area (level, name) may mean, among the detailed ones."""
    levels = AREA_LEVELS.get(level, ())
    return [d for d in catalog.named(area) if d.level in levels and catalog.detailed(d)]


def area_names(catalog: Catalog, placement: Placement) -> tuple[str, str, str]:
    """The (区县, 镇街道, 社区) names of a placement: what pages show and the city receives."""
    chain = {d.level: d for d in catalog.chain(placement.division.code)}
    county = chain.get("county") or chain.get("city")
    street = chain.get("street")
    community = placement.unverified or (chain["community"].name if "community" in chain else "")
    return (county.name if county else "", street.name if street else "", community)
