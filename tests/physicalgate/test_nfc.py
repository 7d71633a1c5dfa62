"""NFC: the gate page offers 写入NFC标签; arrivals record their source; the poster's NFC mark."""

from printables.render import poster_html
from tenants import tenant_context
from tests.factories import ACTIVE, sign_in_rider
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db


def test_gate_page_offers_writing_the_tag_with_the_nfc_url(duty):
    """The settings page has the 写入NFC标签 button carrying the gate URL with via=nfc."""
    page = duty.site.office.client.get(f"/gates/{duty.site.gate_id}/settings")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "写入NFC标签" in body
    assert f'data-url="http://xgm.test/g/{duty.token}?via=nfc"' in body
    assert "js/nfc-write.js" in body


def test_arrivals_record_their_source(duty):
    """A scan of the QR code is qr; the tag's URL (?via=nfc) is nfc."""
    browser = duty.new_client()
    sign_in_rider(browser, duty.token, ACTIVE)
    browser.get(f"/g/{duty.token}?via=nfc")
    [arrival] = duty.arrivals()
    assert arrival.source == "nfc"
    duty.rider(ACTIVE, token=duty.token_of(duty.north_id))
    assert duty.arrivals()[-1].source == "qr"
    assert duty.listed()[0]["source"] == "qr"


def test_registered_tag_puts_the_nfc_mark_on_the_poster(duty):
    """POST /gates/<id>/nfc (after the browser wrote the tag) marks the gate and its poster."""
    from xgm.posters.rendering import poster_for

    def poster():
        with duty.app.test_request_context(), tenant_context(duty.tenant_id):
            gate = db.session.get(Gate, duty.site.gate_id)
            return poster_html([poster_for(gate, db.session.get(Compound, duty.site.home))])

    assert "nfc-mark" not in poster()
    response = duty.site.office.post(f"/gates/{duty.site.gate_id}/nfc")
    assert response.status_code == 302
    assert "nfc-mark" in poster() and "碰一碰" in poster()
    assert "gate.nfc_written" in duty.audit_kinds()
    assert duty.site.office.client.post(f"/gates/{duty.site.gate_id}/nfc").status_code == 400
