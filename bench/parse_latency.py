"""Full-parse speed: ``QueryParser`` (tag + link + classify + expand) vs the Hugging Face
``pipeline("token-classification")`` doing tagging alone on the same tagger weights, side by
side in one run.

    python bench/parse_latency.py --bundle ~/.cache/kgqp/bundle [--n 300] [--threads 1]

Reports single-query p50/p99 (ms) for both, ``pipe()`` throughput (queries/s, batch 64) on the
QueryNER validation queries (three passes, 2,613 queries), the per-stage split of our parse,
and this process's resident memory after loading the bundle (the service holds the same
objects) and after ``pipe()`` (which adds its one-thread session).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _timing import samples_ms  # noqa: E402

QUERY = "samsung 55 inch qled tv under 800"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _single(fn, n: int) -> dict[str, float]:
    ts = samples_ms(fn, QUERY, n=n, warmup=30)
    return {"p50_ms": round(statistics.median(ts), 3),
            "p99_ms": round(ts[min(len(ts) - 1, int(0.99 * len(ts)))], 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (as `kgqp serve`)")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "queryner" / "validation.conll")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    rss0 = _rss_mb()
    parser = QueryParser.from_pretrained(args.bundle, read_only=True)
    rss_parser = _rss_mb()
    texts = [s.text() for s in read_conll(args.data)]

    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    tagger_dir = args.bundle / "tagger"
    hf = pipeline("token-classification",
                  model=AutoModelForTokenClassification.from_pretrained(str(tagger_dir)).eval(),
                  tokenizer=AutoTokenizer.from_pretrained(str(tagger_dir)),
                  aggregation_strategy="first", device=-1)

    import json as _json

    layers = _json.loads((args.bundle / "tagger" / "config.json").read_text())["num_hidden_layers"]
    res: dict = {"query": QUERY, "threads": args.threads, "backend": parser.tagger.backend,
                 "tagger_layers": layers, "one_encoder_pass": parser.shares_encoder}
    with torch.inference_mode():
        res["hf_pipeline_tagging_only"] = _single(hf, args.n)
    res["kgqp_full_parse"] = _single(parser, args.n)
    stages: dict[str, list[float]] = {}
    for _ in range(100):
        for k, v in parser(QUERY).timings.items():
            stages.setdefault(k, []).append(v)
    res["kgqp_stage_p50_ms"] = {k: round(statistics.median(v), 3) for k, v in stages.items()}
    res["ratio_p50_full_parse_vs_hf"] = round(
        res["kgqp_full_parse"]["p50_ms"] / res["hf_pipeline_tagging_only"]["p50_ms"], 3)

    # warm up with several batches: pipe() makes its one-thread session on first use
    list(parser.pipe(texts[:256], batch_size=64))
    t = time.perf_counter()
    n = sum(1 for _ in parser.pipe(texts * 3, batch_size=64))
    res["pipe_qps"] = round(n / (time.perf_counter() - t), 1)
    rss_pipe = _rss_mb()  # with pipe()'s one-thread session
    with torch.inference_mode():
        t = time.perf_counter()
        hf(texts, batch_size=64)
        res["hf_pipeline_batch64_qps"] = round(len(texts) / (time.perf_counter() - t), 1)
    res["rss_mb"] = {"before_load": round(rss0, 1), "after_parser_load": round(rss_parser, 1),
                     "after_pipe": round(rss_pipe, 1)}
    parser.kg.close()
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
