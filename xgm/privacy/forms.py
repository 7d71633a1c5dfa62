"""The owner's retention setting."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from xgm.inputs.forms import Form

RETENTION_MIN, RETENTION_MAX = 30, 730


class RetentionForm(Form):
    """How many days rider names, phones and photos are kept (30 to 730)."""

    retention_days = IntegerField(
        _l("骑手个人信息保留天数"),
        validators=[
            InputRequired(message=_l("请填写保留天数")),
            NumberRange(
                min=RETENTION_MIN,
                max=RETENTION_MAX,
                message=_l("保留天数应在 30 到 730 天之间"),
            ),
        ],
    )
