"""Operator console forms: tenant suspend/resume and observer accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from xgm.accounts.forms import validate_password
from xgm.oversight.models import LEVELS


def _strip(value):
    return (value or "").strip()


class SuspendForm(FlaskForm):
    """Suspend a tenant: the reason is shown to its users when they try to sign in."""

    reason = StringField(
        _l("暂停原因"),
        validators=[
            DataRequired(message=_l("请填写暂停原因")),
            Length(max=200, message=_l("最多 200 个字")),
        ],
        filters=[_strip],
    )


class ResumeForm(FlaskForm):
    """Resume a suspended tenant, with an optional note."""

    reason = StringField(
        _l("恢复说明"),
        validators=[Optional(), Length(max=200, message=_l("最多 200 个字"))],
        filters=[_strip],
    )


class ObserverForm(FlaskForm):
    """An operator creates a community or street official's read-only account."""

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
    level = SelectField(
        _l("辖区级别"),
        choices=[SelectChoice(key, label) for key, label in LEVELS.items()],
        validators=[AnyOf(list(LEVELS), message=_l("请选择区县、镇街或社区"))],
        validate_choice=False,
    )
    area = StringField(
        _l("辖区名称"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(max=40, message=_l("最多 40 个字")),
        ],
        filters=[_strip],
        description=_l("与小区资料中的区县、街道或社区名称完全一致，如“西湖区”“北山街道”"),
    )
