"""Gates: add, rename, activate/deactivate, rotate the token; validation and escaping."""

import re

import pytest

from xgm.compounds.models import Gate

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def test_add_gate_redirects_to_the_compound(office):
    """POST /compounds/<id>/gates/new with name answers 302 to /compounds/<id>."""
    compound_id = office.add_compound()
    response = office.post(f"/compounds/{compound_id}/gates/new", {"name": "东门"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compounds/{compound_id}"
    assert office.count(Gate, Gate.compound_id == compound_id, Gate.name == "东门") == 1


def test_new_gate_token_is_unguessable_and_url_safe(office):
    """Each gate gets its own URL-safe token of at least 128 random bits."""
    compound_id = office.add_compound()
    office.post(f"/compounds/{compound_id}/gates/new", {"name": "东门"})
    office.post(f"/compounds/{compound_id}/gates/new", {"name": "北门"})
    gates = office.gates()
    tokens = [g.token for g in gates]
    ids = [str(g.id) for g in gates]
    assert len(set(tokens)) == 2
    for token in tokens:
        assert TOKEN_RE.match(token)
        assert len(token) * 6 >= 128  # base64url: 6 bits a character
        assert token not in ids


def test_gate_appears_on_the_compound_page(office):
    """The compound page lists its gates with poster and rotate buttons."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id, "地库入口")
    html = office.client.get(f"/compounds/{compound_id}").get_data(as_text=True)
    assert "地库入口" in html
    assert f"/gates/{gate_id}/poster.pdf" in html
    assert f"/gates/{gate_id}/rotate" in html


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "此项必填"), ("  ", "此项必填"), ("门" * 41, "最多 40 个字")],
)
def test_bad_gate_name_is_a_form_error_and_creates_nothing(office, name, message):
    """Empty or over-long gate names answer 200 with the error on the compound page."""
    compound_id = office.add_compound()
    response = office.post(f"/compounds/{compound_id}/gates/new", {"name": name})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert office.count(Gate) == 0


def test_forty_character_gate_name_is_accepted(office):
    """The gate name limit is 40 characters, inclusive."""
    compound_id = office.add_compound()
    response = office.post(f"/compounds/{compound_id}/gates/new", {"name": "门" * 40})
    assert response.status_code == 302
    assert office.count(Gate) == 1


def test_duplicate_gate_name_in_one_compound_is_a_form_error(office):
    """Two gates of one compound cannot share a name."""
    compound_id = office.add_compound()
    office.add_gate(compound_id, "东门")
    response = office.post(f"/compounds/{compound_id}/gates/new", {"name": "东门"})
    assert response.status_code == 200
    assert "本小区已有同名门岗" in response.get_data(as_text=True)
    assert office.count(Gate) == 1


def test_gate_without_csrf_is_refused(office):
    """Adding a gate needs the CSRF token."""
    compound_id = office.add_compound()
    response = office.post(f"/compounds/{compound_id}/gates/new", {"name": "东门"}, csrf=False)
    assert response.status_code == 400
    assert office.count(Gate) == 0


def test_no_gate_on_an_archived_compound(office):
    """An archived compound takes no new gates."""
    compound_id = office.add_compound(archived=True)
    response = office.post(f"/compounds/{compound_id}/gates/new", {"name": "东门"})
    assert response.status_code == 302
    assert office.count(Gate) == 0


def test_html_in_gate_name_is_escaped(office):
    """Markup in a gate name is stored verbatim and escaped on the compound page."""
    compound_id = office.add_compound()
    name = "<img src=x onerror=alert(1)>门"
    assert office.post(f"/compounds/{compound_id}/gates/new", {"name": name}).status_code == 302
    html = office.client.get(f"/compounds/{compound_id}").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;门" in html


def test_rename_gate(office):
    """POST /gates/<id>/edit renames the gate and keeps its token."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id, "东门")
    token = office.gate(gate_id).token
    response = office.post(f"/gates/{gate_id}/edit", {"name": "东门（人行）"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compounds/{compound_id}"
    gate = office.gate(gate_id)
    assert (gate.name, gate.token) == ("东门（人行）", token)


def test_rename_form_error_keeps_the_name(office):
    """An empty new name is a form error; the gate keeps its name."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id, "东门")
    response = office.post(f"/gates/{gate_id}/edit", {"name": ""})
    assert response.status_code == 200
    assert "此项必填" in response.get_data(as_text=True)
    assert office.gate(gate_id).name == "东门"


def test_deactivate_and_activate(office):
    """The gate can be taken out of service and put back."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id)
    response = office.post(f"/gates/{gate_id}/deactivate")
    assert response.status_code == 302
    assert office.gate(gate_id).active is False
    response = office.post(f"/gates/{gate_id}/activate")
    assert response.status_code == 302
    assert office.gate(gate_id).active is True


def test_rotate_gives_a_new_token_and_version(office):
    """POST /gates/<id>/rotate replaces the token and bumps the poster version."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id)
    before = office.gate(gate_id)
    response = office.post(f"/gates/{gate_id}/rotate")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compounds/{compound_id}"
    after = office.gate(gate_id)
    assert after.token != before.token
    assert (before.token_version, after.token_version) == (1, 2)
    assert after.token_rotated_at is not None


def test_rotate_without_csrf_changes_nothing(office):
    """Rotation needs the CSRF token; without it the token stays."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id)
    token = office.gate(gate_id).token
    assert office.post(f"/gates/{gate_id}/rotate", csrf=False).status_code == 400
    assert office.gate(gate_id).token == token


def test_rotate_by_get_is_not_allowed(office):
    """Rotation is POST only."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id)
    assert office.client.get(f"/gates/{gate_id}/rotate").status_code == 405


def test_another_tenants_gate_is_404(office, rival):
    """Another tenant's gate cannot be renamed, rotated or switched off."""
    compound_id = rival.add_compound()
    gate_id = rival.add_gate(compound_id)
    token = rival.gate(gate_id).token
    assert office.post(f"/gates/{gate_id}/rotate").status_code == 404
    assert office.post(f"/gates/{gate_id}/deactivate").status_code == 404
    assert office.client.get(f"/gates/{gate_id}/edit").status_code == 404
    assert office.post(f"/compounds/{compound_id}/gates/new", {"name": "北门"}).status_code == 404
    gate = rival.gate(gate_id)
    assert (gate.token, gate.active) == (token, True)
    assert rival.count(Gate) == 1
