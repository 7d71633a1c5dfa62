"""The whole company's data as a ZIP of CSV files (PIPL art. 45/47: take it out before closing).

One CSV per table the company owns, every column but secrets (password, PIN and device
hashes, gate tokens) and riders' names, phones and photos (the existing rule of exports: the
rider code identifies a rider; names never leave the access log's sight). Built by the worker
(`build_export` with kind "company") with progress, like the large CSV exports.
"""

import csv
import io
import zipfile
from collections.abc import Callable

from sqlalchemy import func, select

from tenants import current_tenant_id
from xgm.accounts.models import User
from xgm.audit.models import AuditEvent
from xgm.blocks.models import Block
from xgm.complaints.models import Complaint, ComplaintEvent
from xgm.compounds.models import Compound, Gate
from xgm.devices.models import Device
from xgm.extensions import db
from xgm.guards.models import Guard
from xgm.passes.models import Arrival
from xgm.privacy.models import RiderDataAccess, RiderDeletionRequest

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Columns never exported: secrets, and rider personal data (see the module docstring).
LEFT_OUT = {
    "password_hash",
    "pin_hash",
    "secret_hash",
    "token",
    "nonce",
    "rider_name",
    "rider_phone",
    "photo_url",
    "payload",
    "content",
    "tenant_id",
}
BATCH = 1000


def _tables() -> list[tuple[str, object]]:
    """(file name, model) of every table in the ZIP, in a stable order."""
    return [
        ("users.csv", User),
        ("compounds.csv", Compound),
        ("gates.csv", Gate),
        ("guards.csv", Guard),
        ("devices.csv", Device),
        ("arrivals.csv", Arrival),
        ("complaints.csv", Complaint),
        ("complaint_events.csv", ComplaintEvent),
        ("blocks.csv", Block),
        ("audit_log.csv", AuditEvent),
        ("rider_data_access_log.csv", RiderDataAccess),
        ("rider_deletion_requests.csv", RiderDeletionRequest),
    ]


def _columns(model) -> list:
    return [c for c in model.__table__.columns if c.name not in LEFT_OUT]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def count_company_rows() -> int:
    """How many rows the company ZIP will hold (current tenant)."""
    return sum(
        db.session.scalar(select(func.count()).select_from(model)) or 0 for _n, model in _tables()
    )


def build_company_zip(progress: Callable[[int], None] | None = None) -> bytes:
    """The ZIP bytes of the current tenant's data; progress(rows so far) after each batch."""
    buffer = io.BytesIO()
    done = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, model in _tables():
            columns = _columns(model)
            out = io.StringIO()
            out.write(BOM)
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([c.name for c in columns])
            last = 0
            while True:
                rows = db.session.execute(
                    select(*[model.__table__.c[c.name] for c in columns])
                    .select_from(model)
                    # Explicitly the current tenant's rows (besides the ORM's own wall).
                    .where(model.tenant_id == current_tenant_id(), model.id > last)
                    .order_by(model.id)
                    .limit(BATCH)
                ).all()
                for row in rows:
                    writer.writerow([_cell(v) for v in row])
                done += len(rows)
                if progress is not None and rows:
                    progress(done)
                if len(rows) < BATCH:
                    break
                last = rows[-1].id
            archive.writestr(name, out.getvalue().encode("utf-8"))
    return buffer.getvalue()
