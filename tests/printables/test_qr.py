"""The gate QR code: one vector path, black on white, 4-module quiet zone, standard mask."""

from __future__ import annotations

import random
import re
import string
import xml.etree.ElementTree as ET

import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from printables import Poster, qr_svg, render_posters_pdf
from printables.poster import MAX_URL_LENGTH
from printables.qrpath import stroke_path
from printables.qrsymbol import _penalty, _version, best_mask, codewords, symbol_rows
from tests.printables import pdfcheck

URL = "https://xgm.example.cn/g/Zk3vQ9xL2mN8pR4tW6yB1c"
SVG = "{http://www.w3.org/2000/svg}"
COMMAND = re.compile(r"([MmHhVv])(-?[\d.]+)(?: (-?[\d.]+))?")


def svg_root(url: str) -> ET.Element:
    """Parse the SVG qr_svg returns (our own output, not untrusted XML)."""
    return ET.fromstring(qr_svg(url))  # noqa: S314


def drawn_modules(path: str, border: int = 4) -> set[tuple[int, int]]:
    """Return the (row, column) of every module the 1-wide strokes of ``path`` cover."""
    drawn = set()
    x = y = 0.0
    for letter, first, second in COMMAND.findall(path):
        if letter in "Mm":
            x, y = (0.0, 0.0) if letter == "M" else (x, y)
            x, y = x + float(first), y + float(second)
            continue
        length = int(first)
        assert letter in "hv" and length > 0, path  # only relative lines, rightward or down
        if letter == "h":
            assert y % 1 == 0.5 and x % 1 == 0, path  # on the grid: centred on a row
            drawn.update((int(y) - border, int(x) - border + step) for step in range(length))
            x += length
        else:
            assert x % 1 == 0.5 and y % 1 == 0, path  # centred on a column
            drawn.update((int(y) - border + step, int(x) - border) for step in range(length))
            y += length
    return drawn


def dark_modules(modules) -> set[tuple[int, int]]:
    """Return the (row, column) of every dark module."""
    return {(r, c) for r, row in enumerate(modules) for c, dark in enumerate(row) if dark}


