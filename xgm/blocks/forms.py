"""The form managers use to block a rider."""

import re
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from chinatime import CN_TZ, today_in_china
from xgm.inputs.forms import Form

RIDER_CODE_RE = re.compile(r"^[A-Z0-9_-]{4,32}$")


def normalise_rider_code(value: str | None) -> str:
    """Rider codes are compared upper-case without spaces."""
    return (value or "").strip().replace(" ", "").upper()


def end_of_day_utc(day: date) -> datetime:
    """The naive-UTC moment a block 'until <day>' ends: midnight after that day in China."""
    moment = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=CN_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


class BlockForm(Form):
    """Rider code, where (one compound or all), why, and until when (optional)."""

    rider_code = StringField(
        _l("骑手编号（小哥码）"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(max=32, message=_l("最多 32 个字符")),
        ],
    )
    compound_id = SelectField(_l("范围"), coerce=int)
    reason = StringField(
        _l("原因"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(min=2, max=200, message=_l("请填写 2 到 200 个字")),
        ],
    )
    ends_on = DateField(_l("截止日期（可不填，表示长期有效）"), validators=[Optional()])

    def validate_rider_code(self, field):
        """Letters and digits as the city prints them."""
        field.data = normalise_rider_code(field.data)
        if not RIDER_CODE_RE.match(field.data):
            raise ValidationError(_l("骑手编号格式不正确，应为小哥码上的编号，如 XGM330122000123"))

    def validate_ends_on(self, field):
        """An end date must not lie in the past."""
        if field.data is not None and field.data < today_in_china():
            raise ValidationError(_l("截止日期不能早于今天"))
