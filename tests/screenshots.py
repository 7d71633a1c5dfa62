"""Where the real-browser tests put their screenshots.

docs/ holds the ones the README shows. The tests write there only when XGM_UPDATE_DOCS=1
(`make screenshots`), so an ordinary test run leaves the work tree alone; otherwise under
/tmp/xgm-screenshots/<database>/, one folder per suite (the two suites run side by side), to
look at after the run.
"""

import os
from pathlib import Path

from tests.conftest import TEST_DB

DOCS = Path(__file__).resolve().parents[1] / "docs"


def screenshot_dir() -> Path:
    """The folder for this run's screenshots (created)."""
    if os.environ.get("XGM_UPDATE_DOCS") == "1":
        folder = DOCS
    else:
        folder = Path(os.environ.get("XGM_SCREENSHOT_DIR", "/tmp/xgm-screenshots")) / TEST_DB
    folder.mkdir(parents=True, exist_ok=True)
    return folder
