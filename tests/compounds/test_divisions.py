"""Compounds choose their division: POST division_code, or free text that names exactly one."""

import re

import pytest

from tests.factories import COMPOUND_FORM
from xgm.complaints.payload import build_payload
from xgm.compounds.models import Compound

FORM = {"name": "江滨花园", "address": "桐庐县江滨路 1 号", "hotline": "0571-64612345"}
TONGLU_CHENGNAN = "330122004000"
JIANGBIN = "330122004018"


def _area(compound: Compound) -> tuple:
    return (
        compound.division_code,
        compound.district,
        compound.street,
        compound.community,
        compound.community_unverified,
    )


def _created(office, response) -> Compound:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return office.compound(int(response.headers["Location"].removeprefix("/compounds/")))


def test_a_community_code_places_the_compound_and_names_its_area(office):
    """division_code of a community: stored, with 区县 / 镇街道 / 社区 names from the data
    (whatever text came along)."""
    response = office.post(
        "/compounds/new", {**FORM, "division_code": JIANGBIN, "district": "西湖区", "street": "x"}
    )
    compound = _created(office, response)
    assert _area(compound) == (JIANGBIN, "桐庐县", "城南街道", "江滨社区", False)


def test_a_street_code_alone(office):
    """A street code places the compound in the street, with no community."""
    compound = _created(
        office, office.post("/compounds/new", {**FORM, "division_code": TONGLU_CHENGNAN})
    )
    assert _area(compound) == (TONGLU_CHENGNAN, "桐庐县", "城南街道", "", False)


def test_a_community_typed_under_a_chosen_street(office):
    """A street code and a community the data lacks: kept as typed, marked unverified, and
    the manager is told; a typed name the street does hold becomes its code."""
    response = office.post(
        "/compounds/new", {**FORM, "division_code": TONGLU_CHENGNAN, "community": "新城社区"}
    )
    compound = _created(office, response)
    assert _area(compound) == (TONGLU_CHENGNAN, "桐庐县", "城南街道", "新城社区", True)
    page = office.client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    assert "已标记为待核实" in page and "社区待核实" in page
    again = office.post(
        "/compounds/new",
        {**FORM, "name": "二号院", "division_code": TONGLU_CHENGNAN, "community": "江滨社区"},
    )
    assert _area(_created(office, again)) == (JIANGBIN, "桐庐县", "城南街道", "江滨社区", False)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("339999999999", "请从列表中选择所在的街道或社区"),
        ("330122", "请选择到镇街道或社区（村）"),
        ("330100", "请选择到镇街道或社区（村）"),
    ],
)
def test_a_bad_code_is_a_form_error(office, code, message):
    """An unknown code, or a county or city: 200 with the reason, nothing saved."""
    response = office.post("/compounds/new", {**FORM, "division_code": code})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert office.count(Compound) == 0


def test_free_text_naming_exactly_one_division_is_accepted(office):
    """The old fields still work: 桐庐县 / 城南街道 / 江滨社区 is one community."""
    response = office.post(
        "/compounds/new",
        {**FORM, "district": "桐庐县", "street": "城南街道", "community": "江滨社区"},
    )
    assert _area(_created(office, response)) == (JIANGBIN, "桐庐县", "城南街道", "江滨社区", False)


def test_free_text_naming_several_streets_asks_to_pick(office):
    """城南街道 alone is four streets: 200, the candidates named, nothing saved."""
    response = office.post("/compounds/new", {**FORM, "street": "城南街道"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        "有 4 个“城南街道”：杭州市桐庐县城南街道、温州市乐清市城南街道、嘉兴市南湖区城南街道、"
        "绍兴市越城区城南街道。请从列表中选择" in html
    )
    assert office.count(Compound) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"district": "淳安县", "street": "城南街道"}, "没有找到镇街道“城南街道”"),
        ({"district": "桐庐区", "street": "城南街道"}, "没有找到区县“桐庐区”"),
        ({"community": "没有这个社区"}, "没有找到社区“没有这个社区”"),
        ({"district": "桐庐县"}, "请填写镇街道"),
    ],
)
def test_free_text_naming_nothing_asks_to_pick(office, fields, message):
    """No such place: 200 with the reason on the field, nothing saved."""
    response = office.post("/compounds/new", {**FORM, **fields})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert office.count(Compound) == 0


