"""What outside watchers probe: `/healthz`, `/readyz` (load balancers) and `/metrics` (Prometheus).

Unauthenticated and not rate limited (health), or behind a token or a network (metrics); none
of them shows tenant data.
"""

from flask import Blueprint

bp = Blueprint("probes", __name__)

from xgm.probes import views  # noqa: E402,F401 - registers the routes on bp


def init_app(app) -> None:
    """Take the probes out of the rate limits."""
    from xgm.extensions import limiter

    limiter.exempt(bp)
