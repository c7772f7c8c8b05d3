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
from kg.loaders._common import (
    Record,
    check_on_error,
    clean_text,
    empty_file,
    not_utf8,
    open_text,
)
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
    "empty_file",
    "get_loader",
    "load_bestbuy_categories",
    "load_bestbuy_products",
    "load_catalog",
    "load_gazetteer",
    "load_google_taxonomy",
    "load_sources",
    "not_utf8",
    "nothing_loaded",
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


#: What each kind reads, for the error of a file that gives nothing (:func:`nothing_loaded`).
READS = {
    "google-taxonomy": "Google's taxonomy-with-ids text, one 'id - A > B' line per category",
    "bestbuy-categories": "Best Buy's categories.json, a JSON array of {id, name, path}",
    "bestbuy-products": "Best Buy product records (name, brand, hierarchicalCategories ...), "
                        "a JSON array or JSON Lines (.jsonl)",
    "catalog": "a product catalogue: a CSV with a header row, or JSON Lines (.jsonl)",
    "gazetteer": "a plain list, one name per line",
}


def nothing_loaded(source: str | Path, report: LoadReport, kind: str) -> str:
    """The error for a file of which no row gave a record (every row bad and skipped, or
    skipped for another reason, e.g. an excluded root): the reasons, and what ``kind`` reads
    (a file of another kind gives such rows).

    >>> r = LoadReport("b.txt")
    >>> r.skip("malformed taxonomy line (expected 'id - A > B')", "line 1: Sony")
    >>> print(nothing_loaded("b.txt", r, "google-taxonomy"))  # doctest: +NORMALIZE_WHITESPACE
    b.txt: no row of it could be loaded (malformed taxonomy line (expected 'id - A > B'): 1,
    e.g. 'line 1: Sony'); nothing loaded: is it a google-taxonomy file? --kind google-taxonomy
    reads Google's taxonomy-with-ids text, one 'id - A > B' line per category
    """
    items = list(report.skipped.items())
    reasons = "; ".join(
        f"{reason}: {n}" + (f", e.g. {report.examples[reason][0]!r}"
                            if report.examples.get(reason) else "")
        for reason, n in items[:3]) + (f"; {len(items) - 3} more reason(s)" if len(items) > 3
                                       else "")
    return (f"{source}: no row of it could be loaded ({reasons or 'no row read'}); nothing "
            f"loaded: is it a {kind} file? --kind {kind} reads {READS.get(kind, kind)}")


def _counted(records: Iterator[Record], source: Path, report: LoadReport,
             kind: str) -> Iterator[Record]:
    """``records``; a KGLoadError (:func:`nothing_loaded`) after the last if there was none
    (raised inside the source's transaction: nothing of it is committed)."""
    n = 0
    for rec in records:
        n += 1
        yield rec
    if not n:
        raise KGLoadError(nothing_loaded(source, report, kind))


def _holds_no_triples(path: Path, format: str | None) -> bool:
    """Whether the RDF file ``path`` (``.gz`` read transparently) parses to no triple at all;
    False where it cannot be read or parsed (the import said what it found)."""
    import gzip

    import pyoxigraph as ox

    from kg.rdfio import rdf_format, skip_bom

    gz = path.suffix.lower() == ".gz"
    try:
        fmt = rdf_format(path.with_suffix("") if gz else path, format)
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            skip_bom(fh)
            return next(iter(ox.parse(fh, format=fmt)), None) is None
    except Exception:  # a file the probe cannot read is not called empty
        return False


def load_sources(graph: ProductGraph, sources: list[Path], *, kind: str,
                 options: dict[str, str] | None = None,
                 progress: bool = True,
                 reports: list[LoadReport] | None = None) -> list[LoadReport]:
    """Load each source file into ``graph`` (one transaction per source); one report each.

    Args:
        graph: the :class:`kg.ProductGraph` to write to.
        sources: files of the same kind (``.gz`` read transparently).
        kind: one of :data:`KINDS`.
        options: loader options as strings (``{"node_kind": "brand", "on_error": "abort"}``).
        progress: show a progress bar while writing.
        reports: a list that each source's report is appended to as soon as it is made, before
            the source's records are read and committed (an RDF file's once it is imported):
            a caller that an interrupt stops after a commit was made can print that source's
            report, complete once its records were all read.

    Raises:
        ValueError: unknown kind or option.
        KGLoadError: a file is unreadable, or a bad row with ``on_error=abort`` (nothing from
            that source is written; sources loaded before it stay loaded); a file with nothing
            to load (empty: 0 bytes, blank lines only, a header without rows, an empty JSON
            array; an RDF file without a triple), or none of whose rows gives a record (all
            bad rows with ``on_error=skip``, or a file of another kind:
            :func:`nothing_loaded`), whatever ``on_error``.
    """
    options = dict(options or {})
    on_error = check_on_error(options.get("on_error", "skip"))
    norm = _kind(kind)
    out: list[LoadReport] = []
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
            version = getattr(graph, "version", None)
            result = graph.import_rdf(Path(src), format=options.get("format") or None)
            report = result if isinstance(result, LoadReport) else LoadReport(str(src))
            if (not (report.nodes or report.edges or report.skipped)
                    and getattr(graph, "version", None) == version
                    and _holds_no_triples(Path(src), options.get("format") or None)):
                raise empty_file(src, "no triple: 0 bytes, or only blank space, comments and "
                                 "prefixes")
            if reports is not None:
                reports.append(report)
            out.append(report)
        return out
    loader = get_loader(norm)
    _check_options(norm, loader, options)
    for src in sources:
        src = Path(src)
        if src.is_dir():
            raise KGLoadError(f"{src} is a directory; give data files")
        if not src.is_file():
            raise KGLoadError(f"{src}: no such file")
        report = LoadReport(str(src))
        if reports is not None:
            reports.append(report)
        records: Iterator[Record] | list[Record] = _counted(
            loader(src, report=report, **options), src, report, norm)
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
        out.append(report)
    return out
