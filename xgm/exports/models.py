"""ExportJob: a large CSV export built by the worker, with its progress and the finished file."""

from datetime import date, datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db

#: "company" is the whole company's data as a ZIP of CSVs (xgm/exports/company.py).
KINDS = ("arrivals", "complaints", "company")
#: The kinds a manager exports for a period (/exports).
PERIOD_KINDS = ("arrivals", "complaints")
STATUSES = ("queued", "running", "done", "failed")


class ExportJob(TenantScoped, db.Model):
    """One requested CSV export (arrivals or complaints of a period), run on the `default` queue."""

    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "arrivals" or "complaints".
    kind: Mapped[str] = mapped_column(String(16))
    #: The period, in Beijing dates, both days included.
    first_day: Mapped[date] = mapped_column()
    last_day: Mapped[date] = mapped_column()
    #: queued, running, done or failed.
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    #: The finished CSV (UTF-8 with BOM); loaded only when downloaded.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    #: Why it failed: "internal" (the job raised, see RQ's failed jobs), "interrupted" (its job
    #: was lost MAX_ATTEMPTS times), "timeout" (not done within XGM_EXPORT_GIVE_UP); while
    #: queued, "queue_unavailable" says Redis could not be reached yet (the sweep retries).
    error: Mapped[str] = mapped_column(String(20), default="")
    #: When it was last asked for (created, or the 重试 button): the sweep and give-up count from it.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Runs started (by the worker); the sweep gives up after MAX_ATTEMPTS lost runs.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Last sign of life of the running job (its start and every progress step).
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    requested_by_user_id: Mapped[int | None] = mapped_column(default=None)
    requested_by_name: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def pending(self) -> bool:
        """True while the export is waiting for or being built by the worker."""
        return self.status in ("queued", "running")

    @property
    def percent(self) -> int:
        """Progress 0-100 for the progress bar."""
        if self.status == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    @property
    def filename(self) -> str:
        """The download's file name, e.g. arrivals_2024-05-01_2024-05-31.csv."""
        if self.kind == "company":
            return f"company_data_{self.last_day.isoformat()}.zip"
        return f"{self.kind}_{self.first_day.isoformat()}_{self.last_day.isoformat()}.csv"
