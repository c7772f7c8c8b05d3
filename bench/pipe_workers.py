"""``QueryParser.pipe()`` throughput by its thread layout: model-call workers and batches handed
to them ahead of the one being finished (``parser.pipeline._WORKERS`` / ``_IN_FLIGHT``), over the
unique QueryNER train queries (7,8xx distinct queries, batch 64; each layout gets its own
disjoint share, so no query is parsed twice).

    python bench/pipe_workers.py --bundle ~/.cache/kgqp/bundle [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "queryner" / "train.conll")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    import parser.pipeline as pipeline
    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    qp = QueryParser.from_pretrained(args.bundle, read_only=True)
    texts = list(dict.fromkeys(s.text() for s in read_conll(args.data)))
    layouts = [("1 worker, 1 ahead", 1, 1), ("2 workers, 4 ahead (default)", 2, 4)]
    shares = [texts[i::len(layouts) * args.repeat] for i in range(len(layouts) * args.repeat)]
    list(qp.pipe([f"warm up {i}" for i in range(256)]))  # makes the one-thread session
    rows = []
    for rnd in range(args.repeat):
        for j, (name, workers, ahead) in enumerate(layouts):
            pipeline._WORKERS, pipeline._IN_FLIGHT = workers, ahead
            share = shares[rnd * len(layouts) + j]
            t = time.perf_counter()
            n = sum(1 for _ in qp.pipe(share, batch_size=64))
            rows.append({"round": rnd + 1, "layout": name, "n": n,
                         "qps": round(n / (time.perf_counter() - t), 1)})
    qp.kg.close()
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
