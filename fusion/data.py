"""Labelled queries (JSONL) -> labelled fusion examples.

Each JSONL line is one labelled query, in either of two row formats (a file may mix them):

- a simple row: ``{"query": "red kurta", "category": "Clothing > Women > Kurtas"}``. The
  category is a path of the KG's tree, its levels separated by ``>`` (or a JSON list of the
  levels); its first level is the query's lvl0 label and its first two its lvl1 label
  (``Clothing`` and ``Clothing > Women``), so it needs at least two levels. Other keys are
  ignored.
- a Best Buy query-suggestion row: the query with the category facet counts of its result
  set, ``{"query": ..., "instant_search": {"facets": {"exact_matches":
  {"hierarchicalCategories.lvl1": [{"value": "A > B", "count": N}, ...],
  "hierarchicalCategories.lvl0": [...]}}}}``; its label is the lvl1 (and lvl0) value with the
  largest count. Rows without lvl1 are skipped.

A malformed row raises :class:`fusion.errors.FusionDataError` with its line number.
:func:`build_examples` featurises the queries with a :class:`fusion.types.QueryFeaturizer` (the
parser's tagger + linker), so training inputs are built as parse inputs are.

Example:
    >>> import json, tempfile, pathlib
    >>> row = {"query": "tv", "instant_search": {"facets": {"exact_matches": {
    ...     "hierarchicalCategories.lvl0": [{"value": "TV & Home Theater", "count": 9}],
    ...     "hierarchicalCategories.lvl1": [{"value": "TV & Home Theater > TVs", "count": 7}]}}}}
    >>> simple = {"query": "red kurta", "category": "Clothing > Women > Kurtas"}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "q.jsonl"
    >>> _ = p.write_text(json.dumps(row) + "\\n" + json.dumps(simple) + "\\n")
    >>> load_labeled_queries(p)  # doctest: +NORMALIZE_WHITESPACE
    [LabeledQuery(query='tv', lvl1='TV & Home Theater > TVs', lvl0='TV & Home Theater'),
     LabeledQuery(query='red kurta', lvl1='Clothing > Women', lvl0='Clothing')]
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fusion.errors import FusionDataError
from fusion.types import SEP, FusionExample, QueryFeaturizer

__all__ = ["LabeledQuery", "build_examples", "load_bestbuy_queries", "load_labeled_queries"]

logger = logging.getLogger(__name__)

_FACET = "hierarchicalCategories.lvl{}"

#: what a row must look like, for error messages
_FORMATS = ('{"query": "red kurta", "category": "lvl0 > lvl1[ > ...]"}, or a Best Buy row '
            "with keys query and instant_search.facets.exact_matches "
            "(docs/howto/train-tagger.md)")


@dataclass(frozen=True)
class LabeledQuery:
    """A query with its category labels."""

    query: str
    lvl1: str
    lvl0: str


def _best(facets: dict[str, Any], level: int) -> str | None:
    values = facets.get(_FACET.format(level)) or []
    if not values:
        return None
    return max(values, key=lambda v: (v["count"], v["value"]))["value"]


def load_labeled_queries(path: str | Path) -> list[LabeledQuery]:
    """Read a labelled-queries JSONL file (simple or Best Buy rows, see the module docstring);
    malformed lines raise :class:`FusionDataError` with their line number."""
    path = Path(path)
    if not path.is_file():
        raise FusionDataError(f"{path} does not exist (expected labelled queries JSONL: "
                              f"one row a line, {_FORMATS})")
    try:
        return _read_queries(path)
    except UnicodeDecodeError as exc:
        from kg.loaders import not_utf8

        raise FusionDataError(not_utf8(path, exc)) from None


#: the former name (it reads simple rows too)
load_bestbuy_queries = load_labeled_queries


def _simple_row(where: str, row: dict[str, Any]) -> LabeledQuery:
    """A ``{"query", "category"}`` row as a labelled query (FusionDataError if malformed)."""
    query, category = row.get("query"), row["category"]
    if not isinstance(query, str) or not query.strip():
        raise FusionDataError(f"{where}: \"query\" must be a non-empty string, got "
                              f"{query!r}")
    if isinstance(category, str):
        levels = [p.strip() for p in category.split(">")]
    elif isinstance(category, list) and all(isinstance(p, str) for p in category):
        levels = [p.strip() for p in category]
    else:
        raise FusionDataError(f"{where}: \"category\" must be a string \"lvl0 > lvl1[ > ...]\" "
                              f"(or a list of its levels), got {category!r}")
    if any(not p for p in levels):
        raise FusionDataError(f"{where}: category {category!r} has an empty level; write it "
                              "as \"lvl0 > lvl1[ > ...]\"")
    if len(levels) < 2:
        raise FusionDataError(f"{where}: category {category!r} has one level; the labels are "
                              "its first two levels, so write it as \"lvl0 > lvl1[ > ...]\" "
                              "(e.g. \"Clothing > Women\")")
    return LabeledQuery(query=query, lvl1=levels[0] + SEP + levels[1], lvl0=levels[0])


def _read_queries(path: Path) -> list[LabeledQuery]:
    out: list[LabeledQuery] = []
    skipped = 0
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise FusionDataError(f"{where}: not a JSON object ({exc}); expected one row a "
                                      f"line: {_FORMATS}") from exc
            if isinstance(row, dict) and "category" in row and "instant_search" not in row:
                out.append(_simple_row(where, row))
                continue
            try:
                query = row["query"]
                facets = row["instant_search"]["facets"]["exact_matches"]
                lvl1, lvl0 = _best(facets, 1), _best(facets, 0)
            except (ValueError, KeyError, TypeError) as exc:
                raise FusionDataError(
                    f"{where}: not a labelled query row ({exc!r}); expected {_FORMATS}"
                ) from exc
            if not isinstance(query, str) or not query.strip() or lvl1 is None:
                skipped += 1
                continue
            out.append(LabeledQuery(query=query, lvl1=lvl1, lvl0=lvl0 or lvl1.split(" > ")[0]))
    logger.info("%s: %d labelled queries, %d skipped (no lvl1)", path, len(out), skipped)
    return out


def build_examples(queries: Sequence[LabeledQuery], featurizer: QueryFeaturizer, *,
                   progress: bool = False) -> list[FusionExample]:
    """Labelled :class:`FusionExample` s: each query featurised as the parser serves it
    (``featurizer``: text embedding + linked KG nodes)."""
    inputs = featurizer.featurize([q.query for q in queries], progress=progress)
    return [FusionExample(inp, lvl1=q.lvl1, lvl0=q.lvl0)
            for q, inp in zip(queries, inputs, strict=True)]
