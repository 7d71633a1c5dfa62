"""QR codes shown on a screen rather than printed: a phone's enrollment link, an invitation link."""

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage


def screen_qr_svg(url: str) -> Markup:
    """The URL as an inline SVG QR code (one path; no inline style, so the CSP allows it)."""
    image = qrcode.make(url, image_factory=SvgPathImage, border=4)
    svg = image.to_string(encoding="unicode")
    return Markup(svg)  # noqa: S704 - built by qrcode from our own URL, no user markup
