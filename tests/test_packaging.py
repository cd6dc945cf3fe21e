"""Packaging: the icons, the desktop entry, the installer pieces, and (slow) the built one-folder bundle.

The slow test builds the bundle with packaging/build.sh (the README's command) into a temporary folder,
then runs the frozen `curator` offscreen: import, papers, snapshot, and the bundle's self-check. Set
CURATOR_BUNDLE=dist/curator to test an existing bundle instead of building one.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGING = REPO / "packaging"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Issue 7's budget was 300 MB (decimal); screening (issue 20) asks for scikit-learn, which brings SciPy
# and its own BLAS: ~95 MB that no exclusion removes (the spec leaves out every part never imported).
# 392.7 MB measured then. The team library (issue 18) adds psycopg's bundled libpq and OpenSSL (~12 MB) and
# PDF full texts (issue 21) PDFium (~8 MB); Pillow, which only pypdfium2's unused to_pil() reaches, is left
# out (-20 MB): 413.6 MB measured. The budget leaves room for drift, not for another library of that size.
MAX_BUNDLE_BYTES = 430_000_000
DESKTOP = PACKAGING / "io.github.curator.Curator.desktop"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _qimage(source: Path | bytes):
    from PySide6.QtGui import QImage

    img = QImage()
    ok = img.loadFromData(source) if isinstance(source, bytes) else img.load(str(source))
    assert ok and not img.isNull(), f"cannot read {source if isinstance(source, Path) else 'image data'}"
    return img


# --- icons ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_in_every_size(size):
    path = REPO / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "curator.png"
    assert path.read_bytes()[:8] == PNG_MAGIC
    img = _qimage(path)
    assert (img.width(), img.height()) == (size, size)
    assert img.hasAlphaChannel()
    assert img.pixelColor(0, 0).alpha() == 0, "the corners are transparent (no square background)"
    opaque = sum(img.pixelColor(x, y).alpha() > 200 for x in range(size) for y in range(size))
    assert opaque > 0.3 * size * size, "the icon fills its square"


def test_icon_pngs_match_the_svg():
    """The PNGs are renderings of the current SVG (re-run packaging/make_icons.py after editing it)."""
    from PySide6.QtSvg import QSvgRenderer

    make_icons = _load("make_icons", PACKAGING / "make_icons.py")

    renderer = QSvgRenderer(str(make_icons.SVG))
    assert renderer.isValid()
    for size in (32, 256):
        fresh = _qimage(make_icons.render(renderer, size))
        stored = _qimage(REPO / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "curator.png")
        diff = sum(abs(fresh.pixelColor(x, y).value() - stored.pixelColor(x, y).value())
                   + abs(fresh.pixelColor(x, y).alpha() - stored.pixelColor(x, y).alpha())
                   for x in range(size) for y in range(size)) / (size * size)
        assert diff < 4, f"{size}px PNG differs from the SVG (mean {diff:.1f}): run packaging/make_icons.py"


def test_ico_holds_every_windows_size():
    data = (PACKAGING / "curator.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _, _, _planes, _bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        payload = data[offset:offset + length]
        assert payload[:8] == PNG_MAGIC and len(payload) == length
        img = _qimage(payload)
        assert img.width() == (w or 256) and img.height() == (h or 256)
        sizes.append(img.width())
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_the_mac_sizes():
    data = (PACKAGING / "curator.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack_from(">I", data, 4)[0] == len(data)
    entries, pos = {}, 8
    while pos < len(data):
        code, length = data[pos:pos + 4].decode(), struct.unpack_from(">I", data, pos + 4)[0]
        entries[code] = _qimage(data[pos + 8:pos + length]).width()
        pos += length
    assert pos == len(data)
    assert {k: entries.get(k) for k in ("ic07", "ic08", "ic09", "ic10")} == {
        "ic07": 128, "ic08": 256, "ic09": 512, "ic10": 1024}


# --- desktop integration ---------------------------------------------------------------------------------

def _desktop_entry() -> dict[str, str]:
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str  # keys are case-sensitive
    cp.read_string(DESKTOP.read_text(encoding="utf-8"))
    return dict(cp["Desktop Entry"])


def test_desktop_entry_has_the_required_keys():
    e = _desktop_entry()
    assert e["Type"] == "Application"
    assert e["Name"] == "Curator"
    assert e["Exec"].split() == ["curator", "%F"]
    assert e["Icon"] == "curator"
    assert e["Terminal"] == "false"
    assert {"Science", "Education", "Office"} <= set(e["Categories"].split(";"))
    for key in ("Categories", "MimeType", "Keywords"):
        assert e[key].endswith(";"), f"{key} is a ;-terminated list"
    mimes = set(filter(None, e["MimeType"].split(";")))
    assert {"application/x-research-info-systems", "application/x-bibtex", "text/x-bibtex",
            "application/x-medline", "application/xml", "text/xml", "application/vnd.sqlite3"} <= mimes
    assert DESKTOP.name == "io.github.curator.Curator.desktop"  # reverse-DNS id, as on macOS


def test_mime_definitions_cover_ris_and_nbib():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(PACKAGING / "curator-mime.xml").getroot()
    globs = {t.get("type"): {g.get("pattern") for g in t.findall("m:glob", ns)}
             for t in root.findall("m:mime-type", ns)}
    assert "*.ris" in globs["application/x-research-info-systems"]
    assert "*.nbib" in globs["application/x-medline"]
    defined = set(globs) | {a.get("type") for a in root.iter(f"{{{ns['m']}}}alias")}
    standard = {"text/x-bibtex", "application/xml", "text/xml", "application/vnd.sqlite3", "application/x-sqlite3"}
    missing = set(filter(None, _desktop_entry()["MimeType"].split(";"))) - defined - standard
    assert not missing, f"MIME types neither standard nor defined in curator-mime.xml: {missing}"


def test_launcher_leaves_subcommands_to_the_cli(tmp_path):
    launcher = _load("curator_launcher", PACKAGING / "launcher.py")
    ris = tmp_path / "refs.ris"
    ris.write_text("TY  - JOUR\nER  - \n")
    assert launcher._opened_files([]) is None
    assert launcher._opened_files(["snapshot", "--out", str(tmp_path / "x.png")]) is None
    assert launcher._opened_files(["papers"]) is None
    assert launcher._opened_files([str(tmp_path / "missing.ris")]) is None
    assert launcher._opened_files([str(ris)]) == [ris]


def test_spec_and_installers_name_the_bundle_pieces():
    spec = (PACKAGING / "curator.spec").read_text(encoding="utf-8")
    for needle in ('"resources"', '"db"', "launcher.py", 'name="curator"', "BUNDLE(", 'sys.platform == "darwin"',
                   '"pandas"', '"pyarrow"', '"openpyxl"'):
        assert needle in spec, needle
    nsi = (PACKAGING / "windows" / "curator.nsi").read_text(encoding="utf-8")
    for needle in (".ris", ".nbib", ".bib", "$PROGRAMFILES64", "$SMPROGRAMS", "WriteUninstaller"):
        assert needle in nsi, needle
    assert os.access(PACKAGING / "build.sh", os.X_OK)


# --- the built bundle (slow: about 2 minutes; a plain `pytest` skips it, `pytest --run-slow` and CI run it) ----

class _Item:
    def __init__(self, slow: bool) -> None:
        self.slow, self.added = slow, []

    def get_closest_marker(self, name: str):
        return pytest.mark.slow.mark if name == "slow" and self.slow else None

    def add_marker(self, marker) -> None:
        self.added.append(marker)


class _Config:
    def __init__(self, run_slow: bool) -> None:
        self.flag = run_slow

    def getoption(self, name: str) -> bool:
        assert name == "--run-slow"
        return self.flag


@pytest.mark.parametrize(("flag", "ci", "skipped"), [
    (False, None, True), (False, "", True), (False, "false", True), (True, None, False), (False, "true", False),
    (False, "1", False),
])
def test_slow_tests_run_only_when_asked(monkeypatch, flag, ci, skipped):
    from tests import conftest

    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    slow, fast = _Item(True), _Item(False)
    conftest.pytest_collection_modifyitems(_Config(flag), [slow, fast])
    assert not fast.added
    assert [(m.name, m.kwargs.get("reason")) for m in slow.added] == (
        [("skip", conftest.SLOW_SKIP_REASON)] if skipped else [])
    bundle_tests = [f for n, f in globals().items() if n.startswith("test_bundle_")]
    assert len(bundle_tests) == 4 and all(m.name == "slow" for f in bundle_tests for m in f.pytestmark)


def _bundle_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    prebuilt = os.environ.get("CURATOR_BUNDLE")
    if prebuilt:
        return Path(prebuilt).resolve()
    if shutil.which("bash") is None:
        pytest.skip("packaging/build.sh needs bash")
    tmp = tmp_path_factory.mktemp("bundle")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    env["PYTHON"] = sys.executable
    t0 = time.perf_counter()
    res = subprocess.run(["bash", str(PACKAGING / "build.sh"), "--distpath", str(tmp / "dist"),
                          "--workpath", str(tmp / "build")], check=False, cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=1200)
    assert res.returncode == 0, f"build failed:\n{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
    print(f"built in {time.perf_counter() - t0:.0f} s\n{res.stdout[-400:]}")
    return tmp / "dist" / "curator"


def _run(exe: Path, *args: str, env: dict[str, str], cwd: Path, timeout: float = 120):
    return subprocess.run([str(exe), *args], check=False, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def frozen_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}  # no CURATOR_HOME either
    env.update(QT_QPA_PLATFORM="offscreen", CURATOR_NO_ERROR_DIALOG="1",
               CURATOR_DATA_DIR=str(tmp_path / "data"), CURATOR_CONFIG_DIR=str(tmp_path / "config"),
               CURATOR_LOG_DIR=str(tmp_path / "log"))
    return env


def _exe(bundle: Path) -> Path:
    return bundle / ("curator.exe" if sys.platform == "win32" else "curator")


@pytest.mark.slow
def test_bundle_layout_and_size(bundle):
    internal = bundle / "_internal"
    assert (internal / "resources" / "icons" / "curator.svg").is_file()
    assert (internal / "resources" / "icons" / "hicolor" / "256x256" / "apps" / "curator.png").is_file()
    assert list((internal / "resources" / "samples").iterdir())
    assert list((internal / "db" / "migrations").glob("*.sql"))
    names = {p.name for p in internal.rglob("*")}
    unwanted = [n for n in names if n.startswith(("libQt6Qml", "libQt6Quick", "libQt6VirtualKeyboard",
                                                   "libQt6WaylandClient", "libqwayland", "libarrow_flight"))]
    assert not unwanted, f"excluded Qt/arrow parts are back in the bundle: {sorted(unwanted)[:10]}"
    size = _bundle_size(bundle)
    print(f"bundle size: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB)")
    assert size <= MAX_BUNDLE_BYTES, f"bundle is {size / 1e6:.1f} MB, over the {MAX_BUNDLE_BYTES / 1e6:.0f} MB budget"


@pytest.mark.slow
def test_bundle_imports_lists_and_snapshots(bundle, frozen_env, tmp_path):
    exe = _exe(bundle)
    library = tmp_path / "tmp.sqlite"
    samples = sorted((bundle / "_internal" / "resources" / "samples").iterdir())
    # a new explicit library is not seeded: import the bundled samples into it with the frozen CLI
    res = _run(exe, "import", *map(str, samples), "--library", str(library), "--json", env=frozen_env,
               cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = _run(exe, "papers", "--json", "--library", str(library), env=frozen_env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    papers = json.loads(res.stdout)
    assert len(papers) == 2 and all(p["title"] for p in papers)

    out = tmp_path / "shot.png"
    t0 = time.perf_counter()
    res = _run(exe, "snapshot", "--out", str(out), "--library", str(library), env=frozen_env, cwd=tmp_path)
    print(f"frozen snapshot: {time.perf_counter() - t0:.2f} s")
    assert res.returncode == 0, res.stderr
    img = _qimage(out)
    assert (img.width(), img.height()) == (1280, 800)
    colours, dark = set(), 0
    for y in range(0, 800, 4):
        for x in range(0, 1280, 4):
            c = img.pixelColor(x, y)
            colours.add(c.rgb())
            dark += c.lightness() < 90
    assert len(colours) > 50, "the window rendered as a few flat colours"
    assert dark > 500, "no dark pixels: text did not render (fonts missing?)"


@pytest.mark.slow
def test_bundle_default_library_is_seeded(bundle, frozen_env, tmp_path):
    res = _run(_exe(bundle), "papers", "--json", env=frozen_env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)) == 2
    assert (Path(frozen_env["CURATOR_DATA_DIR"]) / "library.sqlite").exists()


@pytest.mark.slow
def test_bundle_self_check(bundle, frozen_env, tmp_path):
    """Everything the app imports lazily is in the bundle: importers, Parquet/Excel engines, QtSvg."""
    res = _run(_exe(bundle), env=dict(frozen_env, CURATOR_BUNDLE_SELFCHECK="1"), cwd=tmp_path)
    report = json.loads(res.stdout)
    assert res.returncode == 0, json.dumps(report, indent=2)
    from curator.importers import importers

    assert report["importers"].split(",") == sorted(i.name for i in importers())
