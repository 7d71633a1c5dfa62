"""CPU used by other processes, for the benchmarks (Linux /proc): a pid's user + system seconds,
its parent, and the PostgreSQL backends serving one database."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 when it is gone)."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def parent_pid(pid: int) -> int | None:
    """The parent of a process, or None when it is gone."""
    try:
        return int(_stat_fields(pid)[1])
    except (OSError, ValueError, IndexError):
        return None


def children(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    return [int(d) for d in os.listdir("/proc") if d.isdigit() and parent_pid(int(d)) == pid]


def backend_pids(admin_url: str, dbname: str) -> list[int]:
    """The PostgreSQL backends connected to dbname now."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (dbname,)
        ).fetchall()
    return [r[0] for r in rows]


def backend_cpu(admin_url: str, dbname: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to dbname."""
    return sum(cpu_seconds(pid) for pid in backend_pids(admin_url, dbname))
