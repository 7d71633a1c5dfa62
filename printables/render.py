"""Poster PDFs from the HTML/CSS template with WeasyPrint, safely and fast."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from printables.fonts import ensure_cjk_font, font_config
from printables.poster import (
    COMPANY_SHRINK_AT,
    MAX_LENGTHS,
    MAX_RULE_LENGTH,
    MAX_RULES,
    MAX_URL_LENGTH,
    Poster,
    check_size,
    clip,
    length_class,
    print_date,
)
from printables.qr import qr_svg

_TEMPLATES = Path(__file__).parent / "templates"

# Page box per paper size: A3 is A4 scaled by 297/210, so the root font size (the
# stylesheet's 1rem) grows by the same factor and the layout stays proportional.
_PAGE_CSS = {
    "A4": "@page { size: A4 portrait; margin: 10mm; } html { font-size: 1mm; }",
    "A3": "@page { size: A3 portrait; margin: 14.14mm; } html { font-size: 1.41429mm; }",
}

_jinja = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# One lock per process: the shared FontConfiguration wraps a Pango font map, which
# Pango does not promise is safe to use from two threads at once.
_render_lock = threading.Lock()
_stylesheets: dict[str, list[CSS]] = {}


class RefusingURLFetcher(URLFetcher):
    """A URL fetcher that refuses everything but ``data:`` URIs: no files, no network."""

    def fetch(self, url, headers=None):
        """Fetch ``data:`` URIs only; raise ValueError for any other URL."""
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"printables refuses to fetch {url!r}")


_fetcher = RefusingURLFetcher(allowed_protocols={"data"})


def _stylesheets_for(size: str) -> list[CSS]:
    """Return the parsed poster and page stylesheets for ``size`` (parsed once per process)."""
    sheets = _stylesheets.get(size)
    if sheets is None:
        config = font_config()
        sheets = [
            CSS(
                filename=str(_TEMPLATES / "poster.css"),
                url_fetcher=_fetcher,
                font_config=config,
            ),
            CSS(string=_PAGE_CSS[size], url_fetcher=_fetcher, font_config=config),
        ]
        _stylesheets[size] = sheets
    return sheets


def _context(poster: Poster) -> dict[str, object]:
    """Return the template values for one poster (escaped later by Jinja autoescape)."""
    text = {field: clip(getattr(poster, field), limit) for field, limit in MAX_LENGTHS.items()}
    for field in ("compound_name", "gate_name"):
        if not text[field]:
            raise ValueError(f"a poster needs a non-empty {field}")
    url = poster.url
    if not url or len(url) > MAX_URL_LENGTH or any(char.isspace() for char in url):
        raise ValueError(f"a poster URL must be 1 to {MAX_URL_LENGTH} characters, no spaces")
    return {
        **text,
        "compound_class": length_class(text["compound_name"]),
        "gate_class": length_class(text["gate_name"]),
        "property_class": length_class(text["property_hotline"]),
        "supervision_class": length_class(text["supervision_hotline"]),
        "company_class": "company-long" if len(text["company_name"]) > COMPANY_SHRINK_AT else "",
        "url": url,
        "url_class": "url-long" if len(url) > 100 else "",
        # qr_svg writes the markup itself from the URL's bits; no input text reaches it.
        "qr": Markup(qr_svg(url)),  # noqa: S704
        "printed_on": print_date(poster).isoformat(),
        "rules": [clip(line, MAX_RULE_LENGTH) for line in poster.rules[:MAX_RULES]],
        "nfc": poster.nfc,
        "exit": poster.kind == "exit",
    }


def poster_html(posters: Sequence[Poster]) -> str:
    """Return the HTML of a document holding ``posters``, one per page."""
    compounds = {poster.compound_name for poster in posters}
    title = "扫码入园海报"
    if len(compounds) == 1:
        title = f"{title} · {clip(posters[0].compound_name, 60)}"
    template = _jinja.get_template("poster.html")
    return template.render(title=title, posters=[_context(poster) for poster in posters])


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, if it is running.

    A render allocates hundreds of thousands of objects that live until the PDF is
    written. For 100 posters the collector runs ~430 times over them and frees ~5,000
    objects in all (the document's own cycles become garbage only when it is dropped):
    ~1.5 % of the batch's instructions for nothing. Peak memory grows by ~3 MB.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def render_posters_pdf(posters: Sequence[Poster], size: str = "A4") -> bytes:
    """Render ``posters`` into one PDF, one poster per page, as a single WeasyPrint document."""
    check_size(size)
    if not posters:
        raise ValueError("render_posters_pdf needs at least one poster")
    ensure_cjk_font()
    html = poster_html(posters)
    with _render_lock, _collector_paused():
        stylesheets = _stylesheets_for(size)
        document = HTML(string=html, url_fetcher=_fetcher).render(
            font_config=font_config(), stylesheets=stylesheets
        )
        if len(document.pages) != len(posters):
            raise RuntimeError(
                f"poster layout broke: {len(posters)} posters gave {len(document.pages)} pages"
            )
        return document.write_pdf()


def render_poster_pdf(poster: Poster, size: str = "A4") -> bytes:
    """Render one gate poster as a one-page PDF on A4 or A3 paper."""
    return render_posters_pdf([poster], size)


_DOCUMENT_CSS = """
@page { size: A4 portrait; margin: 18mm 16mm; @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
html { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; line-height: 1.5; color: #111; }
h1 { font-size: 18pt; margin: 0 0 4mm; } h2 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 0.3mm solid #333; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0; } th, td { border: 0.2mm solid #777; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; } .muted { color: #555; }
"""


def render_document_pdf(html: str) -> bytes:
    """Render an A4 text document (a report the app wrote as HTML) to PDF: same fonts, same
    refusing URL fetcher and the same per-process lock as the posters."""
    ensure_cjk_font()
    with _render_lock, _collector_paused():
        config = font_config()
        sheet = CSS(string=_DOCUMENT_CSS, url_fetcher=_fetcher, font_config=config)
        document = HTML(string=html, url_fetcher=_fetcher).render(
            font_config=config, stylesheets=[sheet]
        )
        return document.write_pdf()
