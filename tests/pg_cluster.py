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

    def _run(self, *args: str) -> None:
        """Run a PostgreSQL program (as `postgres` when we are root). Its output goes to a file, never a
        pipe: a server it starts would hold the pipe open and the call would never return."""
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        with open(self.dir / "commands.log", "a") as out:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        if done.returncode:
            tail = (self.dir / "commands.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{tail}")

    def start(self) -> Cluster:
        os.chmod(self.dir, 0o755)
        (self.dir / "commands.log").touch()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.dir / "commands.log", "postgres", "postgres")
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

    def add_password_user(self, user: str, password: str) -> None:
        """A role that must give its password (scram-sha-256) over the socket; everyone else stays trusted."""
        self.admin(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
        self.admin(f"GRANT ALL ON DATABASE postgres TO {user}")
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"local all {user} scram-sha-256\n" + hba.read_text())
        self._run("pg_ctl", "-D", str(self.data), "reload")

    def restart(self) -> None:
        """Stop and start the server again (what a server restart does to connected clients)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            if self.running:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            self.running = False
            shutil.rmtree(self.dir, ignore_errors=True)
