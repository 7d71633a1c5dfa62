"""Gate QR posters as PDF: one gate, one compound, or the whole tenant as a worker job."""

from flask import Blueprint

bp = Blueprint("posters", __name__)


def init_app(app) -> None:
    """Register the 打印 nav link and the onboarding step 打印门岗二维码."""
    from flask_babel import lazy_gettext as _l

    from xgm.compounds.progress import has_printed_poster
    from xgm.home.checklist import Step, register_step
    from xgm.home.nav import NavLink, register_nav_link

    register_nav_link(NavLink(order=30, endpoint="posters.index", label=_l("打印")))
    register_step(
        Step(
            order=40,
            key="first_poster",
            label=_l("打印门岗二维码"),
            endpoint="posters.index",
            is_done=has_printed_poster,
            hint=_l("打印每个门岗的二维码海报，张贴在门口"),
        )
    )


from xgm.posters import views  # noqa: E402,F401  - registers the routes on bp
