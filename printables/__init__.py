"""Gate QR posters as PDF and QR codes for screens: pure rendering, no Flask."""

from printables.cache import PosterCache, poster_cache_key
from printables.fonts import FontMissingError
from printables.poster import TEMPLATE_VERSION, Poster
from printables.qr import qr_svg
from printables.render import render_document_pdf, render_poster_pdf, render_posters_pdf

__all__ = [
    "TEMPLATE_VERSION",
    "FontMissingError",
    "Poster",
    "PosterCache",
    "poster_cache_key",
    "qr_svg",
    "render_document_pdf",
    "render_poster_pdf",
    "render_posters_pdf",
]
