"""Read poster PDFs as a printer and a phone would: text, fonts, page sizes, QR codes."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a poppler or zbar tool and return its result (its exit code is the caller's)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def _with_file(data: bytes, work) -> object:
    """Write ``data`` to a temporary PDF and return ``work(path)``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "poster.pdf"
        path.write_bytes(data)
        return work(path)


def text(data: bytes) -> str:
    """Return the text of every page (pdftotext)."""
    return _with_file(
        data, lambda path: _run(["pdftotext", "-enc", "UTF-8", str(path), "-"]).stdout
    )


def squeezed_text(data: bytes) -> str:
    """Return the text with all whitespace removed, so wrapped lines read as one."""
    return "".join(text(data).split())


def fonts(data: bytes) -> list[dict[str, str]]:
    """Return each font pdffonts lists: name and whether it is embedded."""
    lines = _with_file(data, lambda path: _run(["pdffonts", str(path)]).stdout).splitlines()
    # name type [type continued] encoding emb sub uni object ID
    return [{"name": line.split()[0], "emb": line.split()[-5]} for line in lines[2:]]


def page_sizes(data: bytes) -> list[tuple[int, int]]:
    """Return each page's media box in whole points (pypdf)."""
    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def qr_codes(data: bytes, dpi: int = 150) -> list[list[str]]:
    """Rasterise each page (pdftoppm) and return the QR codes zbarimg decodes, page by page."""

    def work(path: Path) -> list[list[str]]:
        prefix = path.parent / "page"
        _run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(prefix)]).check_returncode()
        pages = sorted(path.parent.glob("page-*.png"), key=lambda png: int(png.stem.split("-")[1]))
        return [_run(["zbarimg", "--raw", "-q", str(png)]).stdout.splitlines() for png in pages]

    return _with_file(data, work)
