"""预览扫码页: what a rider sees after scanning a gate, for the manager, recording nothing.

No rider sign-in is started, no arrival written, no guard phone told: the live pass is drawn
with a made-up rider and without its script (which would poll a pass that does not exist).
"""

from datetime import datetime
from types import SimpleNamespace

from flask import make_response, render_template
from flask_babel import gettext as _

from chinatime import CN_TZ
from tenants import get_or_404
from xgm.accounts.access import office_required
from xgm.compounds.models import Compound, Gate
from xgm.passes import bp


@bp.get("/gates/<int:gate_id>/preview")
@office_required()
def preview(gate_id: int):
    """The gate's scan page as a rider would see it, with a sample rider; nothing is recorded."""
    gate = get_or_404(Gate, gate_id)
    compound = get_or_404(Compound, gate.compound_id)
    sample = SimpleNamespace(
        outcome="pending",
        pass_key="preview",  # noqa: S106 - not a secret: the sample pass has no key
        rider_name=_("示例骑手"),
        rider_code="XGM-0000-0000",
        platform_name=_("某配送平台"),
        station="",
        team="",
        photo_url="",
        offline=False,
        manual=False,
        reason="",
        refusal="",
        compound_name=compound.name,
        gate_name=gate.name,
    )
    response = make_response(
        render_template(
            "passes/preview.html",
            arrival=sample,
            compound=compound,
            gate=gate,
            now=datetime.now(CN_TZ),
            gate_token=None,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
