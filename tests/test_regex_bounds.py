"""Every regular expression the importers and the extractor run over text from a file finishes in
bounded time on inputs built to make it backtrack (issue 15, item 1).

The patterns are collected, not listed: every module under curator.importers (whatever the PubMed
XML package's layout) and curator.extract is imported, and each compiled pattern found in a module
attribute -- or inside a module-level list, tuple, set, dict or object attribute -- is checked, plus
every literal pattern passed to re.compile/search/match/... inside the modules' functions.

The adversarial inputs are derived from each pattern: for each repetition in it, the shortest text
reaching it (a minimal match of what comes before), then ~20,000 characters of what it repeats
(each character its class accepts, and a minimal match of a repeated group), then a character that
makes the match fail. Plus runs of every character the pattern names. Each input must be searched
(finditer, fullmatch) within LIMIT seconds; a catastrophic pattern takes minutes, a linear one ~1 ms.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import signal
import time
from pathlib import Path
from re import _constants as C  # noqa: PLC2701 -- the stdlib's own pattern parser (3.11)
from re import _parser as P  # noqa: PLC2701

import pytest

import curator.extract
import curator.importers

N = 20_000  # characters of repetition per input
LIMIT = 0.5  # seconds per input
SCREEN = LIMIT / 100  # seconds on a tenth of the input below which the full size is not run

# ---------------------------------------------------------------- collecting the patterns


# Modules whose patterns never see a file's text: the extractor's scorer reads the hand-labelled sets
# (benchmarks/extract_accuracy.py), not papers.
NOT_ON_FILE_TEXT = {"curator.extract.dev_scoring"}


def _modules():
    for pkg in (curator.importers, curator.extract):
        yield importlib.import_module(pkg.__name__)
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name not in NOT_ON_FILE_TEXT:
                yield importlib.import_module(info.name)


def _patterns_in(value, depth=0):
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 3 and isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _patterns_in(v, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for k, v in value.items():
            yield from _patterns_in(k, depth + 1)
            yield from _patterns_in(v, depth + 1)


_RE_FUNCS = {"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"}


def _literal_patterns(path: Path):
    """Patterns written inline: re.search(r"...", text, re.I) in a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCS and node.args):
            continue
        arg = node.args[0]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, (str, bytes))):
            continue
        flags = 0
        for kw in node.keywords:
            if kw.arg == "flags":
                flags = _flag_value(kw.value)
        extra = node.args[1:]
        if node.func.attr == "compile" and extra:
            flags = _flag_value(extra[0])
        elif node.func.attr in ("sub", "subn") and len(extra) >= 4:
            flags = _flag_value(extra[3])
        elif node.func.attr == "split" and len(extra) >= 3:
            flags = _flag_value(extra[2])
        elif node.func.attr not in ("sub", "subn", "split") and len(extra) >= 2:
            flags = _flag_value(extra[1])
        yield re.compile(arg.value, flags), node.lineno, node.func.attr


def _flag_value(node) -> int:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flag_value(node.left) | _flag_value(node.right)
    return 0


ANCHORED = {"match", "fullmatch"}  # tried at one position only: restarts cannot make these quadratic


def _uses(name: str, sources: str) -> set[str]:
    """How a module-level pattern is called anywhere in the scanned packages: NAME.search(...) etc.
    A pattern never called by name (kept in a list, passed along) counts as searched."""
    used = set(re.findall(rf"\b{re.escape(name)}\.(match|fullmatch|search|finditer|findall|sub|subn|split)\(",
                          sources))
    return used or {"search"}


