"""Best Buy query-suggestion data -> labelled fusion examples.

Each JSONL row is a query with the category facet counts of its result set; its label is the
``hierarchicalCategories.lvl1`` (and ``.lvl0``) value with the largest count. Rows without lvl1
are skipped. :func:`build_examples` featurises them with a :class:`fusion.types.QueryFeaturizer`
(the parser's tagger + linker), so training inputs are built as parse inputs are.

Example:
    >>> import json, tempfile, pathlib
    >>> row = {"query": "tv", "instant_search": {"facets": {"exact_matches": {
    ...     "hierarchicalCategories.lvl0": [{"value": "TV & Home Theater", "count": 9}],
    ...     "hierarchicalCategories.lvl1": [{"value": "TV & Home Theater > TVs", "count": 7}]}}}}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "q.jsonl"
    >>> _ = p.write_text(json.dumps(row) + "\\n")
    >>> load_bestbuy_queries(p)
    [LabeledQuery(query='tv', lvl1='TV & Home Theater > TVs', lvl0='TV & Home Theater')]
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fusion.errors import FusionDataError
from fusion.types import FusionExample, QueryFeaturizer

__all__ = ["LabeledQuery", "build_examples", "load_bestbuy_queries"]

logger = logging.getLogger(__name__)

_FACET = "hierarchicalCategories.lvl{}"


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


def load_bestbuy_queries(path: str | Path) -> list[LabeledQuery]:
    """Read ``queries_{train,dev}.jsonl``; malformed lines raise with their line number."""
    path = Path(path)
    if not path.is_file():
        raise FusionDataError(f"{path} does not exist (expected Best Buy queries JSONL)")
    try:
        return _read_bestbuy_queries(path)
    except UnicodeDecodeError as exc:
        from kg.loaders import not_utf8

        raise FusionDataError(not_utf8(path, exc)) from None


def _read_bestbuy_queries(path: Path) -> list[LabeledQuery]:
    out: list[LabeledQuery] = []
    skipped = 0
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                query = row["query"]
                facets = row["instant_search"]["facets"]["exact_matches"]
                lvl1, lvl0 = _best(facets, 1), _best(facets, 0)
            except (ValueError, KeyError, TypeError) as exc:
                raise FusionDataError(
                    f"{path}:{n}: not a Best Buy query row ({exc!r}); expected "
                    "keys query and instant_search.facets.exact_matches"
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
