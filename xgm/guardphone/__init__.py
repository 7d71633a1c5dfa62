"""The guard's phone: every `/guard/*` page and endpoint, in one blueprint.

`routes.py` lists every URL rule; the views live by screen: `signin.py` (PIN sign-in with
name tiles, handover), `terminal.py` (the console shell and the web app manifest), `cards.py`
(what the phone may load and how a card answers, the list of arrivals), `actions.py` (放行,
拒绝, 加入黑名单, the rider's phone), `barriers.py` (再次开闸, barrier states), `stream.py` and
`stream_events.py` (the live cards by Server-Sent Events), `exits.py` (已离开, 在院内) and
`complaint_tiles.py` (投诉 from a card, the guard's own complaints).

The decisions, sessions, PINs, complaint filing and stays stay in their feature packages
(passes, guards, complaints, presence, ...): this package sits above them and imports them;
none of them imports it.
"""

from flask import Blueprint

bp = Blueprint("guardphone", __name__)


def guard_complain_url() -> str:
    """The 投诉 link of a console card ("{id}" in place of the arrival id); "" until it exists."""
    from flask import current_app, url_for

    if "guardphone.complain" not in current_app.view_functions:
        return ""
    return url_for("guardphone.complain", arrival_id=0).replace("/0/", "/{id}/")


def init_app(app) -> None:
    """The console's 投诉 link for the templates; the complaint page takes evidence photos."""
    from xgm.complaints import accept_photos

    app.jinja_env.globals["guard_complain_url"] = guard_complain_url
    accept_photos("guardphone.complain")


from xgm.guardphone import routes  # noqa: E402,F401 - registers the rules on bp