def _collect() -> list[tuple[str, re.Pattern, str]]:
    """(where, pattern, mode) for every pattern, mode saying how the code runs it (see _mode): a
    pattern the code only ever calls match on is tried at the start only."""
    mods = list(_modules())
    sources = "\n".join(Path(m.__file__).read_text(encoding="utf-8") for m in mods
                        if getattr(m, "__file__", "").endswith(".py"))
    found: dict[tuple, tuple[str, re.Pattern, set[str]]] = {}

    def add(pat, where, uses):
        key = (pat.pattern, pat.flags)
        if key in found:
            found[key][2].update(uses)
        else:
            found[key] = (where, pat, set(uses))

    for mod in mods:
        for name, value in vars(mod).items():
            if isinstance(value, type) or callable(value) and not isinstance(value, re.Pattern):
                holder = vars(value) if isinstance(value, type) else {}
                for attr, v in holder.items():  # class attributes (importer classes keep patterns too)
                    for pat in _patterns_in(v):
                        add(pat, f"{mod.__name__}.{name}.{attr}", _uses(attr, sources))
                continue
            for pat in _patterns_in(value):
                add(pat, f"{mod.__name__}.{name}",
                    _uses(name, sources) if isinstance(value, re.Pattern) else {"search"})
        src = getattr(mod, "__file__", None)
        if src and src.endswith(".py"):
            for pat, line, func in _literal_patterns(Path(src)):
                # re.compile(...) says nothing about how the pattern runs: its name's calls do
                add(pat, f"{mod.__name__}:{line}", set() if func == "compile" else {func})
    return sorted(((w, p, _mode(uses)) for w, p, uses in found.values()), key=lambda x: x[0])


def _mode(uses: set[str]) -> str:
    """How to run a pattern in the check: 'scan' (finditer: search, findall, sub, split, or not known),
    'match' (at the start only), 'fullmatch', or 'match+fullmatch'."""
    if not uses or not uses <= ANCHORED:
        return "scan+fullmatch" if "fullmatch" in uses else "scan"
    return "+".join(sorted(uses))


PATTERNS = _collect()

# ---------------------------------------------------------------- inputs built to backtrack

_CANDIDATES = list("a1 A\n\t.,;:-()[]{}<>/\\'\"=+*_!?#%&@|~xZ9é") + ["\u00a0", "\u2009", "²", "·"]
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_CATEGORY_TEST = {
    C.CATEGORY_DIGIT: str.isdecimal, C.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    C.CATEGORY_SPACE: str.isspace, C.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    C.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
    C.CATEGORY_LINEBREAK: lambda c: c == "\n", C.CATEGORY_NOT_LINEBREAK: lambda c: c != "\n",
}


def _class_accepts(items, ch: str, ignorecase: bool) -> bool:
    negate = False
    hit = False
    chars = {ch, ch.lower(), ch.upper()} if ignorecase else {ch}
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit |= any(ord(c) == av for c in chars)
        elif op is C.RANGE:
            hit |= any(av[0] <= ord(c) <= av[1] for c in chars)
        elif op is C.CATEGORY:
            hit |= _CATEGORY_TEST.get(av, lambda c: False)(ch)
        elif op is C.RANGE_UNI_IGNORE:
            hit |= any(av[0] <= ord(c) <= av[1] for c in chars)
    return hit != negate


def _one_char_members(op, av, ignorecase: bool) -> list[str]:
    """The candidate characters a single-character item accepts."""
    if op is C.LITERAL:
        return [chr(av)]
    if op is C.NOT_LITERAL:
        return [c for c in _CANDIDATES if ord(c) != av]
    if op is C.ANY:
        return [c for c in _CANDIDATES if c != "\n"]
    if op is C.IN:
        literal = [chr(v) for o, v in av if o is C.LITERAL]
        return [c for c in dict.fromkeys(literal + _CANDIDATES) if _class_accepts(av, c, ignorecase)]
    return []


def _sample(seq, ignorecase: bool) -> str:
    """A short text matching `seq` (lookarounds and anchors ignored)."""
    out = []
    for op, av in seq:
        if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
            members = _one_char_members(op, av, ignorecase)
            out.append(members[0] if members else "a")
        elif op in _REPEATS:
            lo, _hi, sub = av
            out.append(_sample(sub, ignorecase) * min(lo, 50))
        elif op is C.SUBPATTERN:
            out.append(_sample(av[-1], ignorecase))
        elif op is C.ATOMIC_GROUP:
            out.append(_sample(av, ignorecase))
        elif op is C.BRANCH:
            out.append(_sample(av[1][0], ignorecase))
        elif op is C.GROUPREF_EXISTS:
            out.append(_sample(av[1], ignorecase))
    return "".join(out)


def _pumps(sub, ignorecase: bool) -> list[str]:
    """What one repetition of `sub` can be: each accepted character for a one-character item, and a
    minimal match of the whole (with its first item varied)."""
    out: list[str] = []
    if len(sub) == 1 and sub[0][0] in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
        out += _one_char_members(*sub[0], ignorecase)[:8]
    else:
        s = _sample(sub, ignorecase)
        if s:
            out.append(s)
        if sub and sub[0][0] in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
            tail = _sample(list(sub)[1:], ignorecase)
            out += [c + tail for c in _one_char_members(*sub[0], ignorecase)[:4]]
        if sub and sub[0][0] is C.BRANCH:
            out += [_sample(alt, ignorecase) for alt in sub[0][1][1]]
    return [p for p in dict.fromkeys(out) if p]


