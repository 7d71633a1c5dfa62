"""history: arrival and rider_data_access partitioned by month (PostgreSQL)

Revision ID: 0020
Revises: 0011
Create Date: 2026-12-03 14:00:00

On PostgreSQL each table is rebuilt as a declarative partitioned table (RANGE on
created_at): the plain table is renamed away, the partitioned one created with the same
columns and defaults (its id sequence carried over), one partition per month from the
oldest row's month to three months ahead plus a default partition, every row copied, the
indexes and foreign keys recreated under their names, the old table dropped. The primary
key becomes (id, created_at) (a partitioned table's unique keys include the partition key);
arrival.pass_key's unique constraint becomes a plain index (the key is 144 random bits).
On SQLite the tables stay plain; only pass_key's constraint becomes the same index.
Downgrade rebuilds plain tables the same way, keeping the rows.
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLES = ("arrival", "rider_data_access")
AHEAD = 3


def _add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1)


def _definitions(conn, table):
    """(index definitions, foreign key definitions) of a table, but its primary key and the
    pass_key unique constraint."""
    indexes = conn.execute(
        sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = :t AND indexname NOT IN (:pk, 'uq_arrival_pass_key', 'ix_arrival_pass_key') ORDER BY 1"
        ),
        {"t": table, "pk": f"pk_{table}"},
    ).all()
    fks = conn.execute(
        sa.text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY 1"
        ),
        {"t": table},
    ).all()
    return indexes, fks


def _partitioned(conn, table):
    return bool(
        conn.execute(
            sa.text(
                "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                "WHERE c.relname = :t"
            ),
            {"t": table},
        ).first()
    )


def _rebuild(conn, table, partitioned):
    """Replace `table` by a partitioned (or plain) copy of itself, rows included."""
    old = f"{table}_rebuild"
    indexes, fks = _definitions(conn, table)
    for name, _ in indexes:
        op.execute(f'DROP INDEX "{name}"')
    if table == "arrival":
        op.execute('DROP INDEX IF EXISTS "ix_arrival_pass_key"')
    for name, _ in fks:
        op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "pk_{table}"')
    if table == "arrival":
        op.execute('ALTER TABLE arrival DROP CONSTRAINT IF EXISTS "uq_arrival_pass_key"')
    op.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    if partitioned:
        op.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS) PARTITION BY RANGE (created_at)'
        )
        op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "pk_{table}" PRIMARY KEY (id, created_at)')
        oldest = conn.execute(sa.text(f'SELECT min(created_at) FROM "{old}"')).scalar()
        now = datetime.utcnow()
        month = datetime((oldest or now).year, (oldest or now).month, 1)
        last = _add_months(datetime(now.year, now.month, 1), AHEAD)
        while month <= last:
            nxt = _add_months(month, 1)
            op.execute(
                f'CREATE TABLE "{table}_p{month:%Y%m}" PARTITION OF "{table}" '
                f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{nxt:%Y-%m-%d}')"
            )
            month = nxt
        op.execute(f'CREATE TABLE "{table}_pdefault" PARTITION OF "{table}" DEFAULT')
    else:
        op.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS)')
        op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "pk_{table}" PRIMARY KEY (id)')
    op.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    op.execute(f'ALTER SEQUENCE IF EXISTS "{table}_id_seq" OWNED BY "{table}".id')
    op.execute(f'DROP TABLE "{old}" CASCADE')
    for _, definition in indexes:
        op.execute(definition)
    for name, definition in fks:
        op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    if table == "arrival" and partitioned:
        op.execute('CREATE INDEX "ix_arrival_pass_key" ON arrival (pass_key)')
    _analyze_filled(conn, table, partitioned)


def _analyze_filled(conn, table, partitioned):
    """ANALYZE the partitions (or the plain table) that hold rows, and only those.

    An empty table analyzed is recorded as empty (reltuples 0), and a plan made while it
    looks so stays a sequential scan as the table fills: the scan's prepared INSERT ... WHERE
    NOT EXISTS read the whole month on every scan wherever autovacuum lags or is off. Never
    analyzed, the planner assumes a size instead, until autovacuum measures the month."""
    names = [table]
    if partitioned:
        names = conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST(:t AS regclass) ORDER BY 1"
            ),
            {"t": table},
        ).scalars().all()  # fmt: skip
    for name in names:
        if conn.execute(sa.text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')).scalar():
            op.execute(f'ANALYZE "{name}"')


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        with op.batch_alter_table("arrival") as batch:
            batch.drop_constraint("uq_arrival_pass_key", type_="unique")
            batch.create_index("ix_arrival_pass_key", ["pass_key"], unique=False)
        return
    for table in TABLES:
        if not _partitioned(conn, table):
            _rebuild(conn, table, partitioned=True)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        with op.batch_alter_table("arrival") as batch:
            batch.drop_index("ix_arrival_pass_key")
            batch.create_unique_constraint("uq_arrival_pass_key", ["pass_key"])
        return
    for table in TABLES:
        if _partitioned(conn, table):
            _rebuild(conn, table, partitioned=False)
    op.execute('ALTER TABLE arrival ADD CONSTRAINT "uq_arrival_pass_key" UNIQUE (pass_key)')
