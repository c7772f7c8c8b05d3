"""ONNX Runtime thread settings for the tagger session of a bundle, side by side in one run.

For each setting (intra-op threads, spin-waiting, spinning stopped after each run) it replaces
the bundle tagger's session and measures the full single-query parse (p50/p99), its stage
split, and ``pipe()`` throughput on the QueryNER validation queries. This is how the defaults
in ``parser/tagger/io.py`` were chosen.

    python bench/ort_threads.py --bundle ~/.cache/kgqp/bundle [--repeat 2]
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

from _timing import samples_ms  # noqa: E402

QUERY = "samsung 55 inch qled tv under 800"
SETTINGS = [(2, True, False), (2, True, True), (2, False, False), (1, False, False)]


def _session(path: Path, threads: int, spin: bool, stop: bool):
    import onnxruntime as ort

    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    o.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    if stop:
        o.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "queryner" / "validation.conll")
    ap.add_argument("--repeat", type=int, default=2, help="rounds over all settings (drift)")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    parser = QueryParser.from_pretrained(args.bundle, read_only=True)
    onnx_file = args.bundle / "tagger" / "model.int8.onnx"
    texts = [s.text() for s in read_conll(args.data)]
    for rnd in range(args.repeat):
        for threads, spin, stop in SETTINGS:
            parser.tagger.session = _session(onnx_file, threads, spin, stop)
            ts = samples_ms(parser, QUERY, n=400, warmup=30)
            stages: dict[str, list[float]] = {}
            for _ in range(200):
                for k, v in parser(QUERY).timings.items():
                    stages.setdefault(k, []).append(v)
            t = time.perf_counter()
            n = sum(1 for _ in parser.pipe(texts, batch_size=64))
            print(json.dumps({
                "round": rnd, "intra_op_threads": threads, "spin": spin, "stop_after_run": stop,
                "p50_ms": round(statistics.median(ts), 3),
                "p99_ms": round(ts[min(len(ts) - 1, int(0.99 * len(ts)))], 3),
                "stage_p50_ms": {k: round(statistics.median(v), 2) for k, v in stages.items()},
                "pipe_qps": round(n / (time.perf_counter() - t)),
            }), flush=True)
    parser.kg.close()


if __name__ == "__main__":
    main()
