"""One sign-in namespace: an email signs in at /login to at most one account, of any kind.

Owners and managers (User) and observers (xgm.oversight) all sign in at /login with an email
and a password. `sign_in_email` holds one row per such account, keyed by the normalised email
(trimmed, lower case) under a unique index: the database refuses a second account with the
same email, whichever kind either is, even when two sign-ups race. Account kinds register
their model here (`register_sign_in_model`); mapper events then normalise the account's email
and keep its row in step on every insert, email change and delete, in the same transaction.
Forms check `email_in_use()` first to answer with a readable message; the unique index is the
guarantee behind it (views turn its IntegrityError into the same message).
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Index, String, delete, event, func, insert, select, update
from sqlalchemy.orm import Mapped, attributes, mapped_column

from tenants import utcnow
from xgm.extensions import db


def normalise_email(email: str | None) -> str:
    """An email as the namespace compares it: surrounding spaces dropped, lower case."""
    return (email or "").strip().lower()


class SignInEmail(db.Model):
    """The account an email signs in to at /login (not tenant-owned: it spans every tenant)."""

    __tablename__ = "sign_in_email"
    __table_args__ = (Index("uq_sign_in_email_account", "kind", "account_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised (normalise_email); unique over every kind of account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: "user" (owner or manager) or "observer".
    kind: Mapped[str] = mapped_column(String(16))
    #: The account's id in its own table (plain id: the kinds live in different packages).
    account_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


_KINDS: dict[type, str] = {}


def taken_message() -> str:
    """What /team and the operator's observer form say about an email already in use."""
    return _("该邮箱已被其他账号使用（物业公司账号或社区、街道观察员账号），请换一个邮箱")


def email_in_use(email: str) -> bool:
    """True when any account that signs in at /login already has this email."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SignInEmail)
            .where(SignInEmail.email == normalise_email(email))
        )
        > 0
    )


def _normalise(mapper, connection, target) -> None:
    target.email = normalise_email(target.email)


def _claim(kind: str):
    def after_insert(mapper, connection, target) -> None:
        connection.execute(
            insert(SignInEmail.__table__).values(
                email=target.email, kind=kind, account_id=target.id, created_at=utcnow()
            )
        )

    return after_insert


def _follow(kind: str):
    def after_update(mapper, connection, target) -> None:
        if not attributes.get_history(target, "email").has_changes():
            return
        connection.execute(
            update(SignInEmail.__table__)
            .where(SignInEmail.kind == kind, SignInEmail.account_id == target.id)
            .values(email=target.email)
        )

    return after_update


def _release(kind: str):
    def after_delete(mapper, connection, target) -> None:
        connection.execute(
            delete(SignInEmail.__table__).where(
                SignInEmail.kind == kind, SignInEmail.account_id == target.id
            )
        )

    return after_delete


def register_sign_in_model(model: type, kind: str) -> None:
    """Put a model's `email` into the sign-in namespace (once per model)."""
    if model in _KINDS:
        return
    _KINDS[model] = kind
    event.listen(model, "before_insert", _normalise)
    event.listen(model, "before_update", _normalise)
    event.listen(model, "after_insert", _claim(kind))
    event.listen(model, "after_update", _follow(kind))
    event.listen(model, "after_delete", _release(kind))
