"""Small real KGs for the expansion's tests: categories given as ``{key: (label, path, parent
key)}``, brands as ``{name: [category keys it sells in]}``, built into an in-memory
:class:`kg.ProductGraph`, and the links and intents a parse would hand the expansion (one set
of helpers for the test modules that build such catalogues)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

ID = "https://kgqp.dev/id/"
Cats = Mapping[str, tuple[str, str, str | None]]


def cat_iri(key: str, source: str = "bb") -> str:
    return f"{ID}category/{source}/{key}"


def brand_iri(name: str) -> str:
    return f"{ID}brand/{name.lower().replace(' ', '-')}"


def category_records(cats: Cats, source: str = "bb") -> list[Node | Edge]:
    """The category nodes of ``cats`` and their parent edges."""
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"{source}/{k}", lab, path=path)
                               for k, (lab, path, _) in cats.items()]
    recs += [Edge(cat_iri(k, source), Relation.PARENT, cat_iri(p, source))
             for k, (_, _, p) in cats.items() if p]
    return recs


def brand_records(sells: Mapping[str, Sequence[str]], *,
                  cat: Callable[[str], str] = cat_iri,
                  aliases: Mapping[str, tuple[str, ...]] | None = None) -> list[Node | Edge]:
    """The brand nodes of ``sells`` and their ``sells_in`` edges (``cat``: a category key's
    IRI)."""
    recs: list[Node | Edge] = [
        Node(NodeKind.BRAND, b.lower().replace(" ", "-"), b, aliases=(aliases or {}).get(b, ()))
        for b in sells]
    recs += [Edge(brand_iri(b), Relation.SELLS_IN, cat(c)) for b, cs in sells.items() for c in cs]
    return recs


def catalog_kg(records: Iterable[Node | Edge]) -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records(list(records), progress=False)
    return g


def intent_at(path: str, score: float = 0.8, dept_score: float = 0.97) -> Intent:
    """An intent for the lvl1 category of the category path ``path``."""
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], score, dept_score, ((label, score),))


def brand_link(name: str, mention: str | None = None, label: str = "creator",
               score: float = 0.95) -> LinkedEntity:
    return LinkedEntity(brand_iri(name), "brand", score, label, mention or name.lower())


def category_link(iri: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return LinkedEntity(iri, "category", 0.9, label, mention)
