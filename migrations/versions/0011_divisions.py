"""divisions: compounds and observers carry an administrative division code

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-03 08:00:00

Adds compound.division_code (a street or community code of xgm.divisions),
compound.community_unverified, observer.division_code and observer.role; drops the indexes
on the compound's free-text area columns (nothing matches on them any more).

Then maps the existing rows whose free text names exactly one division, with the same
resolution the compound form uses (xgm.divisions.resolve over the shipped data):
- a compound gets its street or community code and the names derived from it (a community
  the data lacks, under a street that resolves, is kept as typed and marked unverified);
  the others keep division_code "" and are listed for their managers on the home page;
- an observer gets the code of their district / street / community; the others keep "" (they
  see nothing) and are listed for the operator on /ops/observers.
"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

compound = sa.table(
    "compound",
    sa.column("id", sa.Integer),
    sa.column("district", sa.String),
    sa.column("street", sa.String),
    sa.column("community", sa.String),
    sa.column("division_code", sa.String),
    sa.column("community_unverified", sa.Boolean),
)
observer = sa.table(
    "observer",
    sa.column("id", sa.Integer),
    sa.column("level", sa.String),
    sa.column("area", sa.String),
    sa.column("division_code", sa.String),
)


def upgrade():
    with op.batch_alter_table('compound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('division_code', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('community_unverified', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_index(batch_op.f('ix_compound_community'))
        batch_op.drop_index(batch_op.f('ix_compound_district'))
        batch_op.drop_index(batch_op.f('ix_compound_street'))
        batch_op.create_index(batch_op.f('ix_compound_division_code'), ['division_code'], unique=False)

    with op.batch_alter_table('observer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('division_code', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='observer'))

    map_existing_rows(op.get_bind())


def map_existing_rows(conn) -> tuple[int, int, int, int]:
    """Give compounds and observers whose text resolves their division; returns (compounds
    mapped, compounds left, observers mapped, observers left)."""
    rows_c = conn.execute(
        sa.select(compound.c.id, compound.c.district, compound.c.street, compound.c.community)
    ).all()
    rows_o = conn.execute(sa.select(observer.c.id, observer.c.level, observer.c.area)).all()
    if not rows_c and not rows_o:
        return 0, 0, 0, 0  # an empty database: no need to read the division data
    from xgm.divisions.catalog import catalog
    from xgm.divisions.resolve import Placement, area_division, area_names, place

    divisions = catalog()
    mapped_c = mapped_o = 0
    for cid, district, street, community in rows_c:
        found = place(divisions, district or "", street or "", community or "")
        if not isinstance(found, Placement):
            continue
        names = area_names(divisions, found)
        conn.execute(
            compound.update()
            .where(compound.c.id == cid)
            .values(
                division_code=found.division.code,
                district=names[0],
                street=names[1],
                community=names[2][:40],
                community_unverified=bool(found.unverified),
            )
        )
        mapped_c += 1
    for oid, level, area in rows_o:
        found = area_division(divisions, level, area or "")
        if len(found) != 1:
            continue
        division = found[0]
        conn.execute(
            observer.update()
            .where(observer.c.id == oid)
            .values(
                division_code=division.code,
                level=division.level,
                area=divisions.path(division.code, start="city")[:40],
            )
        )
        mapped_o += 1
    left_c, left_o = len(rows_c) - mapped_c, len(rows_o) - mapped_o
    log.info(
        "divisions: %d compounds mapped, %d left for their managers (home page); "
        "%d observers mapped, %d left for the operator (/ops/observers)",
        mapped_c, left_c, mapped_o, left_o,
    )
    return mapped_c, left_c, mapped_o, left_o


def downgrade():
    with op.batch_alter_table('observer', schema=None) as batch_op:
        batch_op.drop_column('role')
        batch_op.drop_column('division_code')

    with op.batch_alter_table('compound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compound_division_code'))
        batch_op.create_index(batch_op.f('ix_compound_street'), ['street'], unique=False)
        batch_op.create_index(batch_op.f('ix_compound_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_compound_community'), ['community'], unique=False)
        batch_op.drop_column('community_unverified')
        batch_op.drop_column('division_code')
