"""Best Buy products (the Algolia instant_search demo records) -> products, brands, types.

Products link to Best Buy categories through ``hierarchicalCategories``: the deepest level is
looked up, by normalised path, in the ``categories.json`` index (:func:`bestbuy_category_index`)
so that products point at the same ``bestbuy/{id}`` nodes :func:`load_bestbuy_categories`
creates. A path the index lacks (or every path, without an index) gets a category keyed by its
path, ``bestbuy/path/{slug}/{slug}...``, with a PARENT edge to its parent path; these keys are
deterministic, so loading the same products twice, with or without the index, never duplicates.
"""

from __future__ import annotations

import json
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
    base_suffix,
    bounded_lines,
    clean_text,
    empty_file,
    line_too_long,
    open_text,
    popularity_value,
    read_json,
    refuse_rdf,
    short_repr,
    text_of,
    too_deep,
)
from kg.loaders.taxonomy import NAME_BRANDS_ROOT, _parse_category
from kg.schema import (
    LoadReport,
    Node,
    NodeKind,
    Relation,
    brand_key,
    node_iri,
    normalize_name,
    slug,
)

__all__ = ["bestbuy_category_index", "load_bestbuy_products"]


def _path_key(path: str) -> str:
    return " > ".join(normalize_name(p) for p in path.split(">"))


def bestbuy_category_index(categories: str | Path, *, source: str = "bestbuy",
                           report: LoadReport | None = None,
                           on_error: str = "skip") -> dict[str, str]:
    """Map normalised category paths of ``categories.json`` to their node keys.

    The first entry wins where two share a path (a handful in the real file). A file that is
    not a JSON array raises :class:`~kg.errors.KGLoadError`; a malformed entry (no id, a bad
    path ...) is a bad item: recorded in ``report`` (``skip``, the reason prefixed with the
    file's name) or raised (``abort``), as :func:`load_bestbuy_categories` does.

    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "categories.json"
    >>> _ = p.write_text(json.dumps([{"id": "c1", "name": "TVs",
    ...                               "path": [{"id": "c1", "name": "TVs"}]}]))
    >>> bestbuy_category_index(p)
    {'tvs': 'bestbuy/c1'}
    """
    categories = Path(categories)
    errors = RowErrors(categories, report if report is not None else LoadReport(str(categories)),
                       on_error, unit="item", tag=f"{categories.name}: ")
    data = read_json(categories)
    if not isinstance(data, list):
        raise KGLoadError(f"{categories}: expected a JSON array of categories, "
                          f"got {type(data).__name__}")
    if not data:
        raise empty_file(categories, "an empty JSON array: no categories",
                         "categories= (empty) loads the products without a category file")
    index: dict[str, str] = {}
    for i, item in enumerate(data):
        parsed = _parse_category(item)
        if isinstance(parsed, str):
            errors.bad(parsed, i, short_repr(item))
            continue
        cid, names, _ = parsed
        if names[0][1] == NAME_BRANDS_ROOT:
            continue
        index.setdefault(_path_key(" > ".join(n for _, n in names)), f"{source}/{cid}")
    return index


def _records(path: Path, errors: RowErrors) -> Iterator[tuple[int, Any]]:
    """(position, item) from a JSON array (position = item index) or JSONL (line number)."""
    with open_text(path, lenient=errors.lenient) as fh:
        if base_suffix(path) == ".jsonl":
            blank = True
            for lineno, (line, whole) in enumerate(bounded_lines(fh), 1):
                if line.strip():
                    blank = False
                if not whole:  # read with a cap: a huge line (a small .gz file) is not read
                    errors.bad(line_too_long(), lineno, line[:200])
                    continue
                if errors.undecodable(line, lineno):
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    errors.bad(f"invalid JSON ({exc.msg})", lineno, line)
                    continue
                except JSON_LIMITS as exc:
                    errors.bad(too_deep(exc), lineno, line[:200])
                    continue
                yield lineno, obj
            if blank:
                raise empty_file(path, "no JSON object: JSON Lines have one object per line")
            return
    data = read_json(path)
    if not isinstance(data, list):
        raise KGLoadError(f"{path}: expected a JSON array of products, got {type(data).__name__}")
    if not data:
        raise empty_file(path, "an empty JSON array: no products")
    errors.unit = "item"
    yield from enumerate(data)


