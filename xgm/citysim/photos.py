"""Portrait-like rider photos drawn with Pillow, cached per rider."""

from __future__ import annotations

import colorsys
import hashlib
import io
import threading
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX_SC = 2  # Noto Sans CJK SC inside the collection
SIZE = (240, 300)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
)

_cache: dict[tuple[str, str], bytes] = {}
_cache_lock = threading.Lock()


def surname(name: str) -> str:
    """Return the family name of a Chinese full name."""
    for compound in _COMPOUND_SURNAMES:
        if name.startswith(compound):
            return compound
    return name[:1] or "?"


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Load the CJK font once per size (falls back to Pillow's default font)."""
    try:
        return ImageFont.truetype(FONT_PATH, size, index=FONT_INDEX_SC)
    except OSError:
        return ImageFont.load_default(size)


def _colours(rider_code: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Return a background and a figure colour derived from the rider code."""
    hue = hashlib.sha256(rider_code.encode()).digest()[0] / 255

    def rgb(lightness: float, saturation: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        return int(r * 255), int(g * 255), int(b * 255)

    return rgb(0.82, 0.55), rgb(0.38, 0.45)


def render_photo(rider_code: str, name: str) -> bytes:
    """Return a JPEG portrait tile for a rider (cached)."""
    key = (rider_code, name)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    background, figure = _colours(rider_code)
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    # shoulders, neck and head of a passport-style silhouette
    draw.ellipse((20, 200, width - 20, height + 120), fill=figure)
    draw.rectangle((width // 2 - 22, 160, width // 2 + 22, 215), fill=figure)
    draw.ellipse((width // 2 - 70, 40, width // 2 + 70, 190), fill=figure)
    family = surname(name)
    font = _font(96 if len(family) == 1 else 60)
    draw.text((width // 2, 115), family, font=font, fill=(255, 255, 255), anchor="mm")
    small = _font(18)
    draw.text((width // 2, height - 22), rider_code, font=small, fill=(255, 255, 255), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    data = buffer.getvalue()
    with _cache_lock:
        _cache[key] = data
    return data
