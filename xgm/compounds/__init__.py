"""Compounds (小区) and their gates: registration, editing, archiving and gate token rotation."""

from flask import Blueprint

bp = Blueprint("compounds", __name__)


def init_app(app) -> None:
    """Register the 小区 nav link, the onboarding steps, the home notice of compounds without
    a division, office users as readers of GET /divisions, and the demo seeder."""
    from flask_babel import lazy_gettext as _l

    from xgm.compounds import demo, progress
    from xgm.demo import SEEDERS
    from xgm.divisions import register_reader
    from xgm.home.checklist import Step, register_step
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.home.notices import register_notices

    register_reader(_office_user_signed_in)
    register_notices("compounds.unplaced", progress.unplaced_notices)

    register_nav_link(NavLink(order=20, endpoint="compounds.index", label=_l("小区")))
    register_step(
        Step(
            order=20,
            key="first_compound",
            label=_l("登记第一个小区"),
            endpoint="compounds.new",
            is_done=progress.has_compound,
            hint=_l("填写小区名称、地址和物业服务电话"),
        )
    )
    register_step(
        Step(
            order=30,
            key="first_gate",
            label=_l("添加门岗"),
            endpoint="compounds.index",
            is_done=progress.has_gate,
            hint=_l("在小区页面添加东门、北门等出入口"),
        )
    )
    if demo.seed_compounds not in SEEDERS:
        # First: the other features' demo data (guards, phones) hangs off these compounds.
        SEEDERS.insert(0, demo.seed_compounds)


def _office_user_signed_in() -> bool:
    """An owner or manager is signed in (they pick their compounds' divisions)."""
    from xgm.accounts.access import current_office_user

    return current_office_user() is not None


from xgm.compounds import lookup, views  # noqa: E402,F401  - routes on bp; gate cache events
