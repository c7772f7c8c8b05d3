"""What a small KG commit costs a running parser: the commit itself (store write + every
derived view brought to the new version) and the first parse after it, with the views brought
forward from the change set vs rebuilt in full, alternating, in one process.

    python bench/kg_commit.py --bundle ~/.cache/kgqp/bundle --kg KG_COPY [--commits 5]

``KG_COPY`` must be a copy of the bundle's KG (the commits add brands to it). Each commit adds
one new brand with an alias and a ``sells_in`` edge to a category; the "rebuild" side sets
``kg.graph.INCREMENTAL_MAX_QUADS`` to 0, which is what a large change set does. Prints one JSON
object: per side, the commit seconds and the first parse's milliseconds (a distinct query naming
the new brand) and the resident memory after it, each list in commit order.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import rss_mb  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--kg", type=Path, required=True, help="a copy of the bundle's KG")
    ap.add_argument("--commits", type=int, default=5, help="commits per side")
    ap.add_argument("--forward-only", action="store_true",
                    help="only the default side (views brought forward): memory over many commits")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    import kg.graph as kg_graph
    from kg import Edge, Node, NodeKind, ProductGraph, Relation
    from parser.pipeline import QueryParser

    graph = ProductGraph.open(args.kg)
    parser = QueryParser.from_pretrained(args.bundle, kg=graph)
    parser("samsung 55 inch tv")  # every view built
    rss0 = rss_mb()
    category = next(n.iri for n in graph.nodes(NodeKind.CATEGORY) if n.label == "TVs")
    limit = kg_graph.INCREMENTAL_MAX_QUADS
    out: dict[str, dict[str, list[float]]] = {
        side: {"commit_s": [], "first_parse_ms": [], "rss_mb": []}
        for side in ("forward", "rebuild")}
    stamp = int(time.time())
    sides = ["forward"] if args.forward_only else ["forward", "rebuild"]
    for i in range(len(sides) * args.commits):
        side = sides[i % len(sides)]
        kg_graph.INCREMENTAL_MAX_QUADS = limit if side == "forward" else 0
        key = f"benchbrand{stamp}x{i}"
        t = time.perf_counter()
        with graph.transaction(f"bench/kg_commit.py {i}") as tx:
            tx.add_node(Node(NodeKind.BRAND, key, f"Benchbrand {i}", aliases=(f"bbx{i}",)))
            tx.add_edge(Edge(f"https://kgqp.dev/id/brand/{key}", Relation.SELLS_IN, category))
        out[side]["commit_s"].append(round(time.perf_counter() - t, 4))
        t = time.perf_counter()
        parser(f"benchbrand {i} tv stand")
        out[side]["first_parse_ms"].append(round((time.perf_counter() - t) * 1e3, 2))
        out[side]["rss_mb"].append(rss_mb())
    kg_graph.INCREMENTAL_MAX_QUADS = limit
    report = {side: {**v, "commit_s_median": statistics.median(v["commit_s"]),
                     "first_parse_ms_median": statistics.median(v["first_parse_ms"])}
              for side, v in out.items() if v["commit_s"]}
    report["rss_mb_before"] = rss0
    report["kg_version"] = graph.version
    report["triples"] = len(graph)
    graph.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
