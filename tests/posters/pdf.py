"""Read PDFs the way a printer and a phone would: text, fonts, pages, and the QR codes on them."""

import io
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader


def _tool(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout


def pdf_text(data: bytes) -> str:
    """The text of every page (pdftotext, layout order)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(data)
        return _tool(["pdftotext", "-enc", "UTF-8", str(path), "-"])


def pdf_fonts(data: bytes) -> list[dict]:
    """The fonts of the document (pdffonts): name, type, embedded, subset."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(data)
        lines = _tool(["pdffonts", str(path)]).splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name type [type2] encoding emb sub uni object ID
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return fonts


def page_count(data: bytes) -> int:
    """Number of pages (pypdf)."""
    return len(PdfReader(io.BytesIO(data)).pages)


def page_sizes_mm(data: bytes) -> list[tuple[int, int]]:
    """Each page's width and height in whole millimetres."""
    sizes = []
    for page in PdfReader(io.BytesIO(data)).pages:
        box = page.mediabox
        sizes.append((round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)))
    return sizes


def qr_codes(data: bytes, dpi: int = 100) -> list[str]:
    """Rasterise every page (pdftoppm) and decode its QR codes (zbarimg), page by page."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(Path(tmp) / "page")],
            check=True,
            timeout=120,
        )
        for image in sorted(Path(tmp).glob("page*.png")):
            out = subprocess.run(
                ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            found.extend(line for line in out.stdout.splitlines() if line)
    return found
