"""The tenancy walls in the ORM: scoped reads and writes, stamped inserts, fail closed.

Every SELECT, UPDATE and DELETE that touches a model inheriting `TenantScoped` gets
`tenant_id = <current tenant>` added to it; every new tenant-owned row is stamped with the
current tenant; a flush that would write another tenant's row raises. With no tenant set, any
statement on a tenant-owned model raises `TenantRequired`, except inside `unscoped()`, the one
explicit escape hatch for system work (gate tokens, webhooks, sweeps, operator pages).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from itertools import chain

from sqlalchemy import ForeignKey, Table, event
from sqlalchemy.orm import (
    Mapped,
    Mapper,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors

#: (tenant id or None, depth of nested unscoped() blocks)
_state: ContextVar[tuple[int | None, int]] = ContextVar("xgm_tenant_state", default=(None, 0))


class TenantRequired(RuntimeError):
    """A tenant-owned model was used with no current tenant (and outside unscoped())."""


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a row of a tenant other than the current one."""


class TenantScoped:
    """Mixin for every tenant-owned model: adds `tenant_id` and puts the model behind the walls."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr signature
        return mapped_column(ForeignKey("tenant.id"), nullable=False, index=True)


def current_tenant_id() -> int | None:
    """The id of the tenant the current request or job acts for, or None."""
    return _state.get()[0]


def in_unscoped() -> bool:
    """True inside an unscoped() block."""
    return _state.get()[1] > 0


@contextmanager
def tenant_context(tenant_id: int | None) -> Iterator[None]:
    """Act for one tenant inside the block (jobs, tests, CLI); scoped again even if nested."""
    token = _state.set((tenant_id, 0))
    try:
        yield
    finally:
        _state.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """The one escape hatch: queries inside see every tenant. Keep these blocks small."""
    tenant_id, depth = _state.get()
    token = _state.set((tenant_id, depth + 1))
    try:
        yield
    finally:
        _state.reset(token)


def begin_request_scope():
    """Start a request with no tenant; returns the token that end_request_scope() needs."""
    return _state.set((None, 0))


def end_request_scope(token) -> None:
    """Restore the tenant state that was in force before the request."""
    _state.reset(token)


def set_request_tenant(tenant_id: int) -> None:
    """Bind the current request to a tenant (called once the session is authenticated)."""
    _state.set((tenant_id, 0))


def _is_scoped_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantScoped)


#: The tenant-owned tables; None until read, and again after a mapper is constructed.
_tables: frozenset | None = None


@event.listens_for(Mapper, "after_mapper_constructed")
def _forget_scoped_tables(mapper, class_) -> None:
    global _tables
    _tables = None


def _scoped_tables() -> frozenset:
    """The tables of the TenantScoped models (read once per new mapper: the registry's
    `mappers` builds a new set on every call, too slow for a check paid per statement)."""
    global _tables
    if _tables is None:
        from xgm.extensions import db

        _tables = frozenset(
            m.local_table for m in db.Model.registry.mappers if _is_scoped_class(m.class_)
        )
    return _tables


def _touches_scoped_table(state) -> bool:
    """True when the statement reads or writes any tenant-owned table (subqueries included)."""
    # Fast path, paid by almost every query: the statement's primary entity (a dict lookup)
    # is tenant-owned. Only a True answer is taken from it; anything else gets the full walk.
    subject = state.statement._propagate_attrs.get("plugin_subject")
    if subject is not None and _is_scoped_class(getattr(subject, "class_", None)):
        return True
    if any(_is_scoped_class(m.class_) for m in state.all_mappers):
        return True
    scoped = _scoped_tables()
    return any(
        isinstance(node, Table) and node in scoped for node in visitors.iterate(state.statement)
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(orm_execute_state) -> None:
    """Add the tenant criteria to every ORM SELECT/UPDATE/DELETE on tenant-owned models."""
    state = orm_execute_state
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_select and (state.is_column_load or state.is_relationship_load):
        return  # the criteria of the parent statement propagate to these loads
    tenant_id, depth = _state.get()
    if depth > 0:
        return
    if not _touches_scoped_table(state):
        return
    if tenant_id is None:
        raise TenantRequired(
            "Query on a tenant-owned model with no current tenant; "
            "set one with tenant_context() or use unscoped() for system work."
        )
    state.statement = state.statement.options(_tenant_criteria(tenant_id))


@lru_cache(maxsize=4096)
def _tenant_criteria(tenant_id: int):
    """The loader criteria option for one tenant, built once per tenant and process.

    Building it analyses the lambda (a measurable share of every query's CPU); the option is
    immutable and its only closure value is `tenant_id`, so one object per tenant is shared by
    all statements of that tenant.
    """
    return with_loader_criteria(
        TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_guard(session, flush_context, instances) -> None:
    """Stamp new tenant-owned rows and refuse writes to another tenant's rows."""
    tenant_id, depth = _state.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantRequired(
                    f"Cannot insert {type(obj).__name__} without a tenant; "
                    "set tenant_id explicitly inside unscoped()."
                )
            obj.tenant_id = tenant_id
        elif depth == 0 and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"Insert of {type(obj).__name__} for another tenant")
    if depth > 0:
        return
    for obj in chain(session.dirty, session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            if tenant_id is None:
                raise TenantRequired(f"Write to {type(obj).__name__} with no current tenant")
            raise CrossTenantWrite(f"Write to another tenant's {type(obj).__name__}")
