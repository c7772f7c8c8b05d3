"""The vocabulary of the product knowledge graph: node kinds, relations, IRIs and records.

Every node of the KG has an IRI, a kind (its ``rdf:type``), a label (``schema:name``) and any
number of aliases (``kgqp:alias``). Loaders yield :class:`Node` and :class:`Edge` records;
:class:`kg.ProductGraph` writes them to the RDF store inside a transaction.

Example:
    >>> from kg.schema import Node, NodeKind, Edge, Relation
    >>> tv = Node(kind=NodeKind.CATEGORY, key="bestbuy/abcat0101000", label="TVs")
    >>> tv.iri
    'https://kgqp.dev/id/category/bestbuy/abcat0101000'
    >>> samsung = Node(kind=NodeKind.BRAND, key=brand_key("Samsung"), label="Samsung")
    >>> samsung.iri
    'https://kgqp.dev/id/brand/samsung'
    >>> Edge(samsung.iri, Relation.SELLS_IN, tv.iri).relation.value
    'sells_in'
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from kg.rdfio import MAX_LITERAL

#: Namespace of kgqp's own vocabulary (what schema.org lacks).
KGQP = "https://kgqp.dev/ns#"
#: schema.org namespace.
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Base of node IRIs: ``{ID_BASE}{kind}/{key}``.
ID_BASE = "https://kgqp.dev/id/"

# Datatype/annotation predicates.
NAME = SCHEMA + "name"
ALIAS = KGQP + "alias"
ATTRIBUTE = KGQP + "attribute"  # the attribute an AttributeValue belongs to: "color", ...
POPULARITY = KGQP + "popularity"  # xsd:double prior, higher = more popular
SOURCE = KGQP + "source"  # where the node came from: "bestbuy", "google", "flipkart", ...
EXTERNAL_ID = KGQP + "externalId"  # id in its source (Best Buy category id, Google id, sku)
PATH = KGQP + "path"  # for categories: the full path "A > B > C"


class NodeKind(StrEnum):
    """Kinds of KG nodes; the value is the IRI path segment."""

    CATEGORY = "category"
    BRAND = "brand"
    PRODUCT = "product"
    PRODUCT_TYPE = "product_type"
    ATTRIBUTE_VALUE = "attribute_value"

    @property
    def rdf_type(self) -> str:
        """The ``rdf:type`` IRI of this kind."""
        return _KIND_TYPES[self]

    @classmethod
    def from_rdf_type(cls, iri: str) -> NodeKind | None:
        return _TYPE_KINDS.get(iri)

    @classmethod
    def parse(cls, name: str) -> NodeKind:
        """Parse a kind from user input (``"brand"``, ``"Brand"``, ``"product-type"``)."""
        norm = name.strip().lower().replace("-", "_").replace(" ", "_")
        norm = {"producttype": "product_type", "attributevalue": "attribute_value",
                "attribute": "attribute_value", "type": "product_type"}.get(norm, norm)
        try:
            return cls(norm)
        except ValueError:
            valid = ", ".join(k.value for k in cls)
            raise ValueError(f"Unknown node kind {name!r}; choose one of: {valid}") from None


_KIND_TYPES = {
    NodeKind.CATEGORY: KGQP + "Category",
    NodeKind.BRAND: SCHEMA + "Brand",
    NodeKind.PRODUCT: SCHEMA + "Product",
    NodeKind.PRODUCT_TYPE: KGQP + "ProductType",
    NodeKind.ATTRIBUTE_VALUE: SCHEMA + "PropertyValue",
}
_TYPE_KINDS = {v: k for k, v in _KIND_TYPES.items()}


class Relation(StrEnum):
    """Relations (edges) between KG nodes; the value is the short name used in stats/CLI."""

    PARENT = "parent"  # category -> parent category
    HAS_BRAND = "has_brand"  # product -> brand
    IN_CATEGORY = "in_category"  # product -> category
    HAS_VALUE = "has_value"  # product -> attribute value
    HAS_TYPE = "has_type"  # product -> product type
    SELLS_IN = "sells_in"  # brand -> category it sells in
    TYPE_IN = "type_in"  # product type -> category
    SYNONYM = "synonym"  # node -> node with the same meaning

    @property
    def predicate(self) -> str:
        """The predicate IRI of this relation."""
        return _REL_PREDICATES[self]

    @classmethod
    def from_predicate(cls, iri: str) -> Relation | None:
        return _PREDICATE_RELS.get(iri)

    @property
    def kinds(self) -> tuple[tuple[NodeKind, ...], tuple[NodeKind, ...]] | None:
        """(the kinds of node it goes from, the kinds it goes to), as docs/concepts.md gives
        them; None for :attr:`SYNONYM` (any node to any node).

        >>> [[k.value for k in ends] for ends in Relation.SELLS_IN.kinds]
        [['brand'], ['category']]
        """
        return RELATION_KINDS.get(self)


_REL_PREDICATES = {
    Relation.PARENT: KGQP + "parent",
    Relation.HAS_BRAND: SCHEMA + "brand",
    Relation.IN_CATEGORY: SCHEMA + "category",
    Relation.HAS_VALUE: KGQP + "hasValue",
    Relation.HAS_TYPE: KGQP + "productType",
    Relation.SELLS_IN: KGQP + "sellsIn",
    Relation.TYPE_IN: KGQP + "typeIn",
    Relation.SYNONYM: KGQP + "synonym",
}
_PREDICATE_RELS = {v: k for k, v in _REL_PREDICATES.items()}

#: The node kinds each relation goes from and to (:attr:`Relation.kinds`; docs/concepts.md):
#: a transaction refuses an edge between nodes of other kinds (kg.graph.Transaction.add_edge).
#: ``synonym`` links nodes of any kinds.
RELATION_KINDS: dict[Relation, tuple[tuple[NodeKind, ...], tuple[NodeKind, ...]]] = {
    Relation.PARENT: ((NodeKind.CATEGORY,), (NodeKind.CATEGORY,)),
    Relation.HAS_BRAND: ((NodeKind.PRODUCT,), (NodeKind.BRAND,)),
    Relation.IN_CATEGORY: ((NodeKind.PRODUCT,), (NodeKind.CATEGORY,)),
    Relation.HAS_VALUE: ((NodeKind.PRODUCT,), (NodeKind.ATTRIBUTE_VALUE,)),
    Relation.HAS_TYPE: ((NodeKind.PRODUCT,), (NodeKind.PRODUCT_TYPE,)),
    Relation.SELLS_IN: ((NodeKind.BRAND,), (NodeKind.CATEGORY,)),
    Relation.TYPE_IN: ((NodeKind.PRODUCT_TYPE,), (NodeKind.CATEGORY,)),
}
#: The node properties that only nodes of one kind hold (``path``: a category's full path;
#: ``attribute``: the attribute an attribute value belongs to); a transaction refuses them on
#: a node of another kind (kg.graph.Transaction.add_node, update_node).
PROPERTY_KINDS: dict[str, NodeKind] = {"path": NodeKind.CATEGORY,
                                       "attribute": NodeKind.ATTRIBUTE_VALUE}

#: Attribute kinds known to the default KG (an AttributeValue may use any string).
ATTRIBUTE_KINDS = ("color", "material", "size", "pattern", "ideal_for", "occasion", "type", "other")

_WS = re.compile(r"\s+")
_SLUG_BAD = re.compile(r"[^\w.\-~]+", re.UNICODE)


def invisible(ch: str) -> bool:
    """Whether ``ch`` is a control or format character other than whitespace (NUL, a
    zero-width space, a soft hyphen, a bidi override ...): matching ignores these, so a name or
    query holding one still matches the name it looks like (:func:`drop_invisible`)."""
    return unicodedata.category(ch) in ("Cc", "Cf") and not ch.isspace()


def separates(ch: str) -> bool:
    """Whether the :func:`invisible` ``ch`` separates words: a control character (NUL ...), a
    zero-width space (text copied from the web puts one between words) or a bidi embedding,
    override or isolate (U+202A-U+202E, U+2066-U+2069: it opens or closes a run of text, as the
    tagger reads it, :func:`parser.tagger.text.separators_to_spaces`); a format character
    inside a word (a soft hyphen, a bidi mark) does not."""
    return ch == "\u200b" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" \
        or unicodedata.category(ch) == "Cc"


#: The :func:`invisible` characters that mark no break inside a word: the soft hyphen (U+00AD,
#: where a hyphenated page may break a word: "Sam\u00adsung" is "Samsung"), the word joiner
#: (U+2060) and U+FEFF (a byte-order mark opening a text, a zero-width no-break space inside
#: one). Unlike the zero-width space (U+200B, a break between words: :func:`separates`), each
#: joins what is on its two sides, as matching reads it (:func:`drop_invisible`); the parser's
#: texts (``normalized``, ``rewritten``, the tagger's words) drop them too
#: (:func:`drop_word_joiners`).
WORD_JOINERS = "\u00ad\u2060\ufeff"
_WORD_JOINERS_RE = re.compile(f"[{WORD_JOINERS}]")


def drop_word_joiners(text: str) -> str:
    """``text`` without its :data:`WORD_JOINERS` (a soft hyphen, a word joiner, a byte-order
    mark): "nike\\u00adshoes" is "nikeshoes", as it reads on the page it was copied from.

    >>> drop_word_joiners("\\ufeffsam\\u00adsung tv")
    'samsung tv'
    """
    return text if text.isascii() else _WORD_JOINERS_RE.sub("", text)


def drop_invisible(text: str) -> str:
    """``text`` without its :func:`invisible` characters; one that :func:`separates` words
    becomes a space.

    >>> drop_invisible("Sam\\u00adsung\\u200btv\\x00x")
    'Samsung tv x'
    """
    if text.isprintable():  # (fast: no control or format character)
        return text
    return "".join((" " if separates(ch) else "") if invisible(ch) else ch for ch in text)


def normalize_name(text: str) -> str:
    """Normalise a name for keys and matching: invisible characters dropped, NFKC,
    case-folded, whitespace collapsed.

    >>> normalize_name("  ＳＡＭＳＵＮＧ   Galaxy\u200b ")
    'samsung galaxy'
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", drop_invisible(text)).casefold()).strip()


