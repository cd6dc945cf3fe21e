"""Excel workbook writer: README sheet, one sheet per table, dictionary sheet.

openpyxl needs ~10 µs a cell (30 s for 100,000 rows × 30 columns), so the sheets are streamed as
SpreadsheetML straight into the .xlsx zip: numbers as number cells, text as shared strings
(formula-neutralised, XML-escaped), header row bold and frozen, with an autofilter.
Cells are generated a column at a time with Arrow compute kernels (no Python loop per cell); text
goes through the shared-string table as Excel itself writes it. Excel cannot hold XML control
characters nor more than 32,767 characters in a cell: such text is replaced / shortened, and the
README sheet says so.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from curator.export.dataset import TEXT_TYPES, Dataset, readme_rows
from curator.export.safety import ExportError, Ticker, neutralise_arrow
from curator.export.writers import arrow_table, output_tables, utf8_view

MAX_ROWS = 1_048_576
MAX_CELL = 32_767
ROWS_PER_CHUNK = 5_000  # rows turned into XML at a time (~7 MB of XML)
COMPRESSLEVEL = 1  # deflate level: 6 costs ~4x the time for ~25 % smaller files
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
HEADER_STYLE, WRAP_STYLE = 1, 2
_SELECTED = ' tabSelected="1"'
_WRAP_ATTR = f' style="{WRAP_STYLE}"'

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{NS}">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""


def col_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml_escape(arr: pa.Array) -> pa.Array:
    """Text escaped for <t>: &, <, > as entities; CR as a character reference (XML would drop it)."""
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        if pc.any(pc.match_substring(arr, a)).as_py():
            arr = pc.replace_substring(arr, a, b)
    return arr


def excel_safe(arr: pa.Array, where: str, warnings: list[str]) -> pa.Array:
    """Text Excel can hold: no XML control characters, at most 32,767 characters per cell."""
    if len(arr) == 0:
        return arr
    bad = pc.match_substring_regex(arr, _ILLEGAL)
    n_bad = pc.sum(bad).as_py() or 0
    if n_bad:
        warnings.append(f"{where}: {n_bad} text cell(s) held control characters Excel cannot store; "
                        "they are replaced by U+FFFD in the workbook (other formats keep them)")
        arr = pc.replace_substring_regex(arr, _ILLEGAL, "\ufffd")
    long = pc.greater(pc.utf8_length(arr), MAX_CELL)
    n_long = pc.sum(long).as_py() or 0
    if n_long:
        warnings.append(f"{where}: {n_long} text cell(s) are longer than Excel's 32,767 characters and "
                        "were shortened in the workbook (other formats keep them whole)")
        cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, MAX_CELL - 1), pa.scalar("…", arr.type),
                                          pa.scalar("", arr.type))
        arr = pc.if_else(pc.fill_null(long, False), cut, arr)
    return arr


class SharedStrings:
    """The workbook's shared-string table: each distinct text once, cells refer to it by number."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.strings: list[str] = []
        self.count = 0

    def ids(self, arr: pa.Array) -> pa.Array:
        """Shared-string numbers for a text array (null stays null)."""
        enc = pc.dictionary_encode(arr)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        ids = np.empty(len(enc.dictionary), dtype=np.int64)
        index, strings = self.index, self.strings
        for i, text in enumerate(enc.dictionary.to_pylist()):
            k = index.get(text)
            if k is None:
                k = index[text] = len(strings)
                strings.append(text)
            ids[i] = k
        self.count += len(arr) - arr.null_count
        return pa.array(ids).take(enc.indices)

    def xml(self) -> bytes:
        esc = _xml_escape(pa.array(self.strings, type=pa.large_string()))
        body = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in esc.to_pylist())
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}" count="{self.count}" '
                f'uniqueCount="{len(self.strings)}">{body}</sst>').encode()


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _cells(col: pa.Array, kind: str, letter: str, rownums: pa.Array, sst: SharedStrings, style: int) -> pa.Array:
    """One column's cells as XML, vectorised ('' for an empty cell)."""
    st = f' s="{style}"' if style else ""
    if kind == "text":
        v, attrs = pc.cast(sst.ids(col), pa.large_string()), f'"{st} t="s"><v>'
    elif kind == "boolean":
        v, attrs = pc.if_else(col, _lit("1"), _lit("0")), f'"{st} t="b"><v>'
    else:
        if pa.types.is_floating(col.type):
            col = pc.if_else(pc.is_finite(col), col, pa.scalar(None, col.type))
        v, attrs = pc.cast(col, pa.large_string()), f'"{st}><v>'
    cell = pc.binary_join_element_wise(_lit(f'<c r="{letter}'), rownums, _lit(attrs), v, _lit("</v></c>"), _lit(""))
    return pc.fill_null(cell, _lit(""))


