"""BibTeX / biblatex via bibtexparser v2 (splitting only).

bibtexparser's middlewares are not applied: they skip the entries it flags as failed (duplicate
cite keys, duplicate field names), which real exports contain. Macro resolution (@string, '#'
concatenation, month names), LaTeX -> Unicode decoding, name splitting and crossref inheritance are
done here, the same way for every entry."""

from __future__ import annotations

import re
import unicodedata

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from curator.domain.paper import Paper
from curator.importers import register
from curator.importers.base import ParseResult, RecordError, to_int, warn_field
from curator.importers.ris import MONTHS, find_doi, format_date, parse_loose_date, pubmed_style_name

_NOT_RECORDS = ("string", "comment", "preamble")

# --------------------------------------------------------------------------------------------
# LaTeX -> Unicode
# --------------------------------------------------------------------------------------------

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331", "t": "\u0361",
}
_SYMBOLS = {
    "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "ss": "ß", "SS": "SS", "l": "ł", "L": "Ł", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ", "textendash": "–", "textemdash": "—",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“", "textquotedblright": "”",
    "ldots": "…", "dots": "…", "textellipsis": "…", "S": "§", "P": "¶", "copyright": "©",
    "textcopyright": "©", "textregistered": "®", "texttrademark": "™", "textdegree": "°",
    "degree": "°", "textmu": "µ", "textperthousand": "‰", "pounds": "£", "textsterling": "£",
    "euro": "€", "texteuro": "€", "textasciitilde": "~", "textbackslash": "\\", "slash": "/",
    "hyphen": "-", "TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX", "textbullet": "•",
    "textdagger": "†", "dag": "†", "textdaggerdbl": "‡", "pm": "±", "mp": "∓", "times": "×",
    "div": "÷", "cdot": "·", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "sim": "∼", "infty": "∞", "rightarrow": "→", "to": "→", "leftarrow": "←",
    "textless": "<", "textgreater": ">", "textbar": "|", "textunderscore": "_", "quad": " ",
    "qquad": " ", "newline": " ", "par": " ", "guillemotleft": "«", "guillemotright": "»",
    "textexclamdown": "¡", "textquestiondown": "¿", "aleph": "ℵ", "partial": "∂", "nabla": "∇",
    "sum": "∑", "prod": "∏", "int": "∫", "circ": "∘", "bullet": "•", "prime": "′", "ell": "ℓ",
    "hbar": "ℏ", "deg": "°", "textonehalf": "½", "textdiv": "÷", "texttimes": "×",
}
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ",
    "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS.update(_GREEK)
_DROP_WITH_ARG = {"label", "cite", "ref", "index", "footnote", "hspace", "vspace", "pageref"}
_SUP = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")

_ACCENT_SYM = re.compile(r"""\\(['`^"~=.])\s*(?:\{\s*(\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))""")
_ACCENT_LET = re.compile(r"\\([uvHckrdbt])(?:\s*\{\s*(\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|\s+([A-Za-z])|\{\})")
_CMD_ARG = re.compile(r"\\([A-Za-z]+)\*?\s*\{([^{}]*)\}")
_CMD = re.compile(r"\\([A-Za-z]+)\*?(?![A-Za-z])\s?")
_ESCAPES = {"\\&": "&", "\\%": "%", "\\$": "\x01", "\\#": "#", "\\_": "_", "\\{": "\x02", "\\}": "\x03",
            "\\ ": " ", "\\,": " ", "\\;": " ", "\\:": " ", "\\!": "", "\\-": "", "\\@": "", "\\/": "",
            "\\\\": " "}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in sorted(_ESCAPES, key=len, reverse=True)))


def _accent(mark: str, base: str) -> str:
    if base in ("\\i", "\\j"):
        base = base[1]
    return unicodedata.normalize("NFC", base + _ACCENTS[mark])