def slug(text: str) -> str:
    """A stable IRI-safe key from a name: ``slug("AT&T GoPhone") == "at-t-gophone"``.

    >>> slug("AT&T GoPhone")
    'at-t-gophone'
    """
    s = _SLUG_BAD.sub("-", normalize_name(text)).strip("-")
    return s or quote(text, safe="")


def brand_key(name: str) -> str:
    """Key of a brand node: brands from every source with the same normalised name merge."""
    return slug(name)


def attribute_key(attribute: str, value: str) -> str:
    """Key of an attribute value node, e.g. ``attribute_key("color", "Red") == "color/red"``."""
    return f"{slug(attribute)}/{slug(value)}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(value: Any, what: str, *, max_chars: int | None = MAX_LITERAL,
               name: bool = False) -> str:
    """``value`` if it is text the KG can store; else a clear error naming ``what``.

    Refused: a non-string (``TypeError``), a lone surrogate (not valid Unicode: the store cannot
    hold it), more than ``max_chars`` characters (:data:`kg.rdfio.MAX_LITERAL`, the limit RDF
    imports apply to literals); for a ``name`` (a key, label or alias), a control or format
    character (NUL, a bidi override, a zero-width space ...: invisible, they make names that
    look alike differ; the loaders drop them, see :func:`kg.loaders.clean_text`).

    >>> check_text("Bad \\ud800", "label")
    Traceback (most recent call last):
    ...
    ValueError: label contains a lone surrogate (U+D800) at position 4; not valid Unicode text
    >>> check_text("Sam\\u202esung", "alias", name=True)
    Traceback (most recent call last):
    ...
    ValueError: alias contains the control or format character U+202E at position 3
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    if max_chars is not None and len(value) > max_chars:
        raise ValueError(
            f"{what} is {len(value):,} characters (more than {max_chars:,}); refused"
        )
    m = _SURROGATE.search(value)
    if m is not None:
        raise ValueError(
            f"{what} contains a lone surrogate (U+{ord(m.group()):04X}) at position {m.start()}; "
            "not valid Unicode text"
        )
    if name and not value.isprintable():  # (fast: most names are printable)
        for i, ch in enumerate(value):
            if unicodedata.category(ch) in ("Cc", "Cf"):
                raise ValueError(
                    f"{what} contains the control or format character U+{ord(ch):04X} at "
                    f"position {i}")
    return value


def check_popularity(value: Any, what: str = "popularity") -> float:
    """``value`` as a float if it is a valid popularity: a finite number >= 0 (a bool is no
    number here); else a ``TypeError``/``ValueError`` naming ``what``.

    >>> check_popularity(3)
    3.0
    >>> check_popularity(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: popularity must be a finite number >= 0, got nan
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{what} must be a number (int or float), got {type(value).__name__} {value!r}"[:300]
        )
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return number


