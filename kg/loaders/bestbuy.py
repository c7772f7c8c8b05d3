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

from kg.loaders._common import Emitter, Record, RowErrors, base_suffix, clean_text, open_text
from kg.loaders.taxonomy import NAME_BRANDS_ROOT
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


def bestbuy_category_index(categories: str | Path, *, source: str = "bestbuy") -> dict[str, str]:
    """Map normalised category paths of ``categories.json`` to their node keys.

    The first entry wins where two share a path (a handful in the real file).

    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "categories.json"
    >>> _ = p.write_text(json.dumps([{"id": "c1", "name": "TVs",
    ...                               "path": [{"id": "c1", "name": "TVs"}]}]))
    >>> bestbuy_category_index(p)
    {'tvs': 'bestbuy/c1'}
    """
    from kg.loaders._common import read_json

    index: dict[str, str] = {}
    for item in read_json(categories):
        if not isinstance(item, dict) or not isinstance(item.get("path"), list):
            continue
        names = [p.get("name") for p in item["path"] if isinstance(p, dict)]
        if not names or not all(isinstance(n, str) and n for n in names):
            continue
        if names[0] == NAME_BRANDS_ROOT:
            continue
        index.setdefault(_path_key(" > ".join(clean_text(n) for n in names)),
                         f"{source}/{item['id']}")
    return index


def _records(path: Path, errors: RowErrors) -> Iterator[tuple[int, Any]]:
    """(position, item) from a JSON array (position = item index) or JSONL (line number)."""
    with open_text(path) as fh:
        if base_suffix(path) == ".jsonl":
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as exc:
                    errors.bad(f"invalid JSON ({exc.msg})", lineno, line)
            return
        try:
            data = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            from kg.errors import KGLoadError

            raise KGLoadError(f"{path}: not valid UTF-8 JSON ({exc})") from None
    if not isinstance(data, list):
        from kg.errors import KGLoadError

        raise KGLoadError(f"{path}: expected a JSON array of products")
    errors.unit = "item"
    yield from enumerate(data)


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
    errors = RowErrors(path, report, on_error, unit="line")
    if categories is None:
        categories = _default_categories(path)
    index = bestbuy_category_index(categories, source=source) if categories else {}
    emit = Emitter()

    def category(cpath: list[str]) -> Iterator[Record]:
        """Yield the category of ``cpath`` (and its missing ancestors); return its IRI."""
        key = index.get(_path_key(" > ".join(cpath)))
        if key is not None:
            return node_iri(NodeKind.CATEGORY, key)
        key = f"{source}/path/" + "/".join(slug(p) for p in cpath)
        iri = node_iri(NodeKind.CATEGORY, key)
        if not emit.has(NodeKind.CATEGORY, key):
            report.skip("category path not in categories.json (keyed by path)", " > ".join(cpath))
            yield from emit.node(Node(kind=NodeKind.CATEGORY, key=key, label=cpath[-1],
                                      source=source, path=" > ".join(cpath)))
            if len(cpath) > 1:
                parent = yield from category(cpath[:-1])
                yield from emit.edge(iri, Relation.PARENT, parent)
        return iri

    for where, item in _records(path, errors):
        if not isinstance(item, dict):
            errors.bad("product record is not an object", where, repr(item))
            continue
        name = clean_text(str(item.get("name") or ""))
        if not name:
            errors.bad("product without a name", where, repr(item)[:200])
            continue
        pid = clean_text(str(item.get("objectID") or item.get("sku") or "")) or slug(name)
        popularity = item.get("popularity")
        if not isinstance(popularity, int | float) or isinstance(popularity, bool):
            popularity = None
        product = Node(kind=NodeKind.PRODUCT, key=f"{source}/{pid}", label=name, source=source,
                       external_id=pid, popularity=popularity)
        # categories first, so that edges point at nodes that exist
        hier = item.get("hierarchicalCategories")
        levels = [v for k, v in sorted(hier.items()) if isinstance(v, str) and v.strip()
                  and k.startswith("lvl")] if isinstance(hier, dict) else []
        cat_iri = None
        if levels:
            cpath = [clean_text(p) for p in levels[-1].split(">")]
            if all(cpath):
                cat_iri = yield from category(cpath)
        if cat_iri is None:
            report.skip("product without a category (product kept)", f"{where}: {name}")
        yield from emit.node(product)
        if cat_iri:
            yield from emit.edge(product.iri, Relation.IN_CATEGORY, cat_iri)
        brand_name = clean_text(str(item.get("brand") or ""))
        if brand_name:
            brand = Node(kind=NodeKind.BRAND, key=brand_key(brand_name), label=brand_name,
                         source=source)
            yield from emit.node(brand)
            yield from emit.edge(product.iri, Relation.HAS_BRAND, brand.iri)
            if cat_iri:
                yield from emit.edge(brand.iri, Relation.SELLS_IN, cat_iri)
        ptype = clean_text(str(item.get("type") or ""))
        if ptype:
            tnode = Node(kind=NodeKind.PRODUCT_TYPE, key=slug(ptype), label=ptype, source=source)
            yield from emit.node(tnode)
            yield from emit.edge(product.iri, Relation.HAS_TYPE, tnode.iri)
            if cat_iri:
                yield from emit.edge(tnode.iri, Relation.TYPE_IN, cat_iri)
