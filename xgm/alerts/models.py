"""Group-bot webhooks, the events raised, their deliveries to bots, and in-app notifications."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantScoped, utcnow
from xgm.extensions import db

BOT_KINDS = ("wecom", "dingtalk")


class AlertHook(TenantScoped, db.Model):
    """A tenant's group robot (企业微信 or 钉钉) and the event kinds it is sent."""

    __tablename__ = "alert_hook"
    __table_args__ = (UniqueConstraint("tenant_id", "id", name="uq_alert_hook_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "wecom" or "dingtalk".
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(40), default="")
    #: The robot's webhook URL (it carries the robot's key), Fernet-encrypted (xgm.sealed).
    url_enc: Mapped[str] = mapped_column(Text)
    #: The DingTalk signing secret (SEC...), Fernet-encrypted; "" for WeCom.
    secret_enc: Mapped[str] = mapped_column(Text, default="")
    #: Host and the last 4 characters of the key, to tell hooks apart without showing the key.
    hint: Mapped[str] = mapped_column(String(80), default="")
    #: Subscribed event kinds, comma-separated (xgm.alerts.kinds.KINDS).
    events: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the owner removes the robot: nothing more is sent, its delivery log stays.
    removed_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def event_list(self) -> list[str]:
        """The subscribed kinds as a list."""
        return [e for e in self.events.split(",") if e]


class AlertEvent(TenantScoped, db.Model):
    """One thing that happened (raise_event): codes and a link only, never personal data."""

    __tablename__ = "alert_event"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_alert_event_tenant_id"),
        Index("ix_alert_event_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    compound_id: Mapped[int | None] = mapped_column(default=None)
    #: What the event is about, as a code (complaint reference, gate code, rider code).
    ref: Mapped[str] = mapped_column(String(80), default="")
    #: Short plain-Chinese detail (a status label, "最后在线 10:32"); no names, no phones.
    detail: Mapped[str] = mapped_column(String(200), default="")
    #: Site path of the page about it ("/complaints/12").
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertDelivery(TenantScoped, db.Model):
    """One event sent to one bot: the delivery log, with attempts and the bot's last answer."""

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_tenant_hook", "tenant_id", "hook_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hook_id: Mapped[int] = mapped_column(ForeignKey("alert_hook.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_event.id", ondelete="CASCADE"), default=None
    )
    #: Event kind (copied: the test message has no event row).
    kind: Mapped[str] = mapped_column(String(32))
    #: "pending", "sent" or "failed" (gave up).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    #: The bot's answer or the network error of the last attempt, for the log.
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When the next attempt is due (None once sent or given up).
    due_at: Mapped[datetime | None] = mapped_column(default=None)

    hook = relationship(AlertHook, lazy="joined")
    event = relationship(AlertEvent, lazy="joined")


class Notification(TenantScoped, db.Model):
    """An event in one office user's bell: read or unread."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_tenant_user_read", "tenant_id", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_event.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    event = relationship(AlertEvent, lazy="joined")


class AlertWatch(TenantScoped, db.Model):
    """A condition already alerted (an agent or phone offline): one alert per episode."""

    __tablename__ = "alert_watch"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_alert_watch_tenant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "agent:<id>" or "phone:<id>".
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