#: Fields of a Best Buy product record that a category entry lacks (:func:`_a_category`).
_PRODUCT_FIELDS = ("objectID", "sku", "hierarchicalCategories", "brand", "type", "price")


def _a_category(item: Any) -> bool:
    """Whether ``item`` is an entry of Best Buy's categories.json (an id and a path of
    ``{id, name}``, none of a product's fields), not a product record."""
    return (isinstance(item, dict) and isinstance(item.get("path"), list) and "id" in item
            and not any(k in item for k in _PRODUCT_FIELDS))


def _default_categories(path: Path) -> Path | None:
    for name in ("categories.json", "categories.json.gz"):
        if (path.parent / name).is_file():
            return path.parent / name
    return None


def load_bestbuy_products(
    path: str | Path, *, report: LoadReport, on_error: str = "skip", source: str = "bestbuy",
    categories: str | Path | None = None,
) -> Iterator[Record]:
    """Products, brands, product types and their edges from Best Buy product records.

    Args:
        path: a JSON array (or ``.jsonl``) of records with ``name``, ``brand``,
            ``hierarchicalCategories`` (``lvl0``..``lvl4``), ``type``, ``popularity``,
            ``objectID``; ``.gz`` read transparently.
        categories: ``categories.json`` used to key product categories by Best Buy id; by
            default the ``categories.json[.gz]`` beside ``path`` if there is one; ``""`` for none.

    A file without a record (an empty array, 0 bytes, JSON Lines with blank lines only) is
    refused (KGLoadError), and so is one whose first record is a category entry of
    categories.json (id, path; no product field): that file is ``bestbuy-categories``'.

    Yields Product (key ``bestbuy/{objectID}``), Brand (key :func:`~kg.schema.brand_key`),
    ProductType (key ``slug(type)``) and Category nodes; HAS_BRAND, IN_CATEGORY, HAS_TYPE,
    TYPE_IN and Brand -SELLS_IN-> Category edges.

    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "products.json"
    >>> _ = p.write_text(json.dumps([{"objectID": "1", "name": "Galaxy S7", "brand": "Samsung",
    ...     "type": "Phones", "popularity": 5, "hierarchicalCategories": {"lvl0": "Cell Phones"}}]))
    >>> recs = list(load_bestbuy_products(p, report=LoadReport(str(p))))
    >>> sorted(r.kind.value for r in recs if isinstance(r, Node))
    ['brand', 'category', 'product', 'product_type']
    """
    path = Path(path)
    refuse_rdf(path, "Best Buy product records")  # (its triples would be read as rows)
    errors = RowErrors(path, report, on_error, unit="line")
    if categories is None:
        categories = _default_categories(path)
    # (the category file is auxiliary here: a bad entry of it is reported, never a reason to
    # refuse the products; the shipped one has one without a name)
    index = bestbuy_category_index(categories, source=source, report=report,
                                   on_error="skip") if categories else {}
    emit = Emitter()

    def path_node(cpath: list[str]) -> Node:
        return Node(kind=NodeKind.CATEGORY,
                    key=f"{source}/path/" + "/".join(slug(p) for p in cpath),
                    label=cpath[-1], source=source, path=" > ".join(cpath))

    def path_nodes(cpath: list[str]) -> list[Node]:
        """The categories keyed by path that ``cpath`` needs (it and its ancestors up to one
        that ``categories.json`` has)."""
        out = []
        while cpath and _path_key(" > ".join(cpath)) not in index:
            out.append(path_node(cpath))
            cpath = cpath[:-1]
        return out

    def category(cpath: list[str]) -> Iterator[Record]:
        """Yield the category of ``cpath`` (and its missing ancestors); return its IRI."""
        key = index.get(_path_key(" > ".join(cpath)))
        if key is not None:
            return node_iri(NodeKind.CATEGORY, key)
        node = path_node(cpath)
        if not emit.has(NodeKind.CATEGORY, node.key):
            report.skip("category path not in categories.json (keyed by path)", " > ".join(cpath))
            yield from emit.node(node)
            if len(cpath) > 1:
                parent = yield from category(cpath[:-1])
                yield from emit.edge(node.iri, Relation.PARENT, parent)
        return node.iri

    first = True
    for where, item in _records(path, errors):
        if first and _a_category(item):
            raise KGLoadError(
                f"{path}: {errors.unit} {where} is a Best Buy category ({short_repr(item, 120)}),"
                " not a product: load a categories.json with --kind bestbuy-categories. Nothing "
                "loaded")
        first = False
        if not isinstance(item, dict):
            errors.bad("product record is not an object", where, short_repr(item))
            continue
        name = clean_text(text_of(item.get("name") or ""))
        if not name:
            errors.bad("product without a name", where, short_repr(item))
            continue
        pid = clean_text(text_of(item.get("objectID") or item.get("sku") or "")) or slug(name)
        try:
            popularity = popularity_value(item.get("popularity"))
        except ValueError:
            popularity = None
            errors.bad("popularity not a finite number >= 0", where,
                       f"popularity={short_repr(item.get('popularity'))}",
                       kept="product kept without a popularity")
        hier = item.get("hierarchicalCategories")
        levels = [v for k, v in sorted(hier.items()) if isinstance(v, str) and v.strip()
                  and isinstance(k, str) and k.startswith("lvl")] if isinstance(hier, dict) else []
        cpath = [clean_text(p) for p in levels[-1].split(">")] if levels else []
        if not all(cpath):
            cpath = []
        brand_name = clean_text(text_of(item.get("brand") or ""))
        ptype = clean_text(text_of(item.get("type") or ""))
        try:
            product = Node(kind=NodeKind.PRODUCT, key=f"{source}/{pid}", label=name,
                           source=source, external_id=pid, popularity=popularity)
            cats = path_nodes(cpath)
            brand = Node(kind=NodeKind.BRAND, key=brand_key(brand_name), label=brand_name,
                         source=source) if brand_name else None
            tnode = Node(kind=NodeKind.PRODUCT_TYPE, key=slug(ptype), label=ptype,
                         source=source) if ptype else None
        except (ValueError, TypeError) as exc:  # a value the KG cannot store
            errors.bad(f"bad value: {exc}", where, short_repr(item))
            continue
        clash = emit.clash([*cats, product, *(n for n in (brand, tnode) if n)],
                           f"{errors.unit} {where}")
        if clash:
            errors.bad(KEY_CLASH, where, clash)
            continue
        # categories first, so that edges point at nodes that exist
        cat_iri = None
        if cpath:
            cat_iri = yield from category(cpath)
        if cat_iri is None:
            report.skip("product without a category (product kept)", f"{where}: {name}")
        yield from emit.node(product)
        if cat_iri:
            yield from emit.edge(product.iri, Relation.IN_CATEGORY, cat_iri)
        if brand:
            yield from emit.node(brand)
            yield from emit.edge(product.iri, Relation.HAS_BRAND, brand.iri)
            if cat_iri:
                yield from emit.edge(brand.iri, Relation.SELLS_IN, cat_iri)
        if tnode:
            yield from emit.node(tnode)
            yield from emit.edge(product.iri, Relation.HAS_TYPE, tnode.iri)
            if cat_iri:
                yield from emit.edge(tnode.iri, Relation.TYPE_IN, cat_iri)
