"""Compounds: register, list, edit, archive; unique names, validation, escaping."""

import pytest

from tests.factories import COMPOUND_FORM
from xgm.compounds.models import Compound


def test_create_redirects_to_the_compound_page(office):
    """POST /compounds/new with the contract fields answers 302 to /compounds/<id>."""
    response = office.post("/compounds/new", COMPOUND_FORM)
    assert response.status_code == 302
    assert office.count(Compound) == 1
    compound_id = int(response.headers["Location"].removeprefix("/compounds/"))
    assert response.headers["Location"] == f"/compounds/{compound_id}"
    compound = office.compound(compound_id)
    assert (compound.name, compound.address, compound.hotline) == (
        "富春江畔花园",
        "杭州市桐庐县桐君街道滨江路 288 号",
        "0571-64612345",
    )
    assert (compound.district, compound.street, compound.community) == (
        "桐庐县",
        "桐君街道",
        "滨江社区",
    )
    assert compound.tenant_id == office.tenant_id


def test_compound_page_and_list_show_the_compound(office):
    """The new compound is on the list and its own page."""
    compound_id = office.add_compound("迎春南苑")
    listing = office.client.get("/compounds")
    page = office.client.get(f"/compounds/{compound_id}")
    assert listing.status_code == 200
    assert page.status_code == 200
    assert "迎春南苑" in listing.get_data(as_text=True)
    assert "迎春南苑" in page.get_data(as_text=True)


def test_new_compound_form_renders(office):
    """GET /compounds/new shows the form with every contract field."""
    html = office.client.get("/compounds/new").get_data(as_text=True)
    for name in ("name", "address", "district", "street", "community", "hotline", "csrf_token"):
        assert f'name="{name}"' in html


def test_duplicate_name_is_a_form_error(office):
    """A second compound with the same name gets a Chinese form error; nothing is created."""
    office.add_compound("富春江畔花园")
    response = office.post("/compounds/new", COMPOUND_FORM)
    assert response.status_code == 200
    assert "已有同名小区" in response.get_data(as_text=True)
    assert office.count(Compound) == 1


def test_duplicate_name_of_an_archived_compound_is_a_form_error(office):
    """An archived compound still holds its name."""
    office.add_compound("富春江畔花园", archived=True)
    response = office.post("/compounds/new", COMPOUND_FORM)
    assert response.status_code == 200
    assert "已有同名小区" in response.get_data(as_text=True)
    assert office.count(Compound) == 1


def test_same_name_in_another_tenant_is_allowed(office, rival):
    """Names are unique within a tenant only."""
    rival.add_compound("富春江畔花园")
    assert office.post("/compounds/new", COMPOUND_FORM).status_code == 302
    assert office.count(Compound) == 1
    assert rival.count(Compound) == 1


def test_renaming_onto_another_compound_is_a_form_error(office):
    """Editing a compound to another compound's name is refused, and the name stays."""
    office.add_compound("迎春南苑")
    compound_id = office.add_compound("富春江畔花园")
    response = office.post(f"/compounds/{compound_id}/edit", {**COMPOUND_FORM, "name": "迎春南苑"})
    assert response.status_code == 200
    assert "已有同名小区" in response.get_data(as_text=True)
    assert office.compound(compound_id).name == "富春江畔花园"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "此项必填"),
        ("name", "   ", "此项必填"),
        ("name", "小" * 61, "最多 60 个字"),
        ("address", "路" * 201, "最多 200 个字"),
        ("district", "区" * 41, "最多 40 个字"),
        ("street", "街" * 41, "最多 40 个字"),
        ("community", "社" * 41, "最多 40 个字"),
        ("hotline", "", "此项必填"),
        ("hotline", "12345abc", "请输入有效的电话号码"),
        ("hotline", "0571-123", "请输入有效的电话号码"),
        ("hotline", "1380000123", "请输入有效的电话号码"),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(office, field, value, message):
    """Missing, over-long or malformed fields answer 200 with the error; no row is created."""
    response = office.post("/compounds/new", {**COMPOUND_FORM, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert office.count(Compound) == 0


def test_sixty_character_name_is_accepted(office):
    """The name limit is 60 characters, inclusive."""
    assert office.post("/compounds/new", {**COMPOUND_FORM, "name": "小" * 60}).status_code == 302
    assert office.count(Compound) == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800001234", "13800001234"),
        ("0571-64612345", "0571-64612345"),
        ("057164612345", "057164612345"),
        ("0571 6461 2345", "057164612345"),
        ("０５７１－６４６１２３４５", "0571-64612345"),
        ("400-826-0571", "400-826-0571"),
        ("0571-12345", "0571-12345"),
        ("0571-64612345-802", "0571-64612345-802"),
    ],
)
def test_hotline_formats_are_accepted_and_normalised(office, typed, stored):
    """Mobile, landline, 400 and service numbers are accepted; spaces and full-width go."""
    response = office.post("/compounds/new", {**COMPOUND_FORM, "hotline": typed})
    assert response.status_code == 302
    compound_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert office.compound(compound_id).hotline == stored


