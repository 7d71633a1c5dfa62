"""Forms for enrolling and managing gate phones."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from xgm.inputs.forms import Form


def _strip(value):
    return (value or "").strip()


class NewCodeForm(Form):
    """A manager asks for an enrollment code for a compound, optionally for one gate."""

    gate_id = IntegerField(_l("门岗"), validators=[Optional()], render_kw={"inputmode": "numeric"})


class EnrollForm(Form):
    """The gate phone enters the code a manager gave it."""

    code = StringField(
        _l("登记码"),
        validators=[DataRequired(message=_l("请输入管理员给您的 8 位登记码"))],
        filters=[_strip],
    )


class RenameForm(Form):
    """A manager names a phone so guards and the audit log can tell phones apart."""

    name = StringField(
        _l("手机名称"),
        validators=[
            DataRequired(message=_l("此项必填")),
            Length(max=40, message=_l("最多 40 个字")),
        ],
        filters=[_strip],
    )
