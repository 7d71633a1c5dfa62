"""The compound guide: the building map upload (limits, re-encoding, metadata) and amenities."""

import io

from PIL import Image

from tenants import tenant_context
from tests.factories import ACTIVE
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.guide.images import MAX_BYTES, PHONE_WIDTH
from xgm.guide.models import CompoundMap


def _photo(width=3000, height=2000, exif=True) -> bytes:
    """A JPEG like a phone photo: big, with EXIF GPS and camera fields."""
    image = Image.new("RGB", (width, height), (40, 120, 200))
    out = io.BytesIO()
    data = Image.Exif()
    if exif:
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # GPS: latitude
    image.save(out, "JPEG", exif=data.tobytes(), quality=95)
    return out.getvalue()


BOUNDARY = "xgm-test-boundary"


def _multipart(fields: dict, raw: bytes, name: str) -> bytes:
    """A multipart body built by hand (the test client spools big ones to unclosed temp files)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="map_file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return b"".join(parts) + head + raw + f"\r\n--{BOUNDARY}--\r\n".encode()


def _upload(duty, raw: bytes, name="map.jpg", **fields):
    office = duty.site.office
    body = _multipart({"csrf_token": office.csrf, **fields}, raw, name)
    return office.client.post(
        f"/compounds/{duty.site.home}/guide",
        data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def _map(duty) -> CompoundMap | None:
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        row = db.session.scalars(db.select(CompoundMap)).first()
        if row is not None:
            row.image  # noqa: B018 - load the deferred bytes before detaching
            db.session.expunge(row)
        return row


def test_upload_is_reencoded_scaled_and_stripped(duty):
    """A 3000 px photo with GPS EXIF is stored as a 1080 px JPEG with no EXIF at all."""
    raw = _photo()
    assert b"PhoneMaker" in raw
    response = _upload(duty, raw)
    assert response.status_code == 302
    row = _map(duty)
    assert (row.width, row.height, row.uploaded_bytes) == (PHONE_WIDTH, 720, len(raw))
    stored = Image.open(io.BytesIO(row.image))
    assert (stored.format, stored.size) == ("JPEG", (PHONE_WIDTH, 720))
    assert dict(stored.getexif()) == {}
    assert b"PhoneMaker" not in row.image and b"Exif" not in row.image
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        assert db.session.get(Compound, duty.site.home).map_version == 1


def test_map_over_five_megabytes_is_refused(duty):
    """An upload over 5 MB gets a Chinese message (400) and nothing is stored."""
    raw = _photo(200, 200) + b"\0" * (MAX_BYTES - 100)
    assert len(raw) > MAX_BYTES
    response = _upload(duty, raw)
    assert response.status_code == 400
    assert "图片不能超过 5 MB" in response.get_data(as_text=True)
    assert _map(duty) is None


def test_far_larger_request_is_a_413(duty):
    """A request far over the limit is stopped before it is read: 413, nothing stored."""
    response = _upload(duty, b"\xff" * (MAX_BYTES + 200 * 1024))
    assert response.status_code == 413
    assert _map(duty) is None


def test_not_an_image_is_refused(duty):
    """A file that is not a picture: 400 with the formats named."""
    response = _upload(duty, b"%PDF-1.7 not an image", name="map.pdf")
    assert response.status_code == 400
    assert "请上传 JPG、PNG、WebP 或 GIF 图片" in response.get_data(as_text=True)
    assert _map(duty) is None


def test_decompression_bomb_is_refused(duty):
    """A small file that decodes to a huge picture is refused without decoding it."""
    image = Image.new("1", (10000, 10000))
    out = io.BytesIO()
    image.save(out, "PNG")
    assert len(out.getvalue()) < 1024 * 1024
    response = _upload(duty, out.getvalue(), name="bomb.png")
    assert response.status_code == 400
    assert "图片像素太多" in response.get_data(as_text=True)


def test_pass_shows_amenities_and_the_map(duty):
    """The pass lists 驿站, water and charging and shows the map through the pass's own URL."""
    assert (
        _upload(
            duty,
            _photo(800, 600),
            amenity_station="东门岗亭旁",
            amenity_water="驿站内",
            amenity_charging="3 幢北侧",
        ).status_code
        == 302
    )
    browser, page = duty.rider(ACTIVE)
    body = page.get_data(as_text=True)
    for text in ("骑手驿站", "东门岗亭旁", "饮用水", "驿站内", "充电", "3 幢北侧", "楼幢分布图"):
        assert text in body
    [arrival] = duty.arrivals()
    image = browser.get(f"/passes/{arrival.pass_key}/map?v=1")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (800, 600)
    assert duty.new_client().get("/passes/AAAAAAAAAAAAAAAAAAAAAAAA/map").status_code == 404


def test_overstay_setting_bounds(duty):
    """The overstay limit takes 5 to 720 minutes."""
    office = duty.site.office
    path = f"/compounds/{duty.site.home}/guide"
    assert office.post(path, {"overstay_minutes": "4"}).status_code == 400
    assert office.post(path, {"overstay_minutes": "45"}).status_code == 302
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        assert db.session.get(Compound, duty.site.home).overstay_minutes == 45
