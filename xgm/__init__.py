"""xgm: gate access for delivery riders, for property management companies.

Nothing is imported here at module level but the standard library: the on-site gate agent
(`python -m xgm.gateagent`) lives in this package too and runs without Flask installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

#: Feature blueprints, registered in this order. Each module exposes `bp`.
BLUEPRINTS = (
    "xgm.accounts",
    "xgm.home",
    "xgm.divisions",
    "xgm.compounds",
    "xgm.posters",
    "xgm.passes",
    "xgm.webhooks",
    "xgm.riders",
    "xgm.blocks",
    "xgm.auditlog",
    "xgm.alerts",
    "xgm.devices",
    "xgm.guards",
    "xgm.dashboard",
    "xgm.ops",
    "xgm.oversight",
    "xgm.complaints",
    "xgm.exports",
    "xgm.privacy",
    "xgm.gateagents",
    "xgm.company",
    "xgm.compliance",
    "xgm.gaterules",
    "xgm.presence",
    "xgm.guardphone",
    "xgm.guide",
    "xgm.probes",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: configuration from the environment, then `config` overrides."""
    from importlib import import_module

    from flask import g, request
    from flask_babel import get_locale
    from flask_login import current_user

    import tenants
    from xgm import errors, headers, inputs, observability, preflight, replica
    from xgm.config import ConfigError, load_config
    from xgm.extensions import babel, csrf, db, limiter, login_manager, migrate
    from xgm.flaskapp import App
    from xgm.i18n import install_template_gettext, select_locale

    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=False,
    )
    try:
        app.config.update(load_config(Path(app.instance_path)))
    except (ConfigError, ValueError):
        if not preflight.requested():
            raise
        # `flask check-config` names every problem itself: start on the defaults meanwhile.
        app.config.update(load_config(Path(app.instance_path), env={}))
    if config:
        app.config.update(config)

    db.init_app(app)
    replica.init_app(app)
    if app.config.get("XGM_TENANT_SQL_CHECK"):  # the test suite: see tenants.door
        with app.app_context():
            for engine in db.engines.values():
                tenants.check_every_statement(engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    install_template_gettext(app)
    errors.init_app(app)
    headers.init_app(app)
    inputs.init_app(app)  # before the blueprints: their <int:> rules use its converter

    def _open_tenant_scope():
        g._xgm_tenant_token = tenants.begin_request_scope()
        if request.endpoint == "static":
            return
        # Load the principal now, so the request is bound to its tenant before any query.
        current_user._get_current_object()

    # First of all before-request hooks: CSRF and rate-limit checks may abort the request and
    # render an error page, which must run inside this request's own (empty) tenant scope.
    app.before_request_funcs.setdefault(None, []).insert(0, _open_tenant_scope)
    observability.init_app(app)  # its request id comes first of all (error pages show it)
    proxies = int(app.config.get("XGM_PROXY_HOPS") or 0)
    if proxies:  # behind nginx: the client's address and scheme from X-Forwarded-For/-Proto
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    @app.teardown_request
    def _close_tenant_scope(exc):
        token = g.pop("_xgm_tenant_token", None)
        if token is not None:
            tenants.end_request_scope(token)

    @app.context_processor
    def _template_globals():
        from xgm.accounts.access import current_office_user
        from xgm.accounts.forms import ConfirmForm

        return {
            "office_user": current_office_user(),
            "current_tenant": tenants.current_tenant,
            "locale": str(get_locale()),
            "logout_form": ConfirmForm,
        }

    for name in BLUEPRINTS:
        module = import_module(name)
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)

    from xgm import cli, history

    history.init_app(app)
    cli.init_app(app)
    preflight.init_app(app)
    return app
