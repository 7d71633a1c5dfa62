"""The per-process buffer of stream viewings: rows written in bulk, kept when the write fails."""

import sqlite3
import threading
import time

import psycopg
from sqlalchemy import select

from tenants import tenant_context
from tests.conftest import app_config
from tests.factories import create_tenant
from xgm import create_app
from xgm.extensions import db
from xgm.privacy.models import RiderDataAccess
from xgm.privacy.viewings import (
    card_rows,
    close_viewing_buffer,
    close_viewing_buffers,
    viewing_buffer,
)

CARD = {
    "id": 7,
    "rider": {"rider_code": "XGM330100000001", "name": "王小明", "phone": "138", "photo_url": ""},
}
BLANKED = {"id": 8, "rider": {"rider_code": "XGM2", "name": "", "phone": "", "photo_url": ""}}


def _rows(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return [
            (r.actor_kind, r.actor_id, r.actor_name, r.arrival_id, r.rider_code, r.place)
            for r in db.session.scalars(select(RiderDataAccess).order_by(RiderDataAccess.id))
        ]


def test_buffered_viewings_are_written_for_their_own_tenant(app):
    """Rows carry the guard's tenant; a card whose personal data is gone is not a viewing."""
    with app.app_context():
        a, b = create_tenant("甲物业有限公司").id, create_tenant("乙物业有限公司").id
    buffer = viewing_buffer(app)
    assert viewing_buffer(app) is buffer
    buffer.add(card_rows(a, 3, "赵保安", [CARD, BLANKED]))
    assert buffer.flush() == 1
    assert _rows(app, a) == [("guard", 3, "赵保安", 7, "XGM330100000001", "guard_card")]
    assert _rows(app, b) == []
    assert buffer.flush() == 0


def test_the_writer_writes_on_its_own_and_stops_when_idle(app):
    """Added rows reach the database within the flush interval; an idle writer stops."""
    app.config["XGM_VIEWING_FLUSH_SECONDS"] = 0.1
    app.extensions.pop("xgm_viewings", None)
    with app.app_context():
        a = create_tenant("甲物业有限公司").id
    buffer = viewing_buffer(app)
    buffer.add(card_rows(a, 3, "赵保安", [CARD]))
    deadline = time.monotonic() + 5
    while not _rows(app, a) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_rows(app, a)) == 1
    deadline = time.monotonic() + 5
    while buffer._thread is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert buffer._thread is None


def test_rows_are_kept_when_the_database_refuses_them(app):
    """A failed write keeps the rows for the next one (nothing accepted is dropped)."""
    with app.app_context():
        a = create_tenant("甲物业有限公司").id
    buffer = viewing_buffer(app)
    bad = card_rows(a, 3, "赵保安", [CARD])
    bad[0]["place"] = None  # NOT NULL: the INSERT fails
    buffer.add(bad)
    assert buffer.flush() == 0
    assert len(buffer.rows) == 1
    buffer.rows[0]["place"] = "guard_card"
    assert buffer.flush() == 1
    assert len(_rows(app, a)) == 1


def test_a_closed_buffer_writes_what_it_holds_and_takes_no_more(app):
    """When the app goes away its buffer is written out; later stream viewings are dropped."""
    with app.app_context():
        a = create_tenant("甲物业有限公司").id
    buffer = viewing_buffer(app)
    buffer.add(card_rows(a, 3, "赵保安", [CARD]))
    close_viewing_buffer(app)
    assert len(_rows(app, a)) == 1
    buffer.add(card_rows(a, 3, "赵保安", [CARD]))
    assert buffer.rows == [] and buffer.flush() == 0


def test_closing_waits_for_the_write_in_flight(app, database_url):
    """The writer has taken the rows and waits on the database: closing the buffer (the app
    going away, a test ending) returns only once they are written, not on an empty buffer."""
    with app.app_context():
        a = create_tenant("甲物业有限公司").id
    buffer = viewing_buffer(app)
    buffer.add(card_rows(a, 3, "赵保安", [CARD]))
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
    else:
        holder = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"))
        holder.execute("LOCK TABLE rider_data_access IN EXCLUSIVE MODE")
    writer = threading.Thread(target=buffer.flush)
    closer = threading.Thread(target=close_viewing_buffer, args=(app,))
    try:
        writer.start()
        deadline = time.monotonic() + 5
        while buffer.rows and time.monotonic() < deadline:
            time.sleep(0.01)
        assert buffer.rows == []  # taken by the writer, which now waits for the lock
        closer.start()
        closer.join(0.5)
        assert closer.is_alive()  # waiting for the write, not done on an empty buffer
    finally:
        holder.close()  # ends its transaction: the lock goes
    writer.join(5)
    closer.join(5)
    assert not writer.is_alive() and not closer.is_alive()
    assert len(_rows(app, a)) == 1


def test_an_app_closed_before_any_viewing_takes_none_later(app):
    """A stream that reports its cards only after the app was closed (it ended late) does not
    start a writer: nothing is buffered, nothing written, no thread left behind."""
    with app.app_context():
        a = create_tenant("甲物业有限公司").id
    app.extensions.pop("xgm_viewings", None)
    close_viewing_buffer(app)
    late = viewing_buffer(app)
    late.add(card_rows(a, 3, "赵保安", [CARD]))
    assert late.rows == [] and late._thread is None
    assert late.flush() == 0
    assert _rows(app, a) == []


def test_closing_every_buffer_writes_another_apps_rows_now(app, database_url):
    """An app a test made itself, with rows waiting: close_viewing_buffers() (each test's end)
    writes them now and closes it, instead of its writer doing so during a later test."""
    with app.app_context():
        a = create_tenant("甲物业有限公司").id
    other = create_app(app_config(database_url))
    buffer = viewing_buffer(other)
    buffer.add(card_rows(a, 3, "赵保安", [CARD]))
    close_viewing_buffers()
    assert buffer.closed and buffer.rows == []
    assert len(_rows(app, a)) == 1
    with other.app_context():
        db.engine.dispose()
