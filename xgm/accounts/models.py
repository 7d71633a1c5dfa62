"""Office accounts (owners, managers) and their revocable login sessions."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantScoped, utcnow
from xgm.extensions import db

ROLES = ("owner", "manager")


class User(TenantScoped, UserMixin, db.Model):
    """A property company's office account: owner or manager, signs in with email + password."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique across all tenants and observers (xgm.accounts.emails): the email alone
    #: identifies the account at sign-in. Stored normalised (trimmed, lower case).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), default="")
    role: Mapped[str] = mapped_column(String(16), default="manager")
    #: argon2id hash (argon2-cffi PHC string).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant = relationship("Tenant", lazy="joined")

    #: Set by the user loader: the login session this request runs under.
    login_session = None

    @property
    def is_active(self) -> bool:
        """Flask-Login: deactivated users and users of suspended tenants cannot sign in."""
        return self.active and self.tenant.is_active

    @property
    def is_owner(self) -> bool:
        """True for the company's owner account."""
        return self.role == "owner"

    def get_id(self) -> str:
        """Flask-Login id: tenant, user and the server-side session nonce."""
        nonce = self.login_session.nonce if self.login_session is not None else ""
        return f"u:{self.tenant_id}:{self.id}:{nonce}"

    def audit_actor(self) -> tuple[str, int, str]:
        """(kind, id, name) for the audit log."""
        return "user", self.id, self.name


class LoginSession(TenantScoped, db.Model):
    """One signed-in device of a user; deleting or revoking it signs that device out."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_tenant_user", "tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: Random per-login value carried in the signed session cookie.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user = relationship("User")


from xgm.accounts.emails import register_sign_in_model  # noqa: E402

register_sign_in_model(User, "user")
