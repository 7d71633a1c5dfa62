"""A whole-tenant print run: every active gate's poster in one PDF, made by the worker."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db

STATUSES = ("queued", "running", "done", "failed")


class PrintJob(TenantScoped, db.Model):
    """One request to print every active gate of the tenant; the RQ job reports progress here."""

    __tablename__ = "print_job"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_print_job_tenant_id"),
        Index("ix_print_job_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: queued -> running -> done | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: Paper size of every page: "A4" or "A3".
    size: Mapped[str] = mapped_column(String(2), default="A4")
    #: Posters rendered so far, out of `total` (the active gates when the run started).
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    rq_job_id: Mapped[str] = mapped_column(String(100), default="")
    #: Name of the finished PDF under <XGM_PRINTS_DIR>/<tenant_id>/ (empty until done).
    file_name: Mapped[str] = mapped_column(String(200), default="")
    #: Why the run failed: a code (no_gates, font_missing, render_failed, lost, queue_down)
    #: that the progress page turns into words a manager can act on.
    error: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once done)."""
        if self.status == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        """True once the run ended, well or badly."""
        return self.status in ("done", "failed")