def _math(m: re.Match) -> str:
    s = m.group(1)
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"\1/\2", s)
    s = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"√\1", s)
    s = re.sub(r"\^\s*\{([0-9+\-=()n]+)\}|\^([0-9+\-=()n])", lambda x: (x.group(1) or x.group(2)).translate(_SUP), s)
    s = re.sub(r"_\s*\{([0-9+\-=()]+)\}|_([0-9])", lambda x: (x.group(1) or x.group(2)).translate(_SUB), s)
    # symbols resolved here: a '\alpha' at the end of the formula must not eat the space after '$'
    return re.sub(r"\\([A-Za-z]+)(?![A-Za-z])\s*", lambda x: _SYMBOLS.get(x.group(1), x.group(0)), s)


def latex_to_unicode(value: str) -> str:
    """'{\\'e}t{\\"u}de -- \\emph{x} $\\alpha$' -> 'étüde – x α' (braces removed, spaces collapsed)."""
    if not value:
        return ""
    s = value
    if "\\" in s or "{" in s or "$" in s or "~" in s or "--" in s or "``" in s or "''" in s:
        s = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], s)
        if "$" in s:
            s = re.sub(r"\$([^$]*)\$", _math, s)
        for _ in range(4):
            before = s
            s = _ACCENT_SYM.sub(lambda m: _accent(m.group(1), m.group(2) or m.group(3)), s)
            s = _ACCENT_LET.sub(lambda m: _accent(m.group(1), m.group(2) or m.group(3) or " ").strip(), s)
            s = _CMD_ARG.sub(_cmd_with_arg, s)
            if s == before:
                break
        s = _CMD.sub(lambda m: _SYMBOLS.get(m.group(1), ""), s)
        s = s.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
        s = s.replace("~", "\u00a0").replace("{", "").replace("}", "")
        s = s.replace("\x01", "$").replace("\x02", "{").replace("\x03", "}")
        s = s.replace("\u00a0", " ")
    return unicodedata.normalize("NFC", " ".join(s.split()))


def _cmd_with_arg(m: re.Match) -> str:
    name, arg = m.group(1), m.group(2)
    if name in _DROP_WITH_ARG:
        return ""
    if name in ("enquote", "mkbibquote"):
        return f"“{arg}”"
    if name == "textsuperscript":
        return arg.translate(_SUP)
    if name == "textsubscript":
        return arg.translate(_SUB)
    if name in _SYMBOLS and not arg.strip():  # '\ss{}' / '\o{}'
        return _SYMBOLS[name]
    if name in _SYMBOLS:
        return _SYMBOLS[name] + "{" + arg + "}"
    return "{" + arg + "}"  # \emph{x}, \textit{x}, \url{x}, unknown: keep the argument


# --------------------------------------------------------------------------------------------
# Values and names
# --------------------------------------------------------------------------------------------


def _split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside braces and quotes."""
    out, depth, quote, start, i = [], 0, False, 0, 0
    n = len(sep)
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c == '"' and depth == 0:
            quote = not quote
        elif depth == 0 and not quote and text.startswith(sep, i):
            out.append(text[start:i])
            i += n
            start = i
            continue
        i += 1
    out.append(text[start:])
    return out


def evaluate(raw: str, macros: dict[str, str]) -> str:
    """A raw field value ('{x}', '"x"', 'macro', 'a # " " # b', '2014') -> its string (LaTeX kept)."""
    parts = []
    for piece in _split_top(raw.strip(), "#"):
        p = piece.strip()
        if not p:
            continue
        if p[0] == "{" and p[-1] == "}" or p[0] == '"' and p[-1] == '"' and len(p) >= 2:
            parts.append(p[1:-1])
        elif p.isdigit():
            parts.append(p)
        else:
            parts.append(macros.get(p.lower(), p))
    return "".join(parts)


def _split_names(value: str) -> list[str]:
    return [n.strip() for n in re.split(r"(?<!\s)\s+and\s+", value) if n.strip()] if "{" not in value else [
        n.strip() for n in _split_top_words(value, "and") if n.strip()
    ]


def _split_top_words(text: str, word: str) -> list[str]:
    """Split at ' and ' (any whitespace) at brace depth 0."""
    out, depth, cur = [], 0, []
    for tok in re.split(r"(\s+|[{}])", text):
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth = max(0, depth - 1)
        if depth == 0 and tok.lower() == word:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(tok)
    out.append("".join(cur))
    return out


def _tokens_top(text: str) -> list[str]:
    """Whitespace-separated tokens, braces kept together."""
    out, depth, cur = [], 0, ""
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        if c.isspace() and depth == 0:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def _starts_lower(tok: str) -> bool:
    """BibTeX's 'von' test: the first letter at brace depth 0 is lower case."""
    depth = 0
    for c in tok:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c.isalpha():
            return depth == 0 and c.islower()
    return False