def _walk(seq, before: str, ignorecase: bool, acc: list):
    for j, (op, av) in enumerate(seq):
        pre = before + _sample(list(seq)[:j], ignorecase)
        if op in _REPEATS:
            _lo, hi, sub = av
            if hi > 1:
                acc += [(pre, p) for p in _pumps(sub, ignorecase)]
            _walk(sub, pre, ignorecase, acc)
        elif op is C.SUBPATTERN:
            _walk(av[-1], pre, ignorecase, acc)
        elif op is C.ATOMIC_GROUP:
            _walk(av, pre, ignorecase, acc)
        elif op is C.BRANCH:
            for alt in av[1]:
                _walk(alt, pre, ignorecase, acc)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            _walk(av[1], pre, ignorecase, acc)


def _named_chars(seq, ignorecase: bool) -> list[str]:
    out: list[str] = []
    for op, av in seq:
        if op in (C.LITERAL, C.IN):
            out += _one_char_members(op, av, ignorecase)[:4]
        elif op in _REPEATS:
            out += _named_chars(av[2], ignorecase)
        elif op is C.SUBPATTERN:
            out += _named_chars(av[-1], ignorecase)
        elif op is C.ATOMIC_GROUP:
            out += _named_chars(av, ignorecase)
        elif op is C.BRANCH:
            for alt in av[1]:
                out += _named_chars(alt, ignorecase)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            out += _named_chars(av[1], ignorecase)
    return list(dict.fromkeys(out))


def _diverse(chars: list[str], k: int) -> list[str]:
    """Up to k characters of different kinds (letter, digit, space, other) -- those a pattern most
    often treats differently -- the first of each kind first."""
    kinds: dict[str, list[str]] = {}
    for c in chars:
        kind = "L" if c.isalpha() else "D" if c.isdigit() else "S" if c.isspace() else c
        kinds.setdefault(kind, []).append(c)
    out = [v[0] for v in kinds.values()]
    return out[:k]


def adversarial_shapes(pattern: re.Pattern) -> list[tuple[str, str, str]]:
    """(prefix, unit, ender) triples: the input is prefix + unit repeated to n characters + ender."""
    text = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    ignorecase = bool(pattern.flags & re.IGNORECASE)
    tree = P.parse(text, pattern.flags & ~re.ASCII if isinstance(pattern.pattern, str) else pattern.flags)
    named = _named_chars(tree, ignorecase)
    acc: list[tuple[str, str]] = []
    _walk(tree, "", ignorecase, acc)
    shapes: list[tuple[str, str, str]] = []
    for pre, pump in dict.fromkeys(acc):
        others = [c for c in named if c not in pump][:2]
        for ender in ["\x00", *others]:
            shapes.append((pre, pump, ender))
        shapes.append(("", pre + pump * 8, "\x00"))  # an unanchored search restarting at every copy
    for c in _diverse(named, 6) + ["a", "1", " ", "("]:
        shapes += [("", c, "\x00"), ("", c + " ", "\x00")]
    shapes.append(("", "a", "!"))
    return list(dict.fromkeys(shapes))


def build(shape: tuple[str, str, str], n: int) -> str:
    pre, unit, ender = shape
    return pre + unit * max(1, n // len(unit)) + ender


def adversarial_inputs(pattern: re.Pattern, n: int = N) -> list[str]:
    return [build(shape, n) for shape in adversarial_shapes(pattern)]


# ---------------------------------------------------------------- the check


class _Slow(Exception):
    pass


def _alarm(signum, frame):
    raise _Slow


def _time_one(pattern: re.Pattern, text, mode: str = "scan+fullmatch") -> float | None:
    """CPU seconds to run `pattern` over `text` the way `mode` says (finditer to the end for 'scan');
    None when over LIMIT. CPU time of this process (ITIMER_PROF), so that other busy processes on the
    machine do not make a linear pattern look slow."""
    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, LIMIT)
    t0 = time.process_time()
    try:
        if "scan" in mode:
            for _ in pattern.finditer(text):
                pass
        if "match" in mode.replace("fullmatch", ""):
            pattern.match(text)
        if "fullmatch" in mode:
            pattern.fullmatch(text)
        return time.process_time() - t0
    except _Slow:
        return None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


