"""The compound guide form: amenities, the overstay limit, and the building map upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from xgm.inputs.forms import Form


class GuideForm(Form):
    """Where riders find the rest station, water and charging; how long a stay may last."""

    amenity_station = StringField(
        _l("骑手驿站"), validators=[Length(max=60, message=_l("最多 60 个字"))]
    )
    amenity_water = StringField(
        _l("饮用水"), validators=[Length(max=60, message=_l("最多 60 个字"))]
    )
    amenity_charging = StringField(
        _l("充电"), validators=[Length(max=60, message=_l("最多 60 个字"))]
    )
    overstay_minutes = IntegerField(
        _l("超时停留提醒（分钟）"),
        default=30,
        validators=[
            Optional(),
            NumberRange(min=5, max=720, message=_l("请填写 5 到 720 之间的分钟数")),
        ],
    )
    map_file = FileField(_l("楼幢分布图"))
