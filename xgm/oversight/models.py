"""Observers: community and street officials with a read-only view of an area; not tenant-owned."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import utcnow
from xgm.accounts.principals import PrincipalSessionMixin, open_session, principal_id
from xgm.extensions import db

#: Area levels, matched against the Compound column of the same name.
LEVELS = {
    "district": _l("区县"),
    "street": _l("镇街"),
    "community": _l("社区"),
}


class Observer(UserMixin, db.Model):
    """A community or street official: reads every compound of one area, across all tenants."""

    __tablename__ = "observer"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique, and never the email of an office user (both sign in at /login).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    #: argon2id hash (argon2-cffi PHC string).
    password_hash: Mapped[str] = mapped_column(String(200))
    #: "district", "street" or "community": which Compound column `area` is matched against.
    level: Mapped[str] = mapped_column(String(16))
    #: The area's name exactly as the compounds carry it (e.g. "西湖区", "北山街道").
    area: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    #: The operator who created the account (plain id: the log outlives operator changes).
    created_by_operator_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    #: Set by the loader: the observer session this request runs under.
    login_session = None
    #: Where /login sends an observer after signing in.
    landing_endpoint = "oversight.index"

    @property
    def is_active(self) -> bool:
        """Flask-Login: a deactivated observer cannot sign in."""
        return self.active

    @property
    def level_label(self) -> str:
        """The level in words (区县 / 镇街 / 社区)."""
        return str(LEVELS.get(self.level, self.level))

    def get_id(self) -> str:
        """Flask-Login id: "ob:<id>:<nonce>"."""
        return principal_id("ob", self)

    def sign_in(self) -> None:
        """Open a revocable session for this observer on this device (called by /login)."""
        open_session(ObserverSession, "observer_id", self)


class ObserverSession(PrincipalSessionMixin, db.Model):
    """One signed-in device of an observer; deactivating the observer revokes them all."""

    __tablename__ = "observer_session"

    observer_id: Mapped[int] = mapped_column(
        ForeignKey("observer.id", ondelete="CASCADE"), index=True
    )
