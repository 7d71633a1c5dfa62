"""Demo data for `make run`: guards with known PINs and a fresh code to enroll a gate phone."""

from sqlalchemy import select

from xgm.compounds.models import Compound, Gate
from xgm.extensions import db

#: (name, phone, PIN) per demo compound; the PINs are printed on the console.
DEMO_GUARDS = (
    (
        ("王建国", "13700001111", "258013"),
        ("陈立新", "13700002222", "369024"),
        ("刘海峰", "13700003333", "471035"),
    ),
    (("赵德明", "13700004444", "582046"), ("孙志强", "13700005555", "603157")),
)


def seed_guards(tenant) -> list[str]:
    """Create 2-3 guards per demo compound (a compound too if none exists yet); return lines."""
    from xgm.devices.enrollment import create_code, enroll_url
    from xgm.guards.models import Guard
    from xgm.guards.pins import set_pin

    compounds = list(
        db.session.scalars(
            select(Compound).where(Compound.archived.is_(False)).order_by(Compound.id)
        )
    )
    if not compounds:
        compound = Compound(
            name="翠苑小区（演示）", address="杭州市桐庐县迎春南路 88 号", hotline="0571-64600000"
        )
        db.session.add(compound)
        db.session.flush()
        db.session.add(Gate(compound_id=compound.id, name="东门"))
        db.session.flush()
        compounds = [compound]
    lines = ["Guards (PIN sign-in on an enrolled gate phone):"]
    for compound, guards in zip(compounds, DEMO_GUARDS, strict=False):
        for name, phone, pin in guards:
            guard = Guard(name=name, phone=phone, compound_id=compound.id, pin_hash="")
            set_pin(guard, pin)
            db.session.add(guard)
            lines.append(f"  {compound.name}: {name}  PIN {pin}")
    db.session.flush()
    _row, code = create_code(compounds[0])
    lines.append(
        f"Enroll a gate phone for {compounds[0].name} within 15 minutes: {enroll_url(code)}"
        " (new codes at /devices)"
    )
    return lines


def register_demo_seeder() -> None:
    """Append the guards seeder to the demo seeders once."""
    from xgm.demo import SEEDERS

    if seed_guards not in SEEDERS:
        SEEDERS.append(seed_guards)
