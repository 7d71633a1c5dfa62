"""The form that adds a group robot."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from xgm.alerts.bots import url_problem
from xgm.alerts.kinds import KINDS
from xgm.inputs.forms import Form

BOT_LABELS = {"wecom": _l("企业微信群机器人"), "dingtalk": _l("钉钉自定义机器人")}

URL_MESSAGES = {
    "host": _l("这不是%(bot)s的地址：请在群设置里复制机器人的 Webhook 地址，原样粘贴"),
    "path": _l("地址不完整：请复制机器人的整个 Webhook 地址"),
    "key": _l("地址里缺少机器人的密钥（key 或 access_token）：请复制整个 Webhook 地址"),
}


class CheckboxesField(SelectMultipleField):
    """Several checkboxes with one name (the subscribed event kinds)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class HookForm(Form):
    """POST /settings/alerts/new: kind, url, secret (DingTalk), events (repeated), name."""

    kind = RadioField(
        _l("机器人类型"),
        choices=[SelectChoice(k, v) for k, v in BOT_LABELS.items()],
        default="wecom",
        validate_choice=False,
    )
    name = StringField(_l("名称（选填，如“保安队长群”）"), validators=[Optional(), Length(max=40)])
    url = StringField(_l("Webhook 地址"), validators=[Length(max=500)])
    secret = StringField(_l("加签密钥（钉钉，SEC 开头）"), validators=[Length(max=200)])
    events = CheckboxesField(
        _l("发送哪些提醒"),
        choices=[SelectChoice(k, v) for k, v in KINDS.items()],
        validate_choice=False,
    )

    def validate_kind(self, field):
        """One of the two bot kinds."""
        if field.data not in BOT_LABELS:
            raise ValidationError(_l("请选择企业微信或钉钉"))

    def validate_url(self, field):
        """A robot URL of the chosen service, with its key."""
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError(_l("请粘贴机器人的 Webhook 地址"))
        kind = self.kind.data if self.kind.data in BOT_LABELS else "wecom"
        base = current_app.config["XGM_WECOM_URL" if kind == "wecom" else "XGM_DINGTALK_URL"]
        problem = url_problem(kind, field.data, base)
        if problem:
            raise ValidationError(URL_MESSAGES[problem] % {"bot": BOT_LABELS[kind]})

    def validate_secret(self, field):
        """DingTalk robots with 加签 need their SEC... secret; WeCom has none."""
        field.data = (field.data or "").strip()
        if self.kind.data == "dingtalk":
            if not field.data.startswith("SEC") or len(field.data) < 20:
                raise ValidationError(
                    _l("请填写钉钉机器人“加签”的密钥（以 SEC 开头，在机器人安全设置里复制）")
                )
        else:
            field.data = ""

    def validate_events(self, field):
        """At least one known kind."""
        field.data = [e for e in (field.data or []) if e in KINDS]
        if not field.data:
            raise ValidationError(_l("请至少选择一种提醒"))
