"""The tagger as the fusion model's query encoder: one encoder pass per parse.

A fusion model reads the tagger's pooled hidden states (``Tagger.forward(..., pooled=True)``)
and the links of the tagger's spans (``parser.QueryParser.featurize``), so
:class:`parser.QueryParser` tags and embeds a query in one forward pass. The model records
the tagger it was trained with as ``tagger:<first 12 hex digits of the weights' SHA-256>``
(:func:`tagger_fingerprint`); a bundle refuses to pair it with other tagger weights.

Example:
    >>> tagger_fingerprint(None)
    'unsaved'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["TAGGER_ENCODER_PREFIX", "load_embedding_tagger", "tagger_fingerprint"]

TAGGER_ENCODER_PREFIX = "tagger:"


def tagger_fingerprint(path: str | Path | None) -> str:
    """First 12 hex digits of the SHA-256 of the tagger folder's ``model.safetensors``, as
    recorded in its ``kgqp.json`` at save time (hashed afresh for folders without the record;
    ``"unsaved"`` for a tagger without a folder)."""
    import json

    from kg.io import sha256_file

    if path is None or not (Path(path) / "model.safetensors").is_file():
        return "unsaved"
    try:
        recorded = json.loads((Path(path) / "kgqp.json").read_text(encoding="utf-8"))
        return str(recorded["weights_sha256"])[:12]
    except (OSError, ValueError, KeyError, TypeError):
        return sha256_file(Path(path) / "model.safetensors")[:12]


def load_embedding_tagger(tagger_dir: str | Path, *, lexicon: Any = None) -> Any:
    """Load ``tagger_dir`` for embeddings: ONNX (INT8 when present) if its export has the
    embedding output, else torch; ``lexicon``: the KG, for a tagger with lexicon features."""
    from parser.tagger.io import has_onnx_export
    from parser.tagger.predict import Tagger

    tagger_dir = Path(tagger_dir)
    if has_onnx_export(tagger_dir):
        tagger = Tagger.from_pretrained(tagger_dir, backend="onnx", lexicon=lexicon)
        if tagger.has_embeddings:
            return tagger
    return Tagger.from_pretrained(tagger_dir, backend="torch", lexicon=lexicon)
