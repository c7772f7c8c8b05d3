"""kgqp's query parser: the BERT token tagger, the QueryParser pipeline and the front-ends
(:mod:`parser.app`). :mod:`parser.pipeline` orchestrates a parse (prepare, match, tag, link,
intent, expand); :mod:`parser.linking` is its link stage and the query-level linking rules.

The pipeline's public names are importable from here; they load on first use, so that
``import parser`` (and the CLI's start) does not pull in torch, transformers or ONNX Runtime.

Example:
    >>> import parser
    >>> parser.QueryParser is parser.pipeline.QueryParser
    True
    >>> parser.ParsedEntity("lg", 0, 2, "creator", 0.9).kg_id is None  # NIL: not linked
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kg._packages import check_not_shadowed

check_not_shadowed("kg", "fusion")

if TYPE_CHECKING:
    from parser.errors import InputError, ParserError
    from parser.pipeline import ParserConfig, QueryParser
    from parser.types import IntentResult, ParsedEntity, ParsedQuery

#: public name -> the module that defines it
_EXPORTS = {
    "QueryParser": "parser.pipeline",
    "ParserConfig": "parser.pipeline",
    "ParsedQuery": "parser.types",
    "ParsedEntity": "parser.types",
    "IntentResult": "parser.types",
    "ParserError": "parser.errors",
    "InputError": "parser.errors",
}

__all__ = ["InputError", "IntentResult", "ParsedEntity", "ParsedQuery", "ParserConfig",
           "ParserError", "QueryParser"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'parser' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
