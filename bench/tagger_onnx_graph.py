"""The tagger's ONNX graph: the current INT8 export against graph variants, side by side in one
process (speed of ``session.run`` and of ``Tagger.__call__`` per real query, load time, and
whether the tags stay the same).

    OMP_NUM_THREADS=1 python bench/tagger_onnx_graph.py --model /tmp/onnx-work/tagger \\
        --kg ~/.cache/kgqp/kg [--data data/queryner/validation.conll] [--rounds 5]

``--model`` must be a copy of a tagger folder: the variants are written into
``<model>/graph-variants/`` (``model.onnx``, the fp32 export, is their source). Variants:

* ``current``: the folder's ``model.int8.onnx`` as it is;
* ``unfused``: the fp32 graph quantised again as the export does: ``current`` exactly, the
  timing's A/A control (its difference to ``current`` is the noise floor);
* ``fused``: ONNX Runtime's transformer optimiser (:func:`fuse_transformer`) on the fp32
  graph (Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization), then the same
  8-bit MatMulNBits quantisation (the Q/K/V weights are inside the Attention node then and
  stay fp32);
* ``fused-noattn``: the same without the Attention fusion (every MatMul quantised);
* ``fused-mha``: the optimiser with MultiHeadAttention (the Q/K/V MatMuls stay apart, so all
  26 are quantised as in ``current``);
* ``logits-only``: ``current`` with the ``pooled``/``states`` outputs removed (ORT runs the nodes
  of an output nobody asked for: does it cost?); ``fused-mha+logits-only`` both.

Also measurable with ``--variants``: ``fp32`` (``model.onnx``) and ``fused-fp32``.

Timing: each round runs every query once on every variant, the variants in turn (the order
rotates per query), one intra-op thread, the query alone: ``session.run(["logits"])`` (as
``Tagger.__call__`` and a parse without a fusion model ask), ``session.run(["logits",
"states"])`` (as a parse with a fusion model asks), then ``Tagger.__call__`` (tokenising,
lexicon look-up, decoding). Wall and thread-CPU time of each call (on a shared machine the CPU
time is the steadier comparison); p50/p90 over all rounds, and the spread of the per-round
p50s. Accuracy, on every query of
``--data``: max |logit difference| to ``current`` (each query alone), the queries whose tags
differ (``predict_sentences``, batches of 64, as the evaluation runs), and the strict span F1
(:func:`parser.tagger.training.evaluate`, as ``kgqp tagger evaluate``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from kg.io import atomic_path, atomic_write_text

VARIANTS = ("current", "unfused", "fused", "fused-noattn", "fused-mha", "logits-only",
            "fused-mha+logits-only")


def fuse_transformer(src: Path, dst: Path, folder: Path, *, attention: bool = True,
                     multi_head: bool = False) -> dict[str, int]:
    """Write ``src`` (an fp32 export of the tagger in ``folder``) through ONNX Runtime's
    transformer optimiser to ``dst``: its Python fusions only (``opt_level=0``: no
    hardware-specific ORT rewrite is saved). A BERT layer becomes Attention (MultiHeadAttention
    with ``multi_head``; neither with ``attention=False``), two SkipLayerNormalization and a
    BiasGelu; the embeddings one EmbedLayerNormalization. Returns the count of each fused
    operator."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    d = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if d.get("model_type") != "bert":
        raise SystemExit(f"{folder}: the optimiser is set up for BERT here, not "
                         f"{d.get('model_type')}")
    opts = FusionOptions("bert")
    opts.enable_attention = attention
    opts.use_multi_head_attention = multi_head
    m = optimize_model(str(src), model_type="bert", num_heads=int(d["num_attention_heads"]),
                       hidden_size=int(d["hidden_size"]), optimization_options=opts, opt_level=0)
    m.save_model_to_file(str(dst), use_external_data_format=False)
    return {k: v for k, v in m.get_fused_operator_statistics().items() if v}


def _quantiles(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"p50": round(statistics.median(s), 4), "p90": round(s[int(0.9 * (len(s) - 1))], 4)}


