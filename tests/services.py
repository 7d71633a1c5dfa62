"""Real services a few tests start on free ports: Debian's pgbouncer, throwaway PostgreSQL clusters.

Each is a context manager that starts the real program and stops it (and removes its files).
PostgreSQL and pgbouncer refuse to run as root: under root (CI containers) they run as the
`postgres` system user, in directories it owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from xgm.citysim.process import free_port

PG_BIN = Path(os.environ.get("XGM_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVICE_USER = "postgres"


def _as_service_user() -> dict:
    """Popen arguments that drop root to the service user (nothing when not root)."""
    if os.getuid() != 0:
        return {}
    return {"user": SERVICE_USER, "group": pwd.getpwnam(SERVICE_USER).pw_gid}


def _workdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.getuid() == 0:
        entry = pwd.getpwnam(SERVICE_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)
    return path


def _wait_for(dsn: str, process: subprocess.Popen | None, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=1, autocommit=True) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


class PgBouncer:
    """pgbouncer in transaction pooling mode in front of a PostgreSQL server (trust auth)."""

    def __init__(self, server_port: int = 5432, pool_size: int = 4) -> None:
        self.port = free_port()
        self.server_port = server_port
        self.pool_size = pool_size
        self.process: subprocess.Popen | None = None
        self.dir: Path | None = None

    def url(self, database: str) -> str:
        """A SQLAlchemy URL of `database` through pgbouncer."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, command: str) -> list[dict]:
        """Run a command on pgbouncer's admin console (SHOW STATS, SHOW POOLS ...)."""
        dsn = f"postgresql://postgres@127.0.0.1:{self.port}/pgbouncer"
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
            cursor = conn.execute(command)
            names = [c.name for c in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def __enter__(self) -> PgBouncer:
        self.dir = _workdir("xgm-pgbouncer-")
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.server_port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'userlist.txt'}\n"
            "admin_users = postgres\npool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\nmax_client_conn = 500\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        if os.getuid() == 0:
            for name in ("userlist.txt", "pgbouncer.ini"):
                shutil.chown(self.dir / name, SERVICE_USER)
        self.process = subprocess.Popen(
            ["pgbouncer", str(self.dir / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **_as_service_user(),
        )
        try:
            _wait_for(
                f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                self.process,
                15,
                "pgbouncer",
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


class PgCluster:
    """A throwaway PostgreSQL 15 cluster on a free port: a primary (initdb) or a streaming
    replica of one (pg_basebackup -R)."""

    def __init__(self, primary: PgCluster | None = None) -> None:
        self.port = free_port()
        self.primary = primary
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URL of a database on this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL of a database on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            args, check=True, capture_output=True, cwd=self.dir, timeout=120, **_as_service_user()
        )

    def __enter__(self) -> PgCluster:
        self.dir = _workdir("xgm-pg-")
        data = self.dir / "data"
        if self.primary is None:
            self._run(
                str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                "--no-sync", "-E", "UTF8", "--locale", "C",
            )  # fmt: skip
            with (data / "postgresql.conf").open("a") as conf:
                conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
                conf.write("synchronous_commit = off\nfull_page_writes = off\n")
            with (data / "pg_hba.conf").open("a") as hba:
                hba.write("host replication all 127.0.0.1/32 trust\n")
        else:
            self._run(
                str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
                "-U", "postgres", "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast",
            )  # fmt: skip
            with (data / "postgresql.conf").open("a") as conf:
                conf.write("hot_standby = on\n")
        log = self.dir / "postgres.log"
        log_file = log.open("ab")
        self.process = subprocess.Popen(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.dir}",
            ],  # fmt: skip
            stdout=log_file,
            stderr=subprocess.STDOUT,
            **_as_service_user(),
        )
        log_file.close()  # the server holds its own descriptor
        try:
            _wait_for(self.dsn(), self.process, 60, f"postgres on {self.port} (log: {log})")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: ends open sessions
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
