"""README command 1 in miniature: the default bundle built from a subset of the project's data/
(real KG, real MiniLM tagger fine-tuned for one epoch, real fusion model), then parsed.

Marked slow: it fine-tunes the real backbone and encodes the KG's node texts (minutes on CPU).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import ParseKey

from kg.build import DEFAULT_DATA_DIR

pytestmark = pytest.mark.slow


def _subset(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)
    train = dst / "queryner" / "train.conll"
    blocks = train.read_text(encoding="utf-8").split("\n\n")[:400]
    train.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    dev = dst / "queryner" / "validation.conll"
    blocks = dev.read_text(encoding="utf-8").split("\n\n")[:200]
    dev.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    queries = dst / "bestbuy" / "queries_train.jsonl"
    lines = queries.read_text(encoding="utf-8").splitlines()[:400]
    queries.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_default_bundle_from_data_subset(tmp_path: Path) -> None:
    from parser.app.quickstart import ensure_default_bundle
    from parser.pipeline import QueryParser

    data = tmp_path / "data"
    _subset(DEFAULT_DATA_DIR, data)
    bundle = ensure_default_bundle(tmp_path / "home", data_dir=data, tagger_epochs=1,
                                   fusion_epochs=3)
    assert (bundle / "kgqp-bundle.json").is_file()
    # a second call reuses the bundle instead of rebuilding it
    assert ensure_default_bundle(tmp_path / "home", data_dir=data) == bundle
    parser = QueryParser.from_pretrained(bundle)
    try:
        # the default: a small INT8 tagger whose query embeddings and links feed fusion
        assert parser.tagger.backend == "onnx" and parser.tagger.onnx_file.name == \
            "model.int8.onnx"
        assert parser.fusion.text_encoder_name == parser.name
        import json

        from parser.app.quickstart import (
            QUICKSTART_SOFT_TARGETS,
            QUICKSTART_TAGGER_CRF,
            QUICKSTART_TAGGER_LAYERS,
        )

        layers = json.loads((bundle / "tagger" / "config.json").read_text())["num_hidden_layers"]
        assert layers == QUICKSTART_TAGGER_LAYERS
        assert parser.tagger.config.crf == QUICKSTART_TAGGER_CRF
        # distilled from the shipped teacher probabilities, not from trained teachers
        args = json.loads((tmp_path / "home" / "tagger" / "distill_args.json").read_text())
        assert args["teachers"] == [] and args["targets_path"] == str(
            data / QUICKSTART_SOFT_TARGETS)
        parsed = parser("samsung 55 inch tv")
        assert parsed.intent is not None and parsed.intent.category
        assert all(parsed.text[e.start:e.end] == e.text for e in parsed.entities)
        stats = parser.kg.stats().to_dict()
        assert stats["nodes"]["category"] >= 4000 and stats["nodes"]["brand"] >= 1000
        _one_result_per_query(parser)
    finally:
        parser.kg.close()


def _key(p) -> ParseKey:
    return ParseKey(p)


def _one_result_per_query(parser) -> None:
    """300 QueryNER validation queries parse the same alone, in pipe(all, batch_size=64) and
    in pipe([q, other]): entities, links and intent, on the ONNX INT8 path as served."""
    from parser.tagger import read_conll

    sents = read_conll(DEFAULT_DATA_DIR / "queryner" / "validation.conll")
    queries = list(dict.fromkeys(s.text() for s in sents))[:300]
    assert len(queries) == 300
    alone = [_key(parser(q)) for q in queries]
    assert [_key(p) for p in parser.pipe(queries, batch_size=64)] == alone
    other = "samsung 55 inch qled smart tv with wall mount and hdmi cables"
    paired = [_key(next(iter(parser.pipe([q, other])))) for q in queries]
    assert paired == alone
    assert sum(1 for k in alone if any(e.kg_id for e in k.entities)) >= 50  # links are compared
