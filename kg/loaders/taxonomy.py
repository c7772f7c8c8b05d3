"""Category taxonomies: the Google product taxonomy and the Best Buy category tree.

Best Buy's ``Name Brands`` branch is not a category tree: its children are brand stores
("Sony", "Garmin GPS", "LG") and their descendants ("|Home Theater", "LG Refrigerators") name
the categories each brand sells in. :func:`load_bestbuy_categories` turns the children into
:class:`~kg.schema.NodeKind.BRAND` nodes and the descendants into ``Brand -SELLS_IN-> Category``
edges to the main-tree category with the same normalised name (brand prefix, leading ``|`` and
a plural ``s`` ignored; a candidate whose parent also matches wins). Unmatched ones are
reported. Every other root is kept as categories, except ``exclude_roots`` (by default the
test and service roots listed in :data:`DEFAULT_EXCLUDED_ROOTS`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import KGLoadError
from kg.loaders._common import (
    KEY_CLASH,
    Emitter,
    Record,
    RowErrors,
    bounded_lines,
    clean_text,
    empty_file,
    line_too_long,
    open_text,
    read_json,
    refuse_rdf,
    short_repr,
)
from kg.schema import (
    LoadReport,
    Node,
    NodeKind,
    Relation,
    brand_key,
    node_iri,
    normalize_name,
)

__all__ = [
    "DEFAULT_EXCLUDED_ROOTS",
    "NAME_BRANDS_ROOT",
    "bestbuy_brand_name",
    "load_bestbuy_categories",
    "load_google_taxonomy",
]

_TAXONOMY_LINE = re.compile(r"^\s*(\d+)\s+-\s+(\S.*?)\s*$")

#: The Best Buy root whose children are brands, not categories.
NAME_BRANDS_ROOT = "Name Brands"
#: Best Buy roots that are test pages or services, not products (excluded by default).
DEFAULT_EXCLUDED_ROOTS = (
    "AF TestingTemplate", "Windows Store TEST BUILD", "Best Buy News", "Customer Service",
    "Reviews & Ratings", "How It Works - Digital Library", "My Best Buy Get 10",
)

# Suffixes of Best Buy brand-store names that are not part of the brand ("Garmin GPS").
_BRAND_SUFFIX = re.compile(
    r"\s+(brand store|appliances|vacuums|computers|digital cameras|cameras & optics|cameras|gps|"
    r"projectors|headsets|electronics|car audio|health & fitness products|"
    r"photobook and gift cards|remote start & keyless entry)$",
    re.IGNORECASE,
)


def load_google_taxonomy(path: str | Path, *, report: LoadReport, on_error: str = "skip",
                         source: str = "google") -> Iterator[Record]:
    """Category nodes (key ``google/{id}``) and PARENT edges from ``taxonomy-with-ids`` text.

    Lines are ``id - A > B > C``; comments (``#``) and blank lines are skipped and counted,
    malformed lines are bad rows (see ``on_error``), and so is a line that gives an id met
    before another path (``1 - Animals``, then ``1 - Vehicles``): the id's first line stands.
    A file without a taxonomy line (0 bytes, comments and blank lines only: the version
    comment alone) is refused (KGLoadError), whatever ``on_error``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_text("# v1\\n1 - Animals\\n3 - Animals > Pet Supplies\\n")
    >>> recs = list(load_google_taxonomy(p, report=LoadReport(str(p))))
    >>> [r.label if isinstance(r, Node) else r.relation.value for r in recs]
    ['Animals', 'Pet Supplies', 'parent']
    """
    refuse_rdf(path, "a Google taxonomy")  # (its triples would be read as rows)
    errors = RowErrors(path, report, on_error)
    emit = Emitter()
    rows: list[tuple[int, Node, list[str]]] = []
    lines = comments = blanks = 0
    with open_text(path, lenient=errors.lenient) as fh:
        for lineno, (raw, whole) in enumerate(bounded_lines(fh), 1):
            lines = lineno
            if not whole:  # read with a cap: one GiB line (a small .gz file) is not read whole
                errors.bad(line_too_long(), lineno, raw[:200])
                continue
            if errors.undecodable(raw, lineno):
                continue
            line = raw.strip()
            if not line:
                report.skip("blank line")
                blanks += 1
                continue
            if line.startswith("#"):
                report.skip("comment line", f"line {lineno}: {line}")
                comments += 1
                continue
            m = _TAXONOMY_LINE.match(line)
            segments = [clean_text(s) for s in m.group(2).split(">")] if m else []
            if not m or not all(segments):
                errors.bad("malformed taxonomy line (expected 'id - A > B')", lineno, line)
                continue
            cid = m.group(1)
            try:
                node = Node(kind=NodeKind.CATEGORY, key=f"{source}/{cid}", label=segments[-1],
                            source=source, external_id=cid, path=" > ".join(segments))
            except (ValueError, TypeError) as exc:  # a value the KG cannot store
                errors.bad(f"bad value: {exc}", lineno, line)
                continue
            clash = emit.clash([node], f"line {lineno}")
            if clash:
                errors.bad(KEY_CLASH, lineno, clash)
                continue
            rows.append((lineno, node, segments))
    if lines == comments + blanks:
        raise empty_file(path, "no taxonomy line 'id - A > B'" + (
            ", only comment lines" if comments and not blanks else
            ", only comment and blank lines" if comments else
            ", only blank lines" if lines else ""))
    by_path = {tuple(normalize_name(s) for s in segs): node.external_id
               for _, node, segs in rows}
    for lineno, node, segments in rows:
        yield from emit.node(node)
        if len(segments) > 1:
            parent = by_path.get(tuple(normalize_name(s) for s in segments[:-1]))
            if parent is None:
                report.skip("parent path not found (node kept as a root)",
                            f"line {lineno}: {node.path}")
                continue
            yield from emit.edge(node.iri, Relation.PARENT,
                                 node_iri(NodeKind.CATEGORY, f"{source}/{parent}"))


def bestbuy_brand_name(store_name: str) -> str:
    """The brand behind a Best Buy ``Name Brands`` store name.

    >>> bestbuy_brand_name("Garmin GPS"), bestbuy_brand_name("Dyson Brand Store")
    ('Garmin', 'Dyson')
    >>> bestbuy_brand_name("GoPro")
    'GoPro'
    """
    name = clean_text(store_name)
    stripped = _BRAND_SUFFIX.sub("", name).strip()
    return stripped or name


def _match_key(name: str) -> str:
    key = normalize_name(name.lstrip("|"))
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def _split_list(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def load_bestbuy_categories(
    path: str | Path, *, report: LoadReport, on_error: str = "skip", source: str = "bestbuy",
    exclude_roots: str | tuple[str, ...] = DEFAULT_EXCLUDED_ROOTS,
) -> Iterator[Record]:
    """Categories (key ``bestbuy/{id}``), PARENT edges, brands and SELLS_IN from categories.json.

    Args:
        path: Best Buy ``categories.json`` (a JSON array of ``{id, name, path, subCategories}``;
            ``.gz`` read transparently).
        report: receives skipped entries (``item N`` = position in the array) and the
            ``Name Brands`` categories that matched no main-tree category.
        on_error: ``skip`` or ``abort`` on malformed entries.
        exclude_roots: comma-separated root names whose subtrees are left out (``""`` keeps all).

    A file without a category (an empty array, 0 bytes) is refused (KGLoadError).

    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "categories.json"
    >>> tv = {"id": "c1", "name": "TVs", "path": [{"id": "c1", "name": "TVs"}]}
    >>> nb = {"id": "nb", "name": "Name Brands", "path": [{"id": "nb", "name": "Name Brands"}]}
    >>> sony = {"id": "s", "name": "Sony", "path": nb["path"] + [{"id": "s", "name": "Sony"}]}
    >>> stv = {"id": "s1", "name": "|TVs", "path": sony["path"] + [{"id": "s1", "name": "|TVs"}]}
    >>> _ = p.write_text(json.dumps([tv, nb, sony, stv]))
    >>> from kg.schema import Edge
    >>> recs = list(load_bestbuy_categories(p, report=LoadReport(str(p))))
    >>> [(r.kind.value, r.label) for r in recs if isinstance(r, Node)]
    [('category', 'TVs'), ('brand', 'Sony')]
    >>> [r.relation.value for r in recs if isinstance(r, Edge)]
    ['sells_in']
    """
    refuse_rdf(path, "Best Buy's categories.json")  # (its triples would be read as rows)
    errors = RowErrors(path, report, on_error, unit="item")
    excluded = {normalize_name(r) for r in _split_list(exclude_roots)}
    data = read_json(path)
    if not isinstance(data, list):
        raise KGLoadError(f"{path}: expected a JSON array of categories, got {type(data).__name__}")
    if not data:
        raise empty_file(path, "an empty JSON array: no categories")

    emit = Emitter()
    entries: list[tuple[int, str, list[tuple[str, str]], list[tuple[str, str]]]] = []
    for i, item in enumerate(data):
        parsed = _parse_category(item)
        if isinstance(parsed, str):
            errors.bad(parsed, i, short_repr(item))
            continue
        cid, names, subs = parsed
        try:
            node = _category_node(source, cid, names)
        except (ValueError, TypeError) as exc:  # a value the KG cannot store
            errors.bad(f"bad value: {exc}", i, short_repr(item))
            continue
        clash = emit.clash([node], f"item {i}")  # the same id twice, with another path
        if clash:
            errors.bad(KEY_CLASH, i, clash)
            continue
        entries.append((i, cid, names, subs))

    main: dict[str, tuple[str, list[tuple[str, str]]]] = {}  # id -> (key, path)
    branded: list[tuple[int, str, list[tuple[str, str]], list[tuple[str, str]]]] = []
    for i, cid, names, subs in entries:
        root = names[0][1]
        if root == NAME_BRANDS_ROOT:
            branded.append((i, cid, names, subs))
            continue
        if normalize_name(root) in excluded:
            report.skip("excluded root", " > ".join(n for _, n in names))
            continue
        node = _category_node(source, cid, names)
        main[cid] = (node.key, names)
        yield from emit.node(node)
    # PARENT edges from the path; subCategories add parents the path does not name.
    for _, cid, names, subs in entries:
        if cid not in main:
            continue
        child = node_iri(NodeKind.CATEGORY, main[cid][0])
        if len(names) > 1 and names[-2][0] in main:
            yield from emit.edge(child, Relation.PARENT,
                                 node_iri(NodeKind.CATEGORY, main[names[-2][0]][0]))
        for sub, _ in subs:
            if sub in main and main[sub][1][:-1] != names and main[sub][1][-1][0] == sub:
                yield from emit.edge(node_iri(NodeKind.CATEGORY, main[sub][0]), Relation.PARENT,
                                     child)
    yield from _name_brands(branded, main, emit, report, source)


def _category_node(source: str, cid: str, names: list[tuple[str, str]]) -> Node:
    labels = [n for _, n in names]
    return Node(kind=NodeKind.CATEGORY, key=f"{source}/{cid}", label=labels[-1],
                source=source, external_id=cid, path=" > ".join(labels))


def _parse_category(item: Any
                    ) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]] | str:
    """(id, [(id, name) of the path], [(id, name) of the subcategories]) of a Best Buy
    category entry, or why it is malformed."""
    if not isinstance(item, dict):
        return "category entry is not an object"
    cid, path = item.get("id"), item.get("path")
    if not isinstance(cid, str) or not cid.strip():
        return "category without an id"
    if not isinstance(path, list) or not path:
        return "category without a path"
    names: list[tuple[str, str]] = []
    for p in path:
        raw = p.get("name") if isinstance(p, dict) else None
        name = clean_text(raw) if isinstance(raw, str) else ""
        pid = p.get("id") if isinstance(p, dict) else None
        if not name or not isinstance(pid, str) or not pid.strip():
            return "category path with an empty name or id"
        names.append((pid, name))
    if names[-1][0] != cid:
        return "category path does not end at the category"
    subcategories = item.get("subCategories")
    if subcategories is None:
        subcategories = []
    if not isinstance(subcategories, list):
        return "category subCategories is not a list"
    subs = [(s["id"], clean_text(s["name"]) if isinstance(s.get("name"), str) else "")
            for s in subcategories if isinstance(s, dict) and isinstance(s.get("id"), str)]
    return cid, names, subs


def _name_brands(branded: list[tuple[int, str, list[tuple[str, str]], list[tuple[str, str]]]],
                 main: dict[str, tuple[str, list[tuple[str, str]]]], emit: Emitter,
                 report: LoadReport, source: str) -> Iterator[Record]:
    """Brands from the children of ``Name Brands``; SELLS_IN from their descendants."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for cid, (_, names) in main.items():
        by_name[_match_key(names[-1][1])].append(cid)
    brands: dict[str, Node] = {}  # store id -> brand node
    for _, _cid, names, _subs in branded:
        if len(names) == 1:
            report.skip("Name Brands root (brands, not a category)", names[0][1])
            continue
        store_id, store = names[1]  # the store may lack an entry of its own: use the path
        if store_id not in brands:
            brand = bestbuy_brand_name(store)
            aliases = (store,) if normalize_name(store) != normalize_name(brand) else ()
            brands[store_id] = Node(kind=NodeKind.BRAND, key=brand_key(brand), label=brand,
                                    aliases=aliases, source=source, external_id=store_id)
            yield from emit.node(brands[store_id])
    recorded = {cid for _, cid, _, _ in branded}
    for _, _cid, names, subs in branded:
        if len(names) < 2 or names[1][0] not in brands:
            continue
        brand = brands[names[1][0]]
        for sub, sub_name in subs:
            if sub in main:
                # direct link: a brand store listing a main-tree category as a subcategory
                yield from emit.edge(brand.iri, Relation.SELLS_IN,
                                     node_iri(NodeKind.CATEGORY, main[sub][0]))
            elif sub not in recorded and sub_name:
                # a subcategory without an entry of its own: match it by its name
                target = _match_branded([*names, (sub, sub_name)], brand, by_name, main)
                if target is not None:
                    yield from emit.edge(brand.iri, Relation.SELLS_IN,
                                         node_iri(NodeKind.CATEGORY, main[target][0]))
        if len(names) < 3:
            continue
        target = _match_branded(names, brand, by_name, main)
        if target is None:
            report.skip("Name Brands category matched no category",
                        " > ".join(n for _, n in names))
            continue
        yield from emit.edge(brand.iri, Relation.SELLS_IN,
                             node_iri(NodeKind.CATEGORY, main[target][0]))


def _strip_brand(name: str, brand: Node) -> list[str]:
    """Match keys of a branded category name, with and without the brand prefix."""
    keys = [_match_key(name)]
    norm = normalize_name(name.lstrip("|"))
    prefixes = {normalize_name(b) for b in (brand.label, *brand.aliases)}
    prefixes |= {p.split(" ")[0] for p in prefixes}  # "Polk Audio" stores say "Polk Speakers"
    for p in sorted(prefixes):
        prefix = p + " "
        if norm.startswith(prefix):
            keys.append(_match_key(norm[len(prefix):]))
    return keys


def _match_branded(names: list[tuple[str, str]], brand: Node, by_name: dict[str, list[str]],
                   main: dict[str, tuple[str, list[tuple[str, str]]]]) -> str | None:
    candidates: list[str] = []
    for key in _strip_brand(names[-1][1], brand):
        candidates += [c for c in by_name.get(key, []) if c not in candidates]
    if not candidates:
        return None
    parent_keys = set(_strip_brand(names[-2][1], brand)) if len(names) > 3 else set()

    def rank(cid: str) -> tuple[int, int, str]:
        path = main[cid][1]
        parent_match = len(path) > 1 and _match_key(path[-2][1]) in parent_keys
        return (0 if parent_match else 1, len(path), cid)

    return min(candidates, key=rank)
