"""The bell: the signed-in office user's unread notifications."""

from sqlalchemy import func, select

from xgm.alerts.models import Notification
from xgm.extensions import db


def unread_count(user) -> int:
    """How many notifications this user has not read."""
    if user is None:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
