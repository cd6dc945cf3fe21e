"""File ▸ Open team library… and the password asked for when the server wants one (issue 18 items 1, 7):
the URL the dialog builds, a library opened through it on the throwaway cluster, a password typed in a
password field (tried, refused with a message naming the host and user, asked again), kept in memory
for the session only — never in the settings, the URL kept as the library's path or the environment —
the CLI asking in a terminal, and an unreachable server named in the dialog, the library unchanged."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from curator.__main__ import main
from curator.services.library import PASSWORD_TRIES, NeedsPassword, open_locked, second_connection, server_url
from curator.store import postgres
from curator.ui.team_open_dialog import TeamOpenDialog
from tests.conftest import TEMPLATE_DB
from tests.pg_cluster import PORT
from tests.ui_helpers import make_window

psycopg = pytest.importorskip("psycopg")
conninfo_to_dict = pytest.importorskip("psycopg.conninfo").conninfo_to_dict

ROLE, SECRET = "pw_team", "t3am-Secret!"


def test_the_url_is_built_from_server_port_database_and_user():
    assert server_url("db.lab.org", 5432, "tox", "ana") == "postgresql://ana@db.lab.org:5432/tox"
    sock = server_url("/run/my pg", 5433, "tox", "ana")
    assert conninfo_to_dict(sock) == {"user": "ana", "dbname": "tox", "host": "/run/my pg", "port": "5433"}
    assert conninfo_to_dict(server_url("::1", "", "tox", "")) == {"host": "::1", "dbname": "tox"}
    # a pasted URL with a password: what the app shows and keeps has none
    shown = postgres.redact("postgresql://ana:pw9@db.lab.org:5432/tox?sslmode=require")
    assert shown == "postgresql://ana@db.lab.org:5432/tox?sslmode=require"


@pytest.fixture
def pw_url(pg_cluster, monkeypatch, tmp_path):
    """A library on the cluster that only a role with a password (scram-sha-256) reaches; libpq finds
    the password nowhere (no PGPASSWORD, no .pgpass). The password remembered for it is forgotten after."""
    roles = {r[0] for r in psycopg.connect(pg_cluster.url("postgres")).execute("SELECT rolname FROM pg_roles")}
    if ROLE not in roles:
        pg_cluster.add_password_user(ROLE, SECRET)
        pg_cluster.admin(f"ALTER ROLE {ROLE} SUPERUSER")  # reads the template-made tables (owned by curator)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    db = f"team_pw_{os.getpid()}"
    pg_cluster.drop_db(db)
    pg_cluster.create_db(db, template=TEMPLATE_DB)
    url = server_url(str(pg_cluster.dir), PORT, db, ROLE)
    postgres.forget_password(url)
    yield url
    postgres.forget_password(url)
    pg_cluster.drop_db(db)


def test_open_locked_asks_until_the_server_takes_the_password_and_keeps_it_in_memory_only(pw_url, monkeypatch):
    with pytest.raises(NeedsPassword, match=rf"asks user {ROLE} for a password") as info:
        open_locked(pw_url)  # nobody to ask: said, naming the host and user
    assert not info.value.refused and _host(pw_url) in str(info.value)
    asked: list[tuple[bool, str]] = []
    answers = iter(["wrong", SECRET])

    def ask(why: NeedsPassword) -> str:
        asked.append((why.refused, str(why)))
        return next(answers)

    def ask_wrong(why: NeedsPassword) -> str:
        asked.append((why.refused, str(why)))
        return "wrong"

    opened = open_locked(pw_url, ask_password=ask)
    try:
        assert [r for r, _ in asked] == [False, True]  # none found, then the wrong one refused
        assert f"refused the password of user {ROLE}" in asked[1][1] and _host(pw_url) in asked[1][1]
        assert opened.lib.engine == "postgresql" and opened.lib.paper_count() == 0
        assert SECRET not in str(opened.lib.path) and SECRET not in opened.lib.url
        assert SECRET not in "".join(os.environ.values())  # not PGPASSWORD: this process's memory only
        worker = second_connection(opened.lib)  # a worker's connection gets it from memory, no asking
        try:
            assert worker.paper_count() == 0
        finally:
            worker.close()
    finally:
        opened.close()
    again = open_locked(pw_url, ask_password=lambda why: pytest.fail(f"asked again: {why}"))
    again.close()
    # a cancelled prompt: NeedsPassword naming the host and user
    postgres.forget_password(pw_url)
    with pytest.raises(NeedsPassword, match=rf"refused the password of user {ROLE}"):
        open_locked(pw_url, ask_password=lambda why: None if why.refused else "still wrong")
    # wrong again and again: asked PASSWORD_TRIES times, then given up
    asked.clear()
    with pytest.raises(NeedsPassword, match=rf"refused the password of user {ROLE}"):
        open_locked(pw_url, ask_password=ask_wrong)
    assert len(asked) == PASSWORD_TRIES == 3


def test_the_cli_asks_in_a_terminal_and_not_when_piped(pw_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["--library", pw_url, "papers"]) == 2
    err = capsys.readouterr().err
    assert f"asks user {ROLE} for a password" in err and SECRET not in err
    prompts: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or SECRET)
    assert main(["--library", pw_url, "papers"]) == 0
    assert len(prompts) == 1 and ROLE in prompts[0] and _host(pw_url) in prompts[0]


@contextmanager
def answering_passwords(*answers: str | None):
    """Type each answer into the password dialogs as they come (None: Cancel); records what each showed."""
    shown: list[dict] = []
    todo = list(answers)

    def tick():
        dlg = QApplication.activeModalWidget()
        if dlg is None or dlg.objectName() != "password_dialog":
            return
        field = dlg.findChild(QLineEdit, "password_field")
        error = dlg.findChild(QLabel, "password_error")
        shown.append({"echo": field.echoMode(), "error": error.text() if error else ""})
        if not todo:
            dlg.reject()
            return
        answer = todo.pop(0)
        if answer is None:
            dlg.reject()
        else:
            field.setText(answer)
            dlg.accept()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(30)
    try:
        yield shown
    finally:
        timer.stop()


def _host(url: str) -> str:
    return conninfo_to_dict(url)["host"]


def _fill(dlg: TeamOpenDialog, url: str) -> None:
    info = conninfo_to_dict(url)
    dlg.host.setText(info["host"])
    dlg.port.setValue(int(info["port"]))
    dlg.dbname.setText(info["dbname"])
    dlg.user.setText(info["user"])


def test_a_team_library_opens_through_the_dialog_and_is_listed_in_recent(qtbot, tmp_path, pg_url):
    win = make_window(qtbot, tmp_path)
    action = win.findChild(type(win.menuBar().actions()[0]), "act_open_team")
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+O"
    dlg = TeamOpenDialog(lambda url, show_error: win.switch_library(url, on_error=show_error), win)
    qtbot.addWidget(dlg)
    assert dlg.user.text()  # the login name by default
    _fill(dlg, pg_url)
    assert dlg.open_button.isEnabled() and "postgresql://curator@" in dlg.preview.text()
    dlg.open_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted and not dlg.error.isVisibleTo(dlg)
    assert win.lib.engine == "postgresql"
    assert conninfo_to_dict(str(win.lib.path))["dbname"] == conninfo_to_dict(pg_url)["dbname"]
    win._fill_recent()  # the previous (file) library listed; switch back and the server one is listed
    assert win.switch_library(tmp_path / "library.sqlite")
    win._fill_recent()
    assert str(conninfo_to_dict(pg_url)["dbname"]) in " ".join(a.text() for a in win.recent_menu.actions())
    win.close()


def test_the_password_is_asked_in_a_password_field_and_never_reaches_the_settings(qtbot, tmp_path, pw_url):
    win = make_window(qtbot, tmp_path)
    before = win.lib.path
    dlg = TeamOpenDialog(lambda url, show_error: win.switch_library(url, on_error=show_error), win)
    qtbot.addWidget(dlg)
    _fill(dlg, pw_url)
    with answering_passwords("wrong", None) as shown:  # a wrong one, then Cancel
        dlg.open_button.click()
    assert [s["echo"] for s in shown] == [QLineEdit.EchoMode.Password] * 2
    assert shown[0]["error"] == "" and f"refused the password of user {ROLE}" in shown[1]["error"]
    assert dlg.error.isVisibleTo(dlg) and ROLE in dlg.error.text()  # said in the dialog, which stays open
    assert dlg.result() != dlg.DialogCode.Accepted and win.lib.path == before  # library unchanged
    with answering_passwords(SECRET) as shown:
        dlg.open_button.click()
    assert len(shown) == 1 and dlg.result() == dlg.DialogCode.Accepted
    assert win.lib.engine == "postgresql" and win.lib.paper_count() == 0
    win.settings.sync()
    saved = open(win.settings.fileName(), encoding="utf-8").read()
    assert conninfo_to_dict(pw_url)["dbname"] in saved  # the library is remembered, by its URL
    assert SECRET not in saved and "wrong" not in saved
    assert all(SECRET not in str(win.settings.value(k)) for k in win.settings.allKeys())
    win.close()


def test_an_unreachable_server_is_named_in_the_dialog_and_the_library_is_unchanged(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    before = win.lib.path
    dlg = TeamOpenDialog(lambda url, show_error: win.switch_library(url, on_error=show_error), win)
    qtbot.addWidget(dlg)
    dlg.host.setText("127.0.0.1")
    dlg.port.setValue(1)
    dlg.dbname.setText("nowhere")
    dlg.open_button.click()
    assert dlg.error.isVisibleTo(dlg) and "cannot reach the PostgreSQL server at 127.0.0.1" in dlg.error.text()
    assert dlg.result() != dlg.DialogCode.Accepted and win.lib.path == before and not win.warnings
    dlg.url.setText("mysql://x@y/z")  # a pasted URL replaces the fields; not PostgreSQL: said
    assert not dlg.host.isEnabled()
    dlg.open_button.click()
    assert "not a PostgreSQL URL" in dlg.error.text() and win.lib.path == before
    win.close()
