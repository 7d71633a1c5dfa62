"""Invitations: the owner invites a manager by a one-time link, valid 72 hours, revocable.

The link carries a random token; the row keeps its SHA-256 for lookup and the token itself
sealed with the alert key (xgm.sealed) so the owner can show the link again until it
is used. Accepting claims the row with one conditional UPDATE (unused, unrevoked, unexpired),
so a link opened twice at once makes one account; the email goes through the one sign-in
namespace (xgm.accounts.emails) at invitation and again at acceptance.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, unscoped, utcnow
from xgm.extensions import db

#: How long an invitation link works.
VALID_FOR = timedelta(hours=72)


def token_digest(token: str) -> str:
    """SHA-256 hex of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TenantScoped, db.Model):
    """An invitation of a manager by email: pending, used, revoked or expired."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(50))
    #: SHA-256 of the link's token (the lookup key).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token, Fernet-sealed: the owner may copy the link again until it is used.
    token_enc: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The manager account the invitation became.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )

    def state(self, now: datetime | None = None) -> str:
        """ "pending", "used", "revoked" or "expired"."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if (now or utcnow()) >= self.expires_at:
            return "expired"
        return "pending"


def create(email: str, name: str, created_by: int | None) -> tuple[Invitation, str]:
    """A new pending invitation and its token (caller commits)."""
    from xgm.sealed import seal

    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        email=email,
        name=name,
        token_hash=token_digest(token),
        token_enc=seal(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    db.session.add(invitation)
    return invitation, token


def token_of(invitation: Invitation) -> str | None:
    """The link's token while the invitation is pending (None once it cannot be used)."""
    from xgm.sealed import unseal

    if invitation.state() != "pending":
        return None
    return unseal(invitation.token_enc) or None


def find(token: str) -> Invitation | None:
    """The invitation of a link's token, in any tenant (the token says which)."""
    if not token or len(token) > 100:
        return None
    with unscoped():  # the link names the invitation, not the tenant
        return db.session.scalars(
            select(Invitation).where(Invitation.token_hash == token_digest(token))
        ).first()


def claim(invitation_id: int) -> bool:
    """Mark a pending invitation used, once: False when it was used, revoked or expired."""
    now = utcnow()
    return (
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation_id,
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
