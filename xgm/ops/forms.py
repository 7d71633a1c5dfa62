"""Operator console forms: tenant suspend/resume and observer accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from xgm.accounts.forms import validate_password
from xgm.divisions.catalog import catalog
from xgm.inputs.forms import Form
from xgm.oversight.models import ROLES

#: Division levels an observer may be bound to.
OBSERVER_LEVELS = ("city", "county", "street", "community")
#: Division levels a regulator (监管) may be bound to.
REGULATOR_LEVELS = ("city", "county")


def _strip(value):
    return (value or "").strip()


class SuspendForm(Form):
    """Suspend a tenant: the reason is shown to its users when they try to sign in."""

    reason = StringField(
        _l("暂停原因"),
        validators=[
            DataRequired(message=_l("请填写暂停原因")),
            Length(max=200, message=_l("最多 200 个字")),
        ],
        filters=[_strip],
    )


class ResumeForm(Form):
    """Resume a suspended tenant, with an optional note."""

    reason = StringField(
        _l("恢复说明"),
        validators=[Optional(), Length(max=200, message=_l("最多 200 个字"))],
        filters=[_strip],
    )


def validate_observer_division(field) -> None:
    """The field holds a known city, county, street or community code (else a form error)."""
    division = catalog().get(field.data)
    if division is None:
        raise ValidationError(_l("请从列表中选择辖区"))
    if division.level not in OBSERVER_LEVELS:
        raise ValidationError(_l("辖区须是市、区县、镇街或社区，请选到市一级或以下"))


class ObserverAreaForm(Form):
    """The operator binds an observer to a division (and sets the role)."""

    division_code = StringField(
        _l("辖区"),
        validators=[DataRequired(message=_l("请从列表中选择辖区"))],
        filters=[_strip],
    )
    role = SelectField(
        _l("角色"),
        choices=[SelectChoice(key, label) for key, label in ROLES.items()],
        validators=[AnyOf(list(ROLES), message=_l("请选择观察员或监管"))],
        validate_choice=False,
        default="observer",
    )

    def validate_division_code(self, field):
        """A known city, county, street or community code."""
        validate_observer_division(field)

    def validate_role(self, field):
        """A regulator (监管) oversees a county or a city, not a street or community."""
        division = catalog().get(self.division_code.data)
        regulator = field.data == "regulator"
        if regulator and division is not None and division.level not in REGULATOR_LEVELS:
            raise ValidationError(_l("监管账号须绑定到市或区县"))


class ObserverForm(ObserverAreaForm):
    """An operator creates an official's read-only account bound to one division."""

    name = StringField(
        _l("姓名或单位"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(max=50, message=_l("最多 50 个字")),
        ],
        filters=[_strip],
    )
    email = EmailField(
        _l("邮箱（用于登录）"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Email(message=_l("请输入有效的邮箱地址")),
            Length(max=254),
        ],
        filters=[lambda v: (v or "").strip().lower()],
    )
    password = PasswordField(
        _l("初始密码"), validators=[DataRequired(message=_l("此项必填")), validate_password]
    )
