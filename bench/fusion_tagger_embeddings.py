"""Which of the tagger's hidden states make the best query vector for fusion?

Trains the fusion intent model on the Best Buy queries with the query embedded by the tagger's
own encoder: the mean-pooled, L2-normalised hidden states of the chosen layers (0 = the
embedding layer's output, L = the last layer), concatenated. ``--layers 0,L`` is what
``TaggerModel(return_pooled=True)`` (and so ``kgqp fusion train --tagger``) uses. Dev accuracy
only (the selection split); the node embeddings come from ``--cache`` (the quickstart's).

    python bench/fusion_tagger_embeddings.py --tagger ~/.cache/kgqp/tagger \
        --kg ~/.cache/kgqp/kg --cache ~/.cache/kgqp/fusion-cache --layers 0 1 3 0,3 --seeds 0

Prints one JSON line per (layers, seed); the figures go to docs/benchmarks.md "## Fusion".
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

import torch


class LayerPoolEncoder:
    """Query vectors from chosen hidden layers of a (torch) tagger."""

    def __init__(self, tagger, layers: list[int]) -> None:
        self.tagger, self.layers = tagger, layers
        self.dim = tagger.encoder_config.hidden_size * len(layers)
        self.name = f"layers{layers}"

    @torch.inference_mode()
    def encode(self, texts, progress: bool = False) -> torch.Tensor:
        from parser.tagger.model import mean_pool

        out = []
        for k in range(0, len(texts), 128):
            items = self.tagger.encoder.prepare_many(list(texts[k:k + 128]))
            b = self.tagger.encoder.collate(items)
            ids, mask = torch.from_numpy(b.input_ids), torch.from_numpy(b.attention_mask)
            hs = self.tagger.model.encoder(input_ids=ids, attention_mask=mask,
                                           output_hidden_states=True).hidden_states
            out.append(torch.cat([mean_pool(hs[i], mask) for i in self.layers], -1))
        return torch.cat(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tagger", type=Path, required=True)
    ap.add_argument("--kg", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True, help="fusion node-embedding cache")
    ap.add_argument("--train", default="data/bestbuy/queries_train.jsonl")
    ap.add_argument("--dev", default="data/bestbuy/queries_dev.jsonl")
    ap.add_argument("--layers", nargs="+", default=["0", "3", "0,3"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)

    from fusion import FusionConfig
    from fusion.train import train_from_files
    from kg import ProductGraph
    from parser.tagger import Tagger

    tagger = Tagger.from_pretrained(args.tagger)
    with ProductGraph.open(args.kg, read_only=True) as kg, tempfile.TemporaryDirectory() as tmp:
        for spec in args.layers:
            enc = LayerPoolEncoder(tagger, [int(x) for x in spec.split(",")])
            for seed in args.seeds:
                _, scores = train_from_files(
                    kg, args.train, args.dev, Path(tmp) / f"{spec}-{seed}",
                    config=FusionConfig(seed=seed), query_encoder=enc, cache_dir=args.cache,
                    progress=False)
                print(json.dumps({"layers": spec, "seed": seed, **scores}), flush=True)


if __name__ == "__main__":
    main()
