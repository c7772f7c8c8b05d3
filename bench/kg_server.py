"""The KG on an Oxigraph SPARQL server: bulk load, replica freshness, parse overhead.

Each mode starts its own ``oxigraph serve`` (from the ``oxigraph`` PyPI package) on a free
loopback port with its data in a temporary folder, and stops it at the end.

    load      N-Triples file of --triples triples (bench/kg_bulk_load.py's generator) through
              ``kgqp kg load sparql+http://... FILE --kind rdf`` (Graph Store Protocol upload +
              one guarded SPARQL Update) vs ``oxigraph load --location DIR --file FILE`` (the
              server's offline bulk loader), side by side, --runs times each.
                  python bench/kg_server.py load --triples 1000000 --runs 2
    replicas  the KG (--kg DIR, exported and bulk-loaded into the server) behind two
              ``kgqp serve --bundle B --kg sparql+http://...`` replicas; --updates times: add a
              new alias through replica A's /kg/update, then parse a query with it on replica B
              every 10 ms until B links it: seconds from A's answer to B's first linked parse.
                  python bench/kg_server.py replicas --bundle B --kg DIR --updates 10
    parse     the QueryNER validation queries parsed with the bundle against the embedded KG
              (--kg DIR, read-only) and against the same KG in the server: identical results?
              and per-query latency (p50/p90) of each, after one warm-up pass of each; the
              timed pass parses each query through both, alternating which goes first.
                  python bench/kg_server.py parse --bundle B --kg DIR

Prints a summary and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        raise SystemExit("the oxigraph server binary is missing: pip install oxigraph")
    return exe


def _wait(url: str, *, timeout: float = 120, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{proc.args[:3]} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.1)


class Server:
    def __init__(self, location: Path) -> None:
        self.port = _port()
        self.proc = subprocess.Popen(
            [_oxigraph(), "serve", "--location", str(location), "--bind",
             f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(f"http://127.0.0.1:{self.port}/query?query=ASK%7B%7D", proc=self.proc)
        self.url = f"sparql+http://127.0.0.1:{self.port}/?timeout=600"

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def _summary(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1],
            "p90": xs[min(len(xs) - 1, int(0.9 * len(xs)))], "n": len(xs)}


def bench_load(args: argparse.Namespace) -> dict[str, Any]:
    from kg_bulk_load import generate, measure

    work = Path(tempfile.mkdtemp(prefix="kgqp-server-load-"))
    src = work / f"catalog-{args.triples}.nt"
    generate(src, args.triples)
    res: dict[str, list[float]] = {"kgqp_gsp_s": [], "oxigraph_load_s": [],
                                   "kgqp_client_rss_mib": [], "kgqp_client_cpu_s": []}
    try:
        for run in range(args.runs):
            server = Server(work / f"db-{run}")
            try:
                s, rss, cpu = measure([sys.executable, "-m", "parser.app.cli", "kg", "load",
                                       server.url, str(src), "--kind", "rdf"])
            finally:
                server.stop()
            res["kgqp_gsp_s"].append(s)
            res["kgqp_client_rss_mib"].append(rss)
            res["kgqp_client_cpu_s"].append(cpu)
            s2, _, _ = measure([_oxigraph(), "load", "--location", str(work / f"off-{run}"),
                             "--file", str(src)])
            res["oxigraph_load_s"].append(s2)
            print(f"run {run + 1}: kgqp kg load (GSP) {s:.2f} s (client RSS {rss:.0f} MiB, "
                  f"client CPU {cpu:.2f} s); "
                  f"oxigraph load {s2:.2f} s", file=sys.stderr)
            shutil.rmtree(work / f"db-{run}", ignore_errors=True)
            shutil.rmtree(work / f"off-{run}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"mode": "load", "triples": args.triples,
            "kgqp_gsp_s": _summary(res["kgqp_gsp_s"]),
            "oxigraph_load_s": _summary(res["oxigraph_load_s"]),
            "kgqp_client_cpu_s": _summary(res["kgqp_client_cpu_s"]),
            "kgqp_client_peak_rss_mib": max(res["kgqp_client_rss_mib"])}


def _load_kg_into(server: Server, kg_dir: Path, work: Path) -> tuple[int, str]:
    from kg import ProductGraph

    with ProductGraph.open(kg_dir, read_only=True) as g:
        g.export(work / "kg.nt", format="ntriples")
        n, h = len(g), g.canonical_hash()
    with ProductGraph.open(server.url) as r:
        r.import_rdf(work / "kg.nt")
        assert len(r) == n and r.canonical_hash() == h, "round trip changed the KG"
    return n, h


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def bench_replicas(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="kgqp-replicas-"))
    server = Server(work / "db")
    procs: list[subprocess.Popen] = []
    try:
        n, _ = _load_kg_into(server, args.kg, work)
        ports = [_port(), _port()]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for port in ports:
            with open(work / f"serve-{port}.log", "wb") as err:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "parser.app.cli", "serve", "--bundle",
                     str(args.bundle), "--kg",
                     server.url.replace("timeout=600", "check_interval=0.5"),
                     "--port", str(port)], cwd=ROOT, env=env,
                    stdout=subprocess.DEVNULL, stderr=err))
        for port, proc in zip(ports, procs, strict=True):
            _wait(f"http://127.0.0.1:{port}/ready", timeout=600, proc=proc)
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        brand = "https://kgqp.dev/id/brand/samsung"
        lags = []
        for i in range(args.updates):
            alias = f"zq{i}x{os.getpid()}"
            _post(f"{a}/kg/update", {"add_aliases": [{"iri": brand, "alias": alias}]})
            t0 = time.perf_counter()
            while True:
                out = _post(f"{b}/parse", {"query": f"{alias} tv"})
                linked = any(
                    (e.get("link") or {}).get("iri") == brand or e.get("kg_id") == brand
                    for e in out.get("entities", [])
                ) or brand in json.dumps(out)
                if linked:
                    lags.append(time.perf_counter() - t0)
                    break
                if time.perf_counter() - t0 > 60:
                    raise SystemExit(f"replica B never linked {alias!r}: {out}")
                time.sleep(0.01)
            print(f"update {i + 1}: visible on replica B after {lags[-1]:.3f} s", file=sys.stderr)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {"mode": "replicas", "kg_triples": n, "check_interval_s": 0.5,
            "update_to_visible_s": _summary(lags)}


def _queryner_validation() -> list[str]:
    path = ROOT / "data" / "queryner"
    files = sorted(p for p in path.rglob("*") if p.is_file() and "val" in p.name.lower())
    if not files:
        raise SystemExit(f"no QueryNER validation file under {path}")
    queries: list[str] = []
    for f in files:
        if f.suffix == ".jsonl":
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    queries.append(row.get("query") or " ".join(row.get("tokens", [])))
        else:  # CoNLL: one token per line, blank line between queries
            toks: list[str] = []
            for line in [*f.read_text(encoding="utf-8").splitlines(), ""]:
                if line.strip():
                    toks.append(line.split()[0])
                elif toks:
                    queries.append(" ".join(toks))
                    toks = []
    return [q for q in queries if q.strip()]


def bench_parse(args: argparse.Namespace) -> dict[str, Any]:
    from kg import ProductGraph
    from parser.pipeline import QueryParser

    queries = _queryner_validation()[: args.limit or None]
    work = Path(tempfile.mkdtemp(prefix="kgqp-parse-"))
    server = Server(work / "db")
    try:
        _load_kg_into(server, args.kg, work)
        graphs = {"embedded": ProductGraph.open(args.kg, read_only=True),
                  "server": ProductGraph.open(server.url, read_only=True)}
        parsers = {name: QueryParser.from_pretrained(args.bundle, kg=g)
                   for name, g in graphs.items()}
        for qp in parsers.values():
            for q in queries:  # warm-up: views built, caches filled
                qp(q)
        # timed side by side: each query through both, the order alternating per query, so
        # both see the same machine state (load, caches, the other's memory)
        results: dict[str, Any] = {name: ([], []) for name in parsers}
        for i, q in enumerate(queries):
            for name in (("embedded", "server") if i % 2 == 0 else ("server", "embedded")):
                t = time.perf_counter()
                out = parsers[name](q)
                results[name][0].append((time.perf_counter() - t) * 1000)
                d = out.to_dict()
                d.pop("timings", None)  # the only field allowed to differ
                results[name][1].append(json.dumps(d, sort_keys=True))
        for g in graphs.values():
            g.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    same = sum(a == b for a, b in zip(results["embedded"][1], results["server"][1], strict=True))
    emb, srv = _summary(results["embedded"][0]), _summary(results["server"][0])
    return {"mode": "parse", "queries": len(queries), "identical": same,
            "embedded_ms": emb, "server_ms": srv,
            "p50_overhead_ms": srv["median"] - emb["median"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("load")
    p.add_argument("--triples", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=2)
    for name in ("replicas", "parse"):
        p = sub.add_parser(name)
        p.add_argument("--bundle", type=Path, required=True)
        p.add_argument("--kg", type=Path, required=True, help="Embedded KG folder to serve.")
        p.add_argument("--updates", type=int, default=10)
        p.add_argument("--limit", type=int, default=0, help="Queries (parse; 0 = all).")
    args = ap.parse_args()
    out = {"load": bench_load, "replicas": bench_replicas, "parse": bench_parse}[args.mode](args)
    out["loadavg_1m"] = os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