def _kind(dtype: str) -> str:
    return "text" if dtype in TEXT_TYPES else ("boolean" if dtype == "boolean" else "number")


def _widths(at: pa.Table, wrap: Sequence[str]) -> list[float]:
    out = []
    head = at.slice(0, 200)
    for name in at.column_names:
        col = head.column(name)
        lens = pc.utf8_length(pc.cast(col, pa.large_string())).to_numpy(zero_copy_only=False) if len(col) else []
        lens = [x for x in lens if not np.isnan(x)]
        w = max(len(name) + 2, int(np.quantile(lens, 0.9)) + 2 if lens else 0, 8)
        out.append(float(min(w, 80 if name in wrap else 50)))
    return out


class _Sheet:
    def __init__(self, name: str, table: pa.Table, kinds: list[str], wrap: Sequence[str] = ()):
        self.name = name
        self.table = table
        self.kinds = kinds
        self.wrap = set(wrap)

    @property
    def shape(self) -> tuple[int, int]:
        return self.table.num_rows, self.table.num_columns


def _write_sheet(zf: zipfile.ZipFile, index: int, sheet: _Sheet, sst: SharedStrings, ticker: Ticker,
                 selected: bool) -> None:
    at = sheet.table
    nrows, ncols = sheet.shape
    if nrows + 1 > MAX_ROWS:
        raise ExportError(f"{sheet.name} has {nrows} rows, more than an Excel sheet holds: export CSV or Parquet")
    last = col_letter(max(ncols, 1) - 1)
    letters = [col_letter(i) for i in range(ncols)]
    widths = _widths(at, sheet.wrap)
    with zf.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as f:
        head = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
            f'<worksheet xmlns="{NS}" xmlns:r="{NS_R}">',
            f'<dimension ref="A1:{last}{nrows + 1}"/>',
            (f'<sheetViews><sheetView workbookViewId="0"{_SELECTED if selected else ""}>'
             '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'),
            '<sheetFormatPr defaultRowHeight="15"/>',
        ]
        if ncols:
            head.append("<cols>" + "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{w:.1f}" customWidth="1"'
                f'{_WRAP_ATTR if c in sheet.wrap else ""}/>'
                for i, (c, w) in enumerate(zip(at.column_names, widths))) + "</cols>")
        header = "".join(f'<c r="{letters[i]}1" s="{HEADER_STYLE}" t="inlineStr"><is><t>{escape(str(c))}</t></is></c>'
                         for i, c in enumerate(at.column_names))
        head.append(f'<sheetData><row r="1">{header}</row>')
        f.write("".join(head).encode("utf-8"))
        for start in range(0, nrows, ROWS_PER_CHUNK):
            ticker.check()
            part = at.slice(start, ROWS_PER_CHUNK)
            rownums = pc.cast(pa.array(np.arange(start + 2, start + 2 + part.num_rows)), pa.large_string())
            cells = [_cells(part.column(i).combine_chunks(), sheet.kinds[i], letters[i], rownums, sst,
                            WRAP_STYLE if name in sheet.wrap else 0)
                     for i, name in enumerate(part.column_names)]
            rows = pc.binary_join_element_wise(_lit('<row r="'), rownums, _lit('">'), *cells, _lit("</row>"), _lit(""))
            f.write(utf8_view(rows))
            ticker.advance(part.num_rows, f"{sheet.name} (Excel)")
        tail = "</sheetData>"
        if ncols:
            tail += f'<autoFilter ref="A1:{last}{nrows + 1}"/>'
        tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        f.write(tail.encode("utf-8"))


