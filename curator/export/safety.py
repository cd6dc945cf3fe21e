"""Safe output: formula neutralisation for spreadsheets, atomic files and folders, progress and cancel.

Formula neutralisation (CSV and Excel only; JSON, Parquet and SQLite keep text exactly):
a *text* cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula by a spreadsheet, so it is written with a single quote ``'`` in front. So is a cell that
begins with blanks or line breaks followed by one of ``= + - @`` (`` =1+2``, ``"\n@SUM(A1)"``): some
spreadsheets and CSV importers trim leading white space before they look at the cell. A text that
already begins with ``'`` followed by one of those starts or by another ``'`` gets a quote too, so the
rule is reversible: drop ONE leading ``'`` when what follows is one of ``= + - @ <tab> <CR> '`` or
blanks then ``= + - @`` (`restore_formula_text`). Numeric columns are never touched: -3.2 stays the
number -3.2; text that starts with other symbols (``<``, ``≥``, `` <0.05``) is written as it is; a
categorical column whose values all come from its closed list (a comparison operator ``=``) is written
as it is too, so analysts filter on the documented values (`Dataset.formula_guarded_columns`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISE_PREFIX = "'"
# White space a spreadsheet may trim before reading a cell: ASCII blanks and line breaks, no-break and
# other Unicode spaces, line/paragraph separators, the BOM. Written as the characters themselves so
# that the same class works in Python's re and in Arrow's RE2 (pc.match_substring_regex).
LEADING_BLANKS = (" \t\n\r\f\v\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                  "\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff")
_BLANKS = "[" + LEADING_BLANKS + "]+[=+\\-@]"  # blanks, then a formula start
_TRIGGER_CLASS = "[=+\\-@\\t\\r]"
_QUOTED = f"^'(?:{_TRIGGER_CLASS}|'|{_BLANKS})"
_BLANKS_FIRST = re.compile(_BLANKS)

NEUTRALISATION_NOTE = (
    "Formula protection (CSV and Excel only): a text cell that would begin with =, +, -, @, a tab or a "
    "carriage return -- or with spaces or line breaks followed by =, +, - or @, which some spreadsheets trim "
    "-- is written with a single quote ' in front, so spreadsheets show it as text instead of running it as "
    "a formula (a text that already began with ' followed by one of those starts or by ' also gets one). To "
    "get the exact text back, remove ONE leading ' when what follows is one of = + - @ tab CR ' or spaces "
    "then = + - @. Numbers are never changed (-3.2 is the number -3.2), nor are categorical columns whose values all come from their documented list (an operator = is written =). JSON, Parquet and SQLite exports "
    "hold the text exactly as stored.")


class ExportError(RuntimeError):
    """The export could not be written; nothing was left behind."""


class ExportCancelled(ExportError):
    """The export was cancelled; nothing was left behind."""


# --- formula neutralisation ------------------------------------------------------------------------

def _formula_start(value: str, at: int) -> bool:
    """True when `value` from `at` would be read as a formula (after trimming, for some programs)."""
    if len(value) <= at:
        return False
    c = value[at]
    return c in FORMULA_TRIGGERS or (c in LEADING_BLANKS and _BLANKS_FIRST.match(value, at) is not None)


def neutralise_text(value: str) -> str:
    """One text cell made safe for a spreadsheet (see the module docstring)."""
    if value and (_formula_start(value, 0) or (value[0] == "'" and len(value) > 1
                                               and (value[1] == "'" or _formula_start(value, 1)))):
        return NEUTRALISE_PREFIX + value
    return value


def restore_formula_text(value: str) -> str:
    """The exact text behind a neutralised cell (inverse of `neutralise_text`)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and (
            value[1] == "'" or _formula_start(value, 1)):
        return value[1:]
    return value


_STR_TYPES = {pa.string(): pd.StringDtype("pyarrow", na_value=float("nan")),
              pa.large_string(): pd.StringDtype("pyarrow", na_value=float("nan"))}


