"""Evidence photos of a complaint: checked, re-encoded without metadata, offered to the city.

A photo is accepted when it is a JPEG or PNG of at most MAX_BYTES whose pixels Pillow can
decode (at most MAX_PIXELS, against decompression bombs). It is stored re-encoded: the EXIF
orientation applied to the pixels, then every piece of metadata dropped (EXIF with its GPS
position, XMP, ICC, PNG text chunks), JPEG at quality 85, PNG optimised. The city gets, in
the complaint body (contract section 7), each photo's type, SHA-256 and size and an
`XGM_PUBLIC_URL/evidence/<token>` address: the token is the photo's random key signed with
the app's secret and a timestamp (itsdangerous), valid EVIDENCE_DAYS, served without a cookie.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 3
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
#: How long an evidence URL works (the contract asks for at least 7 days).
EVIDENCE_DAYS = 14
JPEG_QUALITY = 85
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
#: Request body limit of the pages that take photos (3 x 5 MB plus the form).
UPLOAD_LIMIT = MAX_PHOTOS * MAX_BYTES + 512 * 1024


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message is a Chinese sentence for the user."""


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded for storage."""

    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the stored bytes (what the city checks)."""
        return hashlib.sha256(self.data).hexdigest()


def clean_photo(raw: bytes) -> CleanPhoto:
    """Check and re-encode one uploaded image; PhotoError with the reason otherwise."""
    from flask_babel import gettext as _

    if len(raw) > MAX_BYTES:
        raise PhotoError(_("照片不能超过 5 MB。"))
    if not raw:
        raise PhotoError(_("照片文件是空的。"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind = probe.format
                if kind not in TYPES:
                    raise PhotoError(_("照片只能是 JPEG 或 PNG 格式。"))
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoError(_("照片像素过多，请压缩后再上传。"))
                probe.load()
                image = ImageOps.exif_transpose(probe)
    except PhotoError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise PhotoError(_("无法识别这张照片，请换一张 JPEG 或 PNG 照片。")) from exc
    return CleanPhoto(TYPES[kind], _encode(image, kind))


def _encode(image: Image.Image, kind: str) -> bytes:
    """The pixels alone, in a fresh file of the same kind (no EXIF, XMP, ICC or text chunks)."""
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        bare = Image.new(image.mode, image.size)
        bare.paste(image)
        bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        bare = Image.new(image.mode, image.size)
        if image.mode == "P":
            bare.putpalette(image.getpalette())
        bare.paste(image)
        bare.save(out, "PNG", optimize=True)
    return out.getvalue()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="xgm-evidence-photo")


def evidence_token(key: str) -> str:
    """The signed, timestamped token of a photo's evidence URL."""
    return _serializer().dumps(key)


def key_from_token(token: str) -> str | None:
    """The photo key a token signs, or None when forged, malformed or older than EVIDENCE_DAYS."""
    try:
        key = _serializer().loads(token, max_age=EVIDENCE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return key if isinstance(key, str) else None


def evidence_url(key: str) -> str:
    """The public URL the city fetches a photo from (XGM_PUBLIC_URL + /evidence/<token>)."""
    path = url_for("complaints.evidence", token=evidence_token(key))
    return current_app.config["XGM_PUBLIC_URL"].rstrip("/") + path


def attachments(photos) -> list[dict]:
    """The complaint body's `attachments` for stored photos (ComplaintPhoto rows)."""
    return [
        {
            "content_type": p.content_type,
            "sha256": p.sha256,
            "bytes": p.size,
            "url": evidence_url(p.key),
        }
        for p in photos
    ]
