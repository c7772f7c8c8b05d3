"""The intent's text input under cross-validation: the tagger's pooled states (what the parser
serves, one encoder pass) vs the frozen 6-layer MiniLM sentence embedding (a second encoder pass
per query) vs both concatenated. Text-only fusion model with the KG's category names as weak
training queries (the default training); same folds and seeds as ``kgqp fusion evaluate --cv``.

    python bench/fusion_text_input.py --kg /tmp/kg-default --tagger /tmp/val/kd/kdcrf-0 \\
        --features /tmp/cv/feat-kdcrf-0 --inputs tagger,minilm,both

``--features`` is the folder ``kgqp fusion evaluate --cv --features`` wrote.
"""

from __future__ import annotations

import argparse
import dataclasses
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
    ap.add_argument("--inputs", default="tagger,minilm,both")
    args = ap.parse_args()

    import torch

    from fusion import FusionConfig
    from fusion.cv import CVConfig, cross_validate
    from fusion.text import get_text_encoder
    from fusion.train import TrainConfig

    _, _, examples, weak = cv_inputs(args)
    minilm = get_text_encoder("minilm").encode(
        [ex.input.text for ex in examples] + [w.input.text for w in weak])
    out = {}
    for kind in args.inputs.split(","):
        def text(inp, row, kind=kind):
            if kind == "tagger":
                return inp
            vec = row if kind == "minilm" else torch.cat([inp.text_embedding, row])
            return dataclasses.replace(inp, text_embedding=vec)

        ex = [dataclasses.replace(e, input=text(e.input, minilm[i]))
              for i, e in enumerate(examples)]
        wk = [dataclasses.replace(w, input=text(w.input, minilm[len(examples) + i]))
              for i, w in enumerate(weak)]
        cfg = CVConfig(folds=args.folds, seeds=cv_seeds(args), variants=("text",),
                       train=TrainConfig(epochs=args.epochs, batch_size=64),
                       fusion=FusionConfig(text_dim=ex[0].input.text_embedding.shape[0]))
        summary = cross_validate(ex, config=cfg, weak=wk).summary["text"]
        out[kind] = {k: summary[k] for k in ("lvl0_accuracy", "lvl1_accuracy")}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
