"""Complaint forms: the manager's form, the guard's category tiles, the correction, the filters."""

import re
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from chinatime import CN_TZ
from xgm.city import COMPLAINT_CATEGORIES
from xgm.complaints.labels import CATEGORY_LABELS, STATUS_LABELS
from xgm.complaints.models import STATUSES
from xgm.complaints.photos import MAX_PHOTOS, PhotoError, clean_photo
from xgm.inputs.forms import Form

RIDER_CODE_RE = re.compile(r"^[A-Z0-9_-]{4,40}$")
MAX_DESCRIPTION = 500
#: How far back a complaint may be dated, and how much clock skew into the future is tolerated.
MAX_AGE = timedelta(days=30)
FUTURE_SKEW = timedelta(minutes=5)


def category_choices() -> list[tuple[str, str]]:
    """(value, label) of the contract's seven categories."""
    return [(c, CATEGORY_LABELS[c]) for c in COMPLAINT_CATEGORIES]


def to_utc(local: datetime) -> datetime:
    """A naive China-time datetime (from a datetime-local input) as naive UTC."""
    return local.replace(tzinfo=CN_TZ).astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    """A naive UTC datetime as naive China time (for a datetime-local input)."""
    return utc.replace(tzinfo=UTC).astimezone(CN_TZ).replace(tzinfo=None)


def _strip_upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def _int_or_none(value):
    """A hidden id field: anything that is not an integer counts as absent."""
    try:
        return _optional_int(value)
    except (TypeError, ValueError):
        return None


def validate_rider_code(form, field):
    """A rider code as the city prints it: letters and digits."""
    if not RIDER_CODE_RE.match(field.data or ""):
        raise ValidationError(_l("骑手编码应为 4-40 位字母或数字，如 XGM330122000123"))


def validate_category(form, field):
    """One of the contract's seven categories."""
    if field.data not in COMPLAINT_CATEGORIES:
        raise ValidationError(_l("请选择投诉类别"))


def validate_occurred_at(form, field):
    """Not in the future and not older than 30 days (China time entered, stored as UTC)."""
    if field.data is None:
        return
    when = to_utc(field.data)
    now = datetime.now(UTC).replace(tzinfo=None)
    if when > now + FUTURE_SKEW:
        raise ValidationError(_l("发生时间不能晚于现在"))
    if when < now - MAX_AGE:
        raise ValidationError(_l("只能投诉 30 天内发生的事"))


class IncidentFields(Form):
    """The fields the city may refuse and a manager may correct."""

    rider_code = StringField(
        _l("骑手编码"),
        filters=[_strip_upper],
        validators=[DataRequired(message=_l("请填写骑手编码")), validate_rider_code],
    )
    category = SelectField(
        _l("投诉类别"),
        choices=category_choices,
        validate_choice=False,
        validators=[InputRequired(message=_l("请选择投诉类别")), validate_category],
    )
    description = TextAreaField(
        _l("事情经过"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("请写明事情经过")),
            Length(max=MAX_DESCRIPTION, message=_l("最多 500 个字")),
        ],
    )
    occurred_at = DateTimeLocalField(
        _l("发生时间"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(message=_l("请填写发生时间")), validate_occurred_at],
    )


class PhotoFields(Form):
    """Up to 3 evidence photos (JPEG/PNG, <= 5 MB each), re-encoded while validating."""

    photos = MultipleFileField(_l("照片（可不传，最多 3 张）"))
    #: The re-encoded photos, set by validation (xgm.complaints.photos.CleanPhoto).
    clean_photos: list = []

    def validate_photos(self, field):
        """Each chosen file must be a JPEG or PNG of at most 5 MB; at most 3 of them."""
        files = [f for f in (field.data or []) if getattr(f, "filename", "")]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_l("最多上传 3 张照片"))
        cleaned = []
        for upload in files:
            try:
                cleaned.append(clean_photo(upload.read(5 * 1024 * 1024 + 1)))
            except PhotoError as exc:
                raise ValidationError(f"{upload.filename[:60]}：{exc}") from None
        self.clean_photos = cleaned


class ComplaintForm(IncidentFields, PhotoFields):
    """A manager files a complaint (POST /complaints/new)."""

    compound_id = SelectField(_l("小区"), coerce=_optional_int, validate_choice=False)
    gate_id = SelectField(
        _l("门岗（可不选）"), coerce=_optional_int, validate_choice=False, validators=[Optional()]
    )
    arrival_id = HiddenField(filters=[_int_or_none])
    #: "new" once the manager said it is not the incident already filed in the last 10 minutes.
    confirm = HiddenField()

    def validate_compound_id(self, field):
        """Only one of the tenant's live compounds."""
        if field.data is None or field.data not in {v for v, _label in self.compound_id.choices}:
            raise ValidationError(_l("请选择小区"))

    def validate_gate_id(self, field):
        """The gate, when given, must be a gate of the chosen compound."""
        if field.data is None:
            return
        if (self.compound_id.data, field.data) not in self.gate_pairs:
            raise ValidationError(_l("这个门岗不属于所选小区"))

    #: (compound id, gate id) of the tenant's gates; set by the view.
    gate_pairs: frozenset = frozenset()


class GuardComplaintForm(PhotoFields):
    """A guard files a complaint from an arrival card: a category tile and an optional note."""

    category = SelectField(
        _l("投诉类别"),
        choices=category_choices,
        validate_choice=False,
        validators=[InputRequired(message=_l("请选择投诉类别")), validate_category],
    )
    description = TextAreaField(
        _l("补充说明（可不填）"),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_DESCRIPTION, message=_l("最多 500 个字"))],
    )
    confirm = HiddenField()


class CorrectForm(IncidentFields):
    """Correct a complaint the city refused, then send it again."""


class ResendForm(Form):
    """Send a failed complaint again, unchanged (same Idempotency-Key)."""


class DeadlineForm(Form):
    """The owner's complaint deadlines: first answer (1-72 h) and resolution (1-30 days)."""

    complaint_answer_hours = IntegerField(
        _l("首次答复时限（小时）"),
        validators=[
            InputRequired(message=_l("请填写首次答复时限")),
            NumberRange(min=1, max=72, message=_l("首次答复时限应在 1 到 72 小时之间")),
        ],
    )
    complaint_resolve_days = IntegerField(
        _l("办结时限（天）"),
        validators=[
            InputRequired(message=_l("请填写办结时限")),
            NumberRange(min=1, max=30, message=_l("办结时限应在 1 到 30 天之间")),
        ],
    )


class ChaseForm(Form):
    """催办 an overdue complaint, with an optional note for the city (1-200 characters)."""

    note = TextAreaField(
        _l("催办说明（可不填）"),
        filters=[_strip],
        validators=[Optional(), Length(max=200, message=_l("最多 200 个字"))],
    )


class FilterForm(Form):
    """Filters of the complaints list (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("状态"),
        validate_choice=False,
        choices=lambda: [("", _l("全部状态"))] + [(s, STATUS_LABELS[s]) for s in STATUSES],
        validators=[Optional()],
    )
    compound_id = SelectField(
        _l("小区"), coerce=_optional_int, validate_choice=False, validators=[Optional()]
    )
    category = SelectField(
        _l("类别"),
        validate_choice=False,
        choices=lambda: [("", _l("全部类别"))] + category_choices(),
        validators=[Optional()],
    )
    date_from = DateField(_l("从"), validators=[Optional()])
    date_to = DateField(_l("到"), validators=[Optional()])
