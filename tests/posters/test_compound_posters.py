"""GET /compounds/<id>/posters.pdf: every active gate of a compound, one poster a page."""

from urllib.parse import quote

from tests.factories import token_of
from tests.posters.pdf import page_count, page_sizes_mm, pdf_text, qr_codes


def _compound_with_gates(office, names=("东门", "北门", "地库入口"), inactive=("西门",)):
    compound_id = office.add_compound("迎春南苑")
    active = [office.add_gate(compound_id, name) for name in names]
    for name in inactive:
        office.add_gate(compound_id, name, active=False)
    return compound_id, active


def test_batch_has_one_page_per_active_gate(office):
    """Three active gates and one inactive gate make a three-page PDF."""
    compound_id, _ = _compound_with_gates(office)
    response = office.client.get(f"/compounds/{compound_id}/posters.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert page_count(response.data) == 3
    text = pdf_text(response.data)
    for name in ("东门", "北门", "地库入口"):
        assert name in text
    assert "西门" not in text


def test_batch_qr_codes_are_the_active_gates_urls(app, office):
    """Page by page, the QR codes decode to exactly the active gates' URLs, in order."""
    compound_id, gate_ids = _compound_with_gates(office)
    data = office.client.get(f"/compounds/{compound_id}/posters.pdf").data
    assert qr_codes(data) == [f"http://xgm.test/g/{token_of(app, g)}" for g in gate_ids]


def test_batch_in_a3(office):
    """?size=A3 prints every page on A3."""
    compound_id, _ = _compound_with_gates(office, names=("东门", "北门"), inactive=())
    data = office.client.get(f"/compounds/{compound_id}/posters.pdf?size=A3").data
    assert page_sizes_mm(data) == [(297, 420), (297, 420)]


def test_batch_bad_size_is_400(office):
    """An unknown paper size is a 400 with a Chinese reason."""
    compound_id, _ = _compound_with_gates(office)
    response = office.client.get(f"/compounds/{compound_id}/posters.pdf?size=A0")
    assert response.status_code == 400
    assert "纸张尺寸只能是 A4 或 A3" in response.get_data(as_text=True)


def test_batch_filename(office):
    """The batch is named after the compound, RFC 5987 encoded."""
    compound_id, _ = _compound_with_gates(office)
    disposition = office.client.get(f"/compounds/{compound_id}/posters.pdf").headers[
        "Content-Disposition"
    ]
    expected = quote("迎春南苑-全部门岗二维码-A4.pdf", safe="")
    assert disposition == (
        f"inline; filename=\"compound-{compound_id}-posters-A4.pdf\"; filename*=UTF-8''{expected}"
    )


def test_no_active_gate_is_a_clear_409(office):
    """A compound whose gates are all inactive answers 409 with a reason, not an empty PDF."""
    compound_id, _ = _compound_with_gates(office, names=(), inactive=("西门",))
    response = office.client.get(f"/compounds/{compound_id}/posters.pdf")
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("text/html")
    assert "没有启用的门岗" in response.get_data(as_text=True)


def test_archived_compound_has_no_posters(office):
    """An archived compound's posters are refused with 409."""
    compound_id, _ = _compound_with_gates(office)
    office.post(f"/compounds/{compound_id}/archive")
    response = office.client.get(f"/compounds/{compound_id}/posters.pdf")
    assert response.status_code == 409
    assert "已归档" in response.get_data(as_text=True)


def test_unchanged_batch_is_identical_and_rotation_changes_it(office):
    """An unchanged batch comes back byte-identical; rotating one gate changes it."""
    compound_id, gate_ids = _compound_with_gates(office, names=("东门", "北门"), inactive=())
    first = office.client.get(f"/compounds/{compound_id}/posters.pdf").data
    assert office.client.get(f"/compounds/{compound_id}/posters.pdf").data == first
    office.post(f"/gates/{gate_ids[1]}/rotate")
    assert office.client.get(f"/compounds/{compound_id}/posters.pdf").data != first


def test_batch_marks_every_printed_gate(office):
    """The active gates in the batch get printed_at; the inactive one does not."""
    compound_id, _ = _compound_with_gates(office, names=("东门",), inactive=("西门",))
    office.client.get(f"/compounds/{compound_id}/posters.pdf")
    printed = {g.name: g.printed_at is not None for g in office.gates()}
    assert printed == {"东门": True, "西门": False}


def test_another_tenants_batch_is_404(office, rival):
    """Another tenant's compound posters are 404."""
    compound_id, _ = _compound_with_gates(rival)
    assert office.client.get(f"/compounds/{compound_id}/posters.pdf").status_code == 404
