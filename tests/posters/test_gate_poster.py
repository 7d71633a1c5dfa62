"""GET /gates/<id>/poster.pdf: a real PDF, Chinese text in an embedded CJK font, a scannable QR."""

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.factories import token_of
from tests.posters.pdf import page_count, page_sizes_mm, pdf_fonts, pdf_text, qr_codes


def _gate(office, name="东门", compound="富春江畔花园", active=True):
    compound_id = office.add_compound(compound)
    return office.add_gate(compound_id, name, active=active)


def test_poster_is_a_pdf(office):
    """The poster answers 200 with application/pdf and a body starting %PDF."""
    gate_id = _gate(office)
    response = office.client.get(f"/gates/{gate_id}/poster.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert page_count(response.data) == 1


def test_poster_text_holds_compound_and_gate_names(office):
    """pdftotext finds the compound and gate names in Chinese, and the headline."""
    gate_id = _gate(office, name="地库入口", compound="迎春南苑")
    text = pdf_text(office.client.get(f"/gates/{gate_id}/poster.pdf").data)
    assert "迎春南苑" in text
    assert "地库入口" in text
    assert "扫码入园" in text


def test_poster_font_is_an_embedded_cjk_font(office):
    """pdffonts lists an embedded Noto Sans CJK font, and every font is embedded."""
    gate_id = _gate(office)
    fonts = pdf_fonts(office.client.get(f"/gates/{gate_id}/poster.pdf").data)
    assert any("Noto-Sans-CJK" in f["name"] and f["emb"] == "yes" for f in fonts)
    assert all(f["emb"] == "yes" for f in fonts)


def test_qr_decodes_to_exactly_the_gate_url(app, office):
    """The rasterised page's QR code decodes to exactly <XGM_PUBLIC_URL>/g/<token>."""
    gate_id = _gate(office)
    data = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    assert qr_codes(data) == [f"http://xgm.test/g/{token_of(app, gate_id)}"]


def test_a4_is_the_default_and_a3_is_available(office):
    """No size is A4 (210 x 297 mm); ?size=A3 is 297 x 420 mm."""
    gate_id = _gate(office)
    a4 = office.client.get(f"/gates/{gate_id}/poster.pdf")
    a3 = office.client.get(f"/gates/{gate_id}/poster.pdf?size=A3")
    assert page_sizes_mm(a4.data) == [(210, 297)]
    assert a3.status_code == 200
    assert page_sizes_mm(a3.data) == [(297, 420)]


def test_a3_qr_still_decodes(app, office):
    """The A3 poster's QR decodes to the same gate URL."""
    gate_id = _gate(office)
    data = office.client.get(f"/gates/{gate_id}/poster.pdf?size=a3").data
    assert qr_codes(data, dpi=72) == [f"http://xgm.test/g/{token_of(app, gate_id)}"]


@pytest.mark.parametrize("size", ["B5", "letter", "A4'", ""])
def test_bad_size_is_a_400_in_chinese(office, size):
    """An unknown paper size answers 400 with a Chinese reason (an empty one means A4)."""
    gate_id = _gate(office)
    response = office.client.get(f"/gates/{gate_id}/poster.pdf?size={quote(size)}")
    if size == "":
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert "纸张尺寸只能是 A4 或 A3" in response.get_data(as_text=True)


def test_filename_is_readable_in_chinese(office):
    """Content-Disposition has an ASCII fallback and the Chinese name as RFC 5987 filename*."""
    gate_id = _gate(office)
    disposition = office.client.get(f"/gates/{gate_id}/poster.pdf").headers["Content-Disposition"]
    expected = quote("富春江畔花园-东门-门岗二维码-A4.pdf", safe="")
    assert disposition == (
        f"inline; filename=\"gate-{gate_id}-poster-A4.pdf\"; filename*=UTF-8''{expected}"
    )


def test_html_in_names_prints_as_text(office):
    """Markup in names is printed literally, not interpreted by the renderer."""
    gate_id = _gate(office, name="<i>北门</i>", compound="<b>花园</b>&amp;")
    response = office.client.get(f"/gates/{gate_id}/poster.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "<b>花园</b>&amp;" in text
    assert "<i>北门</i>" in text


def test_slashes_in_names_do_not_reach_the_filename(office):
    """Path characters in names are replaced in the download name."""
    gate_id = _gate(office, name="东/门", compound='a\\b"c')
    disposition = office.client.get(f"/gates/{gate_id}/poster.pdf").headers["Content-Disposition"]
    assert disposition.endswith(
        "filename*=UTF-8''" + quote("a_b_c-东_门-门岗二维码-A4.pdf", safe="")
    )


def test_hotlines_and_version_are_printed(app, office):
    """The property hotline, the configured supervision hotline and v<token_version> print."""
    app.config["XGM_SUPERVISION_HOTLINE"] = "0571-88001234"
    gate_id = _gate(office)
    text = pdf_text(office.client.get(f"/gates/{gate_id}/poster.pdf").data)
    assert "0571-64612345" in text
    assert "0571-88001234" in text
    assert "v1" in text
    office.post(f"/gates/{gate_id}/rotate")
    assert "v2" in pdf_text(office.client.get(f"/gates/{gate_id}/poster.pdf").data)


def test_inactive_gate_has_no_poster(office):
    """A deactivated gate's poster is refused with 409 and a reason."""
    gate_id = _gate(office, active=False)
    response = office.client.get(f"/gates/{gate_id}/poster.pdf")
    assert response.status_code == 409
    assert "该门岗已停用" in response.get_data(as_text=True)


def test_unchanged_poster_comes_from_the_cache(app, office):
    """Two prints of an unchanged poster give identical bytes, stored once in the cache dir."""
    gate_id = _gate(office)
    first = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    second = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    assert first == second
    cached = list(Path(app.config["XGM_POSTER_CACHE_DIR"]).glob("*.pdf"))
    assert [p.read_bytes() for p in cached] == [first]


def test_rotation_changes_the_cached_poster(app, office):
    """After rotation the poster is a different PDF whose QR carries the new token."""
    gate_id = _gate(office)
    before = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    office.post(f"/gates/{gate_id}/rotate")
    after = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    assert after != before
    assert qr_codes(after) == [f"http://xgm.test/g/{token_of(app, gate_id)}"]


def test_rename_changes_the_cached_poster(office):
    """After a rename the poster is a different PDF with the new name."""
    gate_id = _gate(office)
    before = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    office.post(f"/gates/{gate_id}/edit", {"name": "正门"})
    after = office.client.get(f"/gates/{gate_id}/poster.pdf").data
    assert after != before
    assert "正门" in pdf_text(after)


def test_printing_marks_the_gate_printed(office):
    """Downloading a poster records printed_at on the gate."""
    gate_id = _gate(office)
    assert office.gate(gate_id).printed_at is None
    office.client.get(f"/gates/{gate_id}/poster.pdf")
    assert office.gate(gate_id).printed_at is not None


def test_another_tenants_poster_is_404(office, rival):
    """Another tenant's gate poster is 404."""
    gate_id = _gate(rival)
    assert office.client.get(f"/gates/{gate_id}/poster.pdf").status_code == 404
