"""The manual registration form a rider fills in while the city platform is down."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from xgm.accounts.forms import validate_phone

PLATFORMS = ("美团外卖", "饿了么", "达达快送", "闪送", "顺丰同城", "其他")


class ManualForm(FlaskForm):
    """Name, phone and platform, typed by the rider; the guard checks them at the gate."""

    name = StringField(_l("姓名"), validators=[DataRequired(), Length(min=2, max=20)])
    phone = StringField(_l("手机号"), validators=[DataRequired(), validate_phone])
    platform = SelectField(_l("配送平台"), choices=[(p, p) for p in PLATFORMS])
