"""The gate settings form: automatic admission, rider hours, e-bikes, a note, the other gate."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from xgm.gaterules.rules import parse_hhmm
from xgm.inputs.forms import Form

EBIKE_CHOICES = [
    SelectChoice("", _l("不限")),
    SelectChoice("ride", _l("可骑入")),
    SelectChoice("park", _l("须停放在门外")),
]


def _hhmm(form, field):
    if field.data and parse_hhmm(field.data.strip()) is None:
        raise ValidationError(_l("请按 07:00 这样的格式填写（00:00 到 23:59）"))


class GateSettingsForm(Form):
    """POST /gates/<id>/settings (the contract's field names)."""

    auto_admit = BooleanField(_l("自动放行"), false_values=("", "off", "0", "false"))
    hours_from = StringField(_l("骑手通行开始"), validators=[Length(max=5), _hhmm])
    hours_to = StringField(_l("骑手通行结束"), validators=[Length(max=5), _hhmm])
    ebike = SelectField(_l("电动车"), choices=EBIKE_CHOICES, default="")
    ebike_where = StringField(
        _l("停放位置"), validators=[Length(max=60, message=_l("最多 60 个字"))]
    )
    note = StringField(_l("须知"), validators=[Length(max=200, message=_l("最多 200 个字"))])
    other_gate = SelectField(
        _l("最近的其他门岗"), choices=[SelectChoice("", _l("不指定"))], default=""
    )

    def validate_hours_to(self, field):
        """Both ends or neither, and not the same time."""
        start, end = (self.hours_from.data or "").strip(), (field.data or "").strip()
        if bool(start) != bool(end):
            raise ValidationError(_l("开始和结束时间要一起填写，或都不填"))
        if start and start == end:
            raise ValidationError(_l("开始和结束时间不能相同"))
