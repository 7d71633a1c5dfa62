"""Reporting periods in Beijing time (UTC+8, no daylight saving), as naive-UTC ranges for SQL."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from chinatime import CN_OFFSET, now_in_china, today_in_china
from xgm.inputs import in_supported_range

PERIOD_KEYS = ("today", "7d", "30d", "custom")
MAX_DAYS = 366


class PeriodError(ValueError):
    """A period that cannot be used; the message is a readable Chinese reason."""


@dataclass(frozen=True)
class Period:
    """Whole local days [first_day, last_day], and the matching naive-UTC instants [start, end)."""

    key: str
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        """First instant of the period, naive UTC (how timestamps are stored)."""
        return to_utc(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:
        """First instant after the period, naive UTC."""
        return to_utc(datetime.combine(self.last_day + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        """Number of local days covered."""
        return (self.last_day - self.first_day).days + 1


def local_now() -> datetime:
    """Now in Beijing time (aware)."""
    return now_in_china()


def local_today() -> date:
    """Today's date in Beijing."""
    return today_in_china()


def to_utc(local_naive: datetime) -> datetime:
    """A naive Beijing wall-clock time as the naive UTC instant the database stores."""
    return local_naive - CN_OFFSET


def to_local(utc_naive: datetime | None) -> datetime | None:
    """A stored naive-UTC instant as naive Beijing wall-clock time (for display and CSV)."""
    if utc_naive is None:
        return None
    return utc_naive + CN_OFFSET


def parse_day(value: str | None, what: str) -> date:
    """A strict YYYY-MM-DD date within 2000-01-01..2099-12-31, or PeriodError naming the field."""
    value = (value or "").strip()
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            _("%(what)s日期格式不正确，请使用 YYYY-MM-DD，例如 2024-05-01", what=what)
        ) from None
    if not in_supported_range(day):
        raise PeriodError(_("%(what)s日期应在 2000-01-01 到 2099-12-31 之间", what=what))
    return day


def period_between(first: str | None, last: str | None, max_days: int = MAX_DAYS) -> Period:
    """A custom period from two YYYY-MM-DD strings (both days included)."""
    first_day = parse_day(first, _("开始"))
    last_day = parse_day(last, _("结束"))
    if last_day < first_day:
        raise PeriodError(_("结束日期不能早于开始日期"))
    if (last_day - first_day).days + 1 > max_days:
        raise PeriodError(_("时间范围最长 %(n)d 天", n=max_days))
    return Period("custom", first_day, last_day)


def period_from_args(args, today: date | None = None) -> Period:
    """The period a dashboard URL asks for: ?period=today|7d|30d, or custom with from/to."""
    today = today or local_today()
    key = args.get("period") or "7d"
    if key == "today":
        return Period(key, today, today)
    if key == "30d":
        return Period(key, today - timedelta(days=29), today)
    if key == "custom":
        return period_between(args.get("from"), args.get("to"))
    return Period("7d", today - timedelta(days=6), today)
