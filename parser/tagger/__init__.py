"""The BERT token tagger: data, model, training, evaluation, prediction and ONNX export.

Main entry points: :class:`Tagger` (``Tagger.from_pretrained(dir)``, ``tagger(text)``,
``tagger.pipe(texts)``), :func:`train` with :class:`TrainConfig`, :func:`evaluate`,
:func:`export_onnx`. Heavy modules (torch, transformers) load on first use.

Example:
    >>> from parser.tagger import Sentence
    >>> Sentence(["lg", "tv"], ["B-creator", "B-core_product_type"]).text()
    'lg tv'
"""

from __future__ import annotations

import importlib
from typing import Any

from parser.tagger.data import (
    Sentence,
    Span,
    convert_tags,
    read_conll,
    stats,
    write_conll,
)
from parser.tagger.formats import (
    Task,
    read_data,
    read_jsonl,
    read_tasks,
    write_jsonl,
    write_tasks,
)
from parser.tagger.lexicon import GazetteerLexicon, KGLexicon, Lexicon

__all__ = [
    "Entity",
    "GazetteerLexicon",
    "KGLexicon",
    "Lexicon",
    "Sentence",
    "Span",
    "TaggedText",
    "Tagger",
    "TaggerConfig",
    "Task",
    "TrainConfig",
    "TrainResult",
    "convert_tags",
    "evaluate",
    "export_onnx",
    "read_conll",
    "read_data",
    "read_jsonl",
    "read_tasks",
    "stats",
    "train",
    "write_conll",
    "write_jsonl",
    "write_tasks",
]

_LAZY = {
    "Entity": "parser.tagger.predict",
    "TaggedText": "parser.tagger.predict",
    "Tagger": "parser.tagger.predict",
    "TaggerConfig": "parser.tagger.config",
    "TrainConfig": "parser.tagger.training",
    "TrainResult": "parser.tagger.training",
    "evaluate": "parser.tagger.training",
    "train": "parser.tagger.training",
    "export_onnx": "parser.tagger.onnx",
}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'parser.tagger' has no attribute {name!r}")
    return getattr(importlib.import_module(mod), name)