def neutralise_arrow(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`neutralise_text` over an Arrow string array (C kernels: first characters, then one join)."""
    if len(arr) == 0:
        return arr
    typ = arr.type
    triggers = pa.array(FORMULA_TRIGGERS, type=typ)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    mask = pc.is_in(first, value_set=triggers)
    blanks = pa.array(list(LEADING_BLANKS), type=typ)
    if pc.any(pc.is_in(first, value_set=blanks)).as_py():  # rare: only then run the pattern
        mask = pc.or_(mask, pc.match_substring_regex(arr, "^" + _BLANKS))
    quoted = pc.equal(first, pa.scalar("'", typ))
    if pc.any(quoted).as_py():
        second = pc.utf8_slice_codeunits(arr, 1, 2)
        again = pc.is_in(second, value_set=pa.array((*FORMULA_TRIGGERS, "'"), type=typ))
        if pc.any(pc.and_(pc.fill_null(quoted, False), pc.is_in(second, value_set=blanks))).as_py():
            again = pc.or_(again, pc.match_substring_regex(arr, "^'" + _BLANKS))
        mask = pc.or_(mask, pc.and_(pc.fill_null(quoted, False), again))
    if not pc.any(mask).as_py():
        return arr
    prefixed = pc.binary_join_element_wise(pa.scalar(NEUTRALISE_PREFIX, typ), arr, pa.scalar("", typ))
    return pc.if_else(pc.fill_null(mask, False), prefixed, arr)


def neutralise_series(s: pd.Series) -> pd.Series:
    """`neutralise_text` over a text column (missing values stay missing)."""
    if s.empty:
        return s
    arr = pa.array(s.astype("str") if s.dtype != "str" else s, from_pandas=True)
    out = neutralise_arrow(arr)
    if out is arr:
        return s
    return pd.Series(out.to_pandas(types_mapper=_STR_TYPES.get).array, index=s.index, name=s.name)


def restore_series(s: pd.Series) -> pd.Series:
    """`restore_formula_text` over a text column read back from CSV or Excel."""
    mask = s.astype("str").str.contains(_QUOTED, regex=True, na=False) & s.notna()
    if not mask.any():
        return s
    out = s.copy()
    out[mask] = s[mask].astype("str").str.slice(1)
    return out


# --- progress and cancel --------------------------------------------------------------------------

ProgressFn = Callable[[int, int, str], None]


class Ticker:
    """Reports progress as (done, total, message) and raises `ExportCancelled` once `cancel` is set."""

    def __init__(self, progress: ProgressFn | None = None, cancel: threading.Event | None = None,
                 total: int = 1):
        self.progress = progress
        self.cancel = cancel
        self.total = max(1, total)
        self.done = 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled("export cancelled")

    def advance(self, n: int, message: str) -> None:
        self.check()
        self.done = min(self.total, self.done + max(0, n))
        if self.progress is not None:
            self.progress(self.done, self.total, message)

    def finish(self, message: str) -> None:
        self.done = self.total
        if self.progress is not None:
            self.progress(self.done, self.total, message)


# --- atomic output ---------------------------------------------------------------------------------

def _is_previous_export(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    return not names or "datapackage.json" in names or "curator_export.json" in names


def check_target(out: Path, folder: bool) -> None:
    """Refuse an output that would destroy something that is not a previous export."""
    if folder:
        if out.exists() and not out.is_dir():
            raise ExportError(f"{out} exists and is not a folder")
        if out.is_dir() and not _is_previous_export(out):
            raise ExportError(f"{out} is a folder that holds other files: choose a new or empty folder, "
                              "or a previous export to replace")
    elif out.is_dir():
        raise ExportError(f"{out} is a folder: choose a file name")


def _temp_sibling(out: Path, tag: str) -> Path:
    return out.with_name(f".{out.name}.{tag}-{secrets.token_hex(4)}")


def _remove(p: Path) -> None:
    try:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists() or p.is_symlink():
            p.unlink()
    except OSError:
        pass


def _made_parents(out: Path) -> list[Path]:
    made = []
    p = out.parent
    while not p.exists():
        made.append(p)
        p = p.parent
    out.parent.mkdir(parents=True, exist_ok=True)
    return made


@contextmanager
def atomic_output(out: Path, folder: bool = False) -> Iterator[Path]:
    """Yield a hidden temporary path beside `out` to write into; it becomes `out` only when the
    block finishes. On any error or cancel the temporary is removed and an existing `out` is left
    as it was. A file is swapped in with os.replace (atomic); a folder replaces a previous export
    by two renames, the old one deleted only after the new one is in place."""
    out = Path(out)
    check_target(out, folder)
    made = _made_parents(out)
    tmp = _temp_sibling(out, "part")
    if folder:
        tmp.mkdir()
    try:
        yield tmp
        if folder:
            old = None
            if out.exists():
                old = _temp_sibling(out, "old")
                os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                if old is not None:
                    os.replace(old, out)
                raise
            if old is not None:
                _remove(old)
        else:
            os.replace(tmp, out)
    except BaseException:
        _remove(tmp)
        for p in made:  # innermost first
            try:
                p.rmdir()
            except OSError:
                break
        raise
