"""Shared plumbing of the loaders: transparent ``.gz`` reading, text cleaning, bad-row handling.

Every loader is a generator ``load_xxx(path, *, report, **options) -> Iterator[Node | Edge]``.
Bad input rows go through :class:`RowErrors`: with ``on_error="skip"`` they are recorded in the
:class:`~kg.schema.LoadReport` (reason + ``"line N: ..."`` example) and loading goes on; with
``on_error="abort"`` the first one raises :class:`~kg.errors.KGLoadError` naming the line.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from kg.errors import KGLoadError
from kg.schema import Edge, LoadReport, Node, NodeKind, Relation

Record = Node | Edge

ON_ERROR_CHOICES = ("skip", "abort")

# C0/C1 controls (except tab/newline handled by callers), private use, unassigned, surrogates,
# format characters such as U+202E (bidi override) and zero-width joiners.
_DROP_CATEGORIES = {"Cc", "Co", "Cn", "Cs", "Cf"}
_TRADEMARKS = str.maketrans("", "", "™®℠©")
_WS = re.compile(r"\s+")


def open_text(path: str | Path) -> TextIO:
    """Open a UTF-8 text file for reading; ``.gz`` files are decompressed, a BOM is dropped.

    >>> import gzip, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt.gz"
    >>> _ = p.write_bytes(gzip.compress("\\ufeffhello\\n".encode()))
    >>> open_text(p).read()
    'hello\\n'
    """
    path = Path(path)
    if path.is_dir():
        raise KGLoadError(f"{path} is a directory; give a data file")
    if not path.is_file():
        raise KGLoadError(f"{path}: no such file; check the path (loaders read .gz transparently)")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


_NEWLINE = b"\n"


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> str:
    """The message for a file that is not UTF-8: its name, the line of the first bad byte
    (found again in the file's bytes: the decoder's position is within its buffer), the fix.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "latin1.txt"
    >>> _ = p.write_bytes(b"ok\\nCaf\\xe9\\n")
    >>> try:
    ...     p.read_text(encoding="utf-8")
    ... except UnicodeDecodeError as e:
    ...     print(not_utf8(p, e).split("; ")[0])
    ... # doctest: +ELLIPSIS
    /.../latin1.txt:2: not valid UTF-8 (byte 0xe9)
    """
    path = Path(path)
    where = ""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                data = fh.read()
        else:
            data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        where = f":{data.count(_NEWLINE, 0, e.start) + 1}"
        exc = e
    except OSError:
        pass
    bad = exc.object[exc.start:exc.start + 1].hex()
    return (f"{path}{where}: not valid UTF-8 (byte 0x{bad}); re-encode the file as UTF-8 "
            "(e.g. iconv -f latin1 -t utf-8)")


def base_suffix(path: str | Path) -> str:
    """The file suffix ignoring a trailing ``.gz``: ``base_suffix("x.jsonl.gz") == ".jsonl"``."""
    path = Path(path)
    if path.suffix == ".gz":
        path = path.with_suffix("")
    return path.suffix.lower()


def read_json(path: str | Path) -> Any:
    """Parse a JSON document (``.gz`` transparently); a syntax error raises KGLoadError."""
    with open_text(path) as fh:
        try:
            return json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise KGLoadError(f"{path}: not valid UTF-8 JSON ({exc})") from None


def clean_text(text: str) -> str:
    """Strip control, format and private-use characters and trademark signs; collapse spaces.

    HTML entities (``&#38;``) are decoded first, as Best Buy's data contains them.

    >>> clean_text("Insignia\\u2122  &#38; Co\\x84\\uf880 ")
    'Insignia & Co'
    """
    text = html.unescape(text).translate(_TRADEMARKS)
    text = "".join(_clean_char(ch) for ch in text)
    return _WS.sub(" ", text).strip()


def _clean_char(ch: str) -> str:
    if unicodedata.category(ch) not in _DROP_CATEGORIES:
        return ch
    return " " if ch in "\t\n\r\x0b\x0c" else ""


def check_on_error(on_error: str) -> str:
    if on_error not in ON_ERROR_CHOICES:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR_CHOICES)}; got {on_error!r}")
    return on_error


def as_bool(value: str | bool) -> bool:
    """Parse a boolean option given as a string (``"true"``, ``"1"``, ``"no"`` ...)."""
    if isinstance(value, bool):
        return value
    v = value.strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


class RowErrors:
    """Route bad rows to the report (``skip``) or raise on the first one (``abort``).

    >>> from kg.schema import LoadReport
    >>> r = LoadReport("x.csv")
    >>> RowErrors("x.csv", r, "skip").bad("missing name", 7, "a,,b")
    >>> r.skipped, r.examples["missing name"]
    ({'missing name': 1}, ['line 7: a,,b'])
    """

    def __init__(self, source: str | Path, report: LoadReport, on_error: str = "skip",
                 *, unit: str = "line") -> None:
        self.source = str(source)
        self.report = report
        self.on_error = check_on_error(on_error)
        self.unit = unit
        self.count = 0

    def bad(self, reason: str, where: int | None, item: str = "") -> None:
        self.count += 1
        loc = f"{self.unit} {where}" if where is not None else ""
        if self.on_error == "abort":
            raise KGLoadError(f"{self.source}: {loc}: {reason}: {item[:200]!r} "
                              "(nothing loaded; use on_error=skip to load the other rows)")
        self.report.skip(reason, f"{loc}: {item}" if loc else item)


class Emitter:
    """Deduplicates the records of one loader run (a node or edge is yielded once).

    >>> e = Emitter()
    >>> n = Node(kind=NodeKind.BRAND, key="acme", label="Acme")
    >>> list(e.node(n)) == [n], list(e.node(n))
    (True, [])
    """

    def __init__(self) -> None:
        self._nodes: set[tuple[NodeKind, str]] = set()
        self._edges: set[tuple[str, Relation, str]] = set()

    def has(self, kind: NodeKind, key: str) -> bool:
        return (kind, key) in self._nodes

    def node(self, node: Node) -> Iterator[Node]:
        k = (node.kind, node.key)
        if k not in self._nodes:
            self._nodes.add(k)
            yield node

    def edge(self, source: str, relation: Relation, target: str) -> Iterator[Edge]:
        k = (source, relation, target)
        if source != target and k not in self._edges:
            self._edges.add(k)
            yield Edge(source, relation, target)