def build_variants(model: Path, names: list[str]) -> dict[str, Path]:
    """The ONNX file of each variant (made on first use into ``model/graph-variants``)."""
    import onnx

    from parser.tagger.onnx import quantize_weights

    out = model / "graph-variants"
    out.mkdir(exist_ok=True)
    fp32 = model / "model.onnx"
    files: dict[str, Path] = {}
    for name in names:
        f = out / f"{name}.onnx"
        if name in ("current", "fp32"):
            files[name] = model / ("model.int8.onnx" if name == "current" else "model.onnx")
            continue
        if not f.is_file():  # (written whole or not at all: a run cut short leaves no
            #                    half-written variant for the next one to time)
            with atomic_path(f) as dst:
                if name == "unfused":
                    quantize_weights(fp32, dst)
                elif name == "fused-fp32":
                    print(f"{name}: fused {fuse_transformer(fp32, dst, model)}")
                elif name in ("fused", "fused-noattn", "fused-mha"):
                    tmp = out / f"{name}.fp32.onnx"
                    stats = fuse_transformer(fp32, tmp, model,
                                             attention=name != "fused-noattn",
                                             multi_head=name == "fused-mha")
                    print(f"{name}: fused {stats}")
                    quantize_weights(tmp, dst)
                    tmp.unlink()
                elif name.endswith("logits-only"):  # "logits-only", "fused-mha+logits-only"
                    src = (model / "model.int8.onnx" if name == "logits-only"
                           else build_variants(model, [name.split("+")[0]])[name.split("+")[0]])
                    m = onnx.load(str(src))
                    keep = [o for o in m.graph.output if o.name == "logits"]
                    del m.graph.output[:]
                    m.graph.output.extend(keep)
                    onnx.save(m, str(dst))
                else:
                    raise SystemExit(f"unknown variant {name}")
        files[name] = f
    for name, f in files.items():
        m = onnx.load(str(f), load_external_data=False)
        ops: dict[str, int] = {}
        for n in m.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        print(f"{name}: {len(m.graph.node)} nodes, {f.stat().st_size / 1e6:.1f} MB; "
              + ", ".join(f"{k} {v}" for k, v in sorted(ops.items(), key=lambda kv: -kv[1])
                          if k in ("MatMulNBits", "MatMul", "Attention", "MultiHeadAttention",
                                   "SkipLayerNormalization", "LayerNormalization", "BiasGelu",
                                   "EmbedLayerNormalization", "Gather", "Shape", "Cast")))
    return files


def _tagger(model: Path, onnx_file: Path, graph):
    """A Tagger of ``model`` on the ONNX file ``onnx_file``, loaded as every tagger is
    (``Tagger.from_pretrained``, its own session options, one thread). Another file than the
    folder's ``model.int8.onnx`` is loaded from a folder of its own,
    ``graph-variants/<file's stem>.tagger``: links to ``model``'s files, the variant linked as
    its ``model.int8.onnx``."""
    from parser.tagger.predict import Tagger

    folder = model
    if onnx_file.resolve() != (model / "model.int8.onnx").resolve():
        folder = model / "graph-variants" / f"{onnx_file.stem}.tagger"
        folder.mkdir(parents=True, exist_ok=True)
        links = {f.name: f for f in model.iterdir() if f.is_file() and f.suffix != ".onnx"}
        links["model.int8.onnx"] = onnx_file
        for name, target in links.items():
            link = folder / name
            link.unlink(missing_ok=True)
            link.symlink_to(target.resolve())
    return Tagger.from_pretrained(folder, backend="onnx", lexicon=graph, int8=True,
                                  num_threads=1)


