"""Bulk RDF load: ``kgqp kg load --kind rdf`` vs rdflib ``Graph.parse`` on one N-Triples file.

Generates (deterministically, seed-free: every triple is a function of its index) an N-Triples
file of ``--triples`` triples shaped like a product catalogue in the kgqp vocabulary (products
with a type, name, alias, popularity, brand and category edges; brands and categories), then
runs, each in its own subprocess so that peak RSS (``ru_maxrss`` of the child) is its own:

- ``kgqp``: ``python -m parser.app.cli kg load FRESH_KG FILE --kind rdf`` (a new KG each run),
- ``rdflib``: ``rdflib.Graph().parse(FILE, format="nt")`` (in-memory store),

alternating, ``--runs`` times each (with ``--floor`` also the store's own loaders, which write no
change log, version or digest: ``pyoxigraph``, ``Store(NEW_DIR).bulk_load(path=FILE)`` alone, and
``oxigraph load``, the CLI of the ``oxigraph`` package, when it is installed: the fastest a load
into an Oxigraph store can be on this machine), and prints wall time (median, min, max), CPU time
(user + system of the child, all its threads: less sensitive than wall time to the machine's
other work) and peak RSS, with the 1-minute load average before each measured command (the
machine's other work matters: each side gets what the CPUs have left) and the commit measured,
then one JSON line.

    python bench/kg_bulk_load.py --triples 1000000 --runs 3 [--floor]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "https://schema.org/"
KGQP = "https://kgqp.dev/ns#"
ID = "https://kgqp.dev/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def generate(path: Path, triples: int) -> int:
    """Write about ``triples`` N-Triples lines to ``path``; returns the exact count."""
    n_brands, n_cats = 2_000, 1_000
    lines = 0
    with open(path, "w", encoding="utf-8") as fh:
        def emit(s: str, p: str, o: str) -> None:
            nonlocal lines
            fh.write(f"<{s}> <{p}> {o} .\n")
            lines += 1

        for b in range(n_brands):
            s = f"{ID}brand/b{b}"
            emit(s, RDF_TYPE, f"<{SCHEMA}Brand>")
            emit(s, SCHEMA + "name", f'"Brand {b}"')
        for c in range(n_cats):
            s = f"{ID}category/c{c}"
            emit(s, RDF_TYPE, f"<{KGQP}Category>")
            emit(s, SCHEMA + "name", f'"Category {c}"')
            if c:
                emit(s, KGQP + "parent", f"<{ID}category/c{(c - 1) // 8}>")
        i = 0
        while lines < triples:
            s = f"{ID}product/p{i}"
            name = _esc(f'Product {i} model X{i % 97} "{i % 13}in"')
            for p, o in (
                (RDF_TYPE, f"<{SCHEMA}Product>"),
                (SCHEMA + "name", f'"{name}"'),
                (KGQP + "alias", f'"p{i}"'),
                (KGQP + "popularity", f'"{(i % 1000) / 1000}"^^<{XSD_DOUBLE}>'),
                (SCHEMA + "brand", f"<{ID}brand/b{i % n_brands}>"),
                (SCHEMA + "category", f"<{ID}category/c{i % n_cats}>"),
            ):
                if lines >= triples:
                    break
                emit(s, p, o)
            i += 1
    return lines


_WRAP = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "dt = time.perf_counter() - t\n"
    "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(rc, dt, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)\n"
)
_RDFLIB = (
    "import sys, rdflib\n"
    "g = rdflib.Graph()\n"
    "g.parse(sys.argv[1], format='nt')\n"
    "print(len(g), file=sys.stderr)\n"
)
_PYOXIGRAPH = (
    "import sys, pyoxigraph as ox\n"
    "store = ox.Store(sys.argv[1])\n"
    "store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_TRIPLES)\n"
    "store.flush()\n"
)


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd`` in a child of a wrapper process; (wall seconds, peak RSS MiB, CPU seconds)
    of that child."""
    out = subprocess.run(
        [sys.executable, "-c", _WRAP, *cmd], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    rc, seconds, rss_kib, cpu = int(out[0]), float(out[1]), int(out[2]), float(out[3])
    if rc != 0:
        raise SystemExit(f"{cmd[:4]} failed with exit code {rc}")
    return seconds, rss_kib / 1024, cpu


def _commit() -> str | None:
    """The commit of the code measured (with ``+dirty`` for uncommitted changes)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def _summary(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None, help="Default: a new temp dir.")
    ap.add_argument("--keep", action="store_true", help="Keep the work directory.")
    ap.add_argument("--floor", action="store_true",
                    help="Also time the store's own loaders (pyoxigraph bulk_load, oxigraph load).")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kgqp-bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"catalog-{args.triples}.nt"
    if not src.exists():
        t = time.perf_counter()
        generate(src, args.triples)
        print(f"generated {src} ({src.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
    env_cmd = [sys.executable, "-m", "parser.app.cli", "kg", "load"]
    oxigraph_cli = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or \
        shutil.which("oxigraph")
    arms = ["kgqp", "rdflib"]
    if args.floor:
        arms += ["pyoxigraph"] + (["oxigraph load"] if oxigraph_cli else [])
    res: dict[str, dict[str, list[float]]] = {
        name: {"s": [], "cpu_s": [], "rss_mib": [], "loadavg_1m": []} for name in arms
    }
    try:
        for run in range(args.runs):
            kg = work / f"kg-{run}"
            shutil.rmtree(kg, ignore_errors=True)
            cmds = {
                "kgqp": [*env_cmd, str(kg), str(src), "--kind", "rdf"],
                "rdflib": [sys.executable, "-c", _RDFLIB, str(src)],
                "pyoxigraph": [sys.executable, "-c", _PYOXIGRAPH, str(kg) + "-ox", str(src)],
                "oxigraph load": [str(oxigraph_cli), "load", "--location", str(kg) + "-cli",
                                  "--file", str(src)],
            }
            for name in arms:
                cmd = cmds[name]
                load = os.getloadavg()[0]
                s, rss, cpu = measure(cmd)
                res[name]["s"].append(s)
                res[name]["cpu_s"].append(cpu)
                res[name]["rss_mib"].append(rss)
                res[name]["loadavg_1m"].append(load)
                print(f"run {run + 1}: {name:7s} {s:7.2f} s  CPU {cpu:7.2f} s  peak RSS "
                      f"{rss:7.0f} MiB  (load average before: {load:.2f})", file=sys.stderr)
            for d in (kg, Path(str(kg) + "-ox"), Path(str(kg) + "-cli")):
                shutil.rmtree(d, ignore_errors=True)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    k, r = _summary(res["kgqp"]["s"]), _summary(res["rdflib"]["s"])
    kc, rc = _summary(res["kgqp"]["cpu_s"]), _summary(res["rdflib"]["cpu_s"])
    out = {
        "commit": _commit(),
        "triples": args.triples,
        "runs": args.runs,
        "kgqp_load_s": k,
        "rdflib_parse_s": r,
        "speedup_median": r["median"] / k["median"],
        "kgqp_cpu_s": kc,
        "rdflib_cpu_s": rc,
        "runs_s": {name: v["s"] for name, v in res.items()},
        "runs_cpu_s": {name: v["cpu_s"] for name, v in res.items()},
        "kgqp_peak_rss_mib": max(res["kgqp"]["rss_mib"]),
        "rdflib_peak_rss_mib": max(res["rdflib"]["rss_mib"]),
        "cpus": os.cpu_count(),
        "loadavg_1m_before": {k: v["loadavg_1m"] for k, v in res.items()},
        "loadavg_1m_after": os.getloadavg()[0],
    }
    for name in arms[2:]:
        f = _summary(res[name]["s"])
        out[f"{name.replace(' ', '_')}_s"] = f
        out[f"rdflib_over_{name.replace(' ', '_')}"] = r["median"] / f["median"]
    print(f"kgqp kg load   {k['median']:.2f} s (min {k['min']:.2f}, max {k['max']:.2f}), "
          f"CPU {kc['median']:.2f} s, peak RSS {out['kgqp_peak_rss_mib']:.0f} MiB")
    print(f"rdflib parse   {r['median']:.2f} s (min {r['min']:.2f}, max {r['max']:.2f}), "
          f"CPU {rc['median']:.2f} s, peak RSS {out['rdflib_peak_rss_mib']:.0f} MiB")
    print(f"speed-up (median) {out['speedup_median']:.1f}x")
    for name in arms[2:]:
        f = _summary(res[name]["s"])
        print(f"{name:14s} {f['median']:.2f} s (min {f['min']:.2f}, max {f['max']:.2f}): "
              f"rdflib / it {r['median'] / f['median']:.1f}x (no log, version or digest)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
