"""Cards the guards' live streams showed, written to the access log in bulk, per process.

Every card a guard's stream sends shows a rider's name, phone and photo, so each one is a
viewing for the access log (PIPL). A busy process has hundreds of streams open; writing from
each stream would cost a transaction per stream every few seconds. Instead each process keeps
one buffer: streams hand it rows (cheap, no I/O), and a background thread (a greenlet under
gunicorn's gevent workers) writes everything buffered every XGM_VIEWING_FLUSH_SECONDS (5) in
one multi-row INSERT. Rows still buffered when the process exits are written by an atexit hook;
a process killed outright loses at most that many seconds of stream viewings (list, detail and
decision views log directly, see access_log.log_access).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref

from sqlalchemy import insert

from tenants import tenant_connection, tenant_context, utcnow
from xgm.extensions import db
from xgm.privacy.models import RiderDataAccess

log = logging.getLogger(__name__)

_BUFFERS: weakref.WeakSet = weakref.WeakSet()
_BUFFERS_LOCK = threading.Lock()
#: Above this many rows waiting (the database is away), the oldest are dropped and counted.
MAX_ROWS = 200_000
_INSERT = insert(RiderDataAccess.__table__)


def card_rows(tenant_id: int, guard_id: int, guard_name: str, cards: list[dict]) -> list[dict]:
    """Access-log rows (column values) for the arrival cards (guard console JSON) a guard saw;
    cards with nothing personal left on them are skipped."""
    now = utcnow()
    rows = []
    for card in cards:
        rider = card.get("rider") or {}
        if not (rider.get("name") or rider.get("phone") or rider.get("photo_url")):
            continue
        rows.append(
            {
                "tenant_id": tenant_id,
                "actor_kind": "guard",
                "actor_id": guard_id,
                "actor_name": guard_name[:50],
                "arrival_id": int(card["id"]),
                "rider_code": (rider.get("rider_code") or "")[:32],
                "place": "guard_card",
                "created_at": now,
            }
        )
    return rows


class ViewingBuffer:
    """One process's buffered stream viewings for one app."""

    def __init__(self, app) -> None:
        self.app = app
        self.pid = os.getpid()
        self.every = float(app.config.get("XGM_VIEWING_FLUSH_SECONDS") or 5)
        self.rows: list[dict] = []
        self.dropped = 0
        self.closed = False
        self._lock = threading.Lock()
        #: Held through each write, so close_viewing_buffer() waits for one in flight (the
        #: writer's own) instead of finding the buffer empty and returning before it lands.
        self._writing = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, rows: list[dict]) -> None:
        """Buffer rows for the next write (starts the writer on first use)."""
        if not rows:
            return
        with self._lock:
            if self.closed:
                return
            self.rows.extend(rows)
            if len(self.rows) > MAX_ROWS:
                self.dropped += len(self.rows) - MAX_ROWS
                del self.rows[: len(self.rows) - MAX_ROWS]
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="xgm-viewings", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """Write every `every` seconds; stop when nothing came in (add() starts a new writer)."""
        while True:
            time.sleep(self.every)
            with self._lock:
                if not self.rows or self.closed:
                    self._thread = None
                    return
            self.flush()

    def flush(self) -> int:
        """Write what is buffered now; returns how many rows were written (kept on failure).
        One write at a time: a flush waits for the one in flight, then writes what is left."""
        with self._writing:
            return self._write()

    def _write(self) -> int:
        with self._lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            with self.app.app_context():
                # The rows carry their tenant ids, taken from each guard's own session when its
                # stream opened: one multi-row INSERT per tenant, through the door, one commit.
                by_tenant: dict[int, list[dict]] = {}
                for row in rows:
                    by_tenant.setdefault(row["tenant_id"], []).append(row)
                for tenant_id, tenant_rows in by_tenant.items():
                    with tenant_context(tenant_id):
                        tenant_connection().execute(_INSERT, tenant_rows)
                db.session.commit()
        except Exception:
            log.exception("could not write %d stream viewings; retrying later", len(rows))
            with self._lock:
                self.rows[:0] = rows
            return 0
        return len(rows)


def close_viewing_buffer(app) -> None:
    """Write what the app's buffer holds and take no more (the app is going away). An app
    with no buffer yet gets a closed one, so a stream ending later (its phone gone, its
    thread still winding down) cannot start a writer for an app that is gone."""
    buffer = viewing_buffer(app)
    buffer.flush()
    with buffer._lock:
        buffer.closed = True
        buffer.rows = []


def close_viewing_buffers() -> None:
    """close_viewing_buffer() for every app of this process that has a buffer (the tests end
    each test with it: an app a test made itself must not write into the next test)."""
    with _BUFFERS_LOCK:
        apps = [b.app for b in _BUFFERS if b.pid == os.getpid() and not b.closed]
    for app in apps:
        close_viewing_buffer(app)


def viewing_buffer(app) -> ViewingBuffer:
    """This process's buffer for the app (a forked child gets its own)."""
    with _BUFFERS_LOCK:
        buffer = app.extensions.get("xgm_viewings")
        if buffer is None or buffer.pid != os.getpid():
            buffer = app.extensions["xgm_viewings"] = ViewingBuffer(app)
            _BUFFERS.add(buffer)
        return buffer


@atexit.register
def _flush_all() -> None:
    for buffer in list(_BUFFERS):
        if buffer.pid == os.getpid() and not buffer.closed:
            buffer.flush()
