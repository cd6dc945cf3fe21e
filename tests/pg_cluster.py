"""A throwaway PostgreSQL cluster for tests and benchmarks: made in a temporary folder, listening on a
Unix socket there only (no TCP port), stopped and removed at the end.

The server refuses to run as root: as root, initdb/pg_ctl run as the `postgres` user (`runuser`), and
the folder is handed to it. Binaries are found on PATH or in /usr/lib/postgresql/<version>/bin
(Debian's `postgresql` package; `.ci/run` installs it when missing).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

USER = "curator"
PORT = 5432  # the socket lives in a folder of its own: no clash with any other server


def find_bin() -> Path | None:
    """The folder with initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    return None


class Cluster:
    def __init__(self, bin_dir: Path, fast: bool = True):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="curator-pg-"))
        self.data = self.dir / "data"
        self.fast = fast  # fsync off: tests need no durability (the benchmark keeps it on)
        self.as_postgres = os.geteuid() == 0 if hasattr(os, "geteuid") else False
        self._n = itertools.count(1)
        self.running = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> Cluster:
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o755)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        opts = f"-k {self.dir} -p {PORT} -c listen_addresses='' -c max_connections=100"
        if self.fast:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "server.log"), "-w", "start")
        self.running = True
        return self

    def url(self, dbname: str) -> str:
        return f"postgresql://{USER}@/{dbname}?host={self.dir}&port={PORT}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def create_db(self, name: str | None = None, template: str | None = None) -> str:
        """A new database (a copy of `template` when given); returns its URL."""
        name = name or f"t{os.getpid()}_{next(self._n)}"
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_db(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self) -> None:
        """Stop and start the server again (what a server restart does to connected clients)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            if self.running:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            self.running = False
            shutil.rmtree(self.dir, ignore_errors=True)
