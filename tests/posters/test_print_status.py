"""已打印 follows the QR code's version: after a rotation the new poster is not printed yet."""


def _gate(office):
    compound_id = office.add_compound("富春江畔花园")
    return compound_id, office.add_gate(compound_id, "东门")


def _status(office, compound_id) -> tuple[bool, bool]:
    """(已打印 shown, 新二维码未打印 shown) on the compound page."""
    html = office.client.get(f"/compounds/{compound_id}").get_data(as_text=True)
    return "已打印" in html, "新二维码未打印" in html


def test_print_status_follows_the_token_version(office):
    """Printed: 已打印; rotated: 新二维码未打印; printed again: 已打印."""
    compound_id, gate_id = _gate(office)
    assert _status(office, compound_id) == (False, False)
    assert office.client.get(f"/gates/{gate_id}/poster.pdf").status_code == 200
    assert _status(office, compound_id) == (True, False)
    assert office.post(f"/gates/{gate_id}/rotate").status_code == 302
    assert _status(office, compound_id) == (False, True)
    assert office.client.get(f"/gates/{gate_id}/poster.pdf").status_code == 200
    assert _status(office, compound_id) == (True, False)
