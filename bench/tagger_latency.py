"""Tagger latency: our ONNX Runtime INT8 path vs the Hugging Face token-classification pipeline
on the same fine-tuned weights, side by side in one run.

    python bench/tagger_latency.py --model models/tagger-queryner [--n 300] [--data F.conll]

Reports single-query p50/p95 (ms) and batch-32 throughput (queries/s) for: HF pipeline (torch),
our torch backend, our ONNX fp32 and ONNX INT8 backends. Exports the ONNX files when missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from _timing import samples_ms

QUERY = "samsung 55 inch qled tv under 800"
FALLBACK = [QUERY, "apple iphone 13 case", "red nike running shoes for men", "sony headphones",
            "wooden coffee table", "hp printer ink 63", "kids winter jacket", "lg oled tv 65"]


def _time_single(fn, n: int) -> dict[str, float]:
    ts = samples_ms(fn, QUERY, n=n, warmup=20)
    return {"p50_ms": statistics.median(ts), "p95_ms": ts[int(0.95 * (len(ts) - 1))]}


def _time_batch(fn, texts: list[str]) -> float:
    fn(texts[:32])
    t = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path("models/tagger-queryner"))
    ap.add_argument("--n", type=int, default=300, help="single-query repetitions")
    ap.add_argument("--data", type=Path, default=Path("../shared/data/queryner/validation.conll"))
    ap.add_argument("--n-batch", type=int, default=512, help="texts for the throughput run")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    from parser.tagger import Tagger
    from parser.tagger.data import read_conll
    from parser.tagger.onnx import export_onnx

    if not (args.model / "model.int8.onnx").is_file():
        export_onnx(args.model, int8=True)
    texts = ([s.text() for s in read_conll(args.data)] if args.data.is_file() else FALLBACK)
    texts = (texts * (args.n_batch // len(texts) + 1))[: args.n_batch]

    hf_model = AutoModelForTokenClassification.from_pretrained(str(args.model)).eval()
    hf_tok = AutoTokenizer.from_pretrained(str(args.model))
    hf = pipeline("token-classification", model=hf_model, tokenizer=hf_tok,
                  aggregation_strategy="first", device=-1)
    ours = {
        "kgqp torch": Tagger.from_pretrained(args.model, num_threads=args.threads),
        "kgqp onnx fp32": Tagger.from_pretrained(args.model, backend="onnx", int8=False,
                                                 num_threads=args.threads),
        "kgqp onnx int8": Tagger.from_pretrained(args.model, backend="onnx", int8=True,
                                                 num_threads=args.threads),
    }
    results: dict[str, dict[str, float]] = {}
    with torch.inference_mode():
        results["hf pipeline"] = _time_single(hf, args.n)
        results["hf pipeline"]["batch32_qps"] = _time_batch(lambda b: hf(b, batch_size=32), texts)
    for name, tagger in ours.items():
        results[name] = _time_single(tagger, args.n)
        results[name]["batch32_qps"] = _time_batch(
            lambda b, t=tagger: list(t.pipe(b, batch_size=32)), texts)
    print(f"{'path':16s} {'p50 ms':>8s} {'p95 ms':>8s} {'batch-32 q/s':>13s}")
    for name, r in results.items():
        print(f"{name:16s} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {r['batch32_qps']:13.0f}")
    speedup = results["hf pipeline"]["p50_ms"] / results["kgqp onnx int8"]["p50_ms"]
    print(f"single-query p50 speed-up, ONNX INT8 vs HF pipeline: {speedup:.1f}x")
    print(json.dumps({"query": QUERY, "threads": args.threads, "results": results,
                      "speedup_p50": speedup}))


if __name__ == "__main__":
    main()
