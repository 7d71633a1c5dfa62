"""`/g/<token>`: the public page a scan opens; out-of-date codes get a friendly 404."""

import pytest

from tests.factories import sign_in_office, token_of

EXPIRED = "二维码已失效"


@pytest.fixture
def office(app, client):
    """The owner of a property company, signed in."""
    return sign_in_office(app, client, "owner@example.com")


@pytest.fixture
def rival(app, new_client):
    """The owner of another property company, signed in on another browser."""
    return sign_in_office(app, new_client(), "rival@example.com", "乙物业有限公司")


def _gate(office, name="东门", compound="富春江畔花园", **compound_fields):
    compound_id = office.add_compound(compound, **compound_fields)
    return compound_id, office.add_gate(compound_id, name)


def _works(response) -> bool:
    """The scan went through: the gate page or the rider flow (e.g. city sign-in), not the 404."""
    return response.status_code in (200, 302) and EXPIRED not in response.get_data(as_text=True)


def test_live_token_works_without_login(app, office):
    """A rider's phone (no session) scanning a live code is not sent to the out-of-date page."""
    _, gate_id = _gate(office)
    response = app.test_client().get(f"/g/{token_of(app, gate_id)}")
    assert _works(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_token_is_a_friendly_404(app):
    """An unknown token answers 404 with the Chinese out-of-date message."""
    response = app.test_client().get("/g/" + "A" * 32)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert EXPIRED in html
    assert "请告知门卫" in html


@pytest.mark.parametrize("token", ["short", "x" * 65, "bad.token.with.dots.1234", "%3Cb%3E" * 4])
def test_malformed_token_is_the_same_404(app, token):
    """Anything that cannot be a token gets the same out-of-date page."""
    response = app.test_client().get(f"/g/{token}")
    assert response.status_code == 404
    assert EXPIRED in response.get_data(as_text=True)


def test_rotation_retires_the_old_code(app, office):
    """After rotation the old /g/<token> is 404 and the new one works."""
    _, gate_id = _gate(office)
    old = token_of(app, gate_id)
    assert office.post(f"/gates/{gate_id}/rotate").status_code == 302
    new = token_of(app, gate_id)
    rider = app.test_client()
    assert rider.get(f"/g/{old}").status_code == 404
    assert EXPIRED in rider.get(f"/g/{old}").get_data(as_text=True)
    assert _works(rider.get(f"/g/{new}"))


def test_inactive_gate_is_404(app, office):
    """A deactivated gate's code shows the out-of-date page; reactivating brings it back."""
    _, gate_id = _gate(office)
    token = token_of(app, gate_id)
    office.post(f"/gates/{gate_id}/deactivate")
    assert app.test_client().get(f"/g/{token}").status_code == 404
    office.post(f"/gates/{gate_id}/activate")
    assert _works(app.test_client().get(f"/g/{token}"))


def test_archived_compound_is_404(app, office):
    """Archiving a compound retires the codes of all its gates."""
    compound_id, gate_id = _gate(office)
    token = token_of(app, gate_id)
    office.post(f"/compounds/{compound_id}/archive")
    assert app.test_client().get(f"/g/{token}").status_code == 404


def test_scan_of_another_companys_gate_by_a_signed_in_manager(app, office, rival):
    """The token, not the browser's session, says which tenant the page is for."""
    _, gate_id = _gate(rival, name="南门", compound="乙小区")
    assert _works(office.client.get(f"/g/{token_of(app, gate_id)}"))
