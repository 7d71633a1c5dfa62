"""Building-map uploads to phone-sized JPEGs: a pure function of the uploaded bytes (Pillow).

Re-encoding drops everything but the pixels: EXIF (GPS positions of the phone that took the
photo), ICC profiles, comments, and anything smuggled behind the image data.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

#: Largest upload accepted.
MAX_BYTES = 5 * 1024 * 1024
#: Widest image served: a phone's screen at 3x, so a map can be zoomed a little.
PHONE_WIDTH = 1080
#: Tallest image served (a very long map is cut down to this, keeping its proportions).
MAX_HEIGHT = 2400
#: Larger pictures are refused before decoding (a decompression bomb).
MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class BadImage(ValueError):
    """The upload is not an image we take; `reason` is "too_big", "not_image" or "too_many_pixels"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PhoneImage:
    """A re-encoded map: JPEG bytes and its size in pixels."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def reencode(raw: bytes) -> PhoneImage:
    """The upload as a phone-sized JPEG with no metadata; BadImage for anything else."""
    if len(raw) > MAX_BYTES:
        raise BadImage("too_big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in FORMATS:
                    raise BadImage("not_image")
                if probe.width * probe.height > MAX_PIXELS:
                    raise BadImage("too_many_pixels")
                probe.seek(0)
                image = ImageOps.exif_transpose(probe)
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, BadImage):
            raise
        raise BadImage("not_image") from None
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    image.thumbnail((PHONE_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return PhoneImage(out.getvalue(), image.width, image.height)
