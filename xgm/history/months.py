"""Pure helpers of monthly partitions: month starts, partition names, the SQL that makes them."""

from __future__ import annotations

from datetime import datetime

#: Tables kept as one partition per month on PostgreSQL (by their `created_at`, naive UTC).
PARTITIONED = ("arrival", "rider_data_access")
#: Rider personal data blanked when an arrival partition is blanked whole.
PERSONAL_COLUMNS = {"arrival": ("rider_name", "rider_phone", "photo_url")}


def month_start(moment: datetime) -> datetime:
    """The first instant of the month of `moment`."""
    return datetime(moment.year, moment.month, 1)


def add_months(month: datetime, count: int) -> datetime:
    """The start of the month `count` months after `month` (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1)


def months(first: datetime, last: datetime) -> list[datetime]:
    """Month starts from the month of `first` to the month of `last`, both included."""
    out, month = [], month_start(first)
    while month <= month_start(last):
        out.append(month)
        month = add_months(month, 1)
    return out


def partition_name(table: str, month: datetime) -> str:
    """arrival_p202612 for December 2026."""
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    """The catch-all partition of rows outside every monthly one."""
    return f"{table}_pdefault"


def bounds(month: datetime) -> tuple[str, str]:
    """The FROM and TO literals of a month's partition."""
    return f"{month:%Y-%m-%d} 00:00:00", f"{add_months(month, 1):%Y-%m-%d} 00:00:00"


def is_partition_of(table: str, name: str) -> bool:
    """True for a partition's name of `table` (a monthly one or the default)."""
    prefix = f"{table}_p"
    rest = name[len(prefix) :] if name.startswith(prefix) else ""
    return rest == "default" or (len(rest) == 6 and rest.isdigit())


def is_any_partition(name: str) -> bool:
    """True for a partition of any partitioned table (autogenerate leaves them alone)."""
    return any(is_partition_of(table, name) for table in PARTITIONED)
