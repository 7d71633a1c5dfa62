"""Per-gate rules: rider hours, e-bikes, a note, the nearest other gate, automatic admission,
and the gate's NFC tag. rules.py is pure (the scan and the poster use it); views.py holds the
settings page (`POST /gates/<id>/settings`)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("gaterules", __name__)

AUDIT_KINDS = {
    "gate.auto_admit_on": _l("开启自动放行"),
    "gate.auto_admit_off": _l("关闭自动放行"),
    "gate.nfc_written": _l("写入NFC标签"),
    "gate.rules_updated": _l("修改门岗规则"),
}


def init_app(app) -> None:
    """Register the audit events."""
    from xgm.audit import register_kinds

    register_kinds(AUDIT_KINDS)


from xgm.gaterules import views  # noqa: E402,F401 - registers the routes on bp
