"""Platform operators (the SaaS's own staff) and their revocable sessions; never tenant-owned."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import utcnow
from xgm.accounts.principals import PrincipalSessionMixin, principal_id
from xgm.extensions import db


class Operator(UserMixin, db.Model):
    """A platform operator: runs the SaaS from /ops, sees every tenant, belongs to none."""

    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    #: argon2id hash (argon2-cffi PHC string).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    #: Set by the loader: the operator session this request runs under.
    login_session = None

    @property
    def is_active(self) -> bool:
        """Flask-Login: a deactivated operator cannot sign in."""
        return self.active

    def get_id(self) -> str:
        """Flask-Login id: "op:<id>:<nonce>"."""
        return principal_id("op", self)


class OperatorSession(PrincipalSessionMixin, db.Model):
    """One signed-in device of an operator; revoking it signs that device out."""

    __tablename__ = "operator_session"

    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operator.id", ondelete="CASCADE"), index=True
    )
