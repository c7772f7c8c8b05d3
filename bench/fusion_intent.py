"""Benchmark: Best Buy query intent on dev (fused, --no-graph, linking-only; GNN pre-train time).

Usage: python bench/fusion_intent.py --kg models/kg-default [--epochs 40] [--seeds 0 1 2]
Prints one JSON object; the figures go to docs/benchmarks.md "## Fusion".
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from pathlib import Path

import torch

from fusion.context import GraphContext
from fusion.data import build_examples, load_bestbuy_queries
from fusion.evaluate import evaluate, linking_baseline
from fusion.gnn import GNNConfig, compute_node_embeddings
from fusion.model import FusionConfig
from fusion.text import TextEncoder
from fusion.train import train_fusion
from kg import ProductGraph


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kg", default="models/kg-default")
    ap.add_argument("--train", default="data/bestbuy/queries_train.jsonl")
    ap.add_argument("--dev", default="data/bestbuy/queries_dev.jsonl")
    ap.add_argument("--cache", default="models/fusion-cache")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--layer", default="sage")
    ap.add_argument("--gnn-steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    kg = ProductGraph.open(args.kg, read_only=True)
    enc = TextEncoder()
    t = time.perf_counter()
    gcfg = GNNConfig(layer=args.layer, steps=args.gnn_steps)
    emb = compute_node_embeddings(
        kg, text_encoder=enc, config=gcfg, cache_dir=Path(args.cache) / args.layer, progress=True
    )
    emb_s = time.perf_counter() - t
    train_q, dev_q = load_bestbuy_queries(args.train), load_bestbuy_queries(args.dev)
    train = build_examples(train_q, graph=kg, text_encoder=enc)
    dev = build_examples(dev_q, graph=kg, text_encoder=enc)
    linked = sum(bool(ex.input.linked) for ex in dev) / len(dev)
    labels = [lab for lab, _ in Counter(ex.lvl1 for ex in train).most_common()]
    ctx = GraphContext(kg, emb, labels=labels)
    out = {
        "kg_version": kg.version,
        "nodes": len(emb.iris),
        "embeddings_seconds": emb_s,
        "pretrain": emb.meta.get("pretrain"),
        "dev_linked_share": linked,
        "linking_only": linking_baseline(ctx, dev, fallback=labels),
        "runs": [],
    }
    for seed in args.seeds:
        for use_graph in (True, False):
            cfg = FusionConfig(use_graph=use_graph, epochs=args.epochs, seed=seed)
            m = train_fusion(cfg, kg, train, dev, node_embeddings=emb)
            out["runs"].append(
                {
                    "seed": seed,
                    "use_graph": use_graph,
                    **evaluate(m, dev),
                    "best_epoch": m.training_report["best_epoch"],
                    "train_seconds": m.training_report["seconds"],
                }
            )
            print(json.dumps(out["runs"][-1]), flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
