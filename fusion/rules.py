"""A Querqy-like query-rewriting rule layer, edited by people in a text file.

Syntax (``#`` starts a comment; instructions are indented under their input)::

    laptop =>
        SYNONYM: notebook                # one-way: "laptop" also searches "notebook"
        SYNONYM(0.5): notebook computer  # weighted, multi-word
        UP(50): brand:apple              # boost documents matching a term or field:value
        DOWN(20): refurbished            # demote
        FILTER: category:Laptops         # structured filter field:value
        DELETE: cheap                    # remove a term from the query (no argument: the input)
    "tv" =>                              # quoted input: the whole query must equal it
        SYNONYM: television
    tv <=> television                    # two-way synonym (shorthand for two rules)

Inputs match whole words of the normalised query (NFKC, case-folded). Weights default to 1.0
(``SYNONYM``) and 100 (``UP``/``DOWN``). A malformed line raises :class:`RuleSyntaxError` with
its path and line number. :class:`RulesFile` re-reads the file when its mtime or size changes, so
edits apply to the next query without a restart; every applied rule is reported.

Example:
    >>> rules = RuleSet.parse('laptop =>\\n  SYNONYM(0.5): notebook\\n  DELETE: cheap\\n')
    >>> r = rules.apply("cheap laptop")
    >>> r.query, [(s.term, s.weight) for s in r.synonyms], [a.line for a in r.applied]
    ('laptop', [('notebook', 0.5)], [2, 3])
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fusion.errors import RuleSyntaxError
from kg.schema import normalize_name

__all__ = ["AppliedRule", "Instruction", "Rule", "RuleResult", "RuleSet", "RulesFile"]

logger = logging.getLogger(__name__)

KINDS = ("SYNONYM", "UP", "DOWN", "FILTER", "DELETE")
_DEFAULT_WEIGHT = {"SYNONYM": 1.0, "UP": 100.0, "DOWN": 100.0, "FILTER": 1.0, "DELETE": 1.0}
_INPUT = re.compile(r"^(?P<input>.+?)\s*=>\s*$")
_TWO_WAY = re.compile(r"^(?P<a>[^=<>]+?)\s*<=>\s*(?P<b>[^=<>]+?)\s*$")
_INSTR = re.compile(r"^(?P<kind>[A-Za-z]+)\s*(?:\(\s*(?P<w>[^)]*)\s*\))?\s*:\s*(?P<arg>.*?)\s*$")
_INSTR_NOARG = re.compile(r"^(?P<kind>[A-Za-z]+)\s*$")


@dataclass(frozen=True)
class Instruction:
    kind: str
    arg: str
    weight: float
    line: int


@dataclass(frozen=True)
class Rule:
    """An input (word sequence, or an exact query when ``exact``) and its instructions."""

    input: str
    exact: bool
    instructions: tuple[Instruction, ...]
    line: int


@dataclass(frozen=True)
class AppliedRule:
    """A rule instruction that fired: where it is written and what it did."""

    path: str
    line: int
    input: str
    kind: str
    arg: str
    weight: float

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.input} => {self.kind}({self.weight:g}): {self.arg}"


@dataclass(frozen=True)
class Term:
    term: str
    weight: float
    rule: AppliedRule


@dataclass
class RuleResult:
    """The rewritten query and what the rules added: synonyms, boosts, filters, deletions."""

    query: str
    synonyms: list[Term] = field(default_factory=list)
    boosts: list[Term] = field(default_factory=list)  # weight > 0 up, < 0 down
    filters: list[Term] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    applied: list[AppliedRule] = field(default_factory=list)


def _strip_comment(line: str) -> str:
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "#" and not quoted:
            break
        out.append(ch)
    return "".join(out).rstrip()


def _words_in(needle: list[str], hay: list[str]) -> int:
    """Start index of the word sequence ``needle`` in ``hay``, or -1."""
    n = len(needle)
    for i in range(len(hay) - n + 1):
        if hay[i : i + n] == needle:
            return i
    return -1


class RuleSet:
    """Parsed rules; :meth:`apply` rewrites a query."""

    def __init__(self, rules: list[Rule], *, path: str = "<string>") -> None:
        self.rules = rules
        self.path = path

    def __len__(self) -> int:
        return len(self.rules)

    @classmethod
    def parse(cls, text: str, *, path: str = "<string>") -> RuleSet:
        """Parse rules text; raises :class:`RuleSyntaxError` naming the line on any error."""
        rules: list[Rule] = []
        current: tuple[str, bool, int] | None = None
        instrs: list[Instruction] = []

        def close() -> None:
            nonlocal current, instrs
            if current is not None:
                if not instrs:
                    raise RuleSyntaxError(
                        f"input {current[0]!r} has no instructions; indent "
                        "lines like '  SYNONYM: term' under it",
                        path=path,
                        line=current[2],
                    )
                rules.append(Rule(current[0], current[1], tuple(instrs), current[2]))
            current, instrs = None, []

        for n, raw in enumerate(text.splitlines(), 1):
            line = _strip_comment(raw)
            if not line.strip():
                continue
            indented = line[0] in " \t"
            body = line.strip()
            if not indented:
                close()
                if m := _TWO_WAY.match(body):
                    a, b = normalize_name(m["a"]), normalize_name(m["b"])
                    if not a or not b:
                        raise RuleSyntaxError(
                            "two-way synonym needs terms on both sides of <=>", path=path, line=n
                        )
                    rules.append(Rule(a, False, (Instruction("SYNONYM", b, 1.0, n),), n))
                    rules.append(Rule(b, False, (Instruction("SYNONYM", a, 1.0, n),), n))
                    continue
                m = _INPUT.match(body)
                if not m:
                    raise RuleSyntaxError(
                        f"expected 'input =>' or 'a <=> b', got {body!r}", path=path, line=n
                    )
                inp = m["input"].strip()
                exact = len(inp) >= 2 and inp[0] == inp[-1] == '"'
                inp = normalize_name(inp[1:-1] if exact else inp)
                if not inp:
                    raise RuleSyntaxError("empty rule input", path=path, line=n)
                current = (inp, exact, n)
                continue
            if current is None:
                raise RuleSyntaxError(
                    "indented instruction without an 'input =>' line above it", path=path, line=n
                )
            m = _INSTR.match(body) or _INSTR_NOARG.match(body)
            if not m:
                raise RuleSyntaxError(
                    f"expected 'KIND: argument' (KIND one of {', '.join(KINDS)}), got {body!r}",
                    path=path,
                    line=n,
                )
            kind = m["kind"].upper()
            if kind not in KINDS:
                raise RuleSyntaxError(
                    f"unknown instruction {m['kind']!r}; use one of {', '.join(KINDS)}",
                    path=path,
                    line=n,
                )
            w_text = m.groupdict().get("w")
            weight = _DEFAULT_WEIGHT[kind]
            if w_text is not None:
                try:
                    weight = float(w_text)
                except ValueError:
                    raise RuleSyntaxError(
                        f"weight {w_text!r} is not a number", path=path, line=n
                    ) from None
                if not (weight == weight and abs(weight) != float("inf")) or weight < 0:
                    raise RuleSyntaxError(
                        f"weight must be a finite number >= 0, got {w_text}", path=path, line=n
                    )
            arg = (m.groupdict().get("arg") or "").strip()
            if kind == "FILTER" and ":" not in arg:
                raise RuleSyntaxError(
                    f"FILTER needs field:value (e.g. brand:apple), got {arg!r}", path=path, line=n
                )
            if kind in ("SYNONYM", "UP", "DOWN") and not arg:
                raise RuleSyntaxError(f"{kind} needs a term", path=path, line=n)
            instrs.append(Instruction(kind, arg.strip('"'), weight, n))
        close()
        return cls(rules, path=path)

    def apply(self, query: str) -> RuleResult:
        """Apply every matching rule (in file order) to ``query``."""
        norm = normalize_name(query)
        words = norm.split()
        res = RuleResult(query=norm)
        delete: list[list[str]] = []
        for rule in self.rules:
            if rule.exact:
                if norm != rule.input:
                    continue
            elif _words_in(rule.input.split(), words) < 0:
                continue
            for ins in rule.instructions:
                applied = AppliedRule(
                    self.path, ins.line, rule.input, ins.kind, ins.arg, ins.weight
                )
                res.applied.append(applied)
                if ins.kind == "SYNONYM":
                    res.synonyms.append(Term(normalize_name(ins.arg), ins.weight, applied))
                elif ins.kind in ("UP", "DOWN"):
                    sign = 1.0 if ins.kind == "UP" else -1.0
                    res.boosts.append(Term(ins.arg, sign * ins.weight, applied))
                elif ins.kind == "FILTER":
                    res.filters.append(Term(ins.arg, ins.weight, applied))
                elif ins.kind == "DELETE":
                    delete.append(normalize_name(ins.arg or rule.input).split())
        for seq in delete:
            i = _words_in(seq, words)
            if i >= 0:
                res.deleted.append(" ".join(seq))
                words = words[:i] + words[i + len(seq) :]
        res.query = " ".join(words)
        return res


class RulesFile:
    """A rules file that is re-read when it changes (mtime or size), checked on every access.

    A file that becomes invalid raises :class:`RuleSyntaxError` on the next access (the error
    names the line); fix the file and the next access picks it up.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "rules.txt"
        >>> _ = p.write_text("tv <=> television\\n")
        >>> len(RulesFile(p).current())
        2
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._rules = RuleSet([], path=str(self.path))
        self._lock = threading.Lock()
        self.current()

    def current(self) -> RuleSet:
        """The rules as of now (re-parsed if the file changed; empty if the file is absent)."""
        with self._lock:
            try:
                st = self.path.stat()
                stamp = (st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                stamp = (0, -1)
            if stamp != self._stamp:
                if stamp[1] < 0:
                    self._rules = RuleSet([], path=str(self.path))
                else:
                    text = self.path.read_text(encoding="utf-8")
                    self._rules = RuleSet.parse(text, path=str(self.path))
                    logger.info("loaded %d rules from %s", len(self._rules), self.path)
                self._stamp = stamp
            return self._rules

    def apply(self, query: str) -> RuleResult:
        return self.current().apply(query)
