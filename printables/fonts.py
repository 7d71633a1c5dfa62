"""The CJK font check and the per-process WeasyPrint font configuration."""

from __future__ import annotations

import subprocess
import threading

from weasyprint.text.fonts import FontConfiguration

#: The one font family every poster is set in (Debian package fonts-noto-cjk).
CJK_FAMILY = "Noto Sans CJK SC"

_lock = threading.Lock()
_font_config: FontConfiguration | None = None
_font_checked = False


class FontMissingError(RuntimeError):
    """No Noto Sans CJK SC font is installed: posters would print boxes instead of Chinese."""

    def __init__(self, detail: str = "") -> None:
        message = (
            f"未找到中文字体 {CJK_FAMILY}，无法打印海报。"
            "请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）。"
            f" / Font {CJK_FAMILY} not found via fontconfig, so posters cannot be printed."
            " Install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)."
        )
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)


def _fontconfig_families() -> set[str]:
    """Return the family names fontconfig offers for Simplified Chinese."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh-cn", "family"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError:
        # fc-list comes from the fontconfig package; fall back to fc-match, whose answer
        # names the family actually chosen (not a fallback we would have to accept).
        try:
            listed = subprocess.run(
                ["fc-match", "-f", "%{family}\n", f"{CJK_FAMILY}:lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except FileNotFoundError as exc:
            raise FontMissingError("fontconfig tools fc-list / fc-match not found") from exc
    families: set[str] = set()
    for line in listed.stdout.splitlines():
        families.update(name.strip() for name in line.split(","))
    return families


def ensure_cjk_font() -> None:
    """Raise FontMissingError unless fontconfig finds Noto Sans CJK SC (checked once per process)."""
    global _font_checked
    if _font_checked:
        return
    if CJK_FAMILY not in _fontconfig_families():
        raise FontMissingError()
    _font_checked = True


def font_config() -> FontConfiguration:
    """Return the process-wide FontConfiguration, created on first use after the font check."""
    global _font_config
    ensure_cjk_font()
    if _font_config is None:
        with _lock:
            if _font_config is None:
                _font_config = FontConfiguration()
    return _font_config
