"""The owner's retention setting."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from xgm.inputs.forms import Form

RETENTION_MIN, RETENTION_MAX = 30, 730
#: Audit events are kept at least six months (Cybersecurity Law art. 21), at most ten years.
AUDIT_RETENTION_MIN, AUDIT_RETENTION_MAX = 180, 3650


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
    audit_retention_days = IntegerField(
        _l("审计日志保留天数"),
        validators=[
            Optional(),  # left out: unchanged
            NumberRange(
                min=AUDIT_RETENTION_MIN,
                max=AUDIT_RETENTION_MAX,
                message=_l("审计日志至少保留 180 天，最多 3650 天"),
            ),
        ],
    )