def bibtex_name(name: str) -> str:
    """One BibTeX name ('von Last, Jr, First' / 'First von Last' / '{Corporate Name}') -> 'Last FM'."""
    name = " ".join(name.split())
    if name.startswith("{") and name.endswith("}") and _tokens_top(name) == [name]:
        return latex_to_unicode(name)
    parts = [p.strip() for p in _split_top(name, ",")]
    if len(parts) >= 3:
        last, jr, first = parts[0], parts[1], ", ".join(parts[2:])
    elif len(parts) == 2:
        last, jr, first = parts[0], "", parts[1]
    else:
        toks = _tokens_top(name)
        if len(toks) <= 1:
            return latex_to_unicode(name)
        # First: up to the first lower-case ('von') token, else everything but the last token
        k = next((i for i, t in enumerate(toks[:-1]) if _starts_lower(t)), len(toks) - 1)
        first, last, jr = " ".join(toks[:k]), " ".join(toks[k:]), ""
    last_u = latex_to_unicode(last)
    first_u = latex_to_unicode(first)
    if not last_u:
        return first_u
    return pubmed_style_name(last_u, first_u, latex_to_unicode(jr))


def _list_style_name(item: str) -> str:
    """'Jankowski Catherine M' (PubMed LastName ForeName, as some converters write) -> 'Jankowski CM'."""
    toks = latex_to_unicode(item).split()
    if len(toks) < 2:
        return " ".join(toks)
    k = len(toks)
    while k > 1 and re.fullmatch(r"[A-Z]{1,2}\.?", toks[k - 1]):  # trailing initials
        k -= 1
    if k > 1:  # and one forename before them
        k -= 1
    return pubmed_style_name(" ".join(toks[:k]), " ".join(toks[k:]))


def parse_names(value: str, list_style: bool = False) -> list[str]:
    value = " ".join(value.split())
    if not value:
        return []
    if list_style and not re.search(r"\sand\s", value) and len(_split_top(value, ",")) >= 2:
        return [_list_style_name(x) for x in _split_top(value, ",") if x.strip()]
    out = []
    for n in _split_names(value):
        if n.lower() == "others":
            out.append("et al")
            continue
        out.append(bibtex_name(n))
    return [n for n in out if n]


# --------------------------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------------------------


