"""`/g/<token>`: resolve a gate token (across tenants) and show the rider where they are."""

import re

from flask import make_response, render_template
from sqlalchemy import select

from tenants import set_request_tenant, unscoped
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes import bp

#: Tokens are URL-safe base64; anything else cannot be one and is not looked up.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def resolve_gate(token: str) -> tuple[Gate, Compound] | None:
    """The active gate of a live compound that carries this token, or None (any tenant)."""
    if not TOKEN_RE.match(token):
        return None
    with unscoped():  # the token alone says which tenant the rider is visiting
        row = db.session.execute(
            select(Gate, Compound)
            .join(Compound, Compound.id == Gate.compound_id)
            .where(Gate.token == token)
        ).first()
    if row is None:
        return None
    gate, compound = row
    if not gate.active or compound.archived:
        return None
    return gate, compound


def _page(template: str, status: int, **context):
    """Render a page nobody should cache: the answer changes when a token is rotated."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/g/<token>")
def gate(token: str):
    """Public, no login: which compound and gate this QR code belongs to."""
    found = resolve_gate(token)
    if found is None:
        return _page("passes/expired.html", 404)
    gate, compound = found
    set_request_tenant(gate.tenant_id)
    return _page("passes/gate.html", 200, gate=gate, compound=compound)
