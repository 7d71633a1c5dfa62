"""The gate phone as a gate terminal: the web app manifest, its icons, the favicon."""

import io

from PIL import Image


def test_manifest_is_served_and_valid(app, client):
    """The manifest installs the console full screen, with 192 and 512 px PNG icons."""
    response = client.get("/guard/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    body = response.get_json(force=True)
    assert body["name"] == "小哥码门岗" and body["short_name"] == "门岗"
    assert body["start_url"] == "/guard" and body["id"] == "/guard"
    assert body["display"] == "fullscreen"
    assert body["display_override"] == ["fullscreen", "standalone"]
    sizes = set()
    for icon in body["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200 and image.mimetype == "image/png"
            width, height = Image.open(io.BytesIO(image.data)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (192, "maskable"), (512, "maskable")} <= sizes


def test_phone_pages_link_the_manifest_and_every_page_a_favicon(app, client):
    """The sign-in page links the manifest; /favicon.ico is an icon."""
    html = client.get("/device/enroll").get_data(as_text=True)
    assert '<link rel="manifest" href="/guard/manifest.webmanifest">' in html
    assert 'rel="icon"' in html
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert Image.open(io.BytesIO(icon.data)).format == "ICO"