def reference_code(url: str, level: int = ERROR_CORRECT_Q) -> qrcode.QRCode:
    """Return the code qrcode builds by itself for ``url`` (its own mask selection)."""
    code = qrcode.QRCode(error_correction=level, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def random_urls(count: int, seed: int) -> list[str]:
    """Return ``count`` gate-like URLs of 1 to 150 characters (QR versions 1 to 13 at Q)."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_"
    urls = []
    for _ in range(count):
        url = "https://xgm.example.cn/g/" + "".join(rng.choices(alphabet, k=rng.randint(0, 125)))
        urls.append(url[: rng.randint(1, len(url))] if rng.random() < 0.2 else url)
    return urls


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
    size = reference_code(URL).modules_count + 8
    root = svg_root(URL)
    assert root.get("viewBox") == f"0 0 {size} {size}"
    drawn = drawn_modules(root[1].get("d"))
    assert min(row for row, _ in drawn) == min(column for _, column in drawn) == 0
    assert max(row for row, _ in drawn) == max(column for _, column in drawn) == size - 9


def test_path_draws_exactly_qrcodes_own_symbol():
    """Every dark module of the code qrcode makes by itself, and only those, is stroked."""
    for url in [URL, *random_urls(6, seed=7)]:
        root = svg_root(url)
        assert drawn_modules(root[1].get("d")) == dark_modules(reference_code(url).modules), url


def test_codewords_equal_qrcodes_create_data():
    """codewords() returns util.create_data's codewords at every level, for every data mode."""
    rng = random.Random(6)
    texts = random_urls(60, seed=5)
    # qrcode switches long digit or upper-case runs to numeric or alphanumeric segments.
    texts += ["https://xgm.example.cn/g/" + "".join(rng.choices(string.digits, k=40))]
    texts += ["HTTPS://XGM.EXAMPLE.CN/G/" + "".join(rng.choices(string.ascii_uppercase, k=30))]
    texts += ["https://xgm.example.cn/g/阳光花园东门", "0", "A"]
    levels = (ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H)
    modes = set()
    for text in texts:
        for level in levels:
            code = qrcode.QRCode(error_correction=level)
            code.add_data(text)
            code.best_fit()
            modes.update(segment.mode for segment in code.data_list)
            expected = util.create_data(code.version, level, code.data_list)
            assert codewords(code.version, level, code.data_list) == expected, (text, level)
    assert modes == {util.MODE_NUMBER, util.MODE_ALPHA_NUM, util.MODE_8BIT_BYTE}


def test_mask_choice_equals_qrcodes_own_for_many_urls():
    """best_mask picks the mask qrcode's best_mask_pattern picks, at levels Q and H."""
    cases = [(url, ERROR_CORRECT_Q) for url in random_urls(60, seed=1)]
    cases += [(url, ERROR_CORRECT_H) for url in random_urls(20, seed=2)]
    versions = set()
    for url, level in cases:
        code = qrcode.QRCode(error_correction=level)
        code.add_data(url)
        code.best_fit()
        code.data_cache = util.create_data(code.version, code.error_correction, code.data_list)
        versions.add(code.version)
        assert best_mask(code.version, code.data_cache) == code.best_mask_pattern(), url
    assert versions >= set(range(2, 12))  # small codes and ones with version information


def test_symbol_equals_qrcodes_own_for_many_urls():
    """Every module of symbol_rows equals the symbol qrcode makes by itself, at Q and H."""
    cases = [(url, ERROR_CORRECT_Q) for url in random_urls(30, seed=8)]
    cases += [(url, ERROR_CORRECT_H) for url in random_urls(10, seed=9)]
    for url, level in cases:
        code = reference_code(url, level)
        rows = symbol_rows(code.version, level, code.data_cache)
        assert [[bool(module) for module in row] for row in rows] == code.modules, url


def test_codes_of_many_urls_scan_to_exactly_their_url():
    """Posters for URLs of every length up to the longest allowed decode (zbarimg) exactly."""
    urls = [*random_urls(5, seed=4), "https://xgm.example.cn/g/" + "Zk3vQ9-_" * 16]
    urls[-1] = urls[-1][:MAX_URL_LENGTH]
    posters = [
        Poster(
            compound_name="阳光花园",
            gate_name=f"{n}号门",
            url=url,
            property_hotline="0571-64610000",
            supervision_hotline="0571-87654321",
        )
        for n, url in enumerate(urls)
    ]
    assert pdfcheck.qr_codes(render_posters_pdf(posters), dpi=75) == [[url] for url in urls]


def test_penalty_equals_qrcodes_lost_point_for_every_mask():
    """The packed penalty equals qrcode.util.lost_point on each of the 8 candidate symbols."""
    for url in random_urls(4, seed=3) + ["https://xgm.example.cn/g/" + "x" * 125]:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
        code.add_data(url)
        code.best_fit()
        info = _version(code.version)
        for mask in range(8):
            code.makeImpl(True, mask)  # qrcode's own candidate symbol for this mask
            size = code.modules_count
            packed = [0, 0]
            for r, row in enumerate(code.modules):
                for c, dark in enumerate(row):
                    if dark:
                        packed[0] |= 1 << ((size - r) * (size + 1) - 1 - c)
                        packed[1] |= 1 << ((size - c) * (size + 1) - 1 - r)
            assert _penalty(*packed, info) == util.lost_point(code.modules), (url, mask)


def test_stroke_path_covers_exactly_the_dark_modules_of_any_matrix():
    """Strokes cover every dark module and no light one, for random and edge-case matrices."""
    rng = random.Random(5)
    matrices = [
        [[True] * 7 for _ in range(7)],
        [[False] * 7 for _ in range(7)],
        [[r == c for c in range(9)] for r in range(9)],
        [[c % 2 == 0 for c in range(9)] for _ in range(9)],  # lone modules stacked in columns
    ]
    matrices += [
        [[rng.random() < share for _ in range(21)] for _ in range(21)]
        for share in (0.1, 0.3, 0.5, 0.7, 0.9)
        for _ in range(4)
    ]
    for modules in matrices:
        assert drawn_modules(stroke_path(modules, border=4)) == dark_modules(modules)


def test_lone_modules_in_a_column_take_one_vertical_stroke():
    """Dark modules alone in their rows but stacked in a column are drawn as one stroke."""
    modules = [[c == 3 for c in range(9)] for _ in range(9)]
    assert stroke_path(modules, border=4) == "M7.5 4v9"


def test_empty_url_is_a_value_error():
    """There is no QR code for nothing."""
    with pytest.raises(ValueError, match="non-empty URL"):
        qr_svg("")
