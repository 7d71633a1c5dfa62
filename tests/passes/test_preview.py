"""预览扫码页: the rider's page with a sample rider, recording nothing, starting no sign-in."""

from tests.factories import count_arrivals, make_place, sign_in_office


def test_preview_shows_the_page_and_records_nothing(app, client):
    """200, the compound and gate named, a 预览 banner, no arrival, no pass script."""
    tenant_id = sign_in_office(app, client, "owner@example.com", None).tenant_id
    _compound_id, gate_id, _token = make_place(app, tenant_id)
    response = client.get(f"/gates/{gate_id}/preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "富春江畔花园" in html and "东门" in html and "示例骑手" in html
    assert "预览不会登录城市平台、不会产生到访记录" in html
    assert "pass.js" not in html
    assert count_arrivals(app, tenant_id) == 0


def test_compound_page_links_the_preview_not_the_scan(app, client):
    """The compound page's 预览扫码页 button opens the preview, not /g/<token>."""
    tenant_id = sign_in_office(app, client, "owner@example.com", None).tenant_id
    compound_id, gate_id, token = make_place(app, tenant_id)
    html = client.get(f"/compounds/{compound_id}").get_data(as_text=True)
    assert f'href="/gates/{gate_id}/preview"' in html
    assert f'href="http://xgm.test/g/{token}"' not in html
