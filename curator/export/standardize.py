"""Standardized values beside the reported ones, through `curator.domain.units.standardize`.

`standardize(value, unit, analyte)` costs ~0.1 ms a call, too slow to run 100,000 times in an export,
so it is called per distinct (unit, analyte): a conversion is arithmetic on the value (a factor, or
°F → °C), so two probes give the line it draws, the rows are computed in one vectorised step, and a
sample of real values is checked against the module itself. When the check fails the group is
converted row by row through the module. Without the units module every value is kept "as reported".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

AS_REPORTED = "as reported (no units module: not converted)"
SAMPLE = 5
REL_TOL = 1e-9

Standardizer = Callable[[Any, Any, Any], tuple[Any, Any, str]]


def default_standardizer() -> Standardizer | None:
    """The domain's `standardize`, or None while the units module is missing."""
    try:
        from curator.domain import units
    except ImportError:
        return None
    return getattr(units, "standardize", None)


def _round12(x: np.ndarray) -> np.ndarray:
    """Round to 12 significant digits, as the units module does (vectorised: may differ from its
    decimal rounding in the last binary digit)."""
    out = x.astype(float, copy=True)
    finite = np.isfinite(out) & (out != 0)
    if finite.any():
        v = out[finite]
        digits = 11 - np.floor(np.log10(np.abs(v)))
        scale = np.power(10.0, digits)
        out[finite] = np.round(v * scale) / scale
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def _safe(fn: Standardizer, value: Any, unit: Any, analyte: Any) -> tuple[float | None, str | None, str]:
    try:
        v, u, desc = fn(value, unit, analyte)
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:  # a draft's bad unit
        return None, None, f"not converted: {exc}"
    return (None if v is None else float(v)), u, desc


def _group(fn: Standardizer, unit: Any, analyte: Any, columns: list[np.ndarray]
           ) -> tuple[list[np.ndarray], str | None, str]:
    """Standardize every value column of one (unit, analyte) group."""
    n = len(columns[0])
    nan = [np.full(n, np.nan) for _ in columns]
    v1, target, desc = _safe(fn, 1.0, unit, analyte)
    if v1 is None:  # refused: the conversion text says why
        return nan, None, desc
    v0 = _safe(fn, 0.0, unit, analyte)[0]
    v1000 = _safe(fn, 1000.0, unit, analyte)[0]
    if v0 is None or v1000 is None:
        return _row_by_row(fn, unit, analyte, columns), target, desc
    slope = (v1000 - v0) / 1000.0
    out = []
    for col in columns:
        res = _round12(v0 + slope * col) if (v0 != 0.0 or slope != 1.0) else col.astype(float)
        out.append(res)
    # check a sample of real values against the module itself
    for col, res in zip(columns, out):
        idx = np.flatnonzero(~np.isnan(col))[:SAMPLE]
        for i in idx:
            if not _close(_safe(fn, float(col[i]), unit, analyte)[0], None if np.isnan(res[i]) else float(res[i])):
                return _row_by_row(fn, unit, analyte, columns), target, desc
    return out, target, desc


def _row_by_row(fn: Standardizer, unit: Any, analyte: Any, columns: list[np.ndarray]) -> list[np.ndarray]:
    out = []
    cache: dict[float, float | None] = {}
    for col in columns:
        res = np.full(len(col), np.nan)
        for i, v in enumerate(col):
            if np.isnan(v):
                continue
            key = float(v)
            if key not in cache:
                cache[key] = _safe(fn, key, unit, analyte)[0]
            if cache[key] is not None:
                res[i] = cache[key]
        out.append(res)
    return out


def canonical_analytes(names: pd.Series) -> list[str | None]:
    """The vocabulary's canonical name of each analyte as written (None when unknown)."""
    try:
        from curator.domain.vocabulary import analytes
        vocab = analytes()
    except (ImportError, OSError, ValueError):  # no vocabulary: nothing to normalise against
        return [None] * len(names)
    cache: dict[str, str | None] = {}
    out: list[str | None] = []
    for name in names.to_numpy(dtype=object, na_value=None):
        if not isinstance(name, str) or not name.strip():
            out.append(None)
            continue
        if name not in cache:
            m = vocab.match(name)
            cache[name] = m.canonical if m else None
        out.append(cache[name])
    return out


def standardize_frame(df: pd.DataFrame, value_cols: Sequence[str], std_cols: Sequence[str],
                      unit_col: str = "unit", analyte_col: str = "analyte",
                      fn: Standardizer | None = None) -> pd.DataFrame:
    """Columns `std_cols` (one per value column), `unit_std` and `conversion` for `df`."""
    out = pd.DataFrame(index=df.index)
    n = len(df)
    std = {c: np.full(n, np.nan) for c in std_cols}
    unit_std = np.full(n, None, dtype=object)
    conv = np.full(n, None, dtype=object)
    if fn is None:
        for c, s in zip(value_cols, std_cols):
            std[s] = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        unit_std[:] = df[unit_col].to_numpy(dtype=object, na_value=None)
        conv[:] = AS_REPORTED
    elif n:
        values = [pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan) for c in value_cols]
        keys = pd.DataFrame({"u": df[unit_col].to_numpy(dtype=object, na_value=None),
                             "a": df[analyte_col].to_numpy(dtype=object, na_value=None)})
        for (unit, analyte), idx in keys.groupby(["u", "a"], dropna=False, sort=False).indices.items():
            unit = None if unit is None or (isinstance(unit, float) and math.isnan(unit)) else unit
            analyte = None if analyte is None or (isinstance(analyte, float) and math.isnan(analyte)) else analyte
            cols, target, desc = _group(fn, unit, analyte, [v[idx] for v in values])
            for s, res in zip(std_cols, cols):
                std[s][idx] = res
            unit_std[idx] = target
            conv[idx] = desc
    out["analyte_std"] = pd.array(canonical_analytes(df[analyte_col]), dtype="str")
    for s in std_cols:
        out[s] = std[s]
    out["unit_std"] = pd.array(unit_std, dtype="str")
    out["conversion"] = pd.array(conv, dtype="str")
    return out
