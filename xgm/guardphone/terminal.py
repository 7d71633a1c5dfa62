"""The gate phone as a gate terminal: the console shell (GET /guard: where and who, the
handover button; the cards are filled in live) and the web app manifest that installs it."""

import json

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from xgm.accounts.forms import ConfirmForm
from xgm.guards.access import current_guard, current_guard_session, guard_required


@guard_required
def console():
    """The guard console: where and who, the handover button; arrivals are filled in live."""
    guard_session = current_guard_session()
    return render_template(
        "guards/console.html",
        guard=current_guard(),
        guard_session=guard_session,
        device=guard_session.device,
        csrf_form=ConfirmForm(),
    )


def manifest():
    """The gate terminal's web app manifest: installs to the home screen, opens full screen."""
    icon = lambda name, size, purpose: {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }
    body = {
        "id": url_for("guardphone.console"),
        "name": _("小哥码门岗"),
        "short_name": _("门岗"),
        "description": _("门卫值班：骑手扫码后实时显示卡片，放行或拒绝"),
        "lang": "en" if get_locale_name() == "en" else "zh-CN",
        "start_url": url_for("guardphone.console"),
        "scope": "/",
        "display": "fullscreen",
        "display_override": ["fullscreen", "standalone"],
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0d2b52",
        "icons": [
            icon("icon-192.png", 192, "any"),
            icon("icon-512.png", 512, "any"),
            icon("icon-maskable-192.png", 192, "maskable"),
            icon("icon-maskable-512.png", 512, "maskable"),
        ],
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def get_locale_name() -> str:
    """The page language's code ("zh_Hans_CN" or "en")."""
    from flask_babel import get_locale

    return str(get_locale() or "")
