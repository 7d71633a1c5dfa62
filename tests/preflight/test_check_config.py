"""`flask --app wsgi check-config`: a production environment checked, each problem named."""

import os
import sys
from types import SimpleNamespace

from tests.conftest import REDIS_URL, TEST_DB
from xgm import create_app
from xgm.citysim.process import free_port

GOOD = {
    "XGM_ENV": "production",
    "SECRET_KEY": "k" * 20 + "Zq8sQ2vB7mN4xT1cR9wL",
    "REDIS_URL": REDIS_URL,
    "XGM_PUBLIC_URL": "https://xgm.example.com",
    "XGM_CITY_URL": "https://xiaogema.hangzhou.gov.cn",
    "XGM_CITY_CLIENT_ID": "xgm-prod-0042",
    "XGM_CITY_SECRET": "issued-by-the-city-0123456789",
    "XGM_METRICS_NETWORKS": "10.0.0.0/8",
}


def _run(env: dict, *args: str, monkeypatch) -> SimpleNamespace:
    """`flask --app wsgi check-config ARGS` under exactly `env`: the app is built as wsgi.py
    builds it (from the environment), then the command runs."""
    for name in list(os.environ):
        if name.startswith(("XGM_", "DATABASE_URL", "SECRET_KEY", "REDIS_URL")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["flask", "check-config", *args])
    app = create_app()
    result = app.test_cli_runner().invoke(args=["check-config", *args])
    return SimpleNamespace(returncode=result.exit_code, stdout=result.output, stderr="")


def test_a_development_environment_fails_naming_every_problem(monkeypatch):
    """Nothing set but XGM_ENV and a broken number: the app would not even start, the check
    still runs and names each variable (exit 1)."""
    result = _run(
        {
            "XGM_ENV": "production",
            "XGM_DB_POOL_SIZE": "twenty",
            "XGM_METRICS_NETWORKS": "10.0.0.0/33",
        },
        "--offline",
        monkeypatch=monkeypatch,
    )
    assert result.returncode == 1, result.stderr
    out = result.stdout
    for line in (
        "FAIL SECRET_KEY: not set",
        "FAIL DATABASE_URL: not set",
        "FAIL REDIS_URL: not set",
        "FAIL XGM_PUBLIC_URL: must be the public https:// address",
        "FAIL XGM_CITY_URL: the simulator",
        "FAIL XGM_CITY_CLIENT_ID: the simulator's id",
        "FAIL XGM_CITY_SECRET: the simulator's secret",
        "FAIL XGM_DB_POOL_SIZE: 'twenty' is not a whole number",
        "FAIL XGM_METRICS_NETWORKS: not networks: 10.0.0.0/33",
    ):
        assert line in out, out
    assert "9 problem(s)" in out


def test_a_production_environment_passes_with_database_and_redis_answering(
    app, database_url, monkeypatch
):
    """Everything set, the tests' database (at head) and Redis answering: exit 0."""
    if TEST_DB == "postgresql":
        env = {**GOOD, "DATABASE_URL": database_url.replace("+psycopg", "")}
    else:  # production wants PostgreSQL: the SQLite suite checks the values alone
        env = {**GOOD, "DATABASE_URL": "postgresql://xgm@db.internal/xgm"}
    args = () if TEST_DB == "postgresql" else ("--offline",)
    result = _run(env, *args, monkeypatch=monkeypatch)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert "The configuration is ready for production." in result.stdout
    if TEST_DB == "postgresql":
        assert "ok   DATABASE_URL: answers, schema at head" in result.stdout
        assert "ok   REDIS_URL: answers" in result.stdout


def test_unreachable_services_and_weak_values_are_named(app, monkeypatch):
    """Redis nobody listens on, a short key, http:// public URL, SQLite: each its line."""
    env = {
        **GOOD,
        "SECRET_KEY": "short",
        "XGM_PUBLIC_URL": "http://127.0.0.1:5000",
        "DATABASE_URL": "sqlite:///instance/xgm.sqlite3",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "XGM_METRICS_TOKEN": "abc",
    }
    result = _run(env, monkeypatch=monkeypatch)
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL SECRET_KEY: too short or a known value" in out
    assert "FAIL XGM_PUBLIC_URL" in out
    assert "FAIL DATABASE_URL: not a postgresql:// URL" in out
    assert "FAIL REDIS_URL: does not answer" in out
    assert "FAIL XGM_METRICS_TOKEN: shorter than 24 characters" in out
