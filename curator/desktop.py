"""Starting on a bare Linux desktop: before Qt loads its display plugin, find the system libraries it
needs that are missing and say which Debian / Ubuntu packages hold them (Qt itself would abort with
"Could not load the Qt platform plugin "xcb"… no Qt platform plugin could be initialized").

Qt-free on purpose: it runs before QtGui is imported (QtGui needs some of the same libraries, and its
import fails with a bare loader error when they are missing). `curator.app.main` calls `problem()`.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

EXIT_CODE = 3  # the window cannot open on this system (README: "Starting on Linux")

# The libraries Qt's xcb plugin and QtGui load (ldd of PySide6 6.x's libqxcb.so and libQt6Gui.so.6),
# with the Debian / Ubuntu package of each.
PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libpng16.so.16": "libpng16-16",
    "libexpat.so.1": "libexpat1",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
}
# what to install on a bare desktop (the README's list): the packages of every library above that a
# minimal Debian or Ubuntu install does not already have
DESKTOP_PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0",
                    "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libxcb-xkb1", "libxkbcommon-x11-0",
                    "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3")

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)
_NEEDED = re.compile(r"^\s*(\S+\.so[.\d]*)\s*=>", re.MULTILINE)


def qt_binaries(platform: str) -> list[Path]:
    """The Qt files that must load for a window on `platform`: QtGui, and the platform's plugin."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    out = [qt / "lib" / "libQt6Gui.so.6"]
    if platform:
        out.append(qt / "plugins" / "platforms" / f"libq{platform}.so")
    return [p for p in out if p.exists()]


def loadable(soname: str) -> bool:
    """Whether the dynamic loader finds `soname` (used where ldd is not installed)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def dependencies(binary: Path) -> dict[str, bool]:
    """Every shared library `binary` needs (directly or through another) -> found. From `ldd`; without
    it, the libraries of PACKAGES, each tried with the loader."""
    ldd = shutil.which("ldd")
    if ldd:
        try:
            text = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            text = ""
        if text:
            missing = set(_NOT_FOUND.findall(text))
            return {name: name not in missing for name in _NEEDED.findall(text)}
    return {name: loadable(name) for name in PACKAGES}


def platform_wanted(environ: Mapping[str, str]) -> str:
    """The display plugin Qt will try first on Linux: QT_QPA_PLATFORM's first choice, else Wayland in a
    Wayland session, else xcb."""
    asked = environ.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(";")[0].split(":")[0].strip()
    if environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def missing_libraries(platform: str, deps: Callable[[Path], dict[str, bool]] | None = None,
                      lookup: Callable[[str], bool] | None = None) -> list[str]:
    """The system libraries QtGui and the display plugin of `platform` need that are not installed. A
    Qt file that loads needs nothing more (a few ms; Qt loads it next anyway); only one that does not
    is taken apart with ldd."""
    deps = deps or dependencies
    lookup = lookup or loadable
    out: list[str] = []
    for binary in qt_binaries(platform):
        if lookup(str(binary)):
            continue
        for name, found in deps(binary).items():
            if not found and name not in out:
                out.append(name)
    return out


def message(missing: list[str]) -> str:
    packages = sorted({PACKAGES[m] for m in missing if m in PACKAGES})
    unknown = [m for m in missing if m not in PACKAGES]
    lines = ["Curator cannot open its window: Qt's display plugin needs system libraries that are not "
             "installed:", "  " + ", ".join(missing)]
    if packages:
        lines += ["On Debian or Ubuntu, install them with:", "  sudo apt install " + " ".join(packages)]
    if unknown:
        lines += ["Find the package of " + ", ".join(unknown) + " with:  apt-file search " + unknown[0]]
    lines += ["(Fedora: sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms libxkbcommon-x11.)",
              "The command line works without them: curator --help"]
    return "\n".join(lines)


def problem(environ: Mapping[str, str] | None = None, system: str | None = None,
            deps: Callable[[Path], dict[str, bool]] | None = None,
            lookup: Callable[[str], bool] | None = None) -> str | None:
    """What keeps the window from opening on this Linux desktop (missing libraries), or None. Only the
    xcb plugin with a display (and QtGui itself) is checked: offscreen and Wayland start as they are."""
    environ = os.environ if environ is None else environ
    if (system or sys.platform) != "linux":
        return None
    platform = platform_wanted(environ)
    if platform == "xcb" and not environ.get("DISPLAY"):
        return ("Curator cannot open its window: no display (DISPLAY is not set). Start it from a desktop "
                "session, or use the command line: curator --help")
    missing = missing_libraries(platform if platform == "xcb" else "", deps, lookup)
    return message(missing) if missing else None
