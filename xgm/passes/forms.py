"""Forms of the scan: the rider's manual registration, the guard's deny (and block)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from xgm.accounts.forms import validate_phone
from xgm.inputs.forms import Form

#: Delivery platforms offered to the rider: the stored value stays Chinese, the label is translated.
PLATFORMS = (
    ("美团外卖", _l("美团外卖")),
    ("饿了么", _l("饿了么")),
    ("达达快送", _l("达达快送")),
    ("闪送", _l("闪送")),
    ("顺丰同城", _l("顺丰同城")),
    ("其他", _l("其他")),
)


class ManualForm(Form):
    """Name, phone and platform, typed by the rider; the guard checks them at the gate."""

    name = StringField(
        _l("姓名"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(min=2, max=20, message=_l("请填写 2 到 20 个字")),
        ],
    )
    phone = StringField(
        _l("手机号"), validators=[DataRequired(message=_l("此项必填")), validate_phone]
    )
    platform = SelectField(
        _l("配送平台"), choices=[SelectChoice(value, label) for value, label in PLATFORMS]
    )


#: Quick reasons offered on the guard's 拒绝 panel (a free text is always possible).
DENY_REASONS = (
    _l("非本小区订单"),
    _l("身份与照片不符"),
    _l("未戴头盔"),
    _l("态度恶劣"),
    _l("车辆停放不当"),
)
#: How long a guard's block lasts, in days (0: until a manager lifts it).
BLOCK_DAYS = (0, 7, 30)


class DenyForm(Form):
    """The guard's reason to deny, and optionally a block of the rider at this compound."""

    reason = StringField(
        _l("原因"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(min=2, max=200, message=_l("请填写 2 到 200 个字")),
        ],
    )
    block = BooleanField(_l("同时加入本小区黑名单"))
    block_days = IntegerField(_l("黑名单天数"), default=0, validators=[Optional()])

    def validate_block_days(self, field):
        """Only the offered durations."""
        if field.data is not None and field.data not in BLOCK_DAYS:
            raise ValidationError(_l("黑名单天数无效"))
