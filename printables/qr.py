"""The gate QR code as one vector SVG path."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

from printables.qrpath import stroke_path
from printables.qrsymbol import codewords, symbol_rows

#: Quiet zone in modules, as the QR standard requires.
QR_BORDER = 4


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
    # What code.make(fit=True) does, ~14x faster: qrcode splits the data into segments
    # and finds the smallest version; qrsymbol computes the same codewords, picks the
    # mask qrcode's own selection would pick and places the codewords as qrcode does
    # (tests check the codewords, the mask and every module against qrcode's own).
    code.best_fit()
    data = codewords(code.version, code.error_correction, code.data_list)
    rows = symbol_rows(code.version, code.error_correction, data)
    # One stroke per run of dark modules (two path commands each, see qrpath), where
    # qrcode's SvgPathImage fills one square per module (five commands each): WeasyPrint
    # parses SVG paths in Python, so this draws ~5x faster, and a single stroked path
    # leaves no hairline seams between modules. Butt caps end each run on the grid.
    path = stroke_path(rows, QR_BORDER)
    size = len(rows) + 2 * QR_BORDER
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr-code" viewBox="0 0 {size} {size}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="none" stroke="#000" stroke-width="1" stroke-linecap="butt"/>'
        "</svg>"
    )
