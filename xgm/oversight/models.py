"""Observers: officials with a read-only view of one administrative division; not tenant-owned."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import utcnow
from xgm.accounts.emails import register_sign_in_model
from xgm.accounts.principals import PrincipalSessionMixin, open_session, principal_id
from xgm.extensions import db

#: Level names of an observer's area: the division levels an observer may be bound to, and
#: the free-text "district" of accounts made before divisions (not migrated yet).
LEVELS = {
    "city": _l("市"),
    "county": _l("区县"),
    "street": _l("镇街"),
    "community": _l("社区"),
    "district": _l("区县"),
}
#: Roles: an observer reads their area; a regulator (县市场监管局 ...) also reads the industry.
ROLES = {
    "observer": _l("观察员"),
    "regulator": _l("监管"),
}


class Observer(UserMixin, db.Model):
    """A community or street official: reads every compound of one area, across all tenants."""

    __tablename__ = "observer"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique, and never the email of an office user (both sign in at /login; the namespace
    #: of xgm.accounts.emails enforces it). Stored normalised (trimmed, lower case).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    #: argon2id hash (argon2-cffi PHC string).
    password_hash: Mapped[str] = mapped_column(String(200))
    #: The division (xgm.divisions) the observer is bound to: a city, county, street or
    #: community code. They see exactly the compounds whose division lies inside it. ""
    #: for an account made before divisions whose area did not resolve (sees nothing until
    #: the operator binds it).
    division_code: Mapped[str] = mapped_column(String(12), default="")
    #: The division's level (city / county / street / community); for an unbound old account
    #: the level it was typed with ("district", "street", "community").
    level: Mapped[str] = mapped_column(String(16))
    #: The division's name from the city down ("桐庐县城南街道"), shown on pages; for an
    #: unbound old account the text typed then.
    area: Mapped[str] = mapped_column(String(40))
    #: "observer" or "regulator" (监管: the county or city market regulator).
    role: Mapped[str] = mapped_column(String(16), default="observer")
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
        """The level in words (市 / 区县 / 镇街 / 社区)."""
        return str(LEVELS.get(self.level, self.level))

    @property
    def role_label(self) -> str:
        """The role in words (观察员 / 监管)."""
        return str(ROLES.get(self.role, self.role))

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


register_sign_in_model(Observer, "observer")
