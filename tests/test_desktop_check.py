"""Starting on a bare Linux desktop (issue 17 item 10): when the system libraries of Qt's display plugin
are missing, the app names the Debian packages to install and exits with code 3 instead of Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from curator import app, desktop

ROOT = Path(__file__).resolve().parents[1]
X11 = {"DISPLAY": ":0"}


def fake_system(missing: set[str]):
    """A loader that cannot load `missing` (nor the Qt files that need them), and an ldd that says so."""
    def lookup(name: str) -> bool:
        return not (missing and ("libqxcb" in name or name in missing))

    def deps(binary: Path) -> dict[str, bool]:
        needs = ["libxcb.so.1", "libX11.so.6", "libGL.so.1", *sorted(missing)]
        return {n: n not in missing for n in needs}

    return lookup, deps


def test_missing_xcb_libraries_are_named_with_their_debian_packages():
    lookup, deps = fake_system({"libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libEGL.so.1"})
    text = desktop.problem(X11, "linux", deps, lookup)
    assert text is not None
    assert "libxcb-cursor.so.0" in text and "libEGL.so.1" in text
    assert "sudo apt install libegl1 libxcb-cursor0 libxkbcommon-x11-0" in text
    assert "curator --help" in text


def test_nothing_missing_nothing_said():
    lookup, deps = fake_system(set())
    assert desktop.problem(X11, "linux", deps, lookup) is None


def test_a_library_without_a_known_package_gets_a_search_hint():
    lookup, deps = fake_system({"libxcb-foo.so.9"})
    text = desktop.problem(X11, "linux", deps, lookup)
    assert "apt-file search libxcb-foo.so.9" in text


def test_only_xcb_with_a_display_is_checked():
    lookup, deps = fake_system({"libxcb-cursor.so.0"})
    # offscreen and Wayland do not load the xcb plugin (QtGui itself loads in this fake)
    assert desktop.problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", deps, lookup) is None
    assert desktop.problem({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", **X11}, "linux", deps,
                           lookup) is None
    assert desktop.problem({"QT_QPA_PLATFORM": "xcb", **X11}, "linux", deps, lookup) is not None
    assert desktop.problem(X11, "darwin", deps, lookup) is None
    assert "DISPLAY is not set" in desktop.problem({}, "linux", deps, lookup)


def test_ldd_output_is_read(tmp_path, monkeypatch):
    text = ("\tlinux-vdso.so.1 (0x00007ffd)\n\tlibxcb-icccm.so.4 => not found\n"
            "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f8c)\n\tlibxcb-icccm.so.4 => not found\n")
    monkeypatch.setattr(desktop.shutil, "which", lambda _n: "/usr/bin/ldd")
    monkeypatch.setattr(desktop.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, text, ""))
    assert desktop.dependencies(tmp_path / "libqxcb.so") == {"libxcb-icccm.so.4": False, "libxcb.so.1": True}


def test_the_app_says_so_and_exits_3_before_creating_qt_gui(monkeypatch, capsys):
    lookup, deps = fake_system({"libxcb-cursor.so.0"})
    monkeypatch.setattr(desktop, "loadable", lookup)
    monkeypatch.setattr(desktop, "dependencies", deps)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(app, "make_app", lambda *a: pytest.fail("QApplication created on a system that lacks "
                                                                "its libraries"))
    assert app.main([]) == desktop.EXIT_CODE == 3
    err = capsys.readouterr().err
    assert "sudo apt install libxcb-cursor0" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktops only")
def test_on_this_machine(tmp_path):
    """The real check, in a child process, against what ldd says of the installed Qt plugin: on a system
    that lacks some of its libraries the app names them (exit 3); on a complete one it has nothing to say."""
    missing = desktop.missing_libraries("xcb")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":97", PYTHONPATH=str(ROOT), CURATOR_DATA_DIR=str(tmp_path / "d"),
               CURATOR_CONFIG_DIR=str(tmp_path / "c"), CURATOR_LOG_DIR=str(tmp_path / "l"))
    code = "import sys; from curator import desktop; t = desktop.problem(); print(t or 'OK'); sys.exit(3 if t else 0)"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    if not missing:
        assert r.returncode == 0 and r.stdout.strip() == "OK"
        return
    assert r.returncode == 3
    for m in missing:
        assert m in r.stdout
    packages = sorted({desktop.PACKAGES[m] for m in missing if m in desktop.PACKAGES})
    assert "sudo apt install " + " ".join(packages) in r.stdout


def test_readme_lists_the_packages_of_a_bare_desktop():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("sudo apt install libxcb-cursor0", 1)[1].split("```", 1)[0]
    assert ("libxcb-cursor0 " + block).replace("\\", " ").split() == list(desktop.DESKTOP_PACKAGES)
    # every library of the xcb plugin the check knows maps to a package; those a minimal install lacks are listed
    for name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0",
                 "libEGL.so.1", "libGL.so.1", "libfontconfig.so.1", "libdbus-1.so.3"):
        assert desktop.PACKAGES[name] in desktop.DESKTOP_PACKAGES