# Known failures, reported rather than hidden (keys: pattern texts). The PubMed XML importer is being
# restructured in another branch, so its pattern is left for that work.
KNOWN_SLOW: dict[str | bytes, str] = {}


def test_patterns_were_collected():
    where = {w.split(":")[0].rsplit(".", 1)[0] for w, _, _ in PATTERNS}
    assert len(PATTERNS) > 100
    # every area is covered: the importers (PubMed XML included) and the extractor
    for mod in ("curator.importers.markdown_summary", "curator.importers.pubmed_text",
                "curator.importers.bibtex", "curator.importers.ris", "curator.extract.cohort"):
        assert any(w.startswith(mod) for w in where), mod
    assert any("pubmed_xml" in w or "pubmed_records" in w for w, _, _ in PATTERNS)
    modes = {mode for _, _, mode in PATTERNS}
    assert "scan" in modes and "match" in modes


def test_the_generator_finds_a_backtracking_pattern():
    """The check would catch the entity pattern the Markdown importer used to have."""
    old_entity = re.compile(
        r"(?P<name>[^,(\[{]+?)\s*(?:\((?P<paren>[^()]*)\))?\s*(?:\[(?P<ident>[^\]]*)\])?\s*"
        r"(?:\{aka (?P<aka>[^}]*)\})?\s*(?:,|$)"
    )
    assert any(_time_one(old_entity, s) is None for s in adversarial_inputs(old_entity))
    assert any(_time_one(re.compile(r"(\w+\s?)+$"), s) is None for s in adversarial_inputs(re.compile(r"(\w+\s?)+$")))


# Extractor patterns that this check finds quadratic (or worse) and that are NOT fixed yet -- listed so
# that the failure stays visible (xfail) rather than hidden: (where, start of the pattern). Most are
# slow on long runs of blanks (adjacent '\\s*' pieces, or a search restarting inside the run) or of
# letters/digits a lazy piece re-reads. Issue 16 item 6 bounded 17 of the 24 listed before (possessive
# blank runs, a label or word read from its start only, atomic list items and connectors), and then the last
# 7 (cohort.DESIGNS phase / case report, ENUM_AFTER, ENUM_BEFORE, comparisons.GROUPS, HAD, doses.LEVELS_BEFORE):
# the list is empty and stays the place to record a pattern found slow and not fixed yet.
KNOWN_SLOW_EXTRACT: list[tuple[str, str]] = []


def _known_slow(where: str, pattern: re.Pattern) -> str | None:
    if pattern.pattern in KNOWN_SLOW:
        return KNOWN_SLOW[pattern.pattern]
    for name, start in KNOWN_SLOW_EXTRACT:  # name: module.ATTRIBUTE, or the module for an inline pattern
        if where.split(":")[0] == name and isinstance(pattern.pattern, str) and pattern.pattern.startswith(start):
            return f"{where}: extractor pattern not bounded yet (issue 15 item 1, left open): {start!r}..."
    return None


@pytest.mark.parametrize("where,pattern,mode", PATTERNS, ids=[w for w, _, _ in PATTERNS])
def test_pattern_runs_in_bounded_time(where, pattern, mode):
    reason = _known_slow(where, pattern)
    if reason:
        pytest.xfail(reason)
    slow = []
    for shape in adversarial_shapes(pattern):
        # screened on a tenth of the size: 10x the text is at most 100x the time for a quadratic
        # pattern, so a shape that is fast there cannot reach LIMIT at full size unless it is worse
        # than quadratic, and a cubic one takes seconds there. The rest run at full size.
        small = build(shape, N // 10)
        t = _time_one(pattern, small if isinstance(pattern.pattern, str) else small.encode("utf-8"), mode)
        if t is not None and t < SCREEN:
            continue
        full = build(shape, N)
        if _time_one(pattern, full if isinstance(pattern.pattern, str) else full.encode("utf-8"), mode) is None:
            slow.append(repr(full[:40]) + f"... ({len(full)} chars)")
            if len(slow) == 3:
                break
    assert not slow, f"{where}: {pattern.pattern!r} takes over {LIMIT} s on " + "; ".join(slow[:3])