def test_no_area_at_all_is_saved_and_listed_on_the_home_page(office):
    """A compound without any area is saved; the home page asks to pick its division, and
    stops once it has one (archived ones are not asked about)."""
    compound = _created(office, office.post("/compounds/new", FORM))
    assert _area(compound) == ("", "", "", "", False)
    office.add_compound("旧院", archived=True, district="", street="", community="")
    home = office.client.get("/").get_data(as_text=True)
    assert "以下小区还没有选择所在的街道和社区" in home
    assert re.findall(r'<a href="/compounds/(\d+)/edit">为“([^”]+)”选择街道和社区</a>', home) == [
        (str(compound.id), "江滨花园")
    ]
    response = office.post(f"/compounds/{compound.id}/edit", {**FORM, "division_code": JIANGBIN})
    assert response.status_code == 302
    assert "还没有选择所在的街道" not in office.client.get("/").get_data(as_text=True)


def test_editing_without_the_picker_uses_the_text_not_the_stored_code(office):
    """A browser without script sends the text fields only: a new street typed there wins
    over the code stored before (which the form did not send)."""
    compound = _created(office, office.post("/compounds/new", {**FORM, "division_code": JIANGBIN}))
    response = office.post(
        f"/compounds/{compound.id}/edit",
        {**FORM, "district": "西湖区", "street": "北山街道", "community": "宝石社区"},
    )
    assert response.status_code == 302
    assert _area(office.compound(compound.id)) == (
        "330106002052",
        "西湖区",
        "北山街道",
        "宝石社区",
        False,
    )


def test_editing_with_the_picker_drops_a_stale_community(office):
    """The picker sends the street alone (community input disabled): no community, not the
    stored one."""
    compound = _created(office, office.post("/compounds/new", {**FORM, "division_code": JIANGBIN}))
    response = office.post(
        f"/compounds/{compound.id}/edit", {**FORM, "division_code": TONGLU_CHENGNAN}
    )
    assert response.status_code == 302
    assert _area(office.compound(compound.id)) == (TONGLU_CHENGNAN, "桐庐县", "城南街道", "", False)


def test_the_edit_form_carries_the_chosen_chain(office):
    """The edit page gives the selects the codes from the province down to the community."""
    compound = _created(office, office.post("/compounds/new", {**FORM, "division_code": JIANGBIN}))
    html = office.client.get(f"/compounds/{compound.id}/edit").get_data(as_text=True)
    assert (
        'data-chain="[&#34;330000&#34;, &#34;330100&#34;, &#34;330122&#34;, '
        '&#34;330122004000&#34;, &#34;330122004018&#34;]"' in html
    )
    new = office.client.get("/compounds/new").get_data(as_text=True)
    assert 'data-chain="[&#34;330000&#34;, &#34;330100&#34;]"' in new  # 浙江省, 杭州市 preset
    assert '<input type="hidden" id="division_code" name="division_code" value="" disabled>' in new


def test_the_city_receives_the_names_of_the_division(office):
    """The complaint body's compound section carries the names derived from the code."""
    compound = _created(office, office.post("/compounds/new", {**FORM, "division_code": JIANGBIN}))

    class Tenant:
        name, uscc = "桐庐安居物业服务有限公司", "91330122MA2XXXXXX1"

    from datetime import datetime

    body = build_payload(
        reference="R1",
        rider_code="XGM1",
        category="no_helmet",
        description="",
        occurred_at=datetime(2026, 1, 1),
        compound=compound,
        gate=None,
        tenant=Tenant,
        reporter_name="李经理",
        reporter_role="manager",
        reporter_phone="",
    )
    assert body["compound"] == {
        "name": "江滨花园",
        "address": "桐庐县江滨路 1 号",
        "district": "桐庐县",
        "street": "城南街道",
        "community": "江滨社区",
    }


def test_the_old_contract_form_still_saves(office):
    """COMPOUND_FORM (桐庐县 / 桐君街道 / 滨江社区): the street resolves, the community is not in
    the data, so it is kept as typed and marked unverified."""
    compound = _created(office, office.post("/compounds/new", COMPOUND_FORM))
    assert _area(compound) == ("330122003000", "桐庐县", "桐君街道", "滨江社区", True)
