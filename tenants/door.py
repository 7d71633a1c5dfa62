"""The one door for Core statements on tenant-owned tables, and the check that enforces it.

The ORM walls (tenants.scoping) see ORM statements only. A Core statement (a Table's insert,
update, delete or select, or text()) on a tenant-owned table runs through
`tenant_connection()`: it needs a current tenant, and every statement it runs is read as sent
(tenants.sqltext) and refused with `UntenantedStatement` unless each tenant-owned table in it
carries `tenant_id = <the current tenant>` (a predicate, or the inserted value). The other way
for such statements is an `unscoped()` block, for system work across tenants.

`check_every_statement(engine)` (the test suite turns it on with XGM_TENANT_SQL_CHECK) refuses
every statement on a tenant-owned table outside the door and outside unscoped() that is
a Core statement, or an ORM statement without the current tenant's predicate or value; the
ORM's own flushes (guarded by its before_flush wall) and loads of attributes and relationships
of objects the session already holds pass.
"""

from __future__ import annotations

import weakref

from sqlalchemy import event
from sqlalchemy.sql.elements import TextClause

from tenants.scoping import TenantRequired, _scoped_tables, _state, current_tenant_id
from tenants.sqltext import shape_of

#: The execution option the door sets: the tenant it checked.
DOOR = "xgm_tenant_door"
_DOOR_ENGINES: weakref.WeakSet = weakref.WeakSet()


class UntenantedStatement(RuntimeError):
    """SQL on a tenant-owned table that does not carry the current tenant (or ran outside
    the door and unscoped())."""


_names: tuple = (None, frozenset())  # (the tenant-owned tables, their names)


def tenant_table_names() -> frozenset[str]:
    """The names of the tenant-owned tables (models with the TenantScoped mixin)."""
    global _names
    tables, names = _names
    if tables is not (current := _scoped_tables()):
        tables, names = _names = (current, frozenset(table.name for table in current))
    return names


class TenantConnection:
    """The session's connection, for Core statements of the current tenant (see module)."""

    def __init__(self, connection, tenant_id: int) -> None:
        self._connection = connection
        self.tenant_id = tenant_id
        engine = connection.engine
        if engine not in _DOOR_ENGINES:
            event.listen(engine, "before_cursor_execute", _verify_door)
            _DOOR_ENGINES.add(engine)

    @property
    def dialect(self):
        """The database dialect (to choose dialect-specific SQL)."""
        return self._connection.dialect

    def execute(self, statement, parameters=None):
        """Run a statement for this connection's tenant; raises UntenantedStatement (before
        the database sees it) when a tenant-owned table in it does not carry the tenant."""
        if current_tenant_id() != self.tenant_id:
            raise TenantRequired("the current tenant changed since tenant_connection()")
        return self._connection.execute(
            statement, parameters, execution_options={DOOR: self.tenant_id}
        )


def tenant_connection(session=None, **execution_options) -> TenantConnection:
    """The door: a connection of `session` (default: the app's) in its transaction, for Core
    statements on tenant-owned tables of the current tenant. Raises TenantRequired when no
    tenant is set. `execution_options` go to Session.connection() (isolation_level...)."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantRequired("tenant_connection() needs a current tenant (tenant_context())")
    if session is None:
        from xgm.extensions import db

        session = db.session
    connection = session.connection(execution_options=execution_options or None)
    return TenantConnection(connection, tenant_id)


def _refusal(statement: str, parameters, tenant_id: int | None) -> str | None:
    shape = shape_of(statement, tenant_table_names())
    return None if shape is None else shape.refusal(parameters, tenant_id)


def _verify_door(conn, cursor, statement, parameters, context, executemany) -> None:
    """Engine hook (installed by the door, on in production): check what the door runs."""
    tenant_id = context.execution_options.get(DOOR)
    if tenant_id is None:
        return
    why = _refusal(statement, parameters, tenant_id)
    if why:
        raise UntenantedStatement(why)


def _check_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    """Engine hook of check_every_statement(): refuse SQL on tenant tables outside the door."""
    tenant_id, depth = _state.get()
    options = context.execution_options
    if depth > 0 or DOOR in options:
        return  # unscoped() work; the door checks its own statements
    shape = shape_of(statement, tenant_table_names())
    if shape is None:
        return
    kind = _kind(context, options)
    if kind == "load" or (kind == "flush" and shape.insert is None):
        return
    if kind == "core":
        raise UntenantedStatement(
            f"Core SQL on tenant-owned table {shape.tables[0]!r} outside "
            "tenants.tenant_connection() and unscoped()"
        )
    why = shape.refusal(parameters, tenant_id)
    if why:
        raise UntenantedStatement(why)


def _kind(context, options) -> str:
    """How the statement was made: "orm", "flush" (the unit of work), "load" (attributes or a
    relationship of an object the session holds) or "core" (Core, text, DDL, driver SQL)."""
    compiled = context.compiled
    statement = getattr(compiled, "statement", None)
    if statement is None or isinstance(statement, TextClause) or context.isddl:
        return "core"
    if "compiled_cache" in options and not any(k.startswith("_sa_orm_") for k in options):
        return "flush"  # the mapper's own INSERT/UPDATE/DELETE by primary key
    if statement._propagate_attrs.get("compile_state_plugin") != "orm":
        return "core"
    compile_options = getattr(statement, "_compile_options", None)
    if getattr(compile_options, "_for_refresh_state", False):
        return "load"
    path = getattr(compile_options, "_current_path", None)
    if path is not None and not path.is_root:
        return "load"
    return "orm"


def check_every_statement(engine) -> None:
    """Refuse, on this engine, every statement on a tenant-owned table outside the door and
    unscoped() that does not carry the current tenant (see module). For the test suite."""
    if not event.contains(engine, "before_cursor_execute", _check_statement):
        event.listen(engine, "before_cursor_execute", _check_statement)
