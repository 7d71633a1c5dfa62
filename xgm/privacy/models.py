"""RiderDataAccess: who saw a rider's personal data (name, phone, photo), where and when."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db

#: Where rider personal data is shown, with its label for the access-log pages; features add
#: theirs with xgm.privacy.register_places (the place column holds up to 20 characters).
PLACES = {
    "guard_card": _l("门卫手机骑手卡片"),
    "arrival_detail": _l("进出记录详情"),
    "arrival_list": _l("进出记录列表"),
    "complaint_list": _l("投诉列表"),
    "complaint_detail": _l("投诉详情"),
    "complaint_form": _l("新建投诉"),
    "block_list": _l("黑名单"),
    "guard_complaint": _l("门卫投诉页面"),
    "phone_full": _l("完整手机号"),
    "phone_reveal": _l("显示手机号"),
    "phone_call": _l("拨打骑手电话"),
    "office_inside": _l("在院内名单"),
}


class RiderDataAccess(TenantScoped, db.Model):
    """One viewing of a rider's personal data by an office user or a guard (PIPL access log)."""

    __tablename__ = "rider_data_access"
    __table_args__ = (
        Index("ix_rider_data_access_tenant_created", "tenant_id", "created_at"),
        Index("ix_rider_data_access_tenant_arrival", "tenant_id", "arrival_id"),
        Index("ix_rider_data_access_tenant_rider", "tenant_id", "rider_code", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "user" (owner/manager) or "guard".
    actor_kind: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[int] = mapped_column()
    #: The actor's name at the time, so the log reads right after renames.
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    #: Plain ids, no foreign keys: the log outlives what it mentions.
    arrival_id: Mapped[int | None] = mapped_column(default=None)
    rider_code: Mapped[str] = mapped_column(String(32), default="")
    #: One of PLACES.
    place: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


#: A rider's deletion request is answered within this many days (PIPL art. 50 asks for a
#: timely answer; 15 days is the deadline the national standard GB/T 35273 sets).
DELETION_DEADLINE_DAYS = 15
DELETION_STATUSES = ("open", "done", "refused")


class RiderDeletionRequest(TenantScoped, db.Model):
    """A rider asked a company to delete his entries at its compounds (PIPL art. 47)."""

    __tablename__ = "rider_deletion_request"
    __table_args__ = (
        Index("ix_rider_deletion_request_tenant_status", "tenant_id", "status", "created_at"),
        Index("ix_rider_deletion_request_tenant_rider", "tenant_id", "rider_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_code: Mapped[str] = mapped_column(String(32))
    #: What the rider wrote with the request (optional).
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: open, done or refused.
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    #: The office's answer: what was deleted, or why it was refused.
    answer: Mapped[str] = mapped_column(String(500), default="", server_default="")
    due_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_by_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
