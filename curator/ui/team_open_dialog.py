"""File ▸ Open team library…: where a team's PostgreSQL library is (server or socket folder, port,
database, user; or a pasted postgresql:// URL), and the password field asked for when the server wants
one that libpq found nowhere.

Thin views: the URL is built by services.library.server_url, the library opened by the window's
`switch_library` (services.library.open_locked, which decides when to ask for a password). A failure
(unreachable server, no such database, a password refused) is shown in the dialog, which stays open;
the library in the window is unchanged. A password is handed to the service and kept nowhere here.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from curator.services.library import NeedsPassword, is_server_location, server_url

DEFAULT_PORT = 5432
# open_url(url, show_error) -> True when the library is open (the window's switch_library)
OpenUrl = Callable[[str, Callable[[str], None]], bool]


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return ""


class TeamOpenDialog(QDialog):
    def __init__(self, open_url: OpenUrl, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Open team library")
        self.setObjectName("team_open_dialog")
        self.open_url = open_url
        intro = QLabel("A library your team keeps on a PostgreSQL server. The password, if the server "
                       "asks for one, comes from ~/.pgpass or PGPASSWORD, or is asked for when needed "
                       "and never saved.")
        intro.setWordWrap(True)
        self.host = QLineEdit(objectName="team_host", placeholderText="db.example.org, or a socket folder")
        self.port = QSpinBox(objectName="team_port", minimum=1, maximum=65535, value=DEFAULT_PORT)
        self.dbname = QLineEdit(objectName="team_db", placeholderText="curator")
        self.user = QLineEdit(login_name(), objectName="team_user")
        self.url = QLineEdit(objectName="team_url", placeholderText="postgresql://user@host:5432/dbname")
        self.url.setToolTip("Paste the URL your team uses instead of filling in the fields above")
        self.preview = QLabel(objectName="team_preview", textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setWordWrap(True)
        self.error = QLabel(objectName="team_error", wordWrap=True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("&Server:", self.host)
        form.addRow("&Port:", self.port)
        form.addRow("&Database:", self.dbname)
        form.addRow("&User:", self.user)
        form.addRow("or paste a U&RL:", self.url)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.buttons.accepted.connect(self.try_open)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.preview)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        for w in (self.host, self.dbname, self.user, self.url):
            w.textChanged.connect(self._update)
        self.port.valueChanged.connect(self._update)
        self._update()
        _fit(self, 560)

    def target(self) -> str:
        """The URL to open: the pasted one, else the one the fields make ('' when nothing is given)."""
        pasted = self.url.text().strip()
        if pasted:
            return pasted
        if not self.dbname.text().strip():
            return ""
        return server_url(self.host.text(), self.port.value(), self.dbname.text(), self.user.text())

    def _update(self) -> None:
        pasted = bool(self.url.text().strip())
        for w in (self.host, self.port, self.dbname, self.user):
            w.setEnabled(not pasted)
        target = self.target()
        self.open_button.setEnabled(bool(target))
        self.preview.setText(f"Opens <code>{_escape(target)}</code>" if target and not pasted else "")

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        _fit(self, max(self.width(), 560))

    def try_open(self) -> None:
        target = self.target()
        if not target:
            return
        if not is_server_location(target):
            self.show_error(f"“{target}” is not a PostgreSQL URL: it begins with postgresql://")
            return
        self.error.hide()
        if self.open_url(target, self.show_error):
            self.accept()


def ask_password_dialog(why: NeedsPassword, parent: QWidget | None = None) -> str | None:
    """The server wants a password (or refused the one given): ask for it; None when cancelled.
    The text is returned to the service (open_locked) and not kept by the dialog."""
    dlg = QDialog(parent)
    dlg.setObjectName("password_dialog")
    dlg.setWindowTitle("Password for the team library")
    text = QLabel(f"Password of user <b>{_escape(why.user)}</b> on {_escape(why.where)}:")
    text.setWordWrap(True)
    field = QLineEdit(objectName="password_field", echoMode=QLineEdit.EchoMode.Password)
    lay = QVBoxLayout(dlg)
    if why.refused:
        refused = QLabel(str(why), objectName="password_error", wordWrap=True)
        refused.setStyleSheet("color: #b00020;")
        lay.addWidget(refused)
    lay.addWidget(text)
    lay.addWidget(field)
    note = QLabel("Used for this session only: never saved. To stop being asked, put it in ~/.pgpass.")
    note.setWordWrap(True)
    lay.addWidget(note)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText("Connect")
    ok.setEnabled(False)
    field.textChanged.connect(lambda t: ok.setEnabled(bool(t)))
    buttons.accepted.connect(dlg.accept)
    buttons.rejected.connect(dlg.reject)
    lay.addWidget(buttons)
    _fit(dlg, 520)
    field.setFocus()
    accepted = dlg.exec() == QDialog.DialogCode.Accepted
    password = field.text() if accepted and field.text() else None
    field.clear()
    dlg.deleteLater()
    return password


def _fit(dlg: QDialog, width: int) -> None:
    """`width` wide and tall enough for its wrapped texts at that width (sizeHint alone clips them)."""
    dlg.resize(width, max(dlg.height() if dlg.isVisible() else 0, dlg.layout().totalHeightForWidth(width),
                          dlg.layout().totalMinimumSize().height()))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
