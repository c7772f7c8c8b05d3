"""Shared plumbing of the loaders: transparent ``.gz`` reading, text cleaning, bad-row handling.

Every loader is a generator ``load_xxx(path, *, report, **options) -> Iterator[Node | Edge]``.
Bad input rows go through :class:`RowErrors`: with ``on_error="skip"`` they are recorded in the
:class:`~kg.schema.LoadReport` (reason + ``"line N: ..."`` example) and loading goes on; with
``on_error="abort"`` the first one raises :class:`~kg.errors.KGLoadError` naming the line.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import html
import io
import json
import re
import reprlib
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from kg.errors import KGLoadError
from kg.rdfio import rdf_format
from kg.schema import (
    Edge,
    LoadReport,
    Node,
    NodeKind,
    Relation,
    check_popularity,
    normalize_name,
)

Record = Node | Edge

ON_ERROR_CHOICES = ("skip", "abort")

# C0/C1 controls (except tab/newline handled by callers), private use, unassigned, surrogates,
# format characters such as U+202E (bidi override) and zero-width joiners.
_DROP_CATEGORIES = {"Cc", "Co", "Cn", "Cs", "Cf"}
_TRADEMARKS = str.maketrans("", "", "™®℠©")
_WS = re.compile(r"\s+")


def open_text(path: str | Path, *, lenient: bool = False) -> TextIO:
    """Open a UTF-8 text file for reading; ``.gz`` files are decompressed, a BOM is dropped.
    A byte that is not valid UTF-8 raises UnicodeDecodeError when read, or with ``lenient``
    reads as a lone surrogate (``surrogateescape``) that :func:`bad_utf8` finds, so that the
    row holding it can be a bad row (``on_error="skip"``) and the others load.

    >>> import gzip, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt.gz"
    >>> _ = p.write_bytes(gzip.compress("\\ufeffhello\\n".encode()))
    >>> open_text(p).read()
    'hello\\n'
    """
    path = Path(path)
    errors = "surrogateescape" if lenient else "strict"
    if path.is_dir():
        raise KGLoadError(f"{path} is a directory; give a data file")
    if not path.is_file():
        raise KGLoadError(f"{path}: no such file; check the path (loaders read .gz transparently)")
    if path.suffix == ".gz":
        return io.TextIOWrapper(io.BufferedReader(_Gunzip(path)), encoding="utf-8-sig",
                                errors=errors, newline="")
    return open(path, encoding="utf-8-sig", errors=errors, newline="")


#: Characters of a line that the line-based loaders read (:func:`bounded_lines`): a longer
#: line is a bad row (a few MB of memory at most, however long the line, e.g. one GiB line in
#: a small ``.gz`` file).
MAX_LINE_CHARS = 1 << 20


def line_too_long(limit: int = MAX_LINE_CHARS) -> str:
    """The reason of a bad row whose line is longer than :func:`bounded_lines` reads."""
    return f"line longer than {limit} characters"


def bounded_lines(fh: TextIO, limit: int = MAX_LINE_CHARS, *,
                  dropped: Callable[[str], None] | None = None
                  ) -> Iterator[tuple[str, bool]]:
    """The lines of ``fh`` (a file of :func:`open_text`), as iterating it gives them (line end
    kept), each read ``limit`` characters at most: ``(line, True)``, or for a longer line
    ``(its first limit characters, False)``, its rest read ``limit`` characters at a time and
    dropped (never held whole; ``dropped`` sees each dropped piece, e.g. to count a CSV's
    quotes). Line numbers stay those of the file.

    >>> import io
    >>> fh = io.StringIO("Sony\\r\\n" + "x" * 10 + "\\nLG", newline="")
    >>> list(bounded_lines(fh, 6))
    [('Sony\\r\\n', True), ('xxxxxx', False), ('LG', True)]
    """
    pieces = _line_pieces(fh, limit)
    for line in pieces:
        if len(line) < limit or line.endswith(("\n", "\r")):
            yield line, True  # the whole line: it ends within the limit, or the file does
            continue
        whole = True
        for rest in pieces:
            if rest.rstrip("\r\n"):
                whole = False
            if dropped is not None:
                dropped(rest)
            if len(rest) < limit or rest.endswith(("\n", "\r")):
                if whole:
                    line += rest  # exactly limit characters, then the line end
                break
        yield line, whole


def _line_pieces(fh: TextIO, limit: int) -> Iterator[str]:
    """``fh.readline(limit)`` until the end; a ``\r\n`` that the limit cut in two is joined
    again (universal newlines: the ``\n`` would count as an empty line of its own)."""
    pending = None
    while True:
        piece = fh.readline(limit) if pending is None else pending
        pending = None
        if not piece:
            return
        if len(piece) == limit and piece.endswith("\r"):
            after = fh.readline(limit)
            if after == "\n":
                piece += after
            else:
                pending = after
        yield piece


#: What a damaged ``.gz`` file raises while it is read (``gzip.BadGzipFile`` is an OSError).
DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error)


class _Gunzip(io.RawIOBase):
    """The decompressed bytes of a ``.gz`` file; a corrupt or truncated file raises
    :class:`KGLoadError` naming it (the gzip module's errors do not)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fh = gzip.open(path, "rb")  # noqa: SIM115 (closed by close())

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._fh.readinto(buffer)
        except DECOMPRESS_ERRORS as exc:
            raise KGLoadError(cannot_decompress(self._path, exc)) from None

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def cannot_decompress(path: str | Path, exc: BaseException) -> str:
    """The message for a ``.gz`` file that does not decompress."""
    return f"{path}: cannot decompress it ({exc or type(exc).__name__}); is it a complete .gz file?"


#: The reason of a row that is not valid UTF-8 (read with ``open_text(lenient=True)``).
NOT_UTF8 = "not valid UTF-8 (bytes of another encoding, e.g. Latin-1: re-save the row as UTF-8)"

# the bytes that ``surrogateescape`` decoding turns into lone surrogates (every byte that is
# not part of valid UTF-8 is >= 0x80); the strict UTF-8 decoder never yields a surrogate
_ESCAPED = re.compile("[\udc80-\udcff]")
# a character that valid UTF-8 writes in more than one byte
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")
_NL = "\n"


def bad_utf8(text: str) -> str | None:
    """For text read with ``open_text(lenient=True)``: None if it was valid UTF-8, else the
    row as a bad-row example: its first bad byte, then the text with each bad byte shown as
    U+FFFD.

    >>> bad_utf8("Caf\\udce9 noir"), bad_utf8("Café")
    ("byte 0xe9: 'Caf\ufffd noir'", None)
    """
    m = _ESCAPED.search(text)
    if m is None:
        return None
    shown = _ESCAPED.sub("\ufffd", text.rstrip("\r\n"))
    return f"byte 0x{ord(m.group()) - 0xDC00:02x}: {shown[:200]!r}"


def not_utf8(path: str | Path, exc: UnicodeDecodeError, *, skip: str = "") -> str:
    """The message for a file that is not UTF-8: its name, the line of the first bad byte
    (found again in the file's bytes: the decoder's position is within its buffer), the fix.

    The fix depends on the rest of the file: where no character of it is valid multi-byte
    UTF-8 (the whole file is in another encoding, e.g. Latin-1), re-encoding it (``iconv``);
    where some are (a file that mixes encodings: rows pasted from another source), converting
    the whole file would garble those (``sortilège`` -> ``sortilÃ¨ge``), so the message names
    one and says to fix the bad rows instead; ``skip`` is added then (how to skip such rows,
    for callers that can).

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
    bad_byte = exc.object[exc.start:exc.start + 1].hex()
    valid: tuple[int, str] | None = None  # (line, character) of a valid multi-byte character
    # read in 1 MiB chunks: the file may decompress to far more than memory
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    lines = 1
    with contextlib.suppress(OSError, *DECOMPRESS_ERRORS), (
            gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as fh:
        while not (where and valid):
            chunk = fh.read(1 << 20)
            text = decoder.decode(chunk, final=not chunk)
            if not where and (m := _ESCAPED.search(text)):
                where = f":{lines + text.count(_NL, 0, m.start())}"
                bad_byte = f"{ord(m.group()) - 0xDC00:02x}"
            if valid is None and (m := _MULTIBYTE.search(text)):
                valid = (lines + text.count(_NL, 0, m.start()), m.group())
            lines += text.count(_NL)
            if not chunk:
                break
    head = f"{path}{where}: not valid UTF-8 (byte 0x{bad_byte})"
    if valid is None:
        return f"{head}; re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
    line, char = valid
    char = "a UTF-8 byte-order mark" if char == "\ufeff" else f"{char!r}"
    return (f"{head}; the file mixes encodings: line {line} holds valid UTF-8 ({char}), "
            "which converting the whole file (iconv -f latin1) would garble: re-type the bad "
            "characters, or re-save the rows that hold them, as UTF-8" + (f"; {skip}" if skip
                                                                         else ""))


def base_suffix(path: str | Path) -> str:
    """The file suffix ignoring a trailing ``.gz``: ``base_suffix("x.jsonl.gz") == ".jsonl"``."""
    path = Path(path)
    if path.suffix == ".gz":
        path = path.with_suffix("")
    return path.suffix.lower()


def empty_file(path: str | Path, what: str, hint: str = "") -> KGLoadError:
    """The error for a file with nothing to load (0 bytes, blank lines or comments only, a
    header row without rows, an empty JSON array): whatever ``on_error``, it is refused, since
    an export job that wrote nothing looks so.

    >>> print(empty_file("brands.txt", "no names"))
    brands.txt: the file is empty (no names); nothing loaded: check that it is the file you \
meant and that its export or copy completed
    """
    return KGLoadError(f"{path}: the file is empty ({what}); nothing loaded: check that it is "
                       "the file you meant and that its export or copy completed"
                       + (f"; {hint}" if hint else ""))


# What the first lines of an RDF file look like (:func:`rdf_syntax`): an N-Triples/N-Quads
# line starts with a subject IRI (or blank node) and a predicate IRI; Turtle/TriG with a
# prefix or base directive; RDF/XML names the rdf namespace; JSON-LD has an "@context"
_IRI = r"<[^<>\"{}|^`\\\s]*>"
_NT_LINE = re.compile(rf"^(?:{_IRI}|_:\S+)\s+{_IRI}\s*\S")
# a Turtle triple without the file's prefix lines (a piece of one): a subject IRI, then ``a``
# or a prefixed predicate; a prefixed subject, then ``a`` and a class, ending ``;`` or ``.``
_TURTLE_TRIPLE = re.compile(
    rf"^(?:{_IRI}\s+(?:a|[A-Za-z][\w.-]*:[\w.-]+)\s+\S"
    r"|[A-Za-z][\w.-]*:[\w.-]+\s+a\s+\S+\s*[;.,]$)")
_TURTLE_LINE = re.compile(r"^(?:@prefix\s|@base\s|prefix\s+[\w.-]*:\s*<|base\s+<)",
                          re.IGNORECASE)
_RDF_XML = re.compile(r"<rdf:RDF\b|http://www\.w3\.org/1999/02/22-rdf-syntax-ns#")
_JSON_LD = re.compile(r'"@(?:context|graph)"\s*:')
#: Lines of a file (not blank, not a ``#`` comment) that :func:`rdf_syntax` looks at
RDF_SNIFF_LINES = 5


def _suffix_syntax(path: str | Path) -> str | None:
    """The name of the RDF syntax ``path``'s suffix names (a ``.gz`` aside, as
    :func:`kg.rdfio.rdf_format` reads suffixes: "N-Quads" for ``x.nq.gz``), or None."""
    try:
        return rdf_format("x" + base_suffix(path)).name
    except ValueError:
        return None


def rdf_syntax(path: str | Path) -> tuple[int, str, str] | None:
    """(line number, line, syntax name) when the first lines of ``path`` (``.gz`` read
    transparently; blank and ``#`` comment lines passed over) are RDF: an N-Triples or
    N-Quads line (``<s> <p> ...``), a Turtle prefix or base directive, RDF/XML (the rdf
    namespace), JSON-LD (``"@context"``); else None (also when it cannot be read: the loader
    says why). For the line-based loaders, which would read each triple as a row.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "brands.nt"
    >>> _ = p.write_text('<https://kgqp.dev/id/brand/x> <https://schema.org/name> "X" .\\n')
    >>> rdf_syntax(p)[0::2]
    (1, 'N-Triples')
    """
    seen = 0
    try:
        with open_text(path, lenient=True) as fh:
            for lineno, (raw, _whole) in enumerate(bounded_lines(fh, 1 << 16), 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    if lineno > 100:
                        return None
                    continue
                suffix = _suffix_syntax(path)
                if _NT_LINE.match(line):
                    return lineno, line, suffix if suffix in ("N-Quads", "Turtle", "TriG",
                                                              "N3") else "N-Triples"
                if _TURTLE_LINE.match(line) or _TURTLE_TRIPLE.match(line):
                    return lineno, line, suffix if suffix in ("TriG", "N3") else "Turtle"
                if _RDF_XML.search(line):
                    return lineno, line, "RDF/XML"
                if _JSON_LD.search(line):
                    return lineno, line, "JSON-LD"
                seen += 1
                if seen >= RDF_SNIFF_LINES:
                    return None
    except (KGLoadError, OSError, *DECOMPRESS_ERRORS):
        return None
    return None


def refuse_rdf(path: str | Path, what: str) -> None:
    """KGLoadError (nothing loaded) when ``path`` looks like RDF (:func:`rdf_syntax`): a
    loader of ``what`` (``"a gazetteer"``) would read its triples as rows."""
    found = rdf_syntax(path)
    if found is not None:
        lineno, line, syntax = found
        raise KGLoadError(
            f"{path}: line {lineno} looks like RDF ({syntax}: {line[:80]!r}), not {what}: "
            "load it with --kind rdf (kind='rdf' in Python). Nothing loaded")


#: Characters of a whole JSON document that :func:`read_json` reads (256 Mi: Best Buy's
#: categories file is 1.6 MB). A larger document (e.g. a small ``.gz`` file that inflates to
#: many GB) is refused before it is parsed; JSON Lines files are read a line at a time.
MAX_JSON_CHARS = 1 << 28


def read_json(path: str | Path, limit: int = MAX_JSON_CHARS) -> Any:
    """Parse a JSON document (``.gz`` transparently); a syntax error, nesting too deep to
    parse, or a document of more than ``limit`` characters raises KGLoadError naming the file,
    and so does a file without a document (0 bytes, blank space only: :func:`empty_file`).
    """
    with open_text(path) as fh:
        try:
            text = fh.read(limit + 1)
            if not text.strip():
                raise empty_file(path, "no JSON document" + (": only blank space" if text
                                                             else ""))
            if len(text) > limit:
                raise KGLoadError(
                    f"{path}: the JSON document is larger than {limit:,} characters; refused "
                    "(write the items as JSON Lines, one per line, with a .jsonl suffix: those "
                    "are read a line at a time)")
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise KGLoadError(f"{path}: not valid UTF-8 JSON ({exc})") from None
        except UnicodeDecodeError as exc:  # (one JSON document: no row of it can be skipped)
            raise KGLoadError(not_utf8(path, exc)) from None
        except JSON_LIMITS as exc:
            raise KGLoadError(f"{path}: {too_deep(exc)}") from None


#: What parsing pathological JSON raises (``[[[[...]]]]`` nested 40,000 deep, a huge document).
JSON_LIMITS = (RecursionError, MemoryError)


def too_deep(exc: BaseException) -> str:
    """The reason for JSON that hit :data:`JSON_LIMITS`."""
    return f"JSON nested too deeply or too large to parse ({type(exc).__name__})"


def preview(obj: Any, limit: int = 200) -> str:
    """A short text of a parsed row for messages: ``json.dumps`` (:func:`short_repr` for one
    too deeply nested to dump)."""
    try:
        return json.dumps(obj)[:limit]
    except (RecursionError, ValueError, TypeError):
        return short_repr(obj, limit)


def short_repr(obj: Any, limit: int = 200) -> str:
    """``repr(obj)`` cut short, in bounded time and depth (a huge or deeply nested item).

    >>> short_repr([[[[[[[[1]]]]]]]])
    '[[[[[[[...]]]]]]]'
    """
    return _REPR.repr(obj)[:limit]


def text_of(value: Any) -> str:
    """A JSON/CSV field as text: a string as it is, anything else (a number, a list ...) as
    :func:`short_repr` gives it (``str`` of a list nested 900 deep could overflow the stack);
    None and "" as ""."""
    if isinstance(value, str):
        return value
    return "" if value is None else short_repr(value)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 7, 200, 200
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 20
_REPR.maxlong = 200


def popularity_value(value: Any) -> float | None:
    """A popularity cell or field as a float (None when empty); anything but a finite number
    >= 0 (``NaN``, ``inf``, ``-3``, ``"high"``, a bool, a list) raises ValueError.

    >>> popularity_value("3.5"), popularity_value(7), popularity_value(" "), popularity_value(None)
    (3.5, 7.0, None, None)
    >>> popularity_value("NaN")
    Traceback (most recent call last):
    ...
    ValueError: popularity is not a finite number >= 0: 'NaN'
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:  # a cell's text as a number, then the check every Node makes (kg.schema)
        return check_popularity(float(value) if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(
            f"popularity is not a finite number >= 0: {short_repr(value, 60)}") from None


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
                 *, unit: str = "line", tag: str = "") -> None:
        self.source = str(source)
        self.report = report
        self.on_error = check_on_error(on_error)
        self.unit = unit
        self.tag = tag  # prefix of the reasons reported (another file's name)
        self.count = 0

    @property
    def lenient(self) -> bool:
        """Whether the file is read with ``open_text(lenient=True)``: with ``skip`` a row that
        is not valid UTF-8 is a bad row (:meth:`undecodable`), the others load; with ``abort``
        the file is read strictly and its first such byte refuses it (:func:`not_utf8`)."""
        return self.on_error == "skip"

    def undecodable(self, text: str, where: int | None) -> bool:
        """Whether ``text`` (a row read with ``open_text(lenient=True)``) is not valid UTF-8;
        if so it is reported as a bad row (:data:`NOT_UTF8`, its bad byte in the example)."""
        example = bad_utf8(text)
        if example is None:
            return False
        self.bad(NOT_UTF8, where, example)
        return True

    def bad(self, reason: str, where: int | None, item: str = "", *, kept: str = "") -> None:
        """Report (skip) or raise (abort) a bad row; ``kept``: what is kept of a row that only
        loses one value (e.g. "product kept without a popularity"): such a row is reported
        under either setting (abort is for rows that would be lost; files with "N/A" cells
        loaded before)."""
        self.count += 1
        loc = f"{self.unit} {where}" if where is not None else ""
        if self.on_error == "abort" and not kept:
            raise KGLoadError(f"{self.source}: {loc}: {reason}: {item[:200]!r} "
                              "(nothing loaded; to load the other rows, use --on-error skip on "
                              "the command line, on_error='skip' in Python)")
        reason = f"{self.tag}{reason}" + (f" ({kept})" if kept else "")
        self.report.skip(reason, f"{loc}: {item}" if loc else item)


#: The reason of a row whose node would take the key of another node with another name.
KEY_CLASH = "two names for one key (rename one, or give each its own id)"

# What :class:`Emitter` ignores when it compares two names for one key: every character that
# slug() drops but "+" and "#", which change what a name means ("C++", "C#" and "C"; "Ages 3+"
# and "Ages 3"); the others differ in form only ("Fisher & Paykel", "Fisher Paykel";
# "Grey/ White", "Grey & White"; "Colgate 360°"; "Coca-Cola", "Coca Cola").
_FORM_ONLY = re.compile(r"[^\w+#]+")


def _name_form(node: Node) -> str:
    return _FORM_ONLY.sub("", normalize_name(node.path or node.label))


class Emitter:
    """Deduplicates the records of one loader run (a node or edge is yielded once), and
    finds keys that two different names would share (:meth:`clash`).

    >>> e = Emitter()
    >>> n = Node(kind=NodeKind.BRAND, key="acme", label="Acme")
    >>> list(e.node(n)) == [n], list(e.node(n))
    (True, [])
    >>> e.clash([Node(kind=NodeKind.BRAND, key="c", label="C++")], "line 1") is None
    True
    >>> e.clash([Node(kind=NodeKind.BRAND, key="c", label="C")], "line 2")
    "brand 'C' has the key of 'C++' (c, line 1)"
    """

    def __init__(self) -> None:
        self._nodes: set[tuple[NodeKind, str]] = set()
        self._edges: set[tuple[str, Relation, str]] = set()
        # (kind, key) -> (name form, name, where it came from)
        self._names: dict[tuple[NodeKind, str], tuple[str, str, str]] = {}

    def clash(self, nodes: Iterable[Node], where: str = "") -> str | None:
        """Why ``nodes`` (one input row's) cannot be loaded: one would take the key of a node
        with another name (another id's name, or a name that :func:`~kg.schema.slug` maps to
        the same key: "C++" and "C"), met before in this run or in ``nodes``; None if none
        does, and then their names are remembered (with ``where``, e.g. ``"line 7"``).
        Names that differ only in case, spaces or symbols other than ``+`` and ``#``
        ("Fisher & Paykel", "Fisher Paykel") are one name; a category's name is its path."""
        pending: dict[tuple[NodeKind, str], tuple[str, str, str]] = {}
        for node in nodes:
            k = (node.kind, node.key)
            form = _name_form(node)
            first = self._names.get(k) or pending.get(k)
            if first is None:
                pending[k] = (form, node.path or node.label, where)
            elif first[0] != form:
                name = node.path or node.label
                at = f", {first[2]}" if first[2] else ""
                return f"{node.kind.value} {name!r} has the key of {first[1]!r} ({node.key}{at})"
        self._names.update(pending)
        return None

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
