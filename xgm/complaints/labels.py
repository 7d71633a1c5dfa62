"""Chinese labels of complaint categories and statuses (translated for the UI by Flask-Babel)."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from xgm.city import COMPLAINT_CATEGORIES

CATEGORY_LABELS = {
    "unsafe_riding": _l("超速/逆行"),
    "no_helmet": _l("未戴头盔"),
    "trespassing": _l("擅闯/不按规定路线"),
    "rude_behaviour": _l("态度恶劣/言语冲突"),
    "improper_parking": _l("乱停乱放"),
    "littering": _l("乱扔垃圾"),
    "other": _l("其他"),
}
assert tuple(CATEGORY_LABELS) == COMPLAINT_CATEGORIES

STATUS_LABELS = {
    "queued": _l("待发送"),
    "sending": _l("发送中"),
    "received": _l("城市平台已受理"),
    "forwarded": _l("已转交"),
    "investigating": _l("核查中"),
    "resolved": _l("已处理"),
    "rejected": _l("不予处理"),
    "failed": _l("发送失败"),
}

#: Names of the complaint's fields in the city's refusals, for the manager.
FIELD_LABELS = {
    "rider_code": _l("骑手编码"),
    "category": _l("类别"),
    "description": _l("事情经过"),
    "occurred_at": _l("发生时间"),
    "compound": _l("小区"),
    "gate": _l("门岗"),
    "reporter": _l("投诉人"),
    "body": _l("投诉内容"),
}

#: CSS tag class of each status on the list and detail pages.
STATUS_TAGS = {
    "queued": "",
    "sending": "warn",
    "received": "ok",
    "forwarded": "ok",
    "investigating": "ok",
    "resolved": "ok",
    "rejected": "bad",
    "failed": "bad",
}


def category_text_zh(category: str) -> str:
    """The category's Chinese label whatever the UI language (it goes to the city as text)."""
    with force_locale("zh_Hans_CN"):
        return str(CATEGORY_LABELS[category])