def _load_ms(onnx_file: Path, n: int = 3) -> float:
    import onnxruntime as ort

    from parser.tagger.io import ort_session_options

    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        ort.InferenceSession(str(onnx_file), ort_session_options(num_threads=1),
                             providers=["CPUExecutionProvider"])
        ts.append((time.perf_counter() - t0) * 1000)
    return round(min(ts), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a COPY of a tagger folder")
    ap.add_argument("--kg", type=Path, default=Path.home() / ".cache/kgqp/kg",
                    help="the tagger's lexicon KG (opened read-only)")
    ap.add_argument("--data", type=Path, default=Path("data/queryner/validation.conll"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help="comma-separated; the first is the reference (default: %(default)s)")
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: set OMP_NUM_THREADS=1 for comparable numbers")

    from kg import ProductGraph
    from parser.tagger.formats import read_data
    from parser.tagger.training import evaluate

    names = [v for v in args.variants.split(",") if v]
    files = build_variants(args.model, names)
    graph = ProductGraph.open(args.kg, read_only=True)
    taggers = {n: _tagger(args.model, f, graph) for n, f in files.items()}
    ref = taggers[names[0]]
    sentences = read_data(args.data, source="annotations", labels=ref.entity_types)
    texts = [s.text() for s in sentences]
    items = [ref.encoder.prepare(t) for t in texts]
    feeds = [ref.onnx_feeds([p]) for p in items]
    res: dict[str, dict] = {n: {"file": str(files[n])} for n in names}
    for n in names:  # (measured once: the times printed are those --json writes)
        res[n]["load_ms"] = _load_ms(files[n])
    print(f"{len(texts)} queries, {sum(len(p.input_ids) for p in items) / len(items):.1f} "
          f"tokens on average; load: " + ", ".join(f"{n} {res[n]['load_ms']} ms" for n in names))

    # -- accuracy ------------------------------------------------------------------------------
    if not args.no_accuracy:
        base_logits = [ref.session.run(["logits"], f)[0] for f in feeds]
        base_tags = ref.predict_sentences(sentences)
        for n in names:
            t = taggers[n]
            diff = max(float(np.abs(t.session.run(["logits"], f)[0] - b).max())
                       for f, b in zip(feeds, base_logits, strict=True))
            tags = t.predict_sentences(sentences)
            ndiff = sum(a != b for a, b in zip(tags, base_tags, strict=True))
            single = [t(x) for x in texts[:200]]  # one query alone vs in a batch of 64
            batched = list(t.pipe(texts[:200], batch_size=64))
            nbatch = sum(a.entities != b.entities for a, b in zip(single, batched, strict=True))
            s = evaluate(t, sentences)
            res[n].update(max_abs_logit_diff=diff, queries_tags_differ=ndiff,
                          single_vs_batch_differ_of_200=nbatch, f1=round(s["f1"] * 100, 2),
                          precision=round(s["precision"] * 100, 2),
                          recall=round(s["recall"] * 100, 2))
            print(f"{n:22s} max|dlogit| {diff:.2e}  tags differ on {ndiff}/{len(texts)}  "
                  f"single!=batch {nbatch}/200  F1 {s['f1'] * 100:.2f} "
                  f"(P {s['precision'] * 100:.2f} R {s['recall'] * 100:.2f})")

    # -- speed ---------------------------------------------------------------------------------
    modes = {
        # what Tagger.__call__ and a parse without a fusion model ask for
        "session.run logits": lambda n, i: taggers[n].session.run(["logits"], feeds[i]),
        # what a parse with a fusion model asks for (Tagger.forward(pooled=True))
        "session.run logits+states": lambda n, i: taggers[n].session.run(["logits", "states"],
                                                                         feeds[i]),
        "Tagger.__call__": lambda n, i: taggers[n](texts[i]),
    }
    for label, run in modes.items() if args.rounds > 0 else ():
        these = [n for n in names if "states" not in label or "states" in taggers[n]._ort_outputs]
        for n in these:  # warm-up
            for i in range(50):
                run(n, i)
        # wall time, and this thread's CPU time (ORT runs a one-thread session on the calling
        # thread): under another job's load the wall time holds the waits for a core, the CPU
        # time mostly not (cache misses caused by the other jobs stay in both)
        per: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in these}
        rounds: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in these}
        for _ in range(args.rounds):
            this: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []}
                                                       for n in these}
            load = os.getloadavg()[0]
            for i in range(len(texts)):
                k = i % len(these)
                for n in these[k:] + these[:k]:
                    c0, t0 = time.thread_time(), time.perf_counter()
                    run(n, i)
                    t1, c1 = time.perf_counter(), time.thread_time()
                    this[n]["wall"].append((t1 - t0) * 1000)
                    this[n]["cpu"].append((c1 - c0) * 1000)
            for n in these:
                for w in ("wall", "cpu"):
                    per[n][w] += this[n][w]
                    rounds[n][w].append(statistics.median(this[n][w]))
            print(f"  {label} round (load {load:.2f}), p50 wall/cpu ms: "
                  + ", ".join(f"{n} {rounds[n]['wall'][-1]:.3f}/{rounds[n]['cpu'][-1]:.3f}"
                              for n in these))
        print(f"{label}: per query, ms ({args.rounds} rounds x {len(texts)} queries)")
        for w in ("wall", "cpu"):
            base = statistics.median(per[these[0]][w])
            for n in these:
                q = _quantiles(per[n][w])
                q.update(round_p50_min=round(min(rounds[n][w]), 4),
                         round_p50_max=round(max(rounds[n][w]), 4),
                         vs_first=round(q["p50"] / base - 1, 4))
                res[n][f"{label} {w}"] = q
                print(f"  {w:4s} {n:22s} p50 {q['p50']:.3f} p90 {q['p90']:.3f}  round p50s "
                      f"{q['round_p50_min']:.3f}-{q['round_p50_max']:.3f}  "
                      f"{q['vs_first'] * 100:+.1f}% vs {these[0]}")
    if args.json:
        atomic_write_text(args.json, json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
