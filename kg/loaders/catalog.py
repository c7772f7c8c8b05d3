"""Product catalogues (CSV or JSONL) with a column mapping, e.g. the Flipkart sample.

The mapping names the columns: ``name`` (required), ``brand``, ``category`` (a category tree:
a list of levels (a list literal ``"['a', 'b']"`` or a JSON list), or one path, ``"A >> B"`` /
``"A > B"``, as a string or a one-item list; a list of several items one of which is a ``>``
path is a bad row; a cell in brackets that is no list, ``"(Uncategorized)"``, is a string
too), ``specs`` (a list of ``{key, value}`` or ``{name, value}`` entries, Flipkart's
``{"product_specification": [...]}`` or a flat ``{"Color": "Red"}`` mapping; a value may be a
list; Flipkart writes it as a Python literal, parsed with :func:`ast.literal_eval`, never
``eval``; an entry that cannot be read, e.g. one without a key, is reported, the product kept),
``id`` and ``popularity``. Defaults fit Flipkart's ``catalog_with_specs.csv``.
Spec keys map to attribute kinds with :func:`attribute_kind` (color, material, size, pattern,
ideal_for, occasion, type); other keys are ignored. Trailing category levels that name the
product or a brand line (Flipkart's trees end so) are cut and counted in the report
(``trim_product_levels``, on by default; see :func:`load_catalog`).

Attribute columns are read directly too: a ``colour`` or ``Material`` column (any header that
:func:`attribute_kind` knows) holds plain values (``Red``, ``Red, Blue``, a JSON list), taken by
default; ``attributes="colour,fabric:material"`` names them explicitly (``COLUMN[:KIND]``),
``attributes=""`` turns them off. Columns that nothing reads are named in the report
(``columns not used: ...``), and a CSV without a column that a mapping passed by the caller
names (``id=SKU``, ``attributes=colour``) is refused (KGLoadError, nothing loaded), so a
misspelt mapping does not pass silently.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import KGLoadError
from kg.loaders._common import (
    JSON_LIMITS,
    KEY_CLASH,
    Emitter,
    Record,
    RowErrors,
    as_bool,
    bad_utf8,
    base_suffix,
    bounded_lines,
    clean_text,
    empty_file,
    line_too_long,
    open_text,
    popularity_value,
    preview,
    refuse_rdf,
    short_repr,
    text_of,
    too_deep,
)
from kg.schema import (
    LoadReport,
    Node,
    NodeKind,
    Relation,
    attribute_key,
    brand_key,
    node_iri,
    normalize_name,
    slug,
)

__all__ = ["ATTRIBUTE_KINDS", "attribute_kind", "load_catalog", "split_values"]

#: The attribute kinds the KG keeps (values of :func:`attribute_kind`).
ATTRIBUTE_KINDS = ("color", "material", "size", "pattern", "ideal_for", "occasion", "type")

_MAX_LITERAL = 100_000  # characters; longer spec/category cells are refused, not parsed
_MAX_VALUE = 40  # attribute values longer than this are sentences, not values
_MULTI = re.compile(r"\s*(?:,|/|&|\band\b)\s*")
_MULTI_KINDS = {"color", "ideal_for", "occasion"}


def attribute_kind(spec_key: str) -> str | None:
    """The attribute kind of a catalogue spec key, or None when the KG does not keep it.

    >>> [attribute_kind(k) for k in ("Color", "Outer Material", "Fabric", "Display Size",
    ...                              "Ideal For", "Model Number")]
    ['color', 'material', 'material', 'size', 'ideal_for', None]
    """
    k = normalize_name(spec_key)
    if k in {"color", "colour"} or k.endswith((" color", " colour")):
        return "color"
    if k in {"material", "fabric"} or k.endswith(" material"):
        return "material"
    if k == "size" or k.endswith(" size"):
        return "size"
    return {"pattern": "pattern", "ideal for": "ideal_for", "occasion": "occasion",
            "type": "type"}.get(k)


def split_values(kind: str, value: str) -> list[str]:
    """Split multi-valued cells (``"Men, Boys"``) and normalise ``"Women's"`` to ``"Women"``.

    >>> split_values("ideal_for", "Men's, Boys"), split_values("material", "Poly, Cotton")
    (['Men', 'Boys'], ['Poly, Cotton'])
    """
    value = clean_text(value)
    parts = _MULTI.split(value) if kind in _MULTI_KINDS else [value]
    out = []
    for p in parts:
        p = p.strip(" -.")
        if kind == "ideal_for":
            p = re.sub(r"['’]s$", "", p)
        if p and len(p) <= _MAX_VALUE and p not in out:
            out.append(p)
    return out


class _NotALiteral(ValueError):
    """A cell that parses neither as JSON nor as a Python literal."""


# A cell that starts like a list of strings or of lists ("['a', ...", "[[", '("'): one that
# does not parse is a broken list, not a name that starts with a bracket ("[Clearance] > TVs").
_LISTISH = re.compile(r"""^[\[(]\s*[\[("']""")


def _literal(cell: str) -> Any:
    """Parse a JSON or Python-literal cell safely (no eval); raise ValueError if neither
    (:class:`_NotALiteral`), or if the cell is too long or nested too deeply to parse."""
    if len(cell) > _MAX_LITERAL:
        raise ValueError(f"cell longer than {_MAX_LITERAL} characters")
    try:
        return json.loads(cell)
    except json.JSONDecodeError:
        pass
    except JSON_LIMITS as exc:
        raise ValueError(too_deep(exc)) from None
    try:
        return ast.literal_eval(cell)
    except (MemoryError, RecursionError) as exc:
        raise ValueError(too_deep(exc)) from None
    except (ValueError, SyntaxError, TypeError) as exc:
        raise _NotALiteral(f"not a JSON/Python literal ({type(exc).__name__})") from None


def _list_or_text(cell: str) -> Any:
    """A cell that starts with ``[`` or ``(``: the list it writes, or the text itself when it
    is no literal and does not look like a list either (``(Uncategorized)``)."""
    try:
        value = _literal(cell)
    except _NotALiteral:
        if _LISTISH.match(cell):
            raise
        return cell
    return value if isinstance(value, list | tuple) else cell


def _split_path(text: str) -> list[str]:
    """``"A >> B"`` (Flipkart's raw form) or ``"A > B"`` -> the levels, blanks dropped."""
    sep = ">>" if ">>" in text else ">"
    return [clean_text(p) for p in text.split(sep) if clean_text(p)]


def _category_tree(cell: Any) -> list[str]:
    if isinstance(cell, str):
        s = cell.strip()
        if not s:
            return []
        if s[0] in "[(":
            cell = _list_or_text(s)
        if isinstance(cell, str):
            return _split_path(s)
    if isinstance(cell, list | tuple):
        if not all(isinstance(x, str) for x in cell):
            raise ValueError("category tree is not a list of strings")
        if len(cell) == 1:  # one path in a list: ["A > B > C"], Flipkart's ["A >> B"]
            return _split_path(cell[0])
        path = next((x for x in cell if ">" in x), None)
        if path is not None:
            raise ValueError(
                f"category list item {short_repr(path, 60)} is a '>' path, but the list has "
                f"{len(cell)} items; give one path (a string or a one-item list) or a list of "
                "levels")
        return [clean_text(x) for x in cell if clean_text(x)]
    raise ValueError("category tree is not a list or a string")


#: Keys of one ``{key, value}`` specification entry (``name`` for ``key`` in some catalogues).
_ENTRY_KEYS = frozenset({"key", "name", "value"})


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, bool)


def _specs(cell: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(key, value)`` pairs of a specifications cell, and ``(why, entry)`` for each entry
    that is not read (reported by the caller: nothing is dropped without a count).

    Shapes: a list of ``{key, value}`` (or ``{name, value}``) entries, Flipkart's
    ``{"product_specification": [...]}``, one entry, or a flat ``{"Color": "Red"}`` mapping; a
    value may be a list (``["Blue", "Green"]``: one pair each).

    >>> _specs('{"Color": "Red", "Fabric": ["Silk", "Cotton"]}')
    ([('Color', 'Red'), ('Fabric', 'Silk'), ('Fabric', 'Cotton')], [])
    >>> _specs([{"name": "Color", "value": "Red"}, {"value": "One Pair"}])
    ([('Color', 'Red')], [('specification entry without a key', "{'value': 'One Pair'}")])
    """
    if isinstance(cell, str):
        if not cell.strip():
            return [], []
        cell = _literal(cell)
    if isinstance(cell, dict) and "product_specification" in cell:
        cell = cell["product_specification"]
    if isinstance(cell, dict):
        if cell and set(cell) <= _ENTRY_KEYS:
            cell = [cell]  # one {key, value} entry
        else:  # a flat {spec key: value} mapping
            cell = [{"key": k, "value": v} for k, v in cell.items()]
    if not isinstance(cell, list | tuple):
        raise ValueError("specifications are not a list of {key, value} or a {key: value} "
                         "mapping")
    out: list[tuple[str, str]] = []
    unread: list[tuple[str, str]] = []
    for e in cell:
        if not isinstance(e, dict):
            unread.append(("specification entry is not a {key, value} object",
                           short_repr(e, 100)))
            continue
        k = e["key"] if "key" in e else e.get("name")
        v = e.get("value")
        if not isinstance(k, str) or not clean_text(k):
            unread.append(("specification entry without a key", short_repr(e, 100)))
            continue
        items = v if isinstance(v, list | tuple) else [v]
        bad = [x for x in items if not _scalar(x)]
        out += [(k, str(x)) for x in items if _scalar(x)]
        if v is None or bad:
            why = ("specification entry without a value" if v is None else
                   "specification value that is not text or a number")
            unread.append((why, short_repr(e, 100)))
    return out, unread


_WORDLIKE = re.compile(r"\w")
#: A trimmed level's reason in the load report (never silent: every level counted).
TRIMMED = ("category level trimmed: it names the product or a brand line, not a category "
           "(trim_product_levels=false keeps it)")


def _words(text: str) -> list[str]:
    """Normalised words; tokens without a letter or digit ("&", "-") dropped."""
    return [w for w in normalize_name(text).split(" ") if _WORDLIKE.search(w)]


def _product_line(level: list[str], title: list[str], brand: list[str], parent: list[str],
                  below_line: bool) -> bool:
    """Whether a tree's last level (words) names the product or a brand line, as the last
    items of Flipkart's category trees do, rather than a category. ``below_line``: the level
    below it was one."""
    if not level or not title:
        return False
    n = len(level)
    # the title, with more after it ("... dog shampoo 500 ml"), or cut short (Flipkart cuts
    # items at ~50 characters, mid-word: "... crystal paper weight" for "... weights")
    if n >= 3 and (level[: len(title)] == title or (
            n <= len(title) and level[:-1] == title[: n - 1]
            and title[n - 1].startswith(level[-1]))):
        return True
    # a brand line: the brand's words, then anything ("Alisha Shorts" for brand Alisha)
    if brand and level[: len(brand)] == brand:
        return True
    # a brand line where the brand cell is empty or wrong (not the title's start): the
    # title's first word, then the level above ("Cobra Paris Wrist Watches" under "Wrist
    # Watches" for "Cobra Paris Analog Watch"), and the title does not start with it
    if (parent and n > len(parent) and level[-len(parent):] == parent
            and level[0] == title[0] and title[:n] != level
            and (not brand or title[: len(brand)] != brand)):
        return True
    # above a brand line: the brand's first word ("Bike ..." above a "Bike World ..." line)
    return below_line and bool(brand) and level[0] == brand[0]


def _trim_tree(tree: list[str], name: str, brand: str) -> tuple[list[str], list[str]]:
    """``(tree, trimmed levels)``: the trailing levels that name the product or a brand line
    (:func:`_product_line`) cut off.

    >>> _trim_tree(["Footwear", "Ballerinas", "Aw Bellies"], "aw bellies", "aw")
    (['Footwear', 'Ballerinas'], ['Aw Bellies'])
    >>> _trim_tree(["Eyewear", "Sunglasses"], "Aviator Polarised Shades", "Sun")
    (['Eyewear', 'Sunglasses'], [])
    """
    title, nbrand = _words(name), _words(brand)
    keep = len(tree)
    while keep and _product_line(_words(tree[keep - 1]), title, nbrand,
                                 _words(tree[keep - 2]) if keep > 1 else [],
                                 keep < len(tree)):
        keep -= 1
    return tree[:keep], tree[keep:]


_JSON_SUFFIXES = frozenset({".jsonl", ".json", ".ndjson"})  # read as JSON Lines; others: CSV
#: Delimiters a header read as one column may really use (named in the error, not guessed).
_OTHER_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def _delimiter(value: str) -> str:
    """The ``delimiter`` option: one character; ``tab`` or ``\\t`` for a tab."""
    d = "\t" if value in {"tab", "\\t"} else value
    if len(d) != 1 or d in "\"\r\n" or d.isalnum():
        raise ValueError(f"delimiter={value!r}: give one character such as ',' ';' '|', "
                         "or 'tab'")
    return d


def _rows(path: Path, errors: RowErrors, delimiter: str = ",",
          header_info: dict[str, Any] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(first line number, row) from CSV (header row) or JSONL. ``header_info`` gets
    ``looks_delimited_by`` when a CSV header read as one column holds another delimiter, and
    ``header``, the CSV header's columns. A file without a header row (CSV) or a non-blank
    line (JSONL), e.g. an empty one, raises KGLoadError."""
    with open_text(path, lenient=errors.lenient) as fh:
        if base_suffix(path) in _JSON_SUFFIXES:
            blank = True
            for lineno, (line, whole) in enumerate(bounded_lines(fh), 1):
                if not whole:  # read with a cap: a huge line (a small .gz file) is not read
                    errors.bad(line_too_long(), lineno, line[:200])
                    blank = False
                    continue
                if not line.strip():
                    continue
                blank = False
                if errors.undecodable(line, lineno):
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    errors.bad(f"invalid JSON ({exc.msg})", lineno, line)
                    continue
                except JSON_LIMITS as exc:
                    errors.bad(too_deep(exc), lineno, line[:200])
                    continue
                if not isinstance(obj, dict):
                    errors.bad("JSONL row is not an object", lineno, line)
                    continue
                yield lineno, obj
            if blank:
                raise empty_file(path, "no JSON object: JSON Lines have one object per line")
            return
        # lines are read with a cap (a huge line in a small .gz file is not read whole): an
        # over-long one reaches the CSV reader as a line holding only its quotes' parity (so
        # a quoted cell it opens or closes stays open or closed: the rows after it are read
        # as before) and its row is a bad row
        long_lines: list[tuple[int, str]] = []  # (line number, start) since the last row
        quotes = [0]

        def count(piece: str) -> None:
            quotes[0] += piece.count('"')

        def lines() -> Iterator[str]:
            for n, (line, whole) in enumerate(bounded_lines(fh, dropped=count), 1):
                if not whole:
                    long_lines.append((n, line[:200]))
                    line = '"' * ((line.count('"') + quotes[0]) % 2) + "\n"
                quotes[0] = 0
                yield line

        def too_long() -> bool:
            if not long_lines:
                return False
            errors.bad(line_too_long(), *long_lines[0])
            long_lines.clear()
            return True

        reader = csv.reader(lines(), delimiter=delimiter)
        no_header = "no header row naming the columns, and no rows"
        try:
            header = next(reader)
        except StopIteration:
            raise empty_file(path, no_header) from None
        if not any(h.strip() for h in header) and not long_lines:
            # blank lines only, or a blank line where the header belongs
            try:
                rows = any(any(c.strip() for c in row) for row in reader)
            except csv.Error:
                rows = True
            if not rows:
                raise empty_file(path, f"{no_header}: only blank lines")
            raise KGLoadError(f"{path}: line 1 names no column (it is blank), but a catalogue "
                              "CSV starts with its header row, the columns' names; nothing "
                              "loaded")
        if errors.lenient and (example := bad_utf8(delimiter.join(header))):
            raise KGLoadError(f"{path}: line {reader.line_num}: the header is not valid UTF-8 "
                              f"({example}); re-save it as UTF-8. Nothing loaded")
        if header_info is not None and len(header) == 1:
            other = next((d for d in _OTHER_DELIMITERS if d != delimiter and d in header[0]),
                         None)
            if other:
                header_info["looks_delimited_by"] = other
        if long_lines:
            raise KGLoadError(f"{path}: line {long_lines[0][0]}: the header is a "
                              f"{line_too_long()}")
        header = [clean_text(h) for h in header]
        if header_info is not None:
            header_info["header"] = header
        twice = [h for i, h in enumerate(header) if h and h in header[:i]]
        if twice:
            raise KGLoadError(
                f"{path}: line {reader.line_num}: the header names column {twice[0]!r} twice "
                "(a row would keep only the last one's cell); rename or drop one")
        last = reader.line_num
        while True:
            start = last + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                last = reader.line_num
                if not too_long():
                    errors.bad(f"malformed CSV ({exc})", start, "")
                continue
            last = reader.line_num
            if too_long():
                continue
            if not row or not any(c.strip() for c in row):
                continue
            if errors.undecodable(delimiter.join(row), start):
                continue
            if len(row) != len(header):
                errors.bad(f"expected {len(header)} fields, got {len(row)}", start, ",".join(row))
                continue
            yield start, dict(zip(header, row, strict=True))


def _attribute_columns(spec: str | None) -> dict[str, str] | None:
    """``"colour,fabric:material"`` -> {column: kind}; None (auto-detect) when ``spec`` is None.

    >>> _attribute_columns("colour, fabric:material")
    {'colour': 'color', 'fabric': 'material'}
    """
    if spec is None:
        return None
    out: dict[str, str] = {}
    for item in spec.split(","):
        col, _, kind = (x.strip() for x in item.strip().partition(":"))
        if not col:
            continue
        kind = kind or attribute_kind(col) or ""
        if kind not in ATTRIBUTE_KINDS:
            raise ValueError(
                f"attributes: no attribute kind for column {col!r}; write {col}:KIND with KIND "
                f"one of {', '.join(ATTRIBUTE_KINDS)}")
        out[col] = kind
    return out


def _cell_values(kind: str, cell: Any) -> list[str]:
    """An attribute column's cell -> attribute values (a string, a number or a list of them)."""
    if cell is None or isinstance(cell, bool):
        return []
    if isinstance(cell, str) and cell.strip().startswith("["):
        cell = _list_or_text(cell.strip())
    items = cell if isinstance(cell, list | tuple) else [cell]
    out: list[str] = []
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            out += [v for v in split_values(kind, str(item)) if v not in out]
    return out


class _Default(str):
    """A column mapping's default value (Flipkart's header): a CSV without that column is
    reported and loaded; a mapping the caller passes is a plain ``str``, and a CSV without
    that column is refused (a misspelt ``id=SKU`` would otherwise key every product anew)."""

    __slots__ = ()


def _missing_columns(path: Path, columns: dict[str, str], attributes: dict[str, str] | None,
                     header: list[str]) -> str | None:
    """The error for the mappings passed explicitly (not :class:`_Default`) that name no
    column of ``header``, or None."""
    import difflib

    given = [(opt, col) for opt, col in columns.items()
             if col and col not in header and not isinstance(col, _Default)]
    given += [("attributes", col) for col in attributes or {} if col not in header]
    if not given:
        return None
    parts = []
    for opt, col in given:
        close = [h for h in header if h.casefold() == col.casefold()] or \
            difflib.get_close_matches(col, header, n=1, cutoff=0.6)
        parts.append(f"{opt}={col}" + (f" (did you mean {opt}={close[0]}?)" if close else ""))
    return (f"{path}: the header has no column for the option(s) {', '.join(parts)}; its "
            f"columns are {', '.join(header)}. Nothing was loaded: name a column of the header "
            "(an empty value, e.g. specs=, means the file has none)")


def load_catalog(
    path: str | Path, *, report: LoadReport, on_error: str = "skip", source: str = "flipkart",
    name: str = _Default("product_name"), brand: str = _Default("brand"),
    category: str = _Default("product_category_tree"),
    specs: str = _Default("product_specifications"), id: str = _Default("pid"),
    popularity: str = "",
    attributes: str | None = None, trim_product_levels: str | bool = True,
    delimiter: str = ",",
) -> Iterator[Record]:
    """Products, brands, categories and attribute values from a CSV/JSONL catalogue.

    Args:
        path: ``.csv`` (with a header row) or ``.jsonl``, optionally ``.gz``.
        source: source name; categories are keyed ``{source}/{slug}/{slug}...`` by path and
            products ``{source}/{id}``.
        name, brand, category, specs, id, popularity: column names (``""`` = not present).
            A CSV whose header lacks a column passed here (``id="SKU"`` for a column ``sku``)
            is refused before anything is read from it (KGLoadError naming the option, the
            column and the header's columns); a default mapping (Flipkart's column names)
            that the header lacks is only reported (``mapped column not in file``).
        attributes: attribute columns, ``"COLUMN[:KIND],..."`` (None: every column whose
            header is an attribute name, e.g. ``colour``; ``""``: none).
        trim_product_levels: cut trailing category levels that name the product or a brand
            line, not a category, as Flipkart's trees end (``[..., 'ballerinas', 'aw
            bellies']`` for the product "aw bellies"); each level cut is counted in the
            report (reason :data:`TRIMMED`). A level is cut only when it starts with the
            title (3 words at least, possibly cut short), starts with the brand's words,
            is the title's first word followed by the level above it while the brand is
            empty or not the title's start (``cobra paris wrist watches`` under ``wrist
            watches``), or, above a cut level, starts with the brand's first word. False
            (``"false"``) keeps every level.
        delimiter: the CSV delimiter (one character; ``tab`` for a tab).

    Rows without a name, with unparsable category/spec cells (a list cut short, JSON nested
    too deeply), a wrong field count, or a product, category, brand or value whose key an
    earlier row gave another name (a duplicate id; "C++" and "C", which :func:`slug` makes one
    key) are bad rows (``on_error``), reported as ``line N`` (the row's first line in the
    file). A popularity that is not a finite number >= 0 (``NaN``, ``inf``, ``N/A``) is a bad
    value: reported, and the product kept without it (whatever ``on_error``: the row is not
    lost). A category cell that starts with ``(`` or ``[``
    but is no list (``(Uncategorized)``, ``[Clearance] > TVs``) is a ``>`` path. A CSV
    header that names a column twice refuses the file (KGLoadError), and so does one without
    the name column (the error says so when the header looks delimited by ``;``, a tab or
    ``|``: pass ``delimiter``). An unparsable cell's reason names its column. A specification
    entry that cannot be read (no key, a value that is no text or number) is a bad value:
    reported, and the product kept without it (whatever ``on_error``). With
    ``on_error="skip"`` a row that is not valid UTF-8 (a Latin-1 byte) is a bad row too;
    with ``abort`` it refuses the file (UnicodeDecodeError, reported by
    :func:`~kg.loaders.load_sources`). A file without a header row (CSV) or without a JSON
    object (JSONL), such as an empty one, is refused (KGLoadError); so is a CSV with a
    header row and no rows, once its header is checked as above (a mapping that names no
    column of it is the error then).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text('pid,product_name,brand,product_category_tree,product_specifications\\n'
    ...                  'P1,aw bellies,aw,"[\\'footwear\\', \\'aw bellies\\']",'
    ...                  '"[{\\'key\\': \\'Color\\', \\'value\\': \\'Red\\'}]"\\n')
    >>> recs = list(load_catalog(p, report=LoadReport(str(p))))
    >>> [(r.kind.value, r.key) for r in recs if isinstance(r, Node)]
    [('category', 'flipkart/footwear'), ('brand', 'aw'), ('product', 'flipkart/P1'), \
('attribute_value', 'color/red')]
    """
    path = Path(path)
    refuse_rdf(path, "a catalogue (CSV or JSON Lines)")  # (its triples would be read as rows)
    errors = RowErrors(path, report, on_error)
    trim = as_bool(trim_product_levels)
    delimiter = _delimiter(delimiter)
    if delimiter != "," and base_suffix(path) in _JSON_SUFFIXES:
        raise ValueError(f"delimiter={delimiter!r} is for CSV files; {path.name} is read as "
                         "JSON Lines")
    header_info: dict[str, Any] = {}
    emit = Emitter()
    columns = {"name": name, "brand": brand, "category": category, "specs": specs, "id": id,
               "popularity": popularity}
    mapped = {c for c in columns.values() if c}
    explicit = _attribute_columns(attributes)
    attr_cols: dict[str, str | None] = dict(explicit or {})  # column -> kind (None: not one)
    seen: dict[str, None] = {}  # every column met, in order
    checked = False

    def check(header: list[str]) -> None:
        """A CSV header's checks, before its first row (or in a file without rows)."""
        missing = [f"{opt}={col}" for opt, col in columns.items() if col and col not in header]
        if name not in header:
            other = header_info.get("looks_delimited_by")
            hint = ""
            if other:
                opt = "tab" if other == "\t" else other
                hint = (f"; the header looks delimited by {_OTHER_DELIMITERS[other]}, but "
                        f"only {delimiter!r} is read: pass delimiter={opt} "
                        f"(--option 'delimiter={opt}' on the command line)")
            raise KGLoadError(f"{path}: no name column {name!r}; columns are "
                              f"{', '.join(header)}; pass name=<column>{hint}")
        refused = _missing_columns(path, columns, explicit, header)
        if refused:
            raise KGLoadError(refused)
        for m in missing:  # (the defaults: Flipkart's columns)
            report.skip("mapped column not in file", m)

    for lineno, row in _rows(path, errors, delimiter, header_info):
        for col in row:
            if col not in seen:
                seen[col] = None
                if explicit is None and col not in mapped:
                    attr_cols[col] = attribute_kind(col)
        if not checked and base_suffix(path) not in _JSON_SUFFIXES:
            check(list(row))
            checked = True
        pname = clean_text(text_of(row.get(name) or ""))
        if not pname:
            why = "row without a product name" if name in row else \
                f"row without a {name!r} field (pass name=<field> to read the name elsewhere)"
            errors.bad(why, lineno, preview(row))
            continue
        bname = clean_text(text_of(row.get(brand) or "")) if brand else ""
        col = category
        try:
            tree = _category_tree(row.get(category) or "") if category else []
            col = specs
            spec_list, unread = _specs(row.get(specs) or "") if specs else ([], [])
            col_values = []
            for acol, kind in attr_cols.items():
                if kind and acol in row:
                    col = acol
                    col_values += [(kind, v) for v in _cell_values(kind, row[acol])]
        except ValueError as exc:
            errors.bad(f"unparsable cell in column {col!r}: {exc}", lineno, preview(row))
            continue
        pop = None
        if popularity:
            try:
                pop = popularity_value(row.get(popularity))
            except ValueError:
                errors.bad("popularity not a finite number >= 0", lineno,
                           f"{popularity}={short_repr(row.get(popularity))}",
                           kept="product kept without a popularity")
        trimmed: list[str] = []
        if trim:
            tree, trimmed = _trim_tree(tree, pname, bname)
        pid = clean_text(text_of(row.get(id) or "")) if id else ""
        values = [(kind, v) for key, value in spec_list
                  if (kind := attribute_kind(key)) is not None
                  for v in split_values(kind, value)]
        try:
            cats = [Node(kind=NodeKind.CATEGORY,
                         key=f"{source}/" + "/".join(slug(p) for p in tree[: depth + 1]),
                         label=tree[depth], source=source, path=" > ".join(tree[: depth + 1]))
                    for depth in range(len(tree))]
            product = Node(kind=NodeKind.PRODUCT, key=f"{source}/{pid or slug(pname)}",
                           label=pname, source=source, external_id=pid or None, popularity=pop)
            b = Node(kind=NodeKind.BRAND, key=brand_key(bname), label=bname,
                     source=source) if bname else None
            avs = [Node(kind=NodeKind.ATTRIBUTE_VALUE, key=attribute_key(kind, v), label=v,
                        attribute=kind, source=source)
                   for kind, v in dict.fromkeys(values + col_values)]
        except (ValueError, TypeError) as exc:  # a value the KG cannot store
            errors.bad(f"bad value: {exc}", lineno, preview(row))
            continue
        clash = emit.clash([*cats, product, *([b] if b else []), *avs], f"line {lineno}")
        if clash:
            errors.bad(KEY_CLASH, lineno, clash)
            continue
        for level in trimmed:
            report.skip(TRIMMED, f"line {lineno}: {level}")
        for why, entry in unread:
            errors.bad(why, lineno, f"{specs}={entry}", kept="product kept without it")
        records: list[Record] = []
        parent_iri = None
        for cat in cats:
            records += emit.node(cat)
            if parent_iri:
                records += emit.edge(cat.iri, Relation.PARENT, parent_iri)
            parent_iri = cat.iri
        if b:
            records += emit.node(b)
        records += emit.node(product)
        if parent_iri:
            records += emit.edge(product.iri, Relation.IN_CATEGORY, parent_iri)
        if b:
            records += emit.edge(product.iri, Relation.HAS_BRAND, b.iri)
            if parent_iri:
                records += emit.edge(b.iri, Relation.SELLS_IN, parent_iri)
        for av in avs:
            records += emit.node(av)
            records += emit.edge(product.iri, Relation.HAS_VALUE,
                                 node_iri(NodeKind.ATTRIBUTE_VALUE, av.key))
        yield from records
    if not checked and "header" in header_info:  # a header row and no rows: its mapping is
        check(header_info["header"])  # checked (a wrong one is the error), then it is refused
        raise empty_file(path, "a header row and no rows")
    unused = [c for c in seen if c not in mapped and not attr_cols.get(c)]
    if unused:
        reason = (f"columns not used: {', '.join(unused)} (map them: name=, brand=, category=, "
                  "specs=, id=, popularity=, attributes=COLUMN[:KIND])")
        for col in unused:
            report.skip(reason, col)
