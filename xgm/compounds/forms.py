"""Compound and gate forms: names, address, the property hotline, the buildings list and the
waiting alarm's thresholds."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from xgm.inputs.forms import Form

#: A mobile number; a landline with area code (and an optional extension); a 400/800 number;
#: a short service number (12345, 96xxx), optionally with an area code.
HOTLINE_RE = re.compile(
    r"^(1[3-9]\d{9}"
    r"|0\d{2,3}-?\d{7,8}(-\d{1,6})?"
    r"|[48]00-?\d{3}-?\d{4}"
    r"|(0\d{2,3}-?)?(1\d{4}|9\d{4,5}))$"
)

#: Hangzhou's districts and counties, offered as suggestions (any text is accepted): the value
#: stays Chinese (the city's records use it), the label is translated.
HANGZHOU_DISTRICTS = (
    ("上城区", _l("上城区")),
    ("拱墅区", _l("拱墅区")),
    ("西湖区", _l("西湖区")),
    ("滨江区", _l("滨江区")),
    ("萧山区", _l("萧山区")),
    ("余杭区", _l("余杭区")),
    ("临平区", _l("临平区")),
    ("钱塘区", _l("钱塘区")),
    ("富阳区", _l("富阳区")),
    ("临安区", _l("临安区")),
    ("桐庐县", _l("桐庐县")),
    ("淳安县", _l("淳安县")),
    ("建德市", _l("建德市")),
)

MAX_BUILDINGS = 300
MAX_BUILDING_LENGTH = 40


def clean_text(value: str | None) -> str:
    """Drop control and format characters and squeeze runs of white space (names, addresses)."""
    value = "".join(c for c in value or "" if c.isspace() or unicodedata.category(c)[0] != "C")
    return " ".join(value.split())


def clean_lines(value: str | None) -> str:
    """The buildings textarea: one cleaned, non-empty, distinct line per building."""
    seen: list[str] = []
    for line in (value or "").splitlines():
        line = clean_text(line)
        if line and line not in seen:
            seen.append(line)
    return "\n".join(seen)


def validate_hotline(form, field):
    """A phone number a rider or resident can dial: mobile, landline, 400/800 or service number."""
    # NFKC turns full-width digits and dashes (typed with a Chinese IME) into ASCII.
    value = unicodedata.normalize("NFKC", field.data or "").replace(" ", "").replace("—", "-")
    if not HOTLINE_RE.match(value):
        raise ValidationError(
            _l("请输入有效的电话号码（如 0571-64612345、13800001234 或 400-123-4567）")
        )
    field.data = value


def validate_buildings(form, field):
    """At most MAX_BUILDINGS lines of at most MAX_BUILDING_LENGTH characters."""
    lines = field.data.splitlines() if field.data else []
    if len(lines) > MAX_BUILDINGS:
        raise ValidationError(_l("楼幢最多 %(n)s 行", n=MAX_BUILDINGS))
    if any(len(line) > MAX_BUILDING_LENGTH for line in lines):
        raise ValidationError(_l("每个楼幢名称最多 %(n)s 个字", n=MAX_BUILDING_LENGTH))


def _required():
    return DataRequired(message=_l("此项必填"))


def _max(n: int):
    return Length(max=n, message=_l("最多 %(n)s 个字", n=n))


class CompoundForm(Form):
    """Register or edit a compound (contract field names: name, address, district, ...)."""

    name = StringField(_l("小区名称"), validators=[_required(), _max(60)], filters=[clean_text])
    address = StringField(_l("地址"), validators=[_max(200)], filters=[clean_text])
    #: A street or community code from the cascading selects (xgm.divisions); checked by
    #: xgm.compounds.placing, which also accepts the free-text fields below instead.
    division_code = HiddenField(_l("所在街道或社区"), validators=[_max(12)], filters=[clean_text])
    district = StringField(_l("区县"), validators=[_max(40)], filters=[clean_text])
    street = StringField(_l("镇街道"), validators=[_max(40)], filters=[clean_text])
    community = StringField(_l("社区"), validators=[_max(40)], filters=[clean_text])
    hotline = StringField(
        _l("物业服务电话"), validators=[_required(), validate_hotline], filters=[clean_text]
    )
    buildings = TextAreaField(
        _l("楼幢（每行一个，可选）"),
        validators=[Length(max=12000), validate_buildings],
        filters=[clean_lines],
    )


class GateForm(Form):
    """Add or rename a gate of a compound (东门, 北门, 地库入口 ...)."""

    name = StringField(_l("门岗名称"), validators=[_required(), _max(40)], filters=[clean_text])


#: The waiting alarm's bounds, seconds (a pending arrival expires after 10 minutes).
ALARM_MIN, ALARM_MAX = 10, 300
ESCALATE_MIN, ESCALATE_MAX = 20, 540


class WaitAlarmForm(Form):
    """The waiting alarm of a compound: when a waiting rider's card turns urgent, and when every
    phone of the compound is alerted and the arrival counts as unattended."""

    wait_alarm_seconds = IntegerField(
        _l("骑手等待多少秒后提醒门卫"),
        validators=[
            InputRequired(message=_l("请填写秒数")),
            NumberRange(
                min=ALARM_MIN,
                max=ALARM_MAX,
                message=_l("提醒时间应在 %(a)s 到 %(b)s 秒之间", a=ALARM_MIN, b=ALARM_MAX),
            ),
        ],
    )
    wait_escalate_seconds = IntegerField(
        _l("等待多少秒后通知本小区所有门岗手机"),
        validators=[
            InputRequired(message=_l("请填写秒数")),
            NumberRange(
                min=ESCALATE_MIN,
                max=ESCALATE_MAX,
                message=_l(
                    "通知全部门岗的时间应在 %(a)s 到 %(b)s 秒之间", a=ESCALATE_MIN, b=ESCALATE_MAX
                ),
            ),
        ],
    )

    def validate_wait_escalate_seconds(self, field):
        """The second threshold comes after the first."""
        first = self.wait_alarm_seconds.data
        if isinstance(first, int) and isinstance(field.data, int) and field.data <= first:
            raise ValidationError(_l("通知全部门岗的时间应晚于提醒门卫的时间"))