def _prepare(ds: Dataset, table: str, warnings: list[str]) -> _Sheet:
    """The sheet of a table: text neutralised against formulas and made storable by Excel."""
    at = arrow_table(ds, table)
    cols = {c.name: c for c in ds.all_columns()[table]}
    guarded = ds.formula_guarded_columns(table)
    kinds = []
    for i, name in enumerate(at.column_names):
        kind = _kind(cols[name].type) if name in cols else "text"
        kinds.append(kind)
        if kind == "text":
            col = at.column(i).combine_chunks()
            col = excel_safe(neutralise_arrow(col) if name in guarded or name not in cols else col,
                             f"{table}.{name}", warnings)
            at = at.set_column(i, at.schema.field(i), col)
    wrap = ("description", "allowed_values") if table == "dictionary" else ()
    return _Sheet(table, at, kinds, wrap)


def _readme_sheet(ds: Dataset) -> _Sheet:
    items, texts = zip(*readme_rows(ds))
    at = pa.table({"item": pa.array(items, pa.large_string()),
                   "text": neutralise_arrow(pa.array(texts, pa.large_string()))})
    return _Sheet("README", at, ["text", "text"], ("text",))


def write_xlsx(ds: Dataset, path: Path, ticker: Ticker) -> list[str]:
    """README (sheet 1), one sheet per table, dictionary. Sheets are prepared and written one at a time
    (README last, once every warning is known; a zip's order does not matter)."""
    warnings = ds.info.warnings
    names = ["README", *output_tables(ds)]
    shapes: list[tuple[str, int, int]] = []
    sst = SharedStrings()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True,
                         compresslevel=COMPRESSLEVEL) as zf:
        for i, table in enumerate(names[1:], start=2):
            sheet = _prepare(ds, table, warnings)
            _write_sheet(zf, i, sheet, sst, ticker, selected=False)
            shapes.append((table, *sheet.shape))
            del sheet
        readme = _readme_sheet(ds)
        _write_sheet(zf, 1, readme, sst, ticker, selected=True)
        shapes.insert(0, ("README", *readme.shape))
        zf.writestr("xl/sharedStrings.xml", sst.xml())
        zf.writestr("xl/styles.xml", STYLES)
        zf.writestr("xl/workbook.xml", _workbook(shapes))
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(shapes)))
        zf.writestr("_rels/.rels", _root_rels())
        zf.writestr("docProps/core.xml", _core(ds.info.created_at))
        zf.writestr("docProps/app.xml", _app([n for n, _, _ in shapes]))
        zf.writestr("[Content_Types].xml", _content_types(len(shapes)))
    return [path.name]


def _workbook(shapes: list[tuple[str, int, int]]) -> str:
    tabs = "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                   for i, (name, _, _) in enumerate(shapes, start=1))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quote_sheet(name))}!$A$1:${col_letter(ncols - 1)}${nrows + 1}</definedName>"
        for i, (name, nrows, ncols) in enumerate(shapes) if ncols)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{NS}" xmlns:r="{NS_R}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{tabs}</sheets>'
            f'{f"<definedNames>{names}</definedNames>" if names else ""}</workbook>')


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_rels(n: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{NS_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
    rels += f'<Relationship Id="rId{n + 1}" Type="{NS_R}/styles" Target="styles.xml"/>'
    rels += f'<Relationship Id="rId{n + 2}" Type="{NS_R}/sharedStrings" Target="sharedStrings.xml"/>'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG}">{rels}</Relationships>')


def _root_rels() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG}">'
            f'<Relationship Id="rId1" Type="{NS_R}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{NS_PKG}/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{NS_R}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>")


def _core(created: str) -> str:
    when = re.sub(r"\+00:00$", "Z", created)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:title>Curator export</dc:title><dc:creator>Curator</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{escape(when)}</dcterms:created>'
            "</cp:coreProperties>")


def _app(sheets: list[str]) -> str:
    titles = "".join(f"<vt:lpstr>{escape(name)}</vt:lpstr>" for name in sheets)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>Curator</Application>"
            f'<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
            f"</vt:variant><vt:variant><vt:i4>{len(sheets)}</vt:i4></vt:variant></vt:vector></HeadingPairs>"
            f'<TitlesOfParts><vt:vector size="{len(sheets)}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts>'
            "</Properties>")


def _content_types(n: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT_SHEET}"/>'
                     for i in range(1, n + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f"{sheets}"
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>")
