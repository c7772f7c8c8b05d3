"""INT8 schemes of the tagger side by side: F1 cost, batch dependence, latency.

    python bench/quantization.py --model ~/.cache/kgqp/tagger --kg ~/.cache/kgqp/kg [--data F.conll]

For the same trained tagger: torch (reference), ONNX fp32, ONNX INT8 with dynamic quantisation
(activation scales computed per call over the whole batch) and ONNX INT8 weight-only
(MatMulNBits, activations quantised per row and block: the default export); with ``--static N``
also ONNX INT8 with static activation scales (``quantize_static``: QDQ, weights per channel,
activations uint8 with one MinMax range per tensor calibrated on N training queries after the
1,500 timed ones, only the MatMuls with constant weights). Static scales are fixed, so a query's
tags do not depend on its batch either; the product does not export it (docs/benchmarks.md,
"Static INT8 activation scales for the tagger"). Reports

- strict micro-F1 on the data, each query tagged alone (as a single ``parser(q)`` call) and in
  batches of 64 (as ``pipe()``);
- how many queries get other tags in a batch of 64 than alone;
- single-query latency p50/p95 of the ONNX graphs over distinct queries (QueryNER train, each
  query once per graph, the graphs interleaved query by query so that each sees the same load).

A tagger trained with KG lexicon features (the quickstart's) needs the KG it was trained with:
``--kg KGDIR`` (a folder or a KG server URL, opened read-only) is every measured tagger's
lexicon. Without it each lexicon feature is 0 (the tagger warns), so its tags, and its F1,
are not those it was selected on.

The exports are written to a temporary copy of the model folder; the folder itself is not
changed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def _tags(tagger, sents, batch_size: int) -> list[list[str]]:
    return tagger.predict_sentences(sents, batch_size=batch_size)


def _f1(gold, pred) -> float:
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    return float(f1_score(gold, pred, mode="strict", scheme=IOB2, zero_division=0))


def _latency(taggers: dict, texts: list[str]) -> dict[str, dict[str, float]]:
    """Single-query latency of every tagger, interleaved query by query (each sees the same
    load), each query timed once per tagger."""
    for t in taggers.values():
        for q in texts[:20]:  # warm the sessions (not the queries measured below)
            t(q + " warm")
    ts: dict[str, list[float]] = {k: [] for k in taggers}
    for q in texts[20:]:
        for k, t in taggers.items():
            t0 = time.perf_counter()
            t(q)
            ts[k].append((time.perf_counter() - t0) * 1e3)
    out = {}
    for k, v in ts.items():
        v.sort()
        out[k] = {"p50_ms": statistics.median(v), "p95_ms": v[int(0.95 * (len(v) - 1))]}
    return out


def _static_export(work: Path, tagger, texts: list[str]) -> None:
    """``work/model.int8.onnx``: the fp32 export with static INT8 activation scales, calibrated
    on ``texts`` (each fed alone, as ``tagger`` prepares it: its KG lexicon features included)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    feeds = [tagger.onnx_feeds(tagger.prepare([text])) for text in texts]

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(feeds)

        def get_next(self):
            return next(self.it, None)

    pre = work / "pre.onnx"
    quant_pre_process(str(work / "model.onnx"), str(pre), skip_symbolic_shape=True)
    quantize_static(str(pre), str(work / "model.int8.onnx"), _Reader(),
                    quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul"], calibrate_method=CalibrationMethod.MinMax,
                    extra_options={"MatMulConstBOnly": True})
    pre.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path("data/queryner/validation.conll"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--kg", metavar="KGDIR", default=None,
                    help="The KG the tagger was trained with, for its KG lexicon features "
                    "(default: none)")
    ap.add_argument("--static", type=int, default=0, metavar="N",
                    help="also INT8 with static activation scales calibrated on N training "
                    "queries after the timed ones (none scored; default 0: not run)")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from kg import ProductGraph
    from kg.store import redact_url
    from parser.tagger import Tagger, export_onnx
    from parser.tagger.data import read_conll

    lexicon = ProductGraph.open(args.kg, read_only=True) if args.kg else None
    sents = read_conll(args.data)
    gold = [list(s.tags) for s in sents]
    train = args.data.parent / "train.conll"
    timing = list(dict.fromkeys(s.text() for s in read_conll(train if train.is_file()
                                                              else args.data)))[:1500]
    tmp = Path(tempfile.mkdtemp(prefix="kgqp-quant-"))
    work = tmp / "tagger"
    shutil.copytree(args.model.expanduser(), work,
                    ignore=shutil.ignore_patterns("checkpoint", "*.onnx"))
    taggers = {"torch": Tagger.from_pretrained(work, num_threads=args.threads,
                                               lexicon=lexicon)}
    export_onnx(work, int8=False)
    taggers["onnx fp32"] = Tagger.from_pretrained(work, backend="onnx", int8=False,
                                                  num_threads=args.threads, lexicon=lexicon)
    for scheme in ("dynamic", "weights"):
        export_onnx(work, int8=True, quantize=scheme)
        keep = tmp / f"int8-{scheme}.onnx"
        shutil.copy(work / "model.int8.onnx", keep)
        t = Tagger.from_pretrained(work, backend="onnx", int8=True, num_threads=args.threads,
                                   lexicon=lexicon)
        taggers[f"onnx int8 {scheme}"] = t
    if args.static:
        calibration = list(dict.fromkeys(s.text() for s in read_conll(
            train if train.is_file() else args.data)))[1500:1500 + args.static]
        _static_export(work, taggers["onnx fp32"], calibration)
        taggers["onnx int8 static"] = Tagger.from_pretrained(
            work, backend="onnx", int8=True, num_threads=args.threads, lexicon=lexicon)
    latency = _latency({k: t for k, t in taggers.items() if k != "torch"}, timing)
    results = {}
    for name, t in taggers.items():
        alone = _tags(t, sents, 1)
        batched = _tags(t, sents, 64)
        results[name] = {
            "f1_alone": _f1(gold, alone), "f1_batch64": _f1(gold, batched),
            "queries_tagged_differently_in_batch": sum(a != b for a, b in
                                                       zip(alone, batched, strict=True)),
            **latency.get(name, {"p50_ms": float("nan"), "p95_ms": float("nan")}),
        }
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'path':22s} {'F1 alone':>9s} {'F1 b64':>8s} {'differ':>7s} {'p50 ms':>7s} "
          f"{'p95 ms':>7s}")
    for name, r in results.items():
        print(f"{name:22s} {r['f1_alone']:9.4f} {r['f1_batch64']:8.4f} "
              f"{r['queries_tagged_differently_in_batch']:7d} {r['p50_ms']:7.2f} "
              f"{r['p95_ms']:7.2f}")
    print(json.dumps({"model": str(args.model), "kg": args.kg and redact_url(args.kg),
                      "data": str(args.data), "n": len(sents), "threads": args.threads,
                      "results": results}))


if __name__ == "__main__":
    main()
