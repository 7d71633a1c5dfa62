"""Reading a SQL text for its tenant: the shapes SQLAlchemy sends on SQLite and PostgreSQL."""

import pytest

from tenants.sqltext import shape_of

TABLES = frozenset({"arrival", "compound", "complaint", "complaint_outbox", "user_account"})
ME = 3


def refusal(sql: str, params) -> str | None:
    shape = shape_of(sql, TABLES)
    return None if shape is None else shape.refusal(params, ME)


@pytest.mark.parametrize(
    "sql, params",
    [
        # the ORM's criteria, PostgreSQL casts, either side of the =
        ("SELECT arrival.id FROM arrival WHERE arrival.tenant_id = %(t_1)s::INTEGER", {"t_1": ME}),
        ("SELECT a.id FROM arrival AS a WHERE ? = a.tenant_id", (ME,)),
        # a join guarded through the other table's tenant_id
        (
            "SELECT arrival.id FROM arrival JOIN compound ON compound.id = arrival.compound_id "
            "AND compound.tenant_id = arrival.tenant_id WHERE arrival.tenant_id = ?",
            (ME,),
        ),
        # INSERT ... VALUES, one row, multi-row, executemany
        ("INSERT INTO arrival (tenant_id, gate_id) VALUES (?, ?)", (ME, 1)),
        ("INSERT INTO arrival (tenant_id, gate_id) VALUES (?, ?), (?, ?)", (ME, 1, ME, 2)),
        ("INSERT INTO arrival (tenant_id, gate_id) VALUES (?, ?)", [(ME, 1), (ME, 2)]),
        # insertmanyvalues with the parameter order kept (PostgreSQL, the ORM's flush)
        (
            "INSERT INTO arrival (gate_id, tenant_id) SELECT p0::INTEGER, p1::INTEGER FROM "
            "(VALUES (%(gate_id__0)s, %(tenant_id__0)s, 0), (%(gate_id__1)s, %(tenant_id__1)s, 1)) "
            "AS imp_sen(p0, p1, sen_counter) ORDER BY sen_counter RETURNING arrival.id",
            {"gate_id__0": 1, "tenant_id__0": ME, "gate_id__1": 2, "tenant_id__1": ME},
        ),
        # INSERT ... SELECT ... WHERE NOT EXISTS (the scan's arrival insert)
        (
            "INSERT INTO arrival (tenant_id, gate_id) SELECT %(tenant_id)s::INTEGER AS anon_1, "
            "%(gate_id)s::INTEGER AS anon_2 WHERE NOT (EXISTS (SELECT arrival.id FROM arrival "
            "WHERE arrival.tenant_id = %(tenant_id)s::INTEGER)) RETURNING arrival.id",
            {"tenant_id": ME, "gate_id": 1},
        ),
        # UPDATE ... FROM a CTE whose subquery holds the predicate (complaint delivery's claim)
        (
            "WITH taken AS (UPDATE complaint_outbox SET locked_until=%(u)s FROM (SELECT "
            "complaint_outbox.id AS id FROM complaint_outbox WHERE complaint_outbox.tenant_id = "
            "%(b_tenant)s FOR UPDATE SKIP LOCKED) AS held WHERE complaint_outbox.id = held.id "
            "RETURNING complaint_outbox.complaint_id) UPDATE complaint SET attempts=%(n)s FROM "
            "taken WHERE complaint.tenant_id = %(b_tenant)s AND complaint.id = taken.complaint_id",
            {"b_tenant": ME, "u": None, "n": 1},
        ),
        # hand-written text, unqualified
        ("DELETE FROM arrival WHERE tenant_id = :t", {"t": ME}),
        # no tenant-owned table at all
        ("SELECT tenant.id FROM tenant WHERE tenant.uscc = ?", ("x",)),
    ],
)
def test_statements_that_carry_the_tenant_pass(sql, params):
    assert refusal(sql, params) is None


@pytest.mark.parametrize(
    "sql, params, table",
    [
        ("SELECT arrival.id FROM arrival WHERE arrival.tenant_id = ?", (4,), "arrival"),
        ("SELECT arrival.id FROM arrival WHERE arrival.gate_id = ?", (ME,), "arrival"),
        ("SELECT count(*) FROM arrival, compound WHERE arrival.tenant_id = 3", (), "compound"),
        (
            "SELECT a.id FROM arrival AS a JOIN compound ON compound.id = a.compound_id "
            "WHERE a.tenant_id = ?",
            (ME,),
            "compound",
        ),
        (
            "INSERT INTO arrival (tenant_id, gate_id) VALUES (?, ?), (?, ?)",
            (ME, 1, 4, 2),
            "arrival",
        ),
        ("INSERT INTO arrival (tenant_id, gate_id) VALUES (?, ?)", [(ME, 1), (4, 2)], "arrival"),
        ("INSERT INTO arrival (gate_id) VALUES (?)", (1,), "arrival"),
        ("UPDATE arrival SET tenant_id=? WHERE arrival.id = ?", (ME, 1), "arrival"),
        ('TRUNCATE "user_account", "arrival" RESTART IDENTITY CASCADE', (), "user_account"),
        ("UPDATE \"arrival_p202612\" SET rider_name = '' WHERE rider_name <> ''", (), "arrival"),
        ('ALTER TABLE "arrival" DETACH PARTITION "arrival_p202501"', (), "arrival"),
    ],
)
def test_statements_without_the_tenant_are_refused_naming_the_table(sql, params, table):
    why = refusal(sql, params)
    assert why is not None and f"'{table}'" in why


def test_no_current_tenant_refuses():
    shape = shape_of("SELECT arrival.id FROM arrival WHERE arrival.tenant_id = ?", TABLES)
    assert "no current tenant" in shape.refusal((ME,), None)
