"""Evidence photos: limits, re-encoding without metadata, what the city receives, retention."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update
from werkzeug.test import EnvironBuilder

from tenants import tenant_context, utcnow
from tests.complaints.test_guard import add_arrival, complain, guard_phone  # noqa: F401
from tests.factories import ACTIVE_RIDER, load, local, sim_complaints
from xgm.city import ComplaintRejected, client_from_config
from xgm.complaints.jobs import deliver_complaint
from xgm.complaints.models import Complaint, ComplaintPhoto
from xgm.complaints.photos import PhotoError, clean_photo
from xgm.extensions import db
from xgm.privacy.jobs import purge_tenant

MAKE, ORIENTATION = 0x010F, 0x0112


def jpeg(width=64, height=32, orientation=None, color=(200, 30, 30)) -> bytes:
    """A JPEG with EXIF (camera make, and an orientation when given)."""
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", exif=exif, comment=b"secret")
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Location", "30.27N 120.15E")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_jpeg_is_re_encoded_without_metadata(app):
    """EXIF (make, orientation) and the comment go; the orientation is applied to the pixels."""
    with app.test_request_context():
        photo = clean_photo(jpeg(orientation=6))
    assert photo.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(photo.data))
    assert image.format == "JPEG" and image.size == (32, 64)  # rotated by the orientation
    assert dict(image.getexif()) == {}
    assert "comment" not in image.info and "exif" not in image.info
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()


def test_png_text_chunks_are_dropped(app):
    """A PNG stays a PNG, with its pixels and without its text chunks."""
    with app.test_request_context():
        photo = clean_photo(png_with_text())
    image = Image.open(io.BytesIO(photo.data))
    assert (photo.content_type, image.format, image.size) == ("image/png", "PNG", (20, 10))
    assert "Location" not in image.info
    assert image.getpixel((0, 0)) == (0, 0, 255, 128)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "照片文件是空的"),
        (b"GIF89a" + b"\0" * 20, "无法识别这张照片"),
        (b"not an image at all", "无法识别这张照片"),
        (b"x" * (5 * 1024 * 1024 + 1), "照片不能超过 5 MB"),
    ],
)
def test_bad_files_are_refused(app, raw, message):
    """Empty, not JPEG/PNG, garbage or over 5 MB: a Chinese reason."""
    with app.test_request_context(), pytest.raises(PhotoError, match=message):
        clean_photo(raw)


def test_gif_is_refused_by_format(app):
    """A real GIF decodes but is not JPEG or PNG."""
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    with app.test_request_context(), pytest.raises(PhotoError, match="只能是 JPEG 或 PNG"):
        clean_photo(out.getvalue())


def form(site, photos):
    return {
        "compound_id": str(site.compound_id),
        "gate_id": str(site.gate_id),
        "rider_code": ACTIVE_RIDER,
        "category": "unsafe_riding",
        "description": "逆行",
        "occurred_at": local(5),
        "csrf_token": site.csrf,
        "photos": [(io.BytesIO(data), name) for name, data in photos],
    }


def photos_of(site, complaint_id: int) -> list[ComplaintPhoto]:
    with site.app.app_context(), tenant_context(site.tenant_id):
        rows = db.session.scalars(
            select(ComplaintPhoto)
            .where(ComplaintPhoto.complaint_id == complaint_id)
            .order_by(ComplaintPhoto.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def test_four_photos_or_an_oversized_one_file_nothing(site):
    """More than 3 photos, or one over 5 MB: the form says why and no complaint is filed."""
    four = [(f"p{n}.jpg", jpeg()) for n in range(4)]
    response = site.client.post("/complaints/new", data=form(site, four))
    assert "最多上传 3 张照片" in response.get_data(as_text=True)
    big = [("big.jpg", b"\xff\xd8" + b"x" * (5 * 1024 * 1024))]
    builder = EnvironBuilder(path="/complaints/new", method="POST", data=form(site, big))
    environ = builder.get_environ()
    try:  # a body this large is spooled to a temporary file: closed here, not left to the GC
        response = site.client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 200
    assert "big.jpg：照片不能超过 5 MB。" in response.get_data(as_text=True)
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalars(select(Complaint)).all() == []


def test_city_receives_and_fetches_the_photos(site, sim, live_server):
    """Two photos: the body lists type, sha256, bytes and a signed URL; the city fetches each
    once without a cookie and the bytes match; a forged token is 404."""
    site.app.config["XGM_PUBLIC_URL"] = live_server
    response = site.client.post(
        "/complaints/new", data=form(site, [("a.jpg", jpeg()), ("b.png", png_with_text())])
    )
    assert response.status_code == 302
    cid = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = photos_of(site, cid)
    assert [p.content_type for p in stored] == ["image/jpeg", "image/png"]
    complaint = load(site, cid)[0]
    sent = json.loads(complaint.payload)["attachments"]
    assert [(a["content_type"], a["sha256"], a["bytes"]) for a in sent] == [
        (p.content_type, p.sha256, p.size) for p in stored
    ]
    assert all(a["url"].startswith(live_server + "/evidence/") for a in sent)
    with site.app.app_context():
        assert deliver_complaint(site.tenant_id, cid) == "received"
    (held,) = sim_complaints(sim)
    assert [(a["fetched"], a["fetched_sha256"]) for a in held["attachments"]] == [
        (True, p.sha256) for p in stored
    ]
    assert all(p.fetched_at is not None for p in photos_of(site, cid))
    assert site.client.get(sent[0]["url"].replace(live_server, "") + "x").status_code == 404
    detail = site.client.get(f"/complaints/{cid}").get_data(as_text=True)
    assert f"/complaints/{cid}/photos/{stored[0].id}" in detail
    own = site.client.get(f"/complaints/{cid}/photos/{stored[0].id}")
    assert own.status_code == 200 and own.data == stored[0].data


def test_city_refuses_a_photo_that_does_not_match(app, sim):
    """The simulator answers 400 (field attachments) when the fetched bytes differ from sha256."""
    from tests.factories import CLIENT_ID, SECRET

    body = {
        "reference": "XGM-TEST-1",
        "rider_code": ACTIVE_RIDER,
        "category": "other",
        "description": "测试",
        "occurred_at": "2026-11-28T11:52:00+08:00",
        "compound": {"name": "阳光花园"},
        "reporter": {"organisation": "物业", "name": "李四"},
        "attachments": [
            {
                "content_type": "image/jpeg",
                "sha256": "0" * 64,
                "bytes": 10,
                "url": f"{sim}/photos/{ACTIVE_RIDER}.jpg",
            }
        ],
    }
    client = client_from_config(
        {"XGM_CITY_URL": sim, "XGM_CITY_CLIENT_ID": CLIENT_ID, "XGM_CITY_SECRET": SECRET}
    )
    with pytest.raises(ComplaintRejected) as caught:
        client.post_complaint(body, "00000000-0000-4000-8000-000000000001")
    assert set(caught.value.fields) == {"attachments"}
    assert sim_complaints(sim) == []


def test_guard_attaches_a_photo(site, guard_phone):  # noqa: F811
    """A guard's complaint from an arrival card may carry a photo."""
    arrival_id = add_arrival(site)
    response = guard_phone.post(
        f"/guard/arrivals/{arrival_id}/complain",
        data={
            "category": "no_helmet",
            "csrf_token": guard_phone.csrf,
            "photos": [(io.BytesIO(jpeg()), "gate.jpg")],
        },
    )
    assert response.status_code == 302
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint)).one()
        assert complaint.reporter_kind == "guard"
        assert complaint.platform_name == "美团外卖"  # the card's platform, for the regulator
    assert len(photos_of(site, complaint.id)) == 1


def test_retention_deletes_the_photos(site, live_server):
    """Past the retention period the photos go with the rider's name; their URL is then 404."""
    site.app.config["XGM_PUBLIC_URL"] = live_server
    response = site.client.post("/complaints/new", data=form(site, [("a.jpg", jpeg())]))
    cid = int(response.headers["Location"].rsplit("/", 1)[1])
    url = json.loads(load(site, cid)[0].payload)["attachments"][0]["url"]
    path = url.replace(live_server, "")
    anonymous = site.app.test_client()
    assert anonymous.get(path).status_code == 200
    with site.app.app_context():
        assert purge_tenant(site.tenant_id, 180)["photos"] == 0
        with tenant_context(site.tenant_id):
            db.session.execute(update(Complaint).values(created_at=utcnow() - timedelta(days=181)))
            db.session.commit()
        assert purge_tenant(site.tenant_id, 180)["photos"] == 1
    assert photos_of(site, cid) == []
    assert anonymous.get(path).status_code == 404
