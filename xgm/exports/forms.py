"""The export request form (a large export is confirmed with a POST)."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

from xgm.exports.models import PERIOD_KINDS
from xgm.inputs.forms import Form


class ExportForm(Form):
    """Start a background export of one kind for a period (dates are YYYY-MM-DD)."""

    kind = HiddenField(validators=[AnyOf(PERIOD_KINDS, message=_l("未知的导出类型"))])
    first_day = HiddenField("from", validators=[DataRequired(message=_l("请选择开始日期"))])
    last_day = HiddenField("to", validators=[DataRequired(message=_l("请选择结束日期"))])
