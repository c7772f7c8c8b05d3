"""Where a parse's time goes, and what the tagger's ONNX Runtime call costs per INT8 export.

1. Every distinct QueryNER validation query parsed once by the bundle's ``QueryParser`` (after
   200 Best Buy warm-up queries): full-parse p50/p90 and the median of each stage's timing.
2. The tagger's ONNX Runtime call alone, in a tight loop over the same queries' inputs (one
   thread), for the bundle's fp32 and INT8 exports and for the INT8 weights re-quantised in
   blocks of each ``--block-size``; with the QueryNER validation F1 (strict, each query alone,
   with the bundle's KG lexicon) of each graph.

    python bench/parse_stages.py --bundle ~/.cache/kgqp/bundle --block-size 64 128

``--pipe N`` also times ``pipe()`` (batch 64) over N distinct QueryNER train queries that are
not validation queries (``pipe_cpu_ms``: the process's CPU time per query, both threads;
``pipe_onnx_cpu_ms``: the model calls' share; ``pipe_positions`` and ``pipe_tokens``: the
positions the ONNX calls computed per query, padding included, and the queries' tokens);
``--no-graphs`` skips part 2. ``--gc-freeze`` times parses and ``pipe()`` with the objects
alive after the load and warm-up frozen out of the garbage collector's full passes
(``gc.collect(); gc.freeze()``, as ``kgqp serve`` and ``kgqp parse`` do); the output's
``gc_full_ms`` is the time of the full collections during the run (``gc_full_n`` of them).
The script reads only public names but for part 2, so a copy of it (with ``bench/_timing.py``)
times an older checkout's (032b9d5 or later: ``parser.app.threads.freeze_heap``)
parse the same way.

Timing needs an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _timing import FullCollections  # noqa: E402


class _OnnxMeter:
    """While open: the CPU time of the tagger's batched model calls (``pipe()``'s worker
    thread, the outermost ``forward(..., batch=True)`` call), and the positions its ONNX
    Runtime calls computed (padding included) against the texts' tokens."""

    def __init__(self, tagger) -> None:
        self.tagger, self.cpu, self.positions, self.tokens = tagger, 0.0, 0, 0
        self._depth = threading.local()
        forward, session = tagger.forward, tagger.batch_session
        run = session.run

        def timed(items, **kw):
            depth = getattr(self._depth, "n", 0)
            self._depth.n = depth + 1
            c0 = time.thread_time()
            try:
                return forward(items, **kw)
            finally:
                self._depth.n = depth
                if kw.get("batch") and depth == 0:
                    self.cpu += time.thread_time() - c0
                    self.tokens += sum(len(p.input_ids) for p in items)

        def counted(names, feeds):
            self.positions += feeds["attention_mask"].size
            return run(names, feeds)

        tagger.forward, session.run = timed, counted
        self._session = session

    def close(self) -> None:
        del self.tagger.forward, self._session.run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--block-size", type=int, nargs="*", default=[])
    ap.add_argument("--repeat", type=int, default=3, help="tight-loop passes per graph")
    ap.add_argument("--pipe", type=int, default=0, metavar="N",
                    help="also time pipe() (batch 64) over N distinct QueryNER train queries "
                         "that are not validation queries: queries per second")
    ap.add_argument("--no-graphs", action="store_true",
                    help="skip part 2 (the ONNX Runtime calls alone and their F1)")
    ap.add_argument("--gc-freeze", action="store_true",
                    help="freeze the heap after the load and warm-up (gc.freeze), as the "
                         "service and the batch command do")
    args = ap.parse_args()

    import onnxruntime as ort
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    from parser.app.threads import freeze_heap
    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll
    from parser.tagger.io import ort_session_options
    from parser.tagger.lexicon import KGLexicon
    from parser.tagger.onnx import _quantize_weights

    parser = QueryParser.from_pretrained(args.bundle)
    sents = read_conll(args.data / "queryner" / "validation.conll")
    queries = list(dict.fromkeys(s.text() for s in sents))
    with open(args.data / "bestbuy" / "queries_train.jsonl", encoding="utf-8") as fh:
        warm = [json.loads(line)["query"] for line in fh][:200]
    for q in warm:
        parser(q)
    if args.gc_freeze:
        freeze_heap()
    with FullCollections() as full:  # (the timed parses and pipe())
        total, stages = [], {}
        for q in queries:
            t0 = time.perf_counter()
            res = parser(q)
            total.append((time.perf_counter() - t0) * 1e3)
            for k, v in res.timings.items():
                stages.setdefault(k, []).append(v)
        total.sort()
        out = {"n": len(queries), "parse_p50_ms": round(total[len(total) // 2], 3),
               "parse_p90_ms": round(total[int(0.9 * len(total))], 3),
               "stage_median_ms": {k: round(statistics.median(v), 3) for k, v in stages.items()}}
        if args.pipe:
            seen = set(queries)
            train = [q for q in dict.fromkeys(s.text() for s in read_conll(
                args.data / "queryner" / "train.conll")) if q not in seen][:args.pipe]
            onnx = _OnnxMeter(parser.tagger)
            t0, c0 = time.perf_counter(), time.process_time()
            n = sum(1 for _ in parser.pipe(train, batch_size=64))
            out["pipe_n"], out["pipe_qps"] = n, round(n / (time.perf_counter() - t0))
            out["pipe_cpu_ms"] = round((time.process_time() - c0) * 1e3 / n, 3)
            onnx.close()
            out["pipe_onnx_cpu_ms"] = round(onnx.cpu * 1e3 / n, 3)
            out["pipe_positions"] = round(onnx.positions / n, 2)
            out["pipe_tokens"] = round(onnx.tokens / n, 2)
    out["gc_frozen"] = args.gc_freeze
    out["gc_full_n"], out["gc_full_ms"] = len(full.seconds), round(sum(full.seconds) * 1e3, 1)
    if args.no_graphs:
        print(json.dumps(out, indent=1))
        return

    tagger = parser.tagger
    feeds = []
    for q in queries:
        feeds.append(tagger.onnx_feeds(
            tagger.prepare([q], matches=[KGLexicon.spans(parser.kg.match(q))])))
    folder = Path(tagger.onnx_file).parent
    graphs = {"fp32": folder / "model.onnx", "int8 blocks of 32": folder / "model.int8.onnx"}
    tmp = Path(tempfile.mkdtemp(prefix="kgqp-blocks-"))
    for b in args.block_size:
        graphs[f"int8 blocks of {b}"] = tmp / f"b{b}.onnx"
        _quantize_weights(graphs["fp32"], graphs[f"int8 blocks of {b}"], block_size=b)
    gold = [list(s.tags) for s in sents]
    served = tagger.session
    out["graphs"] = {}
    for name, path in graphs.items():
        session = ort.InferenceSession(str(path), ort_session_options(num_threads=1),
                                       providers=["CPUExecutionProvider"])
        wanted = [o.name for o in session.get_outputs() if o.name in ("logits", "states")]
        for feed in feeds[:50]:
            session.run(wanted, feed)
        medians = []
        for _ in range(args.repeat):
            ts = []
            for feed in feeds:
                t0 = time.perf_counter()
                session.run(wanted, feed)
                ts.append((time.perf_counter() - t0) * 1e6)
            medians.append(round(statistics.median(ts)))
        tagger.session = session
        f1 = f1_score(gold, tagger.predict_sentences(sents, batch_size=1), mode="strict",
                      scheme=IOB2)
        out["graphs"][name] = {"ort_median_us": medians, "f1": round(float(f1), 4)}
    tagger.session = served
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
