"""Loaders: turn source files into KG records and load them into a :class:`kg.ProductGraph`.

Each loader is a plain generator ``load_xxx(path, *, report, **options) -> Iterator[Node | Edge]``
that records what it skips in the :class:`~kg.schema.LoadReport`. :func:`load_sources` picks
the loader by kind name from :data:`LOADERS` and writes each source in one transaction.

Kinds: ``google-taxonomy``, ``bestbuy-categories``, ``bestbuy-products``, ``catalog``,
``gazetteer``, ``rdf``. Every kind takes ``on_error=skip|abort``: ``skip`` (default) reports
bad rows with their line numbers and loads the rest; ``abort`` raises
:class:`~kg.errors.KGLoadError` naming the first bad line and loads nothing from that source.
A row that is not valid UTF-8 is a bad row with ``skip``; with ``abort`` the error names its
line and, where other rows are valid UTF-8 (a file that mixes encodings), says so rather than
advise converting the whole file (:func:`not_utf8`). A whole JSON document is read whole.
Except ``rdf``: an RDF file is loaded whole or not at all (a syntax error anywhere in it loads
nothing of it), whatever ``on_error`` says; an explicit ``skip`` logs a warning saying so.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "brands.txt"
    >>> _ = p.write_text("Sony\\nLG\\n")
    >>> loader = get_loader("gazetteer")
    >>> [n.key for n in loader(p, report=LoadReport(str(p)), node_kind="brand")]
    ['sony', 'lg']
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import KGLoadError
from kg.loaders._common import Record, check_on_error, clean_text, not_utf8, open_text
from kg.loaders.bestbuy import bestbuy_category_index, load_bestbuy_products
from kg.loaders.catalog import attribute_kind, load_catalog
from kg.loaders.gazetteer import load_gazetteer
from kg.loaders.taxonomy import (
    DEFAULT_EXCLUDED_ROOTS,
    bestbuy_brand_name,
    load_bestbuy_categories,
    load_google_taxonomy,
)
from kg.schema import LoadReport

if TYPE_CHECKING:
    from kg.graph import ProductGraph

__all__ = [
    "DEFAULT_EXCLUDED_ROOTS",
    "LOADERS",
    "Loader",
    "Record",
    "attribute_kind",
    "bestbuy_brand_name",
    "bestbuy_category_index",
    "clean_text",
    "get_loader",
    "load_bestbuy_categories",
    "load_bestbuy_products",
    "load_catalog",
    "load_gazetteer",
    "load_google_taxonomy",
    "load_sources",
    "not_utf8",
    "open_text",
]

log = logging.getLogger(__name__)

Loader = Callable[..., Iterator[Record]]

#: Record loaders by kind name (``rdf`` is handled by the graph itself).
LOADERS: dict[str, Loader] = {
    "google-taxonomy": load_google_taxonomy,
    "bestbuy-categories": load_bestbuy_categories,
    "bestbuy-products": load_bestbuy_products,
    "catalog": load_catalog,
    "gazetteer": load_gazetteer,
}
KINDS = (*LOADERS, "rdf")
#: Other accepted spellings of kind names.
ALIASES = {"taxonomy": "google-taxonomy", "google": "google-taxonomy", "csv": "catalog",
           "jsonl": "catalog", "gazetteers": "gazetteer", "turtle": "rdf"}


def _kind(kind: str) -> str:
    norm = kind.strip().lower().replace("_", "-")
    return ALIASES.get(norm, norm)


def get_loader(kind: str) -> Loader:
    """The loader registered under ``kind``; an unknown kind raises ValueError listing them."""
    norm = _kind(kind)
    if norm in LOADERS:
        return LOADERS[norm]
    raise ValueError(f"Unknown source kind {kind!r}; choose one of: {', '.join(KINDS)}")


def _check_options(kind: str, loader: Loader, options: dict[str, Any]) -> None:
    params = [p for p in inspect.signature(loader).parameters.values()
              if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "report"]
    valid = {p.name for p in params}
    unknown = sorted(set(options) - valid)
    if unknown:
        raise ValueError(f"Unknown option(s) {', '.join(unknown)} for kind {kind!r}; "
                         f"valid options: {', '.join(sorted(valid))}")


def load_sources(graph: ProductGraph, sources: list[Path], *, kind: str,
                 options: dict[str, str] | None = None,
                 progress: bool = True) -> list[LoadReport]:
    """Load each source file into ``graph`` (one transaction per source); one report each.

    Args:
        graph: the :class:`kg.ProductGraph` to write to.
        sources: files of the same kind (``.gz`` read transparently).
        kind: one of :data:`KINDS`.
        options: loader options as strings (``{"node_kind": "brand", "on_error": "abort"}``).
        progress: show a progress bar while writing.

    Raises:
        ValueError: unknown kind or option.
        KGLoadError: a file is unreadable, or a bad row with ``on_error=abort`` (nothing from
            that source is written; sources loaded before it stay loaded).
    """
    options = dict(options or {})
    on_error = check_on_error(options.get("on_error", "skip"))
    norm = _kind(kind)
    reports: list[LoadReport] = []
    if norm == "rdf":
        unknown = sorted(set(options) - {"on_error", "format"})
        if unknown:
            raise ValueError(f"Unknown option(s) {', '.join(unknown)} for kind 'rdf'; "
                             "valid options: format, on_error")
        for src in sources:
            if on_error == "skip" and "on_error" in options:
                log.warning("%s: --on-error skip (on_error=skip) does not apply to RDF: the file "
                            "is loaded whole or not at all (a syntax error anywhere in it loads "
                            "nothing of it)", src)
            log.info("importing RDF %s", src)
            result = graph.import_rdf(Path(src), format=options.get("format") or None)
            reports.append(result if isinstance(result, LoadReport) else LoadReport(str(src)))
        return reports
    loader = get_loader(norm)
    _check_options(norm, loader, options)
    for src in sources:
        src = Path(src)
        if src.is_dir():
            raise KGLoadError(f"{src} is a directory; give data files")
        if not src.is_file():
            raise KGLoadError(f"{src}: no such file")
        report = LoadReport(str(src))
        records: Iterator[Record] | list[Record] = loader(src, report=report, **options)
        try:
            if on_error == "abort":  # read everything first: a bad row leaves the graph as is
                records = list(records)
            log.info("loading %s (%s)", src, norm)
            graph.add_records(records, report=report, progress=progress,
                              message=f"load {norm} {src.name}")
        except UnicodeDecodeError as exc:  # on_error="abort" (skip: a bad row, see RowErrors)
            raise KGLoadError(not_utf8(
                src, exc, skip="or load with --on-error skip (on_error='skip' in Python) to "
                "load the other rows and report these with their line numbers")) from None
        if report.skipped:
            log.info("%s: skipped %s", src, report.skipped)
        reports.append(report)
    return reports
