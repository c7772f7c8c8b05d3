"""Flat vs hierarchical decoding of the intent, on the out-of-fold predictions of the fusion
cross-validation.

Flat (what ``FusionModel`` serves): the best lvl1 label, and its department as lvl0.
Hierarchical: lvl0 is the department with the largest summed lvl1 probability, lvl1 the best
label inside it. Both are read from the same trained models (``fusion.cv.cross_validate`` with
the default training: link dropout and the KG's category names as weak training queries), so
the comparison isolates the decoding. Prints per variant the mean over seeds of both
decodings' lvl0 and lvl1 accuracy, and the per-seed differences.

    python bench/fusion_decoding.py --kg /tmp/kg-default --tagger /tmp/val/kd/kdcrf-0 \\
        --features /tmp/cv/feat-kdcrf-0 --cache /tmp/cv/cache --variants text,full

``--features`` is the folder ``kgqp fusion evaluate --cv --features`` wrote (Best Buy
train+dev featurised by that tagger).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _fusion_cv import add_cv_arguments, cv_inputs, cv_seeds  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cv_arguments(ap)
    ap.add_argument("--cache", type=Path, required=True, help="node embedding cache")
    ap.add_argument("--variants", default="text,full")
    args = ap.parse_args()

    import numpy as np

    from fusion import FusionConfig
    from fusion.cv import VARIANTS, CVConfig, cross_validate
    from fusion.gnn import GNNConfig, compute_node_embeddings
    from fusion.labels import embed_label_names
    from fusion.model import FusionModel
    from fusion.text import get_text_encoder
    from fusion.train import TrainConfig
    from fusion.types import SEP

    variants = tuple(args.variants.split(","))
    graph, featurizer, examples, weak = cv_inputs(args)
    gold = {id(ex.input): ex for ex in examples}
    fits: list[tuple[np.ndarray, FusionModel, list]] = []
    served = FusionModel.predict_batch

    def recording(model: FusionModel, inputs):  # the scored folds, in cross_validate's order
        ex = [gold.get(id(i)) for i in inputs]
        if all(e is not None for e in ex):
            fits.append((model._numpy_head().probs(inputs), model, ex))
        return served(model, inputs)

    FusionModel.predict_batch = recording
    cfg = CVConfig(folds=args.folds, seeds=cv_seeds(args), variants=variants,
                   train=TrainConfig(epochs=args.epochs, batch_size=64),
                   fusion=FusionConfig(text_dim=featurizer.dim))
    names = any(VARIANTS[v]["use_label_names"] for v in variants)
    label_text = embed_label_names(sorted({ex.lvl1 for ex in examples}), featurizer,
                                   graph) if names else None
    emb = compute_node_embeddings(graph, text_encoder=get_text_encoder("minilm"),
                                  config=GNNConfig(steps=100, seed=0),
                                  cache_dir=args.cache) \
        if any(VARIANTS[v]["use_graph"] for v in variants) else None
    cross_validate(examples, config=cfg, kg=graph, node_embeddings=emb, label_text=label_text,
                   weak=weak)
    FusionModel.predict_batch = served
    per_run = args.folds
    out = {}
    for v_i, variant in enumerate(variants):
        seeds = []
        for s in range(args.seeds):
            hit = dict.fromkeys(("flat_lvl0", "flat_lvl1", "hier_lvl0", "hier_lvl1"), 0)
            n = 0
            start = (v_i * args.seeds + s) * per_run
            for probs, model, ex in fits[start:start + per_run]:
                to0 = model.lvl1_to_lvl0.numpy()
                p0 = np.stack([np.bincount(to0, weights=r, minlength=len(model.lvl0_labels))
                               for r in probs])
                flat, dept = probs.argmax(1), p0.argmax(1)
                inside = np.where(to0[None, :] == dept[:, None], probs, -1.0).argmax(1)
                for i, e in enumerate(ex):
                    hit["flat_lvl1"] += model.labels[flat[i]] == e.lvl1
                    hit["flat_lvl0"] += model.labels[flat[i]].split(SEP)[0] == e.lvl0
                    hit["hier_lvl1"] += model.labels[inside[i]] == e.lvl1
                    hit["hier_lvl0"] += model.lvl0_labels[dept[i]] == e.lvl0
                n += len(ex)
            seeds.append({k: h / n for k, h in hit.items()})
        out[variant] = {
            "mean": {k: round(float(np.mean([s[k] for s in seeds])), 4) for k in seeds[0]},
            "hier_minus_flat_points": {
                lvl: [round(100 * (s[f"hier_{lvl}"] - s[f"flat_{lvl}"]), 2) for s in seeds]
                for lvl in ("lvl0", "lvl1")},
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
