"""Importer registry: detect a file's format from its content and parse it (pure)."""

from __future__ import annotations

from pathlib import Path

from curator.importers.base import (
    Importer,
    ImportFormatError,
    ParseResult,
    RecordError,
    decode_bytes,
    looks_binary,
)

_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    _REGISTRY[importer.name] = importer
    return importer


def importers() -> list[Importer]:
    _load_builtin()
    return list(_REGISTRY.values())


def get(name: str) -> Importer:
    _load_builtin()
    return _REGISTRY[name]


_loaded = False


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):  # every module here registers itself
        if mod.name not in ("base",):
            importlib.import_module(f"{__name__}.{mod.name}")


def detect(text: str, filename: str | None = None) -> Importer | None:
    """The importer most confident about `text`; the extension only breaks ties."""
    best: tuple[float, Importer] | None = None
    head = text[:20000]
    suffix = Path(filename).suffix.lower() if filename else ""
    for imp in importers():
        score = imp.sniff(head)
        if score <= 0:
            continue
        if suffix and suffix in imp.extensions:
            score += 0.05
        if best is None or score > best[0]:
            best = (score, imp)
    return best[1] if best and best[0] >= 0.3 else None


def parse_bytes(data: bytes, filename: str = "<data>") -> ParseResult:
    """Decode, detect and parse. Raises ImportFormatError naming the file when it can't."""
    if not data.strip():
        raise ImportFormatError(f"{filename}: the file is empty")
    from curator.importers import pdf

    if pdf.is_pdf(data, filename):  # a full text: read from its text layer (importers.pdf)
        return pdf.parse_pdf(data, filename)
    if looks_binary(data):
        raise ImportFormatError(f"{filename}: this is a binary file, not a bibliographic export")
    text = decode_bytes(data)
    imp = detect(text, filename)
    if imp is None:
        names = ", ".join(i.label for i in importers())
        raise ImportFormatError(
            f"{filename}: not a format Curator reads (tried {names}); "
            "the file starts with: " + repr(text.strip()[:80])
        )
    try:
        return imp.parse(text)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{filename}: {exc}") from exc


def parse_file(path: str | Path) -> ParseResult:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
    return parse_bytes(data, str(p))


__all__ = [
    "ImportFormatError",
    "Importer",
    "ParseResult",
    "RecordError",
    "detect",
    "get",
    "importers",
    "parse_bytes",
    "parse_file",
    "register",
]