#: the characters :func:`node_iri` leaves unquoted in a key (path-safe quoting, ``/`` kept)
IRI_SAFE = "/-._~"


def node_iri(kind: NodeKind, key: str) -> str:
    """IRI of the node of ``kind`` with local ``key`` (path-safe quoting, ``/`` kept)."""
    return f"{ID_BASE}{kind.value}/{quote(key, safe=IRI_SAFE)}"


@dataclass(frozen=True, slots=True)
class Node:
    """A KG node as loaders produce it.

    Args:
        kind: the node kind.
        key: local key, unique within the kind (see :func:`brand_key`, :func:`attribute_key`).
        label: display name (``schema:name``).
        aliases: other names users type for it (``kgqp:alias``); matched like the label.
        attribute: for attribute values, the attribute ("color", "material", "size", ...).
        popularity: optional prior (higher = more often meant); used by entity linking.
        source: the data set the node came from.
        external_id: the node's id in its source.
        path: for categories, the full path ``"A > B > C"``.
    """

    kind: NodeKind
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    attribute: str | None = None
    popularity: float | None = None
    source: str | None = None
    external_id: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, NodeKind):
            raise TypeError(f"Node.kind must be a NodeKind, got {self.kind!r}")
        check_text(self.key, "Node.key", name=True)
        if not self.key.strip():
            raise ValueError("Node.key must be a non-empty string")
        check_text(self.label, "label", name=True)
        if not self.label.strip():
            raise ValueError(f"Node {self.key!r} needs a non-empty label")
        if isinstance(self.aliases, str | bytes) or not isinstance(self.aliases, Iterable):
            raise TypeError(  # (a str would be split into its characters)
                f"Node.aliases must be a collection of str, got {type(self.aliases).__name__}"
            )
        if not isinstance(self.aliases, tuple):  # a list, a set (sorted: a stable order) ...
            aliases = list(self.aliases)
            if isinstance(self.aliases, Set) and all(isinstance(a, str) for a in aliases):
                aliases.sort()
            object.__setattr__(self, "aliases", tuple(aliases))
        for i, alias in enumerate(self.aliases):
            check_text(alias, f"aliases[{i}]", name=True)
        for name in ("attribute", "source", "external_id", "path"):
            value = getattr(self, name)
            if value is not None:
                check_text(value, name)
        if self.popularity is not None:
            object.__setattr__(self, "popularity", check_popularity(self.popularity))
        if self.kind is NodeKind.ATTRIBUTE_VALUE and not self.attribute:
            raise ValueError(f"Attribute value {self.label!r} needs an attribute (e.g. 'color')")

    @property
    def iri(self) -> str:
        return node_iri(self.kind, self.key)


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed, typed edge between two node IRIs."""

    source: str
    relation: Relation
    target: str

    def __post_init__(self) -> None:
        if not isinstance(self.relation, Relation):
            raise TypeError(f"Edge.relation must be a Relation, got {self.relation!r}")


@dataclass(slots=True)
class LoadReport:
    """What a loader added and what it skipped, and why (reason -> count, with examples)."""

    source: str
    nodes: dict[str, int] = field(default_factory=dict)  # kind -> n
    edges: dict[str, int] = field(default_factory=dict)  # relation -> n
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> n
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> first few items

    def skip(self, reason: str, item: str = "") -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        ex = self.examples.setdefault(reason, [])
        if item and len(ex) < 3:
            ex.append(item[:120])

    def count_node(self, node: Node) -> None:
        self.nodes[node.kind.value] = self.nodes.get(node.kind.value, 0) + 1

    def count_edge(self, edge: Edge) -> None:
        self.edges[edge.relation.value] = self.edges.get(edge.relation.value, 0) + 1