class BibtexImporter:
    name = "bibtex"
    label = "BibTeX / biblatex"
    extensions = (".bib", ".bibtex", ".biblatex", ".txt")

    def sniff(self, text: str) -> float:
        head = text[:20000].replace("\ufeff", "")
        # blanks before '@' / a field name are those of its own line ([^\S\n]): '\s*' from every line
        # start re-read a run of blank lines once per line (quadratic)
        entries = re.findall(r"^[^\S\n]*@\s*([A-Za-z]+)\s*[{(]", head, re.MULTILINE)
        if not entries:
            return 0.0
        real = [e for e in entries if e.lower() not in _NOT_RECORDS]
        fields = re.search(r"^[^\S\n]*+(?:,[^\S\n]*+)?[A-Za-z][\w:-]*\s*=", head, re.MULTILINE)
        if real and fields:
            return 0.95
        if fields:
            return 0.6
        return 0.3

    def parse(self, text: str) -> ParseResult:
        text = text.replace("\ufeff", "")
        result = ParseResult(format=self.name)
        library = bibtexparser.parse_string(text, parse_stack=[])
        macros = {m: m for m in MONTHS}
        for s in library.strings:
            try:
                macros[s.key.lower()] = evaluate(str(s.value), macros)
            except Exception:  # noqa: BLE001, S112 -- an odd @string must not stop the file
                continue

        # entries in file order, including those bibtexparser flags (duplicate keys / fields)
        items: list[tuple[int, Entry | ParsingFailedBlock]] = []
        for block in library.blocks:
            if isinstance(block, Entry):
                items.append((block.start_line or 0, block))
            elif isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
                entry = block.ignore_error_block
                if isinstance(entry, Entry):
                    items.append((entry.start_line or 0, entry))
                else:
                    items.append((block.start_line or 0, block))
            elif isinstance(block, ParsingFailedBlock):
                raw = (block.raw or "").lstrip()
                kind = re.match(r"@\s*([A-Za-z]+)", raw)
                if kind and kind.group(1).lower() in _NOT_RECORDS:
                    continue
                items.append((block.start_line or 0, block))
        items.sort(key=lambda x: x[0])

        entries: list[tuple[int, Entry, dict[str, str]]] = []
        list_votes = [0, 0]
        for k, (line0, item) in enumerate(items, 1):
            if isinstance(item, ParsingFailedBlock):
                msg = str(item.error).strip().splitlines()[0] if str(item.error).strip() else "syntax error"
                result.errors.append(RecordError(k, line0 + 1, f"BibTeX entry could not be read: {msg}"))
                continue
            fields = _fields(item, macros)
            for key in ("author", "editor"):
                v = fields.get(key, "")
                if re.search(r"\sand\s", v):
                    list_votes[1] += 1
                elif len(_split_top(v, ",")) >= 3:
                    list_votes[0] += 1
            entries.append((k, item, fields))
        list_style = list_votes[0] > list_votes[1]

        by_key = {e.key.lower(): f for _, e, f in entries if e.key}
        for k, entry, fields in entries:
            try:
                if entry.entry_type.lower() != "set":  # a set's crossref only serves BibTeX backends
                    _inherit(fields, by_key)
                paper = _to_paper(entry, fields, list_style)
            except Exception as exc:  # noqa: BLE001 -- a broken entry must not stop the others
                result.errors.append(RecordError(k, (entry.start_line or 0) + 1, f"cannot read this entry: {exc}"))
                continue
            result.papers.append(paper)
            for warning in paper.extra.get("warnings", []):
                result.errors.append(RecordError(
                    k, (entry.start_line or 0) + 1, f"entry {entry.key or k}: {warning}", warning=True))
        return result


