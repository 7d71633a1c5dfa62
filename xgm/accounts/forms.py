"""Sign-up, sign-in and team forms."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from tenants import normalise_uscc, uscc_error
from tenants.uscc import first_bad_char
from xgm.accounts.passwords import password_problem
from xgm.inputs.forms import Form

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

USCC_MESSAGES = {
    "length": _l("统一社会信用代码应为 18 位，您填了 %(n)d 位：请对照营业执照核对"),
    "charset": _l(
        "第 %(pos)d 位的“%(char)s”是无效字符：统一社会信用代码里没有字母 I、O、Z、S、V，"
        "请看看是不是数字 1、0、2、5"
    ),
    "check_digit": _l(
        "校验位不正确：最后一位和前面 17 位对不上，多半是有一位抄错了，请对照营业执照逐位核对"
    ),
}


def validate_phone(form, field):
    """A mainland mobile number or a landline with area code."""
    value = (field.data or "").strip().replace(" ", "")
    if not PHONE_RE.match(value):
        raise ValidationError(_l("请输入有效的手机号或座机号（如 13800001234 或 0571-12345678）"))
    field.data = value


def validate_password(form, field):
    """At least 10 characters, not all digits."""
    problem = password_problem(field.data or "")
    if problem == "short":
        raise ValidationError(_l("密码至少 10 个字符"))
    if problem == "digits":
        raise ValidationError(_l("密码不能全是数字"))


def validate_uscc(form, field):
    """GB 32100-2015 check digit, after full-width characters, spaces and dashes are folded."""
    field.data = normalise_uscc(field.data)
    problem = uscc_error(field.data)
    if problem == "length":
        raise ValidationError(USCC_MESSAGES[problem] % {"n": len(field.data)})
    if problem == "charset":
        position, char = first_bad_char(field.data)
        raise ValidationError(USCC_MESSAGES[problem] % {"pos": position, "char": char})
    if problem:
        raise ValidationError(USCC_MESSAGES[problem])


def _required():
    return DataRequired(message=_l("此项必填"))


def _email_field(label):
    return EmailField(
        label,
        validators=[_required(), Email(message=_l("请输入有效的邮箱地址")), Length(max=254)],
        filters=[lambda v: (v or "").strip().lower()],
    )


def _password_fields():
    password = PasswordField(_l("密码"), validators=[_required(), validate_password])
    confirm = PasswordField(
        _l("确认密码"),
        validators=[_required(), EqualTo("password", message=_l("两次输入的密码不一致"))],
    )
    return password, confirm


class SignupForm(Form):
    """A property company signs itself up with its owner account."""

    company_name = StringField(
        _l("公司名称"),
        validators=[_required(), Length(max=100, message=_l("最多 100 个字"))],
        filters=[lambda v: (v or "").strip()],
    )
    uscc = StringField(_l("统一社会信用代码"), validators=[_required(), validate_uscc])
    contact_name = StringField(
        _l("联系人"),
        validators=[_required(), Length(max=50, message=_l("最多 50 个字"))],
        filters=[lambda v: (v or "").strip()],
    )
    email = _email_field(_l("邮箱（用于登录）"))
    phone = StringField(_l("联系电话"), validators=[_required(), validate_phone])
    password, password_confirm = _password_fields()


class LoginForm(Form):
    """Email and password sign-in for owners and managers."""

    email = EmailField(
        _l("邮箱"), validators=[_required()], filters=[lambda v: (v or "").strip().lower()]
    )
    password = PasswordField(_l("密码"), validators=[_required()])


class ManagerForm(Form):
    """The owner adds a manager account."""

    name = StringField(
        _l("姓名"),
        validators=[_required(), Length(max=50, message=_l("最多 50 个字"))],
        filters=[lambda v: (v or "").strip()],
    )
    email = _email_field(_l("邮箱（用于登录）"))
    phone = StringField(_l("手机号"), validators=[_required(), validate_phone])
    password, password_confirm = _password_fields()


class PasswordChangeForm(Form):
    """A signed-in user changes their password."""

    current_password = PasswordField(_l("当前密码"), validators=[_required()])
    password, password_confirm = _password_fields()


class ConfirmForm(Form):
    """A bare form carrying only the CSRF token, for one-button POST actions."""


class InvitationForm(Form):
    """POST /team/invitations: the owner invites a manager by email."""

    name = StringField(
        _l("姓名"),
        validators=[_required(), Length(max=50, message=_l("最多 50 个字"))],
        filters=[lambda v: (v or "").strip()],
    )
    email = _email_field(_l("邮箱（对方用它登录）"))


class AcceptInvitationForm(Form):
    """The invited manager sets a password (and a phone number for the team list)."""

    phone = StringField(_l("手机号"), validators=[_required(), validate_phone])
    password, password_confirm = _password_fields()
