"""Draw the gate terminal's icons (home-screen PNGs, favicon) into xgm/static/icons/.

Run once after changing the design: `.venv/bin/python scripts/icons.py` (Pillow, which
WeasyPrint already needs; Noto Sans CJK from fonts-noto-cjk). The PNGs are committed.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "xgm" / "static" / "icons"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
NAVY, YELLOW, WHITE = (13, 43, 82), (255, 213, 79), (255, 255, 255)


def draw(size: int, maskable: bool = False) -> Image.Image:
    """The icon: 门 in white on navy, with a yellow band (the pass's colours)."""
    image = Image.new("RGB", (size, size), NAVY)
    pen = ImageDraw.Draw(image)
    # A maskable icon keeps its content inside the central 80 % (the safe zone).
    inset = size * (0.18 if maskable else 0.06)
    if not maskable:
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        pen = ImageDraw.Draw(image)
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 0.2, fill=NAVY)
    band = size * 0.12
    pen.rectangle((inset, size - inset - band, size - inset, size - inset), fill=YELLOW)
    font = ImageFont.truetype(FONT, int((size - 2 * inset) * 0.62), index=2)
    pen.text((size / 2, (size - band) / 2), "门", font=font, fill=WHITE, anchor="mm")
    return image


def main() -> None:
    """Write every icon the manifest and the pages name."""
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    draw(180, maskable=True).save(OUT / "apple-touch-icon.png", optimize=True)
    draw(32).save(OUT / "favicon-32.png", optimize=True)
    draw(64).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
