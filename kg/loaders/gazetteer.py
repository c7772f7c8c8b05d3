"""Gazetteers: plain lists of names, one per line (brands, product types, colours ...)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.loaders._common import (
    KEY_CLASH,
    Emitter,
    Record,
    RowErrors,
    bounded_lines,
    clean_text,
    line_too_long,
    open_text,
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
    row (see ``on_error``). Keys: :func:`~kg.schema.brand_key` for
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
        attribute = gazetteer_attribute(attribute)
    if variants not in _VARIANTS:
        raise ValueError(f"variants={variants!r}: use one of {', '.join(map(repr, _VARIANTS))}")
    source = source or Path(path).name.split(".")[0]
    errors = RowErrors(path, report, on_error)
    emit = Emitter()
    seen: set[str] = set()
    with open_text(path, lenient=errors.lenient) as fh:
        # lines are read with a cap: one GiB line (a small .gz file) is not read into memory
        for lineno, (raw, whole) in enumerate(bounded_lines(fh), 1):
            name = clean_text(raw)
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
