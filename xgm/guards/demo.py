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
    lines.append(_enroll_line(compounds[0]))
    return lines


def _enroll_line(compound) -> str:
    """A fresh enrollment code for the compound, as a line to print."""
    from xgm.devices.enrollment import create_code, enroll_url

    _row, code = create_code(compound)
    return (
        f"Enroll a gate phone for {compound.name} within 15 minutes: {enroll_url(code)}"
        " (new codes at /devices)"
    )


def remind_guards(tenant) -> list[str]:
    """On a later `make run`: the demo guards still there with their PINs, a fresh enroll link."""
    from xgm.guards.models import Guard

    known = {name: pin for guards in DEMO_GUARDS for name, _phone, pin in guards}
    rows = db.session.execute(
        select(Guard.name, Compound.name)
        .join(Compound, Compound.id == Guard.compound_id)
        .where(Guard.active.is_(True), Guard.name.in_(known))
        .order_by(Guard.id)
    ).all()
    lines = (
        ["Guards (PIN sign-in on an enrolled gate phone; PINs as first seeded):"] if rows else []
    )
    lines += [f"  {compound}: {name}  PIN {known[name]}" for name, compound in rows]
    compound = db.session.scalars(
        select(Compound).where(Compound.archived.is_(False)).order_by(Compound.id)
    ).first()
    if compound is not None:
        lines.append(_enroll_line(compound))
    return lines


def register_demo_seeder() -> None:
    """Append the guards seeder (and its reminder for later runs) to the demo hooks once."""
    from xgm.demo import REMINDERS, SEEDERS

    if seed_guards not in SEEDERS:
        SEEDERS.append(seed_guards)
    if remind_guards not in REMINDERS:
        REMINDERS.append(remind_guards)
