"""One configuration: the environment is read in one place, documented, and China time once.

xgm reads its settings from the environment in `xgm.config` only; the rest of the code reads
`app.config`. The separate programs that run without the app (the gate agent, the city
simulator, the dev server, gunicorn.conf.py) each read theirs in one function. Every name
load_config reads is a row of README's configuration table, and every row names a setting
that is read. China's time zone and offset are defined in `chinatime.py` and nowhere else.
"""

import ast
import re
from datetime import datetime
from pathlib import Path

from chinatime import CN_TZ, today_in_china
from xgm.config import load_config

ROOT = Path(__file__).resolve().parents[1]
#: The product's code: the app, the bottom packages, the entry points.
PRODUCT = (
    "xgm",
    "tenants",
    "printables",
    "chinatime.py",
    "worker.py",
    "wsgi.py",
    "gunicorn.conf.py",
)
#: The one function of each that reads the process environment.
ENVIRONMENT_READERS = {
    ("xgm/config.py", "environment"),  # the app's settings (load_config) and check-config
    ("xgm/gateagent/cli.py", "build_adapter"),  # the on-site agent's device secrets
    ("xgm/citysim/app.py", "settings_from_env"),  # the city simulator, its ctl and launcher
    ("xgm/devserver.py", "_run"),  # `make run`: its ports, the environment of its children
    ("gunicorn.conf.py", "_from_environment"),  # the web server's own settings
}
ENV_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}
#: A second definition of China's zone or offset (chinatime.py holds the only one).
ZONE_DEFINITIONS = re.compile(
    r"ZoneInfo|zoneinfo|\btimezone\(|hours\s*=\s*8\b|seconds\s*=\s*28800|Asia/Shanghai|CN_TZ\s*="
)


def _product_files():
    for entry in PRODUCT:
        path = ROOT / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _environment_reads(path: Path):
    """(function qualname or "<module>") of every use of os.environ / os.getenv in the file."""
    found = []

    def visit(node, scope):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = f"{scope}.{node.name}" if scope else node.name
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ENV_NAMES
        ) or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ENV_NAMES for alias in node.names)
        ):
            found.append(scope or "<module>")
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(ast.parse(path.read_text(), str(path)), "")
    return found


def test_the_environment_is_read_only_by_the_allowed_functions():
    """os.environ / os.getenv appear in one function per program, and in nothing else."""
    reads = {
        (path.relative_to(ROOT).as_posix(), scope)
        for path in _product_files()
        for scope in _environment_reads(path)
    }
    assert reads - ENVIRONMENT_READERS == set(), "read the setting in xgm/config.py:load_config"
    assert reads == ENVIRONMENT_READERS  # the list stays exact


class RecordingEnv(dict):
    """An empty environment that records every name looked up in it."""

    def __init__(self, **values):
        super().__init__(values)
        self.names = set()

    def get(self, key, default=None):
        self.names.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.names.add(key)
        return super().__contains__(key)


def _readme_table_names() -> set[str]:
    """The variables named in the first column of README's configuration table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def _string_constants(path: str, function: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return {
                n.value
                for n in ast.walk(node)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
    raise AssertionError(f"{path}: no function {function}")


def test_every_setting_load_config_reads_is_in_the_readme_table(tmp_path):
    """load_config's names are documented; each documented name is read by someone."""
    env = RecordingEnv()
    load_config(tmp_path, env=env)
    on_postgresql = RecordingEnv(DATABASE_URL="postgresql://xgm@db/xgm")  # the pool settings
    load_config(tmp_path, env=on_postgresql)
    env.names |= on_postgresql.names
    documented = _readme_table_names()
    assert sorted(env.names - documented) == []
    programs = set().union(*(_string_constants(*reader) for reader in ENVIRONMENT_READERS))
    assert sorted(documented - env.names - programs) == []


def test_china_time_is_defined_once():
    """No product module defines China's zone or offset again (chinatime.py does)."""
    again = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _product_files()
        if path.name != "chinatime.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ZONE_DEFINITIONS.search(line)
    ]
    assert again == []


def test_china_time_formats_as_the_city_contract_writes_times():
    """+08:00 all year; the Chinese date turns at 16:00 UTC."""
    moment = datetime(2026, 11, 28, 4, 0).replace(tzinfo=CN_TZ)
    assert moment.isoformat(timespec="seconds") == "2026-11-28T04:00:00+08:00"
    assert datetime(2026, 7, 1, 12).replace(tzinfo=CN_TZ).utcoffset().total_seconds() == 28800
    assert today_in_china(datetime(2026, 11, 28, 15, 59)).isoformat() == "2026-11-28"
    assert today_in_china(datetime(2026, 11, 28, 16, 0)).isoformat() == "2026-11-29"
    assert today_in_china(moment) == moment.date()
