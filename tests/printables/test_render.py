"""Poster PDFs: text, fonts, scannable QR codes, paper sizes, batches, hostile and long input."""

from __future__ import annotations

import datetime
import io

import pytest
from pypdf import PdfReader

from chinatime import CN_TZ
from printables import Poster, render_poster_pdf, render_posters_pdf
from printables.poster import MAX_LENGTHS
from printables.render import RefusingURLFetcher, poster_html
from tests.printables import pdfcheck

URL = "https://xgm.example.cn/g/Zk3vQ9xL2mN8pR4tW6yB1c"
HEADLINE = "外卖小哥 扫码入园"


def make_poster(**changes) -> Poster:
    """Return a realistic poster for 阳光花园 / 东门, with ``changes`` applied."""
    fields = {
        "compound_name": "阳光花园",
        "gate_name": "东门",
        "url": URL,
        "property_hotline": "0571-64610000",
        "supervision_hotline": "0571-87654321",
        "company_name": "杭州阳光物业服务有限公司",
        "compound_address": "杭州市西湖区文三路 100 号",
        "version": "v3",
        "printed_on": datetime.date(2025, 11, 28),
    }
    fields.update(changes)
    return Poster(**fields)


@pytest.fixture(scope="module")
def a4_pdf() -> bytes:
    """The realistic poster on A4, rendered once for the module."""
    return render_poster_pdf(make_poster())


def test_pdf_starts_with_pdf_magic(a4_pdf):
    """A poster is a PDF file."""
    assert a4_pdf.startswith(b"%PDF")


def test_text_holds_headline_names_and_hotlines(a4_pdf):
    """The headline, compound and gate names, steps, hotlines and footer are real text."""
    text = pdfcheck.text(a4_pdf)
    assert HEADLINE in text
    squeezed = pdfcheck.squeezed_text(a4_pdf)
    for expected in (
        "阳光花园",
        "东门",
        "扫码",
        "出示通行证",
        "门卫确认放行",
        "物业服务电话0571-64610000",
        "小哥码监督电话0571-87654321",
        "杭州阳光物业服务有限公司",
        "海报版本v3",
        "打印日期2025-11-28",
        URL,
    ):
        assert expected in squeezed


def test_fonts_are_embedded_noto_sans_cjk(a4_pdf):
    """The Chinese text is set in an embedded Noto Sans CJK SC subset, never a fallback."""
    fonts = pdfcheck.fonts(a4_pdf)
    cjk = [font for font in fonts if "Noto-Sans-CJK-SC" in font["name"]]
    assert len(cjk) == 1
    assert cjk[0]["emb"] == "yes"
    assert all(font["emb"] == "yes" for font in fonts)


def test_qr_decodes_to_exactly_the_url(a4_pdf):
    """Page 1 rasterised at 150 dpi holds one QR code, decoding to exactly the gate URL."""
    assert pdfcheck.qr_codes(a4_pdf) == [[URL]]


def test_a4_page_is_595_by_842_points(a4_pdf):
    """The A4 poster is one A4 portrait page."""
    assert pdfcheck.page_sizes(a4_pdf) == [(595, 842)]


def test_a3_page_is_842_by_1191_points_and_scans():
    """The A3 poster is one A3 portrait page whose QR code still decodes."""
    pdf = render_poster_pdf(make_poster(), "A3")
    assert pdfcheck.page_sizes(pdf) == [(842, 1191)]
    assert pdfcheck.qr_codes(pdf, dpi=75) == [[URL]]


@pytest.mark.parametrize("size", ["A5", "a4", "Letter", ""])
def test_unknown_size_is_a_value_error(size):
    """Only A4 and A3 exist."""
    with pytest.raises(ValueError, match="unsupported poster size"):
        render_poster_pdf(make_poster(), size)