def test_missing_csrf_token_is_refused(office):
    """A form post without its CSRF token is a 400 and creates nothing."""
    response = office.post("/compounds/new", COMPOUND_FORM, csrf=False)
    assert response.status_code == 400
    assert office.count(Compound) == 0


def test_html_in_names_is_stored_as_text_and_escaped(office):
    """Markup typed into a name is kept verbatim and escaped on every page."""
    name = '<script>alert("x")</script>小区'
    response = office.post("/compounds/new", {**COMPOUND_FORM, "name": name})
    assert response.status_code == 302
    compound_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert office.compound(compound_id).name == name
    for path in ("/compounds", f"/compounds/{compound_id}", f"/compounds/{compound_id}/edit"):
        html = office.client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
        assert "&lt;script&gt;alert(" in html, path


def test_buildings_are_one_per_line(office):
    """The buildings textarea keeps one trimmed, distinct building per non-empty line."""
    data = {**COMPOUND_FORM, "buildings": " 1 幢 \r\n\r\n2 幢\n1 幢\n地库 A 区\n"}
    response = office.post("/compounds/new", data)
    compound_id = int(response.headers["Location"].rsplit("/", 1)[1])
    compound = office.compound(compound_id)
    assert compound.building_list == ["1 幢", "2 幢", "地库 A 区"]
    html = office.client.get(f"/compounds/{compound_id}").get_data(as_text=True)
    assert '<span class="chip">地库 A 区</span>' in html


def test_too_long_building_is_a_form_error(office):
    """A building name over 40 characters is refused."""
    response = office.post("/compounds/new", {**COMPOUND_FORM, "buildings": "幢" * 41})
    assert response.status_code == 200
    assert "每个楼幢名称最多 40 个字" in response.get_data(as_text=True)
    assert office.count(Compound) == 0


def test_edit_saves_and_redirects(office):
    """POST /compounds/<id>/edit saves the fields and answers 302 to the compound page."""
    compound_id = office.add_compound("富春江畔花园")
    data = {**COMPOUND_FORM, "name": "富春江畔花园二期", "buildings": "9 幢"}
    response = office.post(f"/compounds/{compound_id}/edit", data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compounds/{compound_id}"
    compound = office.compound(compound_id)
    assert (compound.name, compound.building_list) == ("富春江畔花园二期", ["9 幢"])


def test_edit_form_is_prefilled(office):
    """GET /compounds/<id>/edit shows the current values."""
    compound_id = office.add_compound("迎春南苑", buildings="1 幢\n2 幢")
    html = office.client.get(f"/compounds/{compound_id}/edit").get_data(as_text=True)
    assert 'value="迎春南苑"' in html
    assert "1 幢\n2 幢" in html


def test_archive_and_restore(office):
    """Archiving moves the compound to the archived list; restoring brings it back."""
    compound_id = office.add_compound("迎春南苑")
    response = office.post(f"/compounds/{compound_id}/archive")
    assert response.status_code == 302
    assert response.headers["Location"] == "/compounds"
    assert office.compound(compound_id).archived is True
    assert "已归档的小区（1）" in office.client.get("/compounds").get_data(as_text=True)
    response = office.post(f"/compounds/{compound_id}/restore")
    assert response.status_code == 302
    assert office.compound(compound_id).archived is False


def test_archive_without_csrf_is_400(office):
    """The archive button needs its CSRF token."""
    compound_id = office.add_compound()
    assert office.post(f"/compounds/{compound_id}/archive", csrf=False).status_code == 400
    assert office.compound(compound_id).archived is False


def test_signed_out_visitor_is_sent_to_login(client):
    """The compound pages need a signed-in office user."""
    response = client.get("/compounds")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_another_tenants_compound_is_404(office, rival):
    """Another tenant's compound, its edit form and its archive button are 404."""
    compound_id = rival.add_compound("乙小区")
    assert office.client.get(f"/compounds/{compound_id}").status_code == 404
    assert office.client.get(f"/compounds/{compound_id}/edit").status_code == 404
    assert office.post(f"/compounds/{compound_id}/archive").status_code == 404
    assert rival.compound(compound_id).archived is False