def _fields(entry: Entry, macros: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in entry.fields:
        key = f.key.strip().lower()
        value = evaluate(str(f.value), macros)
        if key in out:
            if key in ("author", "editor"):
                out[key] = f"{out[key]} and {value}"
            elif key in ("keywords", "keyword"):
                out[key] = f"{out[key]}, {value}"
            continue
        out[key] = value
    return out


_NOT_INHERITED = {"crossref", "ids", "entryset", "xref", "xdata", "title", "subtitle", "titleaddon",
                  "shorttitle", "sorttitle", "indextitle", "label", "shorthand", "execute", "related"}


def _inherit(fields: dict[str, str], by_key: dict[str, dict[str, str]]) -> None:
    """biblatex/BibTeX crossref: missing fields come from the parent; its title becomes booktitle."""
    seen = set()
    parent_key = fields.get("crossref", "").strip().lower()
    while parent_key and parent_key in by_key and parent_key not in seen:
        seen.add(parent_key)
        parent = by_key[parent_key]
        for k, v in parent.items():
            if k not in _NOT_INHERITED and k not in fields:
                fields[k] = v
        if "title" in parent:
            fields.setdefault("booktitle", parent["title"])
        parent_key = parent.get("crossref", "").strip().lower()


def _to_paper(entry: Entry, f: dict[str, str], list_style: bool) -> Paper:
    def text(*keys: str) -> str | None:
        for k in keys:
            v = f.get(k)
            if v is not None and v.strip():
                return latex_to_unicode(v) or None
        return None

    paper = Paper()
    etype = entry.entry_type.lower()
    paper.extra["entry_type"] = etype
    if entry.key:
        paper.extra["citekey"] = entry.key
    title = text("title") or ""
    sub = text("subtitle")
    paper.title = f"{title}: {sub}" if title and sub else title
    authors = f.get("author") or ""
    paper.authors = parse_names(authors, list_style)
    if not paper.authors and f.get("editor"):
        paper.authors = parse_names(f["editor"], list_style)
        paper.extra["authors_are_editors"] = True
    elif f.get("editor"):
        paper.extra["editors"] = parse_names(f["editor"], list_style)
    paper.journal = text("journal", "journaltitle")
    if not paper.journal and text("booktitle"):
        paper.extra["booktitle"] = text("booktitle")
    paper.journal_abbrev = text("shortjournal", "journalabbrev", "journal-abbrev")
    _dates(paper, f)
    paper.volume = text("volume")
    paper.issue = text("number", "issue")
    pages = text("pages")
    if pages:
        # a match starts at the first blank of a run or at the dash: not again inside a blank run
        paper.pages = re.sub(r"(?:(?<!\s)|(?=[–—-]))\s*[–—-]+\s*", "-", pages)
    eprinttype = (f.get("eprinttype") or f.get("archiveprefix") or "").strip().lower()
    eprint = (f.get("eprint") or "").strip()
    doi_raw = (f.get("doi") or "").strip()
    paper.doi = find_doi(doi_raw) or (find_doi(eprint) if eprinttype == "doi" else None)
    if doi_raw and not paper.doi:
        paper.extra["doi_raw"] = doi_raw
    if not paper.doi:
        for k in ("url", "note", "howpublished"):
            if f.get(k) and re.search(r"doi", f[k], re.IGNORECASE):
                paper.doi = find_doi(f[k])
                if paper.doi:
                    break
    pmid = (f.get("pmid") or "").strip()
    if not pmid and eprinttype == "pubmed":
        pmid = eprint
    if not pmid:
        m = re.search(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d+)", f.get("url") or "")
        if m:
            pmid = m.group(1)
    if re.fullmatch(r"\d{1,9}", pmid):
        paper.pmid = pmid
    pmcid = (f.get("pmcid") or (eprint if eprinttype == "pmc" else "")).strip()
    if re.fullmatch(r"PMC\d+", pmcid):
        paper.pmcid = pmcid
    abstract = f.get("abstract") or ""
    paras = [latex_to_unicode(p) for p in re.split(r"\n\s*\n", abstract)]
    paper.abstract = "\n\n".join(p for p in paras if p)
    kw = text("keywords", "keyword") or ""
    sep = ";" if ";" in kw else ","
    paper.keywords = [k.strip() for k in kw.split(sep) if k.strip()]
    paper.language = text("language", "langid")
    paper.source_url = text("url")
    if etype == "set":
        paper.extra["entryset"] = [k.strip() for k in (f.get("entryset") or "").split(",") if k.strip()]
    mapped = {"title", "subtitle", "author", "editor", "journal", "journaltitle", "shortjournal", "volume",
              "number", "issue", "pages", "doi", "pmid", "pmcid", "abstract", "keywords", "keyword",
              "language", "langid", "url", "year", "date", "month", "entryset"}
    rest = {k: latex_to_unicode(v) for k, v in f.items() if k not in mapped and v.strip()}
    if rest:
        paper.extra["bibtex"] = rest
    return paper


def _dates(paper: Paper, f: dict[str, str]) -> None:
    date = latex_to_unicode(f.get("date") or "")
    year_s = latex_to_unicode(f.get("year") or "")
    month_s = latex_to_unicode(f.get("month") or "").strip().lower()
    y = m = d = None
    if date:
        dm = re.match(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", date)
        if dm:
            y = to_int(dm.group(1))
            m = to_int(dm.group(2), 1, 12)
            d = to_int(dm.group(3), 1, 31) if m else None
    if y is None and year_s:
        ym = re.search(r"\b(\d{4})\b", year_s)
        if ym:
            y = to_int(ym.group(1))
        elif year_s:
            paper.extra["year_raw"] = year_s
    if y and m is None and month_s:
        if month_s.isdigit():  # '²' too: isdigit() accepts it, to_int refuses it
            m = to_int(month_s, 1, 12)
        else:
            _, m, d2 = parse_loose_date(month_s)
            d = d2 if m else None
        if m is None:
            warn_field(paper.extra, "month", month_s, "is not a month: the date keeps the year only")
    if y:
        paper.year = y
        paper.pub_date = format_date(y, m, d)


register(BibtexImporter())
