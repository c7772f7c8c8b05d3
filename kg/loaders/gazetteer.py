"""Gazetteers: plain lists of names, one per line (brands, product types, colours ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.errors import KGLoadError
from kg.loaders._common import (
    KEY_CLASH,
    Emitter,
    Record,
    RowErrors,
    base_suffix,
    bounded_lines,
    clean_text,
    empty_file,
    line_too_long,
    open_text,
    refuse_rdf,
)
from kg.loaders.catalog import ATTRIBUTE_KINDS, attribute_kind
from kg.schema import ATTRIBUTE_KINDS as SCHEMA_ATTRIBUTE_KINDS
from kg.schema import LoadReport, Node, NodeKind, attribute_key, brand_key, normalize_name, slug

__all__ = ["GAZETTEER_ATTRIBUTES", "gazetteer_attribute", "load_gazetteer", "number_variants"]

#: The ``attribute=`` names a gazetteer takes: the catalogue's attribute kinds, the schema's
#: ``other``, and the kinds mined from tagger annotations (``department``, ``shape``; see
#: ``parser.tagger.lexicon.MINED_LABELS``), which the default KG loads.
GAZETTEER_ATTRIBUTES: tuple[str, ...] = tuple(dict.fromkeys(
    (*ATTRIBUTE_KINDS, *SCHEMA_ATTRIBUTE_KINDS, "department", "shape")))

_MAX_NAME = 200
_VARIANTS = ("", "number")
_NO_PLURAL_S = ("ss", "us", "is")

# What the first lines of a file of another kind look like (:func:`_other_kind`): a Google
# taxonomy's version comment and ``id - A > B`` lines; JSON (an array or object of strings or
# objects: a catalogue's or Best Buy's JSON, never a name)
_TAXONOMY_HEADER = re.compile(r"^#\s*Google_Product_Taxonomy_Version\b", re.IGNORECASE)
_TAXONOMY_LINE = re.compile(r"^\d+\s+-\s+\S")
_JSON_START = re.compile(r"""^(?:\{\s*"|\[\s*[\[{"])""")
#: Content lines whose look :func:`_other_kind` checks: all of them ``id - A`` lines is a
#: taxonomy
_SNIFF_LINES = 5
_CSV_DELIMITERS = {".csv": ",\t;", ".tsv": "\t"}


def _other_kind(path: str | Path, lineno: int, line: str, first: bool) -> str | None:
    """Why the content line ``line`` (the file's first one: ``first``) says the file is not a
    gazetteer, or None: JSON, a ``.csv``/``.tsv`` row with columns, the Google taxonomy's
    version comment (first line only)."""
    shown = repr(line[:80])
    if _JSON_START.match(line):
        return (f"{path}: line {lineno} is JSON ({shown}), not a name: a gazetteer is a plain "
                "list, one name per line; load JSON Lines with --kind catalog or --kind "
                "bestbuy-products, Best Buy's categories.json with --kind bestbuy-categories")
    if first and _TAXONOMY_HEADER.match(line):
        return _taxonomy(path, lineno, line)
    delimiters = _CSV_DELIMITERS.get(base_suffix(path), "")
    if first and any(d in line for d in delimiters):
        return (f"{path}: line {lineno} has columns ({shown}): a gazetteer is one name per line, "
                "not a CSV; load a catalogue CSV with --kind catalog, or write the column of "
                "names alone, without a header, one name per line")
    return None


def _taxonomy(path: str | Path, lineno: int, line: str) -> str:
    return (f"{path}: line {lineno} is a line of a Google taxonomy ({line[:80]!r}), not a "
            "name: load the file with --kind google-taxonomy (a gazetteer is one name per line)")


def number_variants(name: str) -> list[str]:
    """The other grammatical number of a name's last word (English rules; none when unsure).

    >>> number_variants("Coffee Tables"), number_variants("battery"), number_variants("dress")
    (['Coffee Table'], ['batteries'], ['dresses'])
    >>> number_variants("Boxes"), number_variants("glass"), number_variants("3d")
    (['Box'], ['glasses'], [])
    """
    head, _, last = name.rpartition(" ")
    prefix = head + " " if head else ""
    low = last.lower()
    if len(low) < 3 or not low.isalpha():
        return []
    if low.endswith("ies") and len(low) > 4:
        forms = [last[:-3] + "y"]
    elif low.endswith(("sses", "shes", "ches", "xes", "zes")):
        forms = [last[:-2]]
    elif low.endswith("s") and not low.endswith(_NO_PLURAL_S):
        forms = [last[:-1]]
    elif low.endswith("y") and low[-2] not in "aeiou":
        forms = [last[:-1] + "ies"]
    elif low.endswith(("s", "x", "z", "ch", "sh")):
        forms = [last + "es"]
    else:
        forms = [last + "s"]
    return [prefix + f for f in forms]


def gazetteer_attribute(name: str) -> str:
    """The attribute kind an ``attribute=`` option names, normalised as the catalogue loader's
    ``attributes=`` option does (:func:`~kg.loaders.catalog.attribute_kind`: ``colour`` and
    ``Color`` are ``color``, ``Fabric`` is ``material``, ``Ideal For`` is ``ideal_for``);
    ValueError listing the valid names for any other.

    >>> [gazetteer_attribute(a) for a in ("colour", "Fabric", "Ideal For", "shape")]
    ['color', 'material', 'ideal_for', 'shape']
    """
    kind = attribute_kind(name) or normalize_name(name).replace(" ", "_")
    if kind not in GAZETTEER_ATTRIBUTES:
        raise ValueError(f"attribute={name!r} is no attribute kind the KG links; use one of "
                         f"{', '.join(GAZETTEER_ATTRIBUTES)}")
    return kind


def load_gazetteer(
    path: str | Path, *, report: LoadReport, on_error: str = "skip", node_kind: str = "brand",
    attribute: str = "", source: str = "", variants: str = "",
) -> Iterator[Record]:
    """Nodes of ``node_kind`` from a UTF-8 list with one name per line.

    Control, format and private-use characters are stripped (the Chinese e-commerce
    gazetteers contain ``\\x84``, ``\\x9f`` and U+F880), blank lines skipped, names deduplicated
    by normalised form, a BOM and ``.gz`` tolerated. Two names that only
    :func:`~kg.schema.slug` makes one key ("C++" and "C") are not merged: the second is a bad
    row (see ``on_error``). A file without a name (0 bytes, blank lines only) is refused
    (KGLoadError), whatever ``on_error``, and so is one whose first lines say it is a file of
    another kind: JSON, a ``.csv``/``.tsv`` row with columns, a Google taxonomy (its version
    comment, or ``id - A > B`` lines only). Keys: :func:`~kg.schema.brand_key` for
    brands, :func:`~kg.schema.attribute_key` for attribute values (``attribute`` required),
    ``slug(name)`` otherwise (categories: ``{source}/{slug}``). ``attribute`` is normalised
    and checked by :func:`gazetteer_attribute` (``colour`` is ``color``; an unknown name is a
    ValueError listing the valid ones, :data:`GAZETTEER_ATTRIBUTES`). ``variants=number`` adds the
    other grammatical number as an alias (:func:`number_variants`: "Coffee Tables" is also
    "Coffee Table"), for product-type lists.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "brands.dic"
    >>> _ = p.write_text("\\ufeffSony\\nsony\\n\\n华\\x84为\\n")
    >>> [(n.key, n.label) for n in load_gazetteer(p, report=LoadReport(str(p)))]
    [('sony', 'Sony'), ('华为', '华为')]
    """
    kind = NodeKind.parse(node_kind)
    if kind is NodeKind.ATTRIBUTE_VALUE and not attribute:
        raise ValueError("node_kind=attribute_value needs attribute=<name>, e.g. attribute=color")
    if attribute:
        if kind is not NodeKind.ATTRIBUTE_VALUE:  # (a brand holds no attribute: the KG refuses it)
            raise ValueError(f"attribute={attribute!r} is for node_kind=attribute_value; "
                             f"node_kind={kind.value} takes none")
        attribute = gazetteer_attribute(attribute)
    if variants not in _VARIANTS:
        raise ValueError(f"variants={variants!r}: use one of {', '.join(map(repr, _VARIANTS))}")
    source = source or Path(path).name.split(".")[0]
    refuse_rdf(path, "a gazetteer (one name per line)")  # (its triples would be read as rows)
    errors = RowErrors(path, report, on_error)
    emit = Emitter()
    seen: set[str] = set()
    lines = content = 0  # lines read, lines with more than blanks and controls
    taxonomy: tuple[int, str] | None = None  # the first line, while all look like a taxonomy's
    with open_text(path, lenient=errors.lenient) as fh:
        # lines are read with a cap: one GiB line (a small .gz file) is not read into memory
        for lineno, (raw, whole) in enumerate(bounded_lines(fh), 1):
            lines = lineno
            name = clean_text(raw)
            if name and content < _SNIFF_LINES:  # a file of another kind? (nothing loaded)
                content += 1
                line = raw.strip()
                other = _other_kind(path, lineno, line, content == 1)
                if other:
                    raise KGLoadError(f"{other}. Nothing loaded")
                if content == 1 and _TAXONOMY_LINE.match(line):
                    taxonomy = (lineno, line)
                elif not _TAXONOMY_LINE.match(line):
                    taxonomy = None
                if taxonomy and content == _SNIFF_LINES:
                    raise KGLoadError(f"{_taxonomy(path, *taxonomy)}. Nothing loaded")
            if not whole:  # its name is longer still, unless its start is blanks and controls
                errors.bad(f"name longer than {_MAX_NAME} characters" if len(name) > _MAX_NAME
                           else line_too_long(), lineno, name[:_MAX_NAME])
                continue
            if errors.undecodable(raw, lineno):
                continue
            if not name:
                report.skip("blank line" if not raw.strip() else "only control characters",
                            f"line {lineno}")
                continue
            if len(name) > _MAX_NAME:
                errors.bad(f"name longer than {_MAX_NAME} characters", lineno, name)
                continue
            norm = normalize_name(name)
            if norm in seen:
                report.skip("duplicate name", f"line {lineno}: {name}")
                continue
            seen.add(norm)
            if kind is NodeKind.BRAND:
                key = brand_key(name)
            elif kind is NodeKind.ATTRIBUTE_VALUE:
                key = attribute_key(attribute, name)
            elif kind is NodeKind.CATEGORY:
                key = f"{source}/{slug(name)}"
            else:
                key = slug(name)
            aliases = tuple(number_variants(name)) if variants == "number" else ()
            try:
                node = Node(kind=kind, key=key, label=name, source=source,
                            attribute=attribute or None, aliases=aliases)
            except (ValueError, TypeError) as exc:  # a value the KG cannot store
                errors.bad(f"bad value: {exc}", lineno, name)
                continue
            clash = emit.clash([node], f"line {lineno}")  # "C++" after "C": both key "c"
            if clash:
                errors.bad(KEY_CLASH, lineno, clash)
                continue
            yield from emit.node(node)
    if taxonomy:  # fewer lines than _SNIFF_LINES, each one 'id - A'
        raise KGLoadError(f"{_taxonomy(path, *taxonomy)}. Nothing loaded")
    if not content:
        raise empty_file(path, "no names" + (", only blank lines" if lines else ""))
