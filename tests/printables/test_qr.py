"""The gate QR code: one vector path, black on white, with the 4-module quiet zone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_Q

from printables import qr_svg

URL = "https://xgm.example.cn/g/Zk3vQ9xL2mN8pR4tW6yB1c"
SVG = "{http://www.w3.org/2000/svg}"


def svg_root(url: str) -> ET.Element:
    """Parse the SVG qr_svg returns (our own output, not untrusted XML)."""
    return ET.fromstring(qr_svg(url))  # noqa: S314


def test_svg_is_one_black_path_on_a_white_square():
    """The code is a single path stroked black over one white rectangle."""
    root = svg_root(URL)
    assert root.tag == f"{SVG}svg"
    assert [child.tag for child in root] == [f"{SVG}rect", f"{SVG}path"]
    rect, path = root
    assert rect.get("fill") == "#fff"
    assert (path.get("stroke"), path.get("fill")) == ("#000", "none")


def test_viewbox_is_the_symbol_plus_four_modules_each_side():
    """The viewBox spans the modules plus a 4-module quiet zone, and nothing is drawn in it."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=4)
    code.add_data(URL)
    code.make(fit=True)
    size = code.modules_count + 8
    root = svg_root(URL)
    assert root.get("viewBox") == f"0 0 {size} {size}"
    strokes = re.findall(r"M(\d+) ([\d.]+)h(\d+)", root[1].get("d"))
    assert min(int(x) for x, _, _ in strokes) == 4
    assert max(int(x) + int(width) for x, _, width in strokes) == size - 4
    assert {float(y) for _, y, _ in strokes} == {row + 4.5 for row in range(size - 8)}


def test_path_draws_exactly_the_dark_modules():
    """Every dark module, and only those, is covered by one stroke."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=4)
    code.add_data(URL)
    code.make(fit=True)
    drawn = set()
    for x, y, width in re.findall(r"M(\d+) ([\d.]+)h(\d+)", svg_root(URL)[1].get("d")):
        drawn.update((int(x) - 4 + dx, int(float(y) - 4.5)) for dx in range(int(width)))
    dark = {(x, y) for y, row in enumerate(code.modules) for x, on in enumerate(row) if on}
    assert drawn == dark


def test_empty_url_is_a_value_error():
    """There is no QR code for nothing."""
    with pytest.raises(ValueError, match="non-empty URL"):
        qr_svg("")
