"""The window fits the screen: on a 1280×800 screen less a panel, the first run leaves room for a title
bar and shows the status bar and every control; F8 gives the plots the full height. Run in a child
process whose offscreen platform has that screen (QT_QPA_PLATFORM=offscreen:configfile=...)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PANEL = 32  # a desktop panel: the screen's available area is 1280×768

CHILD = r'''
import json, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QAbstractButton, QAbstractScrollArea, QApplication, QComboBox, QLineEdit,
                               QTabBar, QToolBar)
from curator.app import make_app
from curator.services.library import open_library
from curator.ui.main_window import TITLE_BAR_ALLOWANCE, MainWindow

app = make_app()
work = sys.argv[1]
lib, _ = open_library(work + "/lib.sqlite", seed=True)
s = QSettings(work + "/c.ini", QSettings.Format.IniFormat)
win = MainWindow(lib, s)
win.restore_state()  # first run: no geometry remembered
win.show()
for _ in range(5):
    app.processEvents()
win.select_paper(lib.list_ids()[0])
win.statusBar().showMessage("status bar here")
for _ in range(5):
    app.processEvents()
avail = win.screen().availableGeometry()
clipped = []
for w in win.findChildren(QAbstractButton) + win.findChildren(QLineEdit) + win.findChildren(QComboBox) \
        + win.findChildren(QTabBar) + win.findChildren(QToolBar):
    if not w.isVisible():
        continue
    p, in_scroll = w.parentWidget(), False
    while p is not None and p is not win:
        if isinstance(p, QAbstractScrollArea) and p.viewport().isAncestorOf(w):
            in_scroll = True  # a control in a scrolled view (table editors, the Study form) scrolls into view
        p = p.parentWidget()
    if in_scroll:
        continue
    r = w.rect().translated(w.mapTo(win, w.rect().topLeft()))
    if not win.rect().contains(r) or w.visibleRegion().isEmpty():
        clipped.append(f"{type(w).__name__} {w.objectName() or w.accessibleName() or w.text() if hasattr(w, 'text') else ''}")
sb = win.statusBar()
out = {"avail": [avail.x(), avail.y(), avail.width(), avail.height()],
       "frame": [win.frameGeometry().x(), win.frameGeometry().y(), win.frameGeometry().width(),
                 win.frameGeometry().height()],
       "size": [win.width(), win.height()], "allowance": TITLE_BAR_ALLOWANCE,
       "status_visible": sb.isVisible() and win.rect().contains(sb.geometry()) and not sb.visibleRegion().isEmpty(),
       "clipped": clipped}
forms_h = win.forms.height()
win.activateWindow()
from PySide6.QtTest import QTest
from PySide6.QtCore import Qt
QTest.keyClick(win, Qt.Key.Key_F8)
app.processEvents()
out["f8"] = [forms_h, win.forms.height(), win.plot_host.height(), win.right_splitter.height()]
QTest.keyClick(win, Qt.Key.Key_F8)
app.processEvents()
out["f8_back"] = win.forms.height()
win.grab().save(work + "/first_run.png")
win.save_state()
win.dirty = False
win.close()
# remembered after: a second window takes the size the first one closed with
win2 = MainWindow(lib, s)
win2.resize(900, 600)
win2.restore_state()
out["remembered"] = [win2.width(), win2.height()]
win2.dirty = False
print("RESULT " + json.dumps(out))
'''


@pytest.fixture
def screen_config(tmp_path):
    cfg = {"windowFrameMargins": True, "screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1280,
                                                     "height": 800 - PANEL, "logicalDpi": 96,
                                                     "logicalBaseDpi": 96, "dpr": 1}]}
    path = tmp_path / "screen.json"
    path.write_text(json.dumps(cfg))
    return path


def test_first_run_fits_a_1280x800_screen_with_panel_and_title_bar(tmp_path, screen_config):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM=f"offscreen:configfile={screen_config}",
               CURATOR_DATA_DIR=str(tmp_path / "data"), CURATOR_CONFIG_DIR=str(tmp_path / "config"))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], env=env, capture_output=True, text=True,
                          timeout=120)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, proc.stderr[-3000:]
    got = json.loads(line[0][len("RESULT "):])
    ax, ay, aw, ah = got["avail"]
    fx, fy, fw, fh = got["frame"]
    assert (aw, ah) == (1280, 800 - PANEL)
    # inside the available area, with a real window manager's title bar on top of the frame
    assert fx >= ax and fx + fw <= ax + aw
    assert fy - got["allowance"] >= ay and fy + fh <= ay + ah
    assert got["size"][0] >= 1200 and got["size"][1] >= 680  # and still uses the room there is
    assert got["status_visible"]
    assert got["clipped"] == []
    before, folded, plots, total = got["f8"]
    assert before > 100 and folded == 0 and plots >= total - 10  # F8: the plots take the full height
    assert got["f8_back"] == before
    assert got["remembered"] == got["size"]
    assert (tmp_path / "first_run.png").stat().st_size > 10_000


def _snapshot(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
               CURATOR_DATA_DIR=str(tmp_path / "data"), CURATOR_CONFIG_DIR=str(tmp_path / "config"))
    return subprocess.run([sys.executable, "-m", "curator", "snapshot", "--out", str(tmp_path / "s.png"), *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_snapshot_tab_by_visible_name_and_unknown_refused(tmp_path):
    ok = _snapshot(tmp_path, "--tab", "Labs", "--size", "900x600")
    assert ok.returncode == 0, ok.stderr
    bad = _snapshot(tmp_path, "--tab", "labz")
    assert bad.returncode == 2
    assert "no tab named 'labz'" in bad.stderr and "Labs" in bad.stderr and "Before / after" in bad.stderr
