"""Monthly partitions on PostgreSQL: create ahead, drop or blank whole months.

Every function takes a SQLAlchemy Connection on PostgreSQL and runs in the caller's
transaction; the names and bounds come from `xgm/history/months.py` (never from input).
On SQLite the tables stay plain and none of this runs (`supported()` is False).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import text

from xgm.history.months import (
    PARTITIONED,
    PERSONAL_COLUMNS,
    add_months,
    bounds,
    default_name,
    is_partition_of,
    month_start,
    partition_name,
)

log = logging.getLogger(__name__)
BLANKED = "xgm:blanked"


def supported(conn) -> bool:
    """True on PostgreSQL."""
    return conn.dialect.name == "postgresql"


def is_partitioned(conn, table: str) -> bool:
    """True when `table` is a partitioned table here."""
    return bool(
        conn.execute(
            text("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                 "WHERE c.relname = :t AND c.relnamespace = 'public'::regnamespace"),
            {"t": table},
        ).first()
    )  # fmt: skip


def partitions(conn, table: str) -> dict[str, tuple[str | None, str | None]]:
    """The partitions of `table`: name -> (from, to) as text (None, None for the default)."""
    rows = conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = :t AND p.relnamespace = 'public'::regnamespace"
        ),
        {"t": table},
    ).all()
    found = {}
    for name, bound in rows:
        if "FROM (" in bound:
            low = bound.split("FROM ('", 1)[1].split("')", 1)[0]
            high = bound.split("TO ('", 1)[1].split("')", 1)[0]
            found[name] = (low, high)
        else:
            found[name] = (None, None)
    return found


def create_month(conn, table: str, month: datetime) -> bool:
    """Create `table`'s partition of `month` unless it exists; rows of that month waiting in
    the default partition move into it. True when it was created."""
    name = partition_name(table, month)
    if name in partitions(conn, table):
        return False
    low, high = bounds(month)
    default = default_name(table)
    conn.execute(text(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS)'))
    conn.execute(
        text(
            f'WITH moved AS (DELETE FROM "{default}" WHERE created_at >= :low '  # noqa: S608
            f'AND created_at < :high RETURNING *) INSERT INTO "{name}" SELECT * FROM moved'
        ),
        {"low": low, "high": high},
    )
    conn.execute(
        text(f"ALTER TABLE \"{table}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{low}') TO ('{high}')")
    )  # fmt: skip
    return True


def ensure_ahead(conn, now: datetime, ahead: int = 3) -> list[str]:
    """Partitions of this month and the `ahead` next ones, for every partitioned table."""
    created = []
    for table in PARTITIONED:
        if not is_partitioned(conn, table):
            continue
        for offset in range(ahead + 1):
            month = add_months(month_start(now), offset)
            if create_month(conn, table, month):
                created.append(partition_name(table, month))
    return created


def months_before(conn, table: str, cutoff: datetime) -> list[str]:
    """Monthly partitions of `table` that end at or before `cutoff` (wholly older)."""
    limit = f"{cutoff:%Y-%m-%d %H:%M:%S}"
    return sorted(
        name
        for name, (low, high) in partitions(conn, table).items()
        if high is not None and is_partition_of(table, name) and high <= limit
    )


def drop_before(conn, table: str, cutoff: datetime) -> list[str]:
    """Detach and drop every monthly partition of `table` wholly older than `cutoff`."""
    dropped = months_before(conn, table, cutoff)
    for name in dropped:
        conn.execute(text(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"'))
        conn.execute(text(f'DROP TABLE "{name}"'))
    return dropped


def blank_before(conn, cutoff: datetime) -> list[str]:
    """Blank rider personal data in every arrival partition wholly older than `cutoff`, once
    each (one UPDATE per partition; a comment marks it done). Returns those blanked now."""
    done = []
    columns = PERSONAL_COLUMNS["arrival"]
    for name in months_before(conn, "arrival", cutoff):
        mark = conn.execute(text("SELECT obj_description(CAST(:n AS regclass), 'pg_class')"), {"n": name}).scalar()  # fmt: skip
        if mark == BLANKED:
            continue
        assignments = ", ".join(f"{c} = ''" for c in columns)
        dirty = " OR ".join(f"{c} <> ''" for c in columns)
        conn.execute(text(f'UPDATE "{name}" SET {assignments} WHERE {dirty}'))  # noqa: S608
        conn.execute(text(f"COMMENT ON TABLE \"{name}\" IS '{BLANKED}'"))
        done.append(name)
    return done
