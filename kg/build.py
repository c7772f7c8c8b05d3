"""Build the default knowledge graph from the project's ``data/`` folder.

The default KG holds the Google product taxonomy, the Best Buy category tree (with the brands
of its ``Name Brands`` branch and the categories they sell in), the Best Buy cell-phone
products, the Flipkart catalogue sample with its attribute values, the Flipkart brand list and
curated colour and material values, Amazon brands and attribute values (OA-Mine titles), the
Google taxonomy's product types (with singular/plural aliases), and gazetteers mined from the
QueryNER training annotations (``Source.mined``: brands, product types, colours, materials,
departments, shapes, occasions), followed by the KG hygiene pass (:mod:`kg.hygiene`:
colour/fit words are not brands, duplicate attribute values merged, promotion and genre
categories marked non-linkable, short-form aliases the category names imply: "PS4" for
"PlayStation 4", whose children are "PS4 Games", "PS4 Consoles" ...), reported as the last
load report.
Sources are listed in :data:`DEFAULT_SOURCES`; the data and
its provenance are described in ``data/README.md``.

Example:
    >>> [s.kind for s in DEFAULT_SOURCES][:3]
    ['google-taxonomy', 'bestbuy-categories', 'bestbuy-products']
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import KGCorruptError, KGError, KGNotFoundError
from kg.hygiene import HygieneConfig, apply_hygiene
from kg.io import atomic_write_json
from kg.loaders import get_loader
from kg.schema import LoadReport, Node

if TYPE_CHECKING:
    from kg.graph import ProductGraph

__all__ = [
    "BUILD_INFO",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SOURCES",
    "Source",
    "build_base",
    "build_default",
    "build_into",
]

log = logging.getLogger(__name__)

#: The hygiene rules of the default build.
DEFAULT_HYGIENE = HygieneConfig()

#: The project's data/ folder (present in a source checkout or an editable install).
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: File written into a KG directory built by :func:`build_default`.
BUILD_INFO = "kgqp-build.json"


@dataclass(frozen=True)
class Source:
    """One input of the default KG: a file under data/, its loader kind and options."""

    path: str
    kind: str
    options: dict[str, str] = field(default_factory=dict)
    #: mined from the tagger's training annotations: a tagger trained with this KG's lexicon
    #: sees it cross-fold (:func:`build_base` leaves it out)
    mined: bool = False
    #: names for matching (the tagger's lexicon) only: the nodes this source CREATES are marked
    #: ``kgqp:linkable false`` (:data:`kg.link.LINKABLE`), so the linker keeps proposing the
    #: category "TVs" for "tv", not a bare product-type node without edges
    lexicon_only: bool = False


def _gaz(path: str, kind: str, source: str, attribute: str = "", *, mined: bool = False,
         variants: str = "", lexicon_only: bool = False) -> Source:
    options = {"node_kind": kind, "source": source}
    if attribute:
        options["attribute"] = attribute
    if variants:
        options["variants"] = variants
    return Source(path, "gazetteer", options, mined=mined, lexicon_only=lexicon_only)


DEFAULT_SOURCES: tuple[Source, ...] = (
    Source("taxonomy/taxonomy-with-ids.en-US.txt.gz", "google-taxonomy"),
    Source("bestbuy/categories.json.gz", "bestbuy-categories"),
    Source("bestbuy/products_cellphones.json.gz", "bestbuy-products",
           {"categories": "bestbuy/categories.json.gz"}),
    Source("flipkart/catalog_with_specs.csv.gz", "catalog"),
    Source("flipkart/brands.txt", "gazetteer", {"node_kind": "brand", "source": "flipkart"}),
    Source("attributes/colors.txt", "gazetteer",
           {"node_kind": "attribute_value", "attribute": "color", "source": "flipkart"}),
    Source("attributes/materials.txt", "gazetteer",
           {"node_kind": "attribute_value", "attribute": "material", "source": "flipkart"}),
    # Amazon brands and attribute values (OA-Mine titles), Google taxonomy product types
    _gaz("lexicon/oa_mine_brands.txt", "brand", "oa-mine"),
    _gaz("lexicon/oa_mine_colors.txt", "attribute_value", "oa-mine", "color"),
    _gaz("lexicon/oa_mine_materials.txt", "attribute_value", "oa-mine", "material"),
    _gaz("lexicon/oa_mine_departments.txt", "attribute_value", "oa-mine", "department",
         lexicon_only=True),
    _gaz("lexicon/google_product_types.txt.gz", "product_type", "google", variants="number",
         lexicon_only=True),
    # mined from the QueryNER training annotations (cross-fold for tagger training)
    _gaz("lexicon/queryner_creator.txt", "brand", "queryner", mined=True),
    _gaz("lexicon/queryner_core_product_type.txt", "product_type", "queryner", mined=True,
         lexicon_only=True),
    _gaz("lexicon/queryner_color.txt", "attribute_value", "queryner", "color", mined=True),
    _gaz("lexicon/queryner_material.txt", "attribute_value", "queryner", "material", mined=True),
    _gaz("lexicon/queryner_department.txt", "attribute_value", "queryner", "department",
         mined=True, lexicon_only=True),
    _gaz("lexicon/queryner_shape.txt", "attribute_value", "queryner", "shape", mined=True,
         lexicon_only=True),
    _gaz("lexicon/queryner_occasion.txt", "attribute_value", "queryner", "occasion", mined=True,
         lexicon_only=True),
)


def build_into(graph: ProductGraph, *, data_dir: Path = DEFAULT_DATA_DIR,
               sources: tuple[Source, ...] = DEFAULT_SOURCES,
               progress: bool = True,
               hygiene: HygieneConfig | None = DEFAULT_HYGIENE) -> list[LoadReport]:
    """Load ``sources`` (paths relative to ``data_dir``) into ``graph``; one report each.

    Each source is one transaction. Relative path options (``categories``) are resolved
    against ``data_dir`` too. Then, unless ``hygiene`` is None, :func:`kg.hygiene.apply_hygiene`
    runs as one more transaction, and its report (source ``"hygiene"``) is the last one.
    """
    data_dir = Path(data_dir)
    missing = [s.path for s in sources if not (data_dir / s.path).is_file()]
    if missing:
        raise KGNotFoundError(
            f"{data_dir}: missing {', '.join(missing)}; the default KG is built from the "
            "project's data/ folder (a source checkout); regenerate it with "
            "`python data/prepare.py` or pass data_dir=")
    reports = []
    for src in sources:
        options = dict(src.options)
        if "categories" in options:
            options["categories"] = str(data_dir / options["categories"])
        path = data_dir / src.path
        report = LoadReport(str(path.relative_to(data_dir)))
        t0 = time.perf_counter()
        records = get_loader(src.kind)(path, report=report, **options)
        new: list[str] = []
        if src.lexicon_only:
            records = list(records)
            nodes = [r for r in records if isinstance(r, Node)]
            existing = ({n.iri for k in {r.kind for r in nodes} for n in graph.nodes(k)}
                        if callable(getattr(graph, "nodes", None)) else set())
            new = list(dict.fromkeys(r.iri for r in nodes if r.iri not in existing))
        graph.add_records(records, report=report, progress=progress,
                          message=f"default KG: {src.path}")
        if new and callable(getattr(graph, "transaction", None)):
            _mark_unlinkable(graph, new, src.path)
        log.info("%s: %s nodes %s edges, skipped %s (%.1f s)", src.path, report.nodes,
                 report.edges, report.skipped, time.perf_counter() - t0)
        reports.append(report)
    if hygiene is not None:
        reports.append(apply_hygiene(graph, hygiene))
    return reports


def _mark_unlinkable(graph: ProductGraph, iris: list[str], source: str) -> None:
    import pyoxigraph as ox

    from kg.link import LINKABLE

    flag = ox.NamedNode(LINKABLE)
    with graph.transaction(f"default KG: {source} names are lexicon-only") as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(i), flag, ox.Literal(False), ox.DefaultGraph())
                        for i in iris])
    log.info("%s: %d new nodes marked non-linkable (lexicon only)", source, len(iris))


def build_base(*, data_dir: Path = DEFAULT_DATA_DIR,
               sources: tuple[Source, ...] = DEFAULT_SOURCES,
               hygiene: HygieneConfig | None = DEFAULT_HYGIENE) -> ProductGraph:
    """An in-memory KG of ``sources`` WITHOUT the ones mined from training annotations
    (``Source.mined``): what a tagger's training sentences may see whole; the mined part is
    seen cross-fold (``parser.tagger.training.train_with_kg``). About 20 s for the default."""
    from kg.graph import ProductGraph

    graph = ProductGraph.in_memory()
    build_into(graph, data_dir=data_dir, sources=tuple(s for s in sources if not s.mined),
               progress=False, hygiene=hygiene)
    return graph


def _is_kg_dir(path: Path) -> bool:
    return (path / BUILD_INFO).is_file() or (path / "versions").is_dir()


def _close(graph: ProductGraph) -> None:
    close = getattr(graph, "close", None)
    if callable(close):
        close()


def build_default(path: Path, *, force: bool = False, data_dir: Path = DEFAULT_DATA_DIR,
                  progress: bool = True,
                  hygiene: HygieneConfig | None = DEFAULT_HYGIENE) -> ProductGraph:
    """Open the default KG at ``path``, building it from ``data/`` first if missing or ``force``.

    The build goes to a temporary sibling directory that replaces ``path`` only when complete,
    so an interrupted build never leaves a half-built KG behind (and with ``force`` the old KG
    stays until the new one is ready). ``force`` refuses to replace a non-empty directory that
    is not a KG.

    Args:
        path: the KG directory.
        force: rebuild even if ``path`` already holds a KG.
        data_dir: where the source files are (default: the project's data/).
        progress: show progress bars while loading.
        hygiene: the hygiene rules applied after loading (None: none).

    Returns:
        The opened :class:`kg.ProductGraph`.
    """
    from kg.graph import ProductGraph

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise KGError(f"{path} is a file, not a KG directory")
    exists = path.exists() and any(path.iterdir())
    if exists and not _is_kg_dir(path):
        raise KGError(f"{path} is a non-empty directory that is not a kgqp KG; refusing to "
                      f"{'replace' if force else 'build into'} it. Choose another path or "
                      "remove it yourself.")
    # the current KG's write lock, held until the new KG replaces it: a writer that has it
    # open (a service, a loader) makes this a "locked" error instead of losing its commits
    try:
        current = ProductGraph.open(path) if exists else None
    except KGCorruptError:
        if not force:
            raise
        current = None  # a damaged store (no writer can open it either): --force rebuilds it
    if current is not None and not force:
        if current.version > 0 or len(current):
            return current
        current.close()  # an empty KG (e.g. left by a failed first load): build it now
        current = None
    try:
        return _build_and_swap(path, data_dir=data_dir, progress=progress, hygiene=hygiene,
                               current=current)
    finally:
        if current is not None:
            current.close()


def _build_and_swap(path: Path, *, data_dir: Path, progress: bool,
                    hygiene: HygieneConfig | None, current: ProductGraph | None) -> ProductGraph:
    """Build the default KG beside ``path`` and move it in (``current``: the KG there, open as
    the writer, closed just before it is moved aside)."""
    from kg.graph import ProductGraph

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building")
    old = path.with_name(f".{path.name}.old")
    for stale in (tmp, old):
        if stale.exists():
            shutil.rmtree(stale)
    t0 = time.perf_counter()
    log.info("building the default KG at %s from %s", path, data_dir)
    graph = ProductGraph.open(tmp)
    try:
        reports = build_into(graph, data_dir=data_dir, progress=progress, hygiene=hygiene)
    finally:
        _close(graph)
    elapsed = time.perf_counter() - t0
    atomic_write_json(tmp / BUILD_INFO, {
        "data_dir": str(data_dir), "seconds": round(elapsed, 2),
        # sources mined from tagger training annotations: train taggers on this KG cross-fold
        "mined_sources": [s.path for s in DEFAULT_SOURCES if s.mined],
        "sources": [{"source": r.source, "nodes": r.nodes, "edges": r.edges,
                     "skipped": r.skipped, "examples": r.examples} for r in reports]})
    if current is not None:
        current.close()
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(old)
    log.info("default KG built at %s in %.1f s", path, elapsed)
    return ProductGraph.open(path)
