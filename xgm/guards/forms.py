"""Forms for guard accounts, PINs, the shift length and the PIN sign-in on a gate phone."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from xgm.accounts.forms import validate_phone
from xgm.guards.pins import pin_problem
from xgm.inputs.forms import Form


def _strip(value):
    return (value or "").strip()


def _lenient_int(value):
    """Coerce a submitted id to int; junk becomes None (reported as "please choose")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def validate_pin(form, field):
    """Exactly six digits, and not a trivially guessable one."""
    problem = pin_problem(field.data)
    if problem == "format":
        raise ValidationError(_l("PIN 必须是 6 位数字"))
    if problem == "weak":
        raise ValidationError(_l("PIN 太容易被猜到（如 000000、123456、121212），请换一个"))


def _optional_pin_field():
    return StringField(
        _l("PIN（6 位数字）"),
        validators=[Optional(), validate_pin],
        filters=[_strip],
        render_kw={"inputmode": "numeric", "maxlength": 6, "pattern": "[0-9]{6}"},
    )


class GuardForm(Form):
    """A manager adds or edits a guard; the compound choices are set by the view."""

    name = StringField(
        _l("姓名"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(max=50, message=_l("最多 50 个字")),
        ],
        filters=[_strip],
    )
    phone = StringField(
        _l("手机号"), validators=[DataRequired(message=_l("此项必填")), validate_phone]
    )
    employee_no = StringField(
        _l("工号（可选）"),
        validators=[Optional(), Length(max=30, message=_l("最多 30 个字"))],
        filters=[_strip],
    )
    compound_id = SelectField(
        _l("所在小区"),
        coerce=_lenient_int,
        validate_choice=False,
        validators=[DataRequired(message=_l("请选择小区"))],
    )

    def validate_compound_id(self, field):
        """The chosen compound must be one of the tenant's (the view fills the choices)."""
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("请选择小区"))


class NewGuardForm(GuardForm):
    """Adding a guard also sets the PIN (left empty, one is generated)."""

    pin = _optional_pin_field()


class ResetPinForm(Form):
    """A manager gives a guard a new PIN (typed, or generated when left empty)."""

    pin = _optional_pin_field()


class ShiftForm(Form):
    """The owner sets how long a guard session lasts."""

    shift_hours = IntegerField(
        _l("每班时长（小时）"),
        validators=[
            DataRequired(message=_l("请输入 1 到 24 之间的整数")),
            NumberRange(min=1, max=24, message=_l("请输入 1 到 24 之间的整数")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class PinSignInForm(Form):
    """A guard taps their name and types their PIN on the phone's PIN pad."""

    guard_id = IntegerField(validators=[DataRequired(message=_l("请先点选您的名字"))])
    pin = PasswordField(
        _l("PIN"),
        validators=[DataRequired(message=_l("请输入 6 位 PIN"))],
        filters=[_strip],
    )
