"""Platform operators (the SaaS's own staff) and their revocable sessions; never tenant-owned."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, event
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


class OperatorAction(db.Model):
    """One row per platform operator action: sign-ins, tenant suspensions and resumptions,
    observer accounts, requeued jobs. The platform's own log (not tenant-owned); never edited,
    never deleted."""

    __tablename__ = "operator_action"
    __table_args__ = (Index("ix_operator_action_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Dotted action name, one of xgm.ops.journal.ACTIONS (e.g. "tenant.suspended").
    action: Mapped[str] = mapped_column(String(40))
    #: Plain ids, no foreign keys: the log outlives what it mentions.
    operator_id: Mapped[int | None] = mapped_column(default=None)
    #: The operator's name (or, for a failed sign-in, the email typed) as it was at the time.
    operator_name: Mapped[str] = mapped_column(String(254), default="")
    #: The tenant acted on, if any.
    tenant_id: Mapped[int | None] = mapped_column(default=None)
    #: What else was acted on, readable ("观察员 西湖区 王平", a job id).
    target: Mapped[str] = mapped_column(String(200), default="")
    #: JSON object with action-specific facts (reason, sessions ended, ...).
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OperatorLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an operator action through the ORM."""


@event.listens_for(OperatorAction, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise OperatorLogIsAppendOnly("operator actions are never updated")


@event.listens_for(OperatorAction, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise OperatorLogIsAppendOnly("operator actions are never deleted")
