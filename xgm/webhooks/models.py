"""CityEvent: every event the city platform delivered, stored once by its event_id."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants import utcnow
from xgm.extensions import db


class CityEvent(db.Model):
    """One city event (not tenant-owned: an event may concern riders seen by every tenant)."""

    __tablename__ = "city_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The city's id of the event; a resend carries the same one and is not stored again.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: Event name, e.g. "rider.status_changed", "complaint.status_changed".
    event: Mapped[str] = mapped_column(String(64), index=True)
    #: The event's JSON body as received.
    payload: Mapped[str] = mapped_column(Text)
    #: How many handlers ran for it (0 for an event nobody handles).
    handled_by: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
