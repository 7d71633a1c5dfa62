"""Without the CJK font the poster is a 503 naming fonts-noto-cjk, never a 500 or boxes.

The app runs in a child process whose fontconfig sees no fonts at all (an empty FONTCONFIG_FILE),
exactly like a server where fonts-noto-cjk was never installed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from tests.conftest import app_config, login
from tests.factories import PASSWORD
from xgm import create_app

url, cache, gate_id, compound_id = sys.argv[1:5]
app = create_app(app_config(url, XGM_POSTER_CACHE_DIR=cache, REDIS_URL=sys.argv[5],
                            RATELIMIT_STORAGE_URI=sys.argv[5]))
client = app.test_client()
assert login(client, "owner@example.com", PASSWORD).status_code == 302
out = {}
for path in (f"/gates/{gate_id}/poster.pdf", f"/compounds/{compound_id}/posters.pdf"):
    response = client.get(path)
    out[path] = [response.status_code, response.get_data(as_text=True)]
print(json.dumps(out))
"""


def test_missing_cjk_font_is_a_503_naming_the_package(app, office, tmp_path):
    """A server without Noto Sans CJK answers 503 with the Debian package to install."""
    compound_id = office.add_compound()
    gate_id = office.add_gate(compound_id)
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    env = {**os.environ, "FONTCONFIG_FILE": str(empty), "PYTHONPATH": str(ROOT)}
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    result = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(tmp_path / "cache"), str(gate_id)]
        + [str(compound_id), REDIS_URL],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for path, (status, body) in answers.items():
        assert status == 503, path
        assert "fonts-noto-cjk" in body, path
        assert "中文字体" in body, path
    assert list((tmp_path / "cache").glob("*.pdf")) == []
