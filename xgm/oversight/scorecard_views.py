"""`/oversight/scorecard`: the 小哥友好社区 ranking of an official's area, with each trend."""

from flask import render_template, request

from tenants import unscoped
from xgm.errors import render_error
from xgm.oversight import bp
from xgm.oversight.access import current_observer, observer_required
from xgm.oversight.area import area_compounds
from xgm.oversight.scorecard import (
    FAST,
    MAX_COMPLAINTS,
    MAX_REFUSAL,
    MAX_UNATTENDED,
    SLOW,
    UNATTENDED_AFTER,
    WEIGHTS,
    measures,
    points,
    score,
    trend,
    weighted_score,
)
from xgm.reporting import figures
from xgm.reporting.charts import sparkline
from xgm.reporting.periods import PeriodError, period_from_args


def community_key(compound) -> tuple[str, str]:
    """(division code, community name): a compound's community, or its street when it has none."""
    return compound.division_code, compound.community or compound.street


@bp.route("/oversight/scorecard")
@observer_required
def scorecard():
    """Compounds and communities of the area ranked by their score, with the formula."""
    observer = current_observer()
    args = request.args if request.args.get("period") else {"period": "30d"}
    try:
        period = period_from_args(args)
    except PeriodError as exc:
        return render_error(400, str(exc))
    area = area_compounds(observer)
    scope = figures.Scope(
        period.start,
        period.end,
        compound_ids=tuple(c.id for c, _t in area),
        tenant_ids=tuple(sorted({t.id for _c, t in area})),
    )
    with unscoped():  # cross-tenant read, limited to the observer's area by the scope
        found = measures(scope)
        series = trend(scope, period.end)
    rows = []
    for compound, tenant in area:
        m = found.get(compound.id)
        rows.append(
            {
                "compound": compound,
                "tenant": tenant,
                "m": m,
                "points": points(m),
                "score": score(m),
                "trend": series.get(compound.id, []),
                "spark": sparkline(
                    series.get(compound.id, []),
                    " → ".join("—" if v is None else str(v) for v in series.get(compound.id, [])),
                ),
            }
        )
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["compound"].name))
    communities: dict[tuple, dict] = {}
    for row in rows:
        key = community_key(row["compound"])
        group = communities.setdefault(key, {"name": key[1], "parts": [], "compounds": 0})
        group["parts"].append((row["score"], row["m"].scans))
        group["compounds"] += 1
    ranked = sorted(
        (
            {**g, "score": weighted_score(g["parts"]), "scans": sum(n for _s, n in g["parts"])}
            for g in communities.values()
        ),
        key=lambda g: (g["score"] is None, -(g["score"] or 0), g["name"]),
    )
    return render_template(
        "oversight/scorecard.html",
        observer=observer,
        period=period,
        rows=rows,
        communities=ranked,
        weights=WEIGHTS,
        limits={
            "fast": int(FAST),
            "slow": int(SLOW),
            "unattended": int(MAX_UNATTENDED * 100),
            "refusal": int(MAX_REFUSAL * 100),
            "complaints": int(MAX_COMPLAINTS),
            "after": UNATTENDED_AFTER,
        },
    )
