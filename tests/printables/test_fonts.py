"""The CJK font check: posters fail loudly rather than print boxes for Chinese."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from printables.fonts import CJK_FAMILY, ensure_cjk_font

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json
from printables import FontMissingError, Poster, render_poster_pdf
poster = Poster("阳光花园", "东门", "https://xgm.example.cn/g/t", "0571-64610000", "12345")
try:
    render_poster_pdf(poster)
except FontMissingError as error:
    print(json.dumps({"raised": "FontMissingError", "message": str(error)}))
else:
    print(json.dumps({"raised": None}))
"""


def test_noto_sans_cjk_sc_is_found_here():
    """On this machine fontconfig finds Noto Sans CJK SC, so the check passes."""
    assert CJK_FAMILY == "Noto Sans CJK SC"
    ensure_cjk_font()


def test_missing_font_raises_in_chinese_and_english_naming_the_package(tmp_path):
    """With a fontconfig that sees no fonts, rendering raises FontMissingError naming the package."""
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(empty), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["raised"] == "FontMissingError"
    message = answer["message"]
    assert "未找到中文字体 Noto Sans CJK SC" in message
    assert "请安装 Debian 软件包 fonts-noto-cjk" in message
    assert "Font Noto Sans CJK SC not found via fontconfig" in message
    assert "Install the Debian package fonts-noto-cjk" in message
