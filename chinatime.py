"""China Standard Time, defined once for xgm and printables: UTC+8, no daylight saving.

China has kept no daylight saving since 1991, so the zone is a fixed offset: it formats as the
city contract writes times (`2026-11-28T12:00:00+08:00`) and needs no time zone database.
Every Chinese wall-clock time or date in the product is reckoned from here, and
tests/test_config.py fails on another definition. The standard library only, at the bottom of
the layers: printables (which knows nothing of xgm) and xgm both import it.
"""

from datetime import UTC, date, datetime, timedelta, timezone

#: The zone's IANA name, for libraries that take one (Flask-Babel's BABEL_DEFAULT_TIMEZONE).
CN_ZONE_NAME = "Asia/Shanghai"
#: Hours China is ahead of UTC, for date arithmetic in SQL.
CN_OFFSET_HOURS = 8
#: The same as a timedelta: naive UTC + CN_OFFSET is naive Chinese wall-clock time.
CN_OFFSET = timedelta(hours=CN_OFFSET_HOURS)
#: China Standard Time as a tzinfo.
CN_TZ = timezone(CN_OFFSET, "CST")


def now_in_china() -> datetime:
    """Now, aware, in China time."""
    return datetime.now(CN_TZ)


def today_in_china(now: datetime | None = None) -> date:
    """Today's date in China; with `now` (aware, or naive UTC as stored) that moment's date."""
    if now is None:
        return datetime.now(CN_TZ).date()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(CN_TZ).date()
