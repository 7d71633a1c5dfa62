"""The gate QR code as one vector SVG path."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

#: Quiet zone in modules, as the QR standard requires.
QR_BORDER = 4


def _row_strokes(row: list[bool], y: int) -> str:
    """Return path data stroking each run of dark modules in one row as a 1-module-thick line."""
    strokes = []
    start = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            strokes.append(f"M{start + QR_BORDER} {y + QR_BORDER + 0.5}h{x - start}")
            start = None
    return "".join(strokes)


@lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """Return an inline SVG (one black path on a white square) encoding exactly ``url``."""
    if not url:
        raise ValueError("the QR code needs a non-empty URL")
    # Level Q (25 % of the code may be lost) rather than H: for a typical gate URL one
    # version smaller, so each module prints ~10 % larger and scans from farther away,
    # while dirt, glare or a torn corner are still recovered.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QR_BORDER)
    code.add_data(url)
    code.make(fit=True)
    # One stroke per horizontal run of dark modules (two path commands each), where
    # qrcode's SvgPathImage fills one square per module (five commands each): WeasyPrint
    # parses SVG paths in Python, so this draws ~4x faster, and a single stroked path
    # leaves no hairline seams between modules. Butt caps end each run on the grid.
    path = "".join(_row_strokes(row, y) for y, row in enumerate(code.modules))
    size = code.modules_count + 2 * QR_BORDER
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr-code" viewBox="0 0 {size} {size}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="none" stroke="#000" stroke-width="1" stroke-linecap="butt"/>'
        "</svg>"
    )
