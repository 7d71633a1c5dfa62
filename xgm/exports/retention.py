"""Finished CSV exports hold a period's whole log: the retention job deletes them after a week.

Registered with `xgm.privacy.registry` from the package's init_app.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete

from xgm.exports.models import ExportJob
from xgm.extensions import db

#: Finished CSV exports are deleted after this long (they hold a period's whole log).
EXPORT_KEEP = timedelta(days=7)


def purge_exports(cutoff: datetime, now: datetime) -> dict[str, int]:
    """Delete the exports made more than EXPORT_KEEP before `now` (whatever the cutoff)."""
    exports = db.session.execute(
        delete(ExportJob)
        .where(ExportJob.created_at < now - EXPORT_KEEP)
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"exports": exports}
