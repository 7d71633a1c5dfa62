"""Office accounts: sign-up, sign-in, sign-out, the team page, invitations, password changes."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)


def init_app(app) -> None:
    """Register the invitation audit events."""
    from flask_babel import lazy_gettext as _l

    from xgm.audit import register_kinds

    register_kinds(
        {
            "invitation.created": _l("邀请管理员"),
            "invitation.revoked": _l("撤销邀请"),
            "invitation.accepted": _l("接受邀请"),
        },
        {"email": _l("邮箱"), "name": _l("姓名")},
    )


from xgm.accounts import invites, views  # noqa: E402,F401  - registers the routes on bp
