"""Run code after a commit that changed rows of given models: `on_committed_change()`.

Caches built from database rows (gate tokens, blocklists) must be retired once a change to
those rows is committed, not before (a reader could cache the old row again). One set of
session listeners serves every watcher: each flushed new, changed or deleted instance of a
watched model, and each ORM bulk UPDATE or DELETE of one, notes its tenant id ("*" when it is
not known) on the session; right after the commit each watcher is called with the tenant ids of
its models' changes. Writes that bypass the ORM (raw SQL) are not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from tenants import current_tenant_id, in_unscoped

#: (models, callback) pairs; the callback gets the set of tenant ids ("*": unknown).
_WATCHERS: list[tuple[tuple[type, ...], Callable[[set], None]]] = []
#: session.info entry: watcher index -> tenant ids changed in this transaction.
_CHANGED = "xgm_committed_changes"


def on_committed_change(models: Iterable[type], callback: Callable[[set], None]) -> None:
    """Call `callback(tenant_ids)` after every commit that changed rows of these models."""
    _WATCHERS.append((tuple(models), callback))


def _note(session, index: int, tenant_id) -> None:
    session.info.setdefault(_CHANGED, {}).setdefault(index, set()).add(tenant_id or "*")


@event.listens_for(Session, "after_flush")
def _note_flushed(session, flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        for index, (models, _) in enumerate(_WATCHERS):
            if isinstance(obj, models):
                _note(session, index, getattr(obj, "tenant_id", None))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(orm_execute_state) -> None:
    """An ORM UPDATE or DELETE bypasses the flush: its tenant, or every tenant."""
    state = orm_execute_state
    if not (state.is_update or state.is_delete):
        return
    subject = getattr(state.statement._propagate_attrs.get("plugin_subject"), "class_", None)
    if subject is None:
        return
    for index, (models, _) in enumerate(_WATCHERS):
        if issubclass(subject, models):
            _note(state.session, index, None if in_unscoped() else current_tenant_id())


@event.listens_for(Session, "after_commit")
def _call_watchers(session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed and has_app_context():
        for index, tenant_ids in changed.items():
            _WATCHERS[index][1](tenant_ids)
