"""The tagger's product-type span as a second text view of the intent, under cross-validation.

The intent's text input is the tagger's query embedding: the mean of its token states over the
whole query (:func:`parser.tagger.predict.pool_states`). This benchmark adds one more part,
the mean of the last layer's states over the tokens of the words the tagger tags with one of
``--labels`` (default ``core_product_type``), L2-normalised, zeros when the query has no such
word: what the query is, apart from its brand, size or colour. Everything else is the shipped
recipe (``kgqp fusion evaluate --cv``'s ``full`` variant: three heads of 128, 40 epochs at
batch 32, the KG's category names as weak training queries, label names through the same
featuriser), on the same folds and seeds; ``--arms base,span`` runs both (one per process
for two cores).

    python bench/fusion_span_pool.py --kg ~/.cache/kgqp/kg --tagger ~/.cache/kgqp/tagger \\
        --features /tmp/cv/feat-t0 --cache /tmp/cv/cache --arms span --report span.json

``--features`` is a folder ``kgqp fusion evaluate --cv --features`` wrote with the same tagger
and KG (Best Buy train+dev, featurised as served); the span part is computed from the same
queries by the same tagger. Prints the lvl0/lvl1 summary and each seed's lvl1 per arm.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from _fusion_cv import (  # noqa: E402
    add_arm_arguments,
    add_cv_arguments,
    featurised_inputs,
    shipped_full_cv,
    write_report,
)


def span_vectors(tagger, items, logits: np.ndarray, states: np.ndarray,
                 labels: frozenset[str]) -> np.ndarray:
    """``[batch, H]``: per prepared text, the mean of the last layer's states (the second half
    of ``states``) over the tokens of its words tagged with one of ``labels``, L2-normalised;
    zeros without such a word."""
    half = states.shape[-1] // 2
    names = tagger.config.labels
    out = np.zeros((len(items), half), np.float32)
    for i, (p, (tags, _)) in enumerate(zip(items, tagger._word_tags(items, logits),
                                           strict=True)):
        words = {w for w, t in enumerate(tags) if names[t].split("-", 1)[-1] in labels}
        if not words:
            continue
        toks = [t for t, w in enumerate(p.token_words) if w in words]
        v = states[i, toks, half:].sum(0) / np.float32(len(toks))
        out[i] = v / max(float(np.sqrt(np.dot(v, v))), 1e-12)
    return out


class SpanPooled:
    """A :class:`fusion.types.QueryFeaturizer`: ``base`` (:meth:`QueryParser.featurizer`)
    with :func:`span_vectors` appended to each text embedding."""

    def __init__(self, base, labels: frozenset[str]) -> None:
        self.base, self.labels = base, labels
        self.name = f"{base.name}+span:{','.join(sorted(labels))}"
        self.dim = base.dim + base.dim // 2

    def vectors(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        qp, tagger = self.base, self.base.tagger
        out = []
        for s in range(0, len(texts), batch_size):
            chunk = [qp._prepare(t) for t in texts[s:s + batch_size]]
            with qp.kg.pinned():
                work = qp._begin([c[0] for c in chunk], chunk)
            assert len(work.items) == len(chunk), "empty texts have no span vector"
            logits, states = tagger.session.run(["logits", "states"], tagger.onnx_feeds(work.items))
            out.append(span_vectors(tagger, work.items, logits, states, self.labels))
        return np.concatenate(out) if out else np.zeros((0, self.base.dim // 2), np.float32)

    def extend(self, inputs):
        import torch

        vec = torch.from_numpy(self.vectors([inp.text for inp in inputs]))
        return [dataclasses.replace(inp, text_embedding=torch.cat([inp.text_embedding, vec[i]]))
                for i, inp in enumerate(inputs)]

    def featurize(self, texts: Sequence[str], *, progress: bool = False):
        return self.extend(self.base.featurize(texts, progress=progress))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cv_arguments(ap)
    add_arm_arguments(ap, "base,span")
    ap.add_argument("--labels", default="core_product_type",
                    help="comma-separated tagger labels whose words are pooled")
    args = ap.parse_args()

    from fusion.weak import featurize_weak, taxonomy_queries

    graph, base, examples = featurised_inputs(ap, args)
    out = {}
    for arm in args.arms.split(","):
        if arm == "base":
            featurizer, ex = base, examples
        elif arm == "span":
            featurizer = SpanPooled(base, frozenset(args.labels.split(",")))
            inputs = featurizer.extend([e.input for e in examples])
            ex = [dataclasses.replace(e, input=i) for e, i in zip(examples, inputs, strict=True)]
        else:
            ap.error(f"unknown arm {arm!r}: base or span")
        weak = featurize_weak(taxonomy_queries(graph), featurizer)
        res = shipped_full_cv(graph, featurizer, ex, weak, args, args.cache)
        out[arm] = {**res, "text_dim": featurizer.dim, "featurizer": featurizer.name}
    write_report(out, args.report)


if __name__ == "__main__":
    main()