def test_batch_has_one_page_per_poster_each_with_its_own_code():
    """Three posters make one three-page PDF; each page decodes to its own gate's URL."""
    urls = [f"https://xgm.example.cn/g/gate-{n}-Zk3vQ9xL2mN8pR4tW6" for n in range(3)]
    posters = [make_poster(gate_name=f"{n}号门", url=url) for n, url in enumerate(urls)]
    pdf = render_posters_pdf(posters)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    assert pdfcheck.qr_codes(pdf, dpi=100) == [[url] for url in urls]
    text = pdfcheck.text(pdf).split("\f")
    assert ["0号门" in text[0], "1号门" in text[1], "2号门" in text[2]] == [True, True, True]


def test_empty_batch_is_a_value_error():
    """A PDF needs at least one page."""
    with pytest.raises(ValueError, match="at least one poster"):
        render_posters_pdf([])


def test_markup_in_names_prints_literally():
    """HTML in tenant input is escaped: it prints as text and is never interpreted."""
    hostile = "<script>alert(1)</script> & <b>花园</b>"
    poster = make_poster(compound_name=hostile, gate_name="东门 & <i>北门</i>")
    html = poster_html([poster])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;花园&lt;/b&gt;" in html
    squeezed = pdfcheck.squeezed_text(render_poster_pdf(poster))
    assert "<script>alert(1)</script>&<b>花园</b>" in squeezed
    assert "东门&<i>北门</i>" in squeezed


def test_sixty_character_name_stays_on_one_page_in_full():
    """A 60-character compound name shrinks and wraps: one page, every character printed."""
    name = "杭州市西湖区文三路阳光花园小区二期南区" * 3 + "东苑楼"
    assert len(name) == 60
    pdf = render_poster_pdf(make_poster(compound_name=name))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert name in pdfcheck.squeezed_text(pdf)
    assert pdfcheck.qr_codes(pdf, dpi=100) == [[URL]]


@pytest.mark.parametrize("filler", ["超长名称", "W"])
def test_absurdly_long_fields_never_leave_the_page(filler):
    """Every field far past its limit: still one page, cut with an ellipsis, code intact."""
    long = filler * 400
    poster = Poster(
        compound_name=long,
        gate_name=long,
        url=URL,
        property_hotline=long,
        supervision_hotline=long,
        company_name=long,
        compound_address=long,
        version=long,
    )
    for size in ("A4", "A3"):
        pdf = render_poster_pdf(poster, size)
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    squeezed = pdfcheck.squeezed_text(render_poster_pdf(poster))
    assert (long[: MAX_LENGTHS["compound_name"] - 1] + "…") in squeezed
    assert pdfcheck.qr_codes(render_poster_pdf(poster), dpi=100) == [[URL]]


@pytest.mark.parametrize("field", ["compound_name", "gate_name"])
def test_blank_names_are_a_value_error(field):
    """A poster without a compound or gate name would be useless at the gate."""
    with pytest.raises(ValueError, match=field):
        render_poster_pdf(make_poster(**{field: "  "}))


@pytest.mark.parametrize("url", ["", "https://xgm.example.cn/g/a b", "https://x.cn/" + "a" * 140])
def test_bad_urls_are_a_value_error(url):
    """The URL is printed exactly as encoded, so it is never cut: bad ones are refused."""
    with pytest.raises(ValueError, match="URL"):
        render_poster_pdf(make_poster(url=url))


def test_print_date_defaults_to_today_in_china():
    """Without printed_on, the footer shows today's date in China time."""
    before = datetime.datetime.now(CN_TZ).date()
    squeezed = pdfcheck.squeezed_text(render_poster_pdf(make_poster(printed_on=None)))
    after = datetime.datetime.now(CN_TZ).date()
    assert any(f"打印日期{day.isoformat()}" in squeezed for day in (before, after))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://127.0.0.1:6379/", "https://example.com/logo.png"]
)
def test_url_fetcher_refuses_files_and_network(url):
    """Nothing a template or input names can make WeasyPrint read a file or the network."""
    with pytest.raises(ValueError, match="refuses"):
        RefusingURLFetcher().fetch(url)


def test_url_fetcher_allows_data_uris():
    """Inline data: URIs are the one thing the renderer may load."""
    response = RefusingURLFetcher().fetch("data:text/plain,poster")
    assert response.read() == b"poster"
