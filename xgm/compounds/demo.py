"""Demo compounds and gates for `make run` (added to xgm.demo.SEEDERS), placed in Tonglu."""

from xgm.compounds.models import Compound, Gate
from xgm.compounds.placing import apply_placement
from xgm.divisions.catalog import catalog
from xgm.divisions.resolve import Placement
from xgm.extensions import db

DEMO_COMPOUNDS = (
    {
        "name": "富春江畔花园",
        "address": "杭州市桐庐县桐君街道滨江路 288 号",
        "division_code": "330122003009",  # 桐庐县桐君街道桐江社区
        "hotline": "0571-64612345",
        "buildings": "\n".join(f"{n} 幢" for n in range(1, 13)),
        "gates": ("东门", "北门", "地库入口"),
    },
    {
        "name": "迎春南苑",
        "address": "杭州市桐庐县城南街道迎春南路 66 号",
        "division_code": "330122004018",  # 桐庐县城南街道江滨社区
        "hotline": "400-826-0571",
        "buildings": "\n".join(f"{n} 幢" for n in range(1, 9)),
        "gates": ("南门", "西门"),
    },
)


def seed_compounds(tenant) -> list[str]:
    """Give the demo tenant two compounds in Tonglu with their buildings and gates."""
    lines = []
    for spec in DEMO_COMPOUNDS:
        fields = {k: v for k, v in spec.items() if k not in ("gates", "division_code")}
        compound = Compound(**fields)
        apply_placement(compound, Placement(catalog().get(spec["division_code"])))
        db.session.add(compound)
        db.session.flush()
        for name in spec["gates"]:
            db.session.add(Gate(compound_id=compound.id, name=name))
        lines.append(f"  compound {compound.name}: gates {'、'.join(spec['gates'])}")
    db.session.flush()
    return lines
