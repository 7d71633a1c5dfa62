"""The audit log: who did what, when, on which phone, from which address; append-only.

This package records (`record`) and names (`KINDS`) the events; the page that lists them is
`xgm.auditlog`, above the accounts and navigation it needs.
"""

from xgm.audit.events import KINDS, record, register_kinds

__all__ = ["KINDS", "record", "register_kinds"]
