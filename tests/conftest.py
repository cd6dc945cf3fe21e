"""Shared fixtures: every test gets a fresh library in a temp dir; Qt runs offscreen."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "resources" / "samples"
PEDIATRIC_SEED = SAMPLES / "pediatric_emapalumab_crs.md"
CASE_REPORT_SEED = SAMPLES / "case_report_emapalumab_iec_hs.txt"


SLOW_SKIP_REASON = "marked slow (e.g. the PyInstaller bundle build): run it with --run-slow, as CI does"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (CI does: .ci/run passes --run-slow)")


def run_slow(config: pytest.Config) -> bool:
    """Slow tests run with --run-slow, or when CI is set (to anything but '', '0' or 'false')."""
    return bool(config.getoption("--run-slow")) or os.environ.get("CI", "").lower() not in ("", "0", "false")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    skip = pytest.mark.skip(reason=SLOW_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


def _corpus_dir() -> Path | None:
    env = os.environ.get("CURATOR_CORPUS")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")]
    for c in candidates:
        if (c / "SOURCES.md").exists():
            return c
    return None


CORPUS = _corpus_dir()


@pytest.fixture
def corpus() -> Path:
    """The shared real-file corpus (../shared/corpus, or $CURATOR_CORPUS); never copied here."""
    if CORPUS is None:
        pytest.skip("the shared corpus (../shared/corpus or $CURATOR_CORPUS) is not present")
    return CORPUS


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


# --- both engines (issue 18) ---------------------------------------------------------------------------
# `library_target` is a new, empty library on each engine in turn: a file path on SQLite, a
# postgresql:// URL of a fresh database on PostgreSQL. A session-wide throwaway cluster (tests/pg_cluster.py:
# a temporary folder, a Unix socket, no TCP) serves every test; each test gets its own database, copied
# from a migrated template (CREATE DATABASE ... TEMPLATE: a few tens of ms). Without PostgreSQL's
# binaries the PostgreSQL half is skipped, saying why; under CI (env CI set) it fails instead.
ENGINES = ("sqlite", "postgresql")
PG_MISSING = ("PostgreSQL is not installed here (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
              "the PostgreSQL half of the engine tests is skipped; `apt-get install -y postgresql` (as .ci/run "
              "does) runs it")
TEMPLATE_DB = "curator_template"


def _engine_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    try:
        import psycopg
    except ImportError:
        return (sqlite3.DatabaseError,)
    return (sqlite3.DatabaseError, psycopg.Error)


ENGINE_ERRORS = _engine_errors()  # what either engine raises for a statement its schema refuses


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's throwaway PostgreSQL cluster, with a migrated template database."""
    from tests.pg_cluster import Cluster, find_bin

    bin_dir = find_bin()
    if bin_dir is None:
        if in_ci():
            pytest.fail(PG_MISSING + " — and CI is set: CI must run both engines")
        pytest.skip(PG_MISSING)
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
        from curator.store.library import Library

        Library.open(cluster.create_db(TEMPLATE_DB)).close()  # migrated once; every test copies it
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster, request, tmp_path, monkeypatch) -> str:
    """A fresh, migrated, empty PostgreSQL library (its own database, dropped after the test). What the
    app keeps on this computer for a server library (caches) goes to the test's temporary folder."""
    import re

    if not os.environ.get("CURATOR_DATA_DIR"):
        monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))

    name = "t_" + re.sub(r"\W", "_", request.node.name)[:40].lower() + f"_{os.getpid()}"
    pg_cluster.drop_db(name)
    url = pg_cluster.create_db(name, template=TEMPLATE_DB)
    yield url
    pg_cluster.drop_db(name)


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def library_target(engine, tmp_path, request):
    """A new library on `engine`: a file path (SQLite) or a postgresql:// URL (PostgreSQL)."""
    if engine == "sqlite":
        return tmp_path / "library.sqlite"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def new_target(engine, tmp_path, request):
    """Make another new library on `engine` per call: `new_target("plain")` → a path or a URL."""
    dbs: list[str] = []

    def make(name: str = "library"):
        if engine == "sqlite":
            return tmp_path / f"{name}.sqlite"
        if not os.environ.get("CURATOR_DATA_DIR"):
            request.getfixturevalue("monkeypatch").setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
        cluster = request.getfixturevalue("pg_cluster")
        db = f"{name}_{len(dbs)}_{os.getpid()}".lower()
        cluster.drop_db(db)
        dbs.append(db)
        return cluster.create_db(db, template=TEMPLATE_DB)

    yield make
    if dbs:
        cluster = request.getfixturevalue("pg_cluster")
        for db in dbs:
            cluster.drop_db(db)
