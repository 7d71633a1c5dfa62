"""Every form is held to the input limits: NUL, lone surrogates, huge numbers, far dates."""

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, StringField

import xgm
from tests.factories import COMPOUND_FORM
from xgm.accounts.models import User
from xgm.compounds.models import Compound
from xgm.inputs.forms import Form


def _all_form_classes() -> list[type]:
    for info in pkgutil.walk_packages(xgm.__path__, "xgm."):
        if not info.name.startswith("xgm.citysim") and not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in found if c.__module__.startswith("xgm.") and "citysim" not in c.__module__]


def test_every_form_of_the_app_is_held_to_the_limits():
    """Each form class of xgm derives from xgm.inputs.forms.Form (new forms too)."""
    classes = _all_form_classes()
    assert len(classes) > 25
    assert [c.__qualname__ for c in classes if not issubclass(c, Form)] == []


class Sample(Form):
    """A form with one field of each kind the limits look at."""

    class Meta:
        csrf = False

    text = StringField()
    number = IntegerField()
    day = DateField()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("text", "甲\x00乙", "含有无法识别的字符（如空字符），请删除后重新输入"),
        ("text", "甲\ud800乙", "含有无法识别的字符（如空字符），请删除后重新输入"),
        ("number", str(2**31), "数字超出范围，请检查后重新输入"),
        ("number", str(-(2**31) - 1), "数字超出范围，请检查后重新输入"),
        ("number", "9" * 40, "数字超出范围，请检查后重新输入"),
        ("day", "0001-01-01", "日期应在 2000-01-01 到 2099-12-31 之间"),
        ("day", "9999-12-31", "日期应在 2000-01-01 到 2099-12-31 之间"),
        ("day", "1999-12-31", "日期应在 2000-01-01 到 2099-12-31 之间"),
    ],
)
def test_values_beyond_the_limits_are_form_errors(app, field, value, message):
    """The offending field carries the Chinese message; the form does not validate."""
    good = {"text": "甲乙", "number": "7", "day": "2024-05-01"}
    with app.test_request_context(method="POST"):
        form = Sample(formdata=MultiDict({**good, field: value}))
        assert form.validate() is False
        assert [str(e) for e in form.errors[field]] == [message]


def test_values_within_the_limits_pass(app):
    """The edges themselves are fine."""
    with app.test_request_context(method="POST"):
        form = Sample(
            formdata=MultiDict(
                {"text": "甲\u200b乙\u202e", "number": str(2**31 - 1), "day": "2099-12-31"}
            )
        )
        assert form.validate() is True
        form = Sample(formdata=MultiDict({"text": "x", "number": "-5", "day": "2000-01-01"}))
        assert form.validate() is True


def test_nul_in_a_real_form_is_a_form_error_and_saves_nothing(office):
    """POST /compounds/new with a NUL in the name: the form again, with the message; no compound."""
    response = office.post("/compounds/new", {**COMPOUND_FORM, "name": "富春\x00江畔"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "含有无法识别的字符（如空字符），请删除后重新输入" in html
    assert 'value="杭州市桐庐县桐君街道滨江路 288 号"' in html  # what was typed is kept
    assert office.count(Compound) == 0


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        (
            "/complaints/new",
            {
                "rider_code": "XGM330122000123",
                "category": "rude_behaviour",
                "description": "言语冲突",
                "occurred_at": "0001-01-01T00:00",
            },
            "日期应在 2000-01-01 到 2099-12-31 之间",
        ),
        (
            "/blocks",
            {"rider_code": "XGM330122000123", "reason": "多次逆行", "ends_on": "9999-12-31"},
            "日期应在 2000-01-01 到 2099-12-31 之间",
        ),
    ],
)
def test_far_dates_in_office_forms_are_form_errors(office, path, data, message):
    """A complaint dated in year 1 or a block until 9999: the form again with the message."""
    response = office.post(path, {**data, "compound_id": "0"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_huge_gate_id_for_an_enrollment_code_is_refused(office):
    """POST /compounds/<id>/devices/new with gate_id=2^63: 400 with a reason, no code."""
    compound_id = office.add_compound()
    response = office.post(f"/compounds/{compound_id}/devices/new", {"gate_id": str(2**63)})
    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)


@pytest.mark.parametrize("body", ["[1, 2]", '"x"', "[[[[[]]]]]", "null", '{"name": {"a": 1}}'])
def test_a_json_body_that_is_no_flat_object_is_an_empty_form(office, body):
    """Flask-WTF reads JSON bodies as form data: anything but a flat object is no data at all."""
    response = office.client.post(
        "/compounds/new",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": office.csrf},
    )
    assert response.status_code == 200
    assert "此项必填" in response.get_data(as_text=True)
    assert office.count(Compound) == 0


def test_a_lone_surrogate_from_json_is_a_form_error_shown_safely(office):
    """JSON can carry a lone surrogate: a form error, and the page echoes it as U+FFFD."""
    body = '{"name": "王\\ud800五", "email": "w@example.com", "phone": "13800001234"}'
    response = office.client.post(
        "/team", data=body, content_type="application/json", headers={"X-CSRFToken": office.csrf}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "含有无法识别的字符（如空字符），请删除后重新输入" in html
    assert 'value="王\ufffd五"' in html
    assert office.count(User) == 1
