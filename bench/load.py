"""Open-loop load generator for a running ``kgqp serve`` (asyncio + httpx).

Requests are sent at a fixed arrival rate whatever the server does (open loop: a slow server
does not slow the offered load down, as with real users), and the server's resident memory is
sampled from ``/proc/PID/status`` (PID given with ``--pid`` or found from the listening port).

Modes:
    steady     python bench/load.py http://127.0.0.1:8000 --rate 20 --duration 600
               (--queries FILE --distinct: real queries, each once; --kg-update-every 60: one
               small KG commit per minute through POST /kg/update, and the parses in the 5 s
               after each reported apart)
    overload   python bench/load.py http://127.0.0.1:8000 --overload 3 --duration 60
               (measures capacity first with a closed loop, offers 3x that for --duration
               seconds, then --rate for --recovery seconds and reports when latency and
               status codes were back to the pre-overload baseline)

    health     python bench/load.py http://127.0.0.1:8000 --health-during-batch 2000
               (the server needs --max-batch-size 2000: one /parse/batch of that many queries,
               /health probed every 10 ms while it runs; then 8 connections trickling request
               bodies, 1 byte per second, with /health and /parse probed meanwhile)

Output: a summary table, or one JSON object with ``--json``. ``errors_5xx`` counts 5xx answers
other than the 503 overload rejections (which carry ``Retry-After``); those are ``rejected``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

QUERIES = [
    "samsung 55 inch qled tv under 800", "apple iphone 13 case", "red running shoes",
    "nike running shoes for men", "sony headphones", "wooden coffee table",
    "lg washing machine", "blue cotton shirt", "dell laptop under 500", "kids red jacket",
    "apple watch band", "hp printer ink", "black leather wallet", "samsung galaxy s21 case",
    "round wooden table", "women running shoes", "sony tv 65 inch", "green tea",
    "bose speaker", "used iphone 12", "lenovo laptop bag", "pink yoga mat",
]


@dataclass
class Phase:
    name: str
    started: float = 0.0
    ended: float = 0.0
    results: list[tuple[float, float, str]] = field(default_factory=list)  # (sent, latency, st)

    def summary(self) -> dict:
        lat_ok = sorted(lat for _, lat, s in self.results if s == "200")
        lat_rej = sorted(lat for _, lat, s in self.results if s in ("503", "429"))
        status: dict[str, int] = {}
        for _, _, s in self.results:
            status[s] = status.get(s, 0) + 1
        errors_5xx = sum(n for s, n in status.items() if s.startswith("5") and s != "503")
        dur = max(self.ended - self.started, 1e-9)
        return {
            "phase": self.name, "requests": len(self.results),
            "offered_rps": round(len(self.results) / dur, 2),
            "ok_rps": round(len(lat_ok) / dur, 2), "status": status,
            "errors_5xx": errors_5xx, "rejected": status.get("503", 0) + status.get("429", 0),
            "p50_ms": _pct(lat_ok, 50), "p90_ms": _pct(lat_ok, 90), "p99_ms": _pct(lat_ok, 99),
            "max_ms": round(lat_ok[-1] * 1e3, 2) if lat_ok else None,
            "rejected_p99_ms": _pct(lat_rej, 99),
        }


async def hey_overload(hey: str, url: str, rate: float, duration: float, query: str,
                       timeout: float) -> dict:
    """The overload phase offered by ``hey`` (a Go load generator, e.g. ``apt install hey``):
    this asyncio/httpx generator cannot offer 3x the server's capacity from the same 2 cores.
    hey sends one query (the first of the pool) at ``rate`` for ``duration`` seconds from
    ``ceil(rate / 25)`` connections; its per-request CSV gives the same summary as a phase."""
    import math
    import tempfile

    workers = max(1, math.ceil(rate / 25))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"query": query}, f)
    cmd = [hey, "-z", f"{duration:g}s", "-c", str(workers), "-q", f"{rate / workers:.3f}",
           "-t", str(max(1, round(timeout))), "-m", "POST", "-T", "application/json",
           "-D", f.name, "-o", "csv", url.rstrip("/") + "/parse"]
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    ended = time.perf_counter()
    Path(f.name).unlink(missing_ok=True)
    if proc.returncode:
        raise RuntimeError(f"hey failed ({proc.returncode}): {err.decode()[-500:]}")
    phase = Phase("overload")
    phase.started, phase.ended = started, ended
    lines = out.decode().splitlines()
    cols = lines[0].split(",") if lines else []
    at_t, at_s = cols.index("response-time"), cols.index("status-code")
    for line in lines[1:]:
        row = line.split(",")
        phase.results.append((0.0, float(row[at_t]), row[at_s]))
    summary = phase.summary()
    summary["offered_rps"] = round(rate, 2)
    summary["generator"] = f"hey, {workers} connections"
    return summary


def _pct(sorted_s: list[float], p: float) -> float | None:
    if not sorted_s:
        return None
    k = min(len(sorted_s) - 1, max(0, round(p / 100 * len(sorted_s) + 0.5) - 1))
    return round(sorted_s[k] * 1e3, 2)


def find_pid(port: int) -> int | None:
    """PID of the process listening on TCP ``port`` (Linux /proc; same user or root)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":  # LISTEN
                inodes.add(parts[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Load:
    def __init__(self, url: str, *, pid: int | None, timeout: float, queries: list[str],
                 seed: int = 0, max_connections: int = 128, distinct: bool = False) -> None:
        self.url = url.rstrip("/")
        self.pid = pid
        self.queries = queries
        self.rng = random.Random(seed)
        # distinct: each query once, in a shuffled order (a repeat only once all were sent)
        self.distinct = distinct
        self.order: list[str] = []
        self.sent = 0
        self.updates: list[dict] = []
        self.client = httpx.AsyncClient(
            timeout=timeout, limits=httpx.Limits(max_connections=max_connections,
                                                 max_keepalive_connections=max_connections))
        self.rss: list[tuple[float, float]] = []

    def next_query(self) -> str:
        self.sent += 1
        if not self.distinct:
            return self.rng.choice(self.queries)
        if not self.order:
            self.order = list(self.queries)
            self.rng.shuffle(self.order)
        return self.order.pop()

    async def kg_updates(self, every: float, stop: asyncio.Event) -> None:
        """One small KG commit (a new brand with an alias) every ``every`` seconds through
        ``POST /kg/update``, each with its answer time and status."""
        n = 0
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), every)
                return
            except TimeoutError:
                pass
            n += 1
            body = {"add_nodes": [{"kind": "brand", "key": f"loadtest-brand-{os.getpid()}-{n}",
                                   "label": f"Loadtest Brand {n}",
                                   "aliases": [f"loadtest brand {n}"]}],
                    "message": f"bench/load.py update {n}"}
            t = time.perf_counter()
            try:
                r = await self.client.post(self.url + "/kg/update", json=body, timeout=60)
                status = str(r.status_code)
                version = r.json().get("version") if r.status_code == 200 else None
            except httpx.HTTPError as exc:
                status, version = type(exc).__name__, None
            self.updates.append({"at": t, "seconds": round(time.perf_counter() - t, 3),
                                 "status": status, "version": version})

    async def one(self, phase: Phase) -> None:
        sent = time.perf_counter()
        try:
            r = await self.client.post(self.url + "/parse", json={"query": self.next_query()})
            status = str(r.status_code)
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.TransportError as exc:
            status = type(exc).__name__
        phase.results.append((sent, time.perf_counter() - sent, status))

    async def open_loop(self, name: str, rate: float, duration: float) -> Phase:
        phase = Phase(name)
        phase.started = t0 = time.perf_counter()
        tasks = []
        n = int(rate * duration)
        for i in range(n):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(phase)))
        await asyncio.gather(*tasks)
        phase.ended = max(t0 + duration, time.perf_counter())
        return phase

    async def closed_loop(self, name: str, workers: int, duration: float) -> Phase:
        phase = Phase(name)
        phase.started = time.perf_counter()
        stop = phase.started + duration

        async def worker() -> None:
            while time.perf_counter() < stop:
                await self.one(phase)

        await asyncio.gather(*(worker() for _ in range(workers)))
        phase.ended = time.perf_counter()
        return phase

    async def sample_rss(self, every: float = 0.5) -> None:
        if self.pid is None:
            return
        while True:
            mb = rss_mb(self.pid)
            if mb is not None:
                self.rss.append((time.perf_counter(), mb))
            await asyncio.sleep(every)

    def rss_summary(self) -> dict:
        if not self.rss:
            return {"pid": self.pid, "rss_mb_start": None, "rss_mb_max": None}
        values = [v for _, v in self.rss]
        return {"pid": self.pid, "rss_mb_start": round(values[0], 1),
                "rss_mb_max": round(max(values), 1), "rss_mb_end": round(values[-1], 1)}


def recovery_seconds(phase: Phase, baseline_p50_ms: float, window: float = 1.0) -> float | None:
    """Seconds after the start of ``phase`` from which every ``window`` has only 200s and a
    p50 within 2x (+5 ms) of the baseline; None if it never recovers."""
    if not phase.results:
        return None
    buckets: dict[int, list[tuple[float, str]]] = {}
    for sent, lat, s in phase.results:
        buckets.setdefault(int((sent - phase.started) / window), []).append((lat, s))
    keys = sorted(buckets)

    def good(k: int) -> bool:
        b = buckets[k]
        ok = all(s == "200" for _, s in b)
        p50 = statistics.median(lat for lat, _ in b) * 1e3
        return ok and p50 <= 2 * baseline_p50_ms + 5

    for i, k in enumerate(keys):
        if all(good(j) for j in keys[i:]):
            return k * window
    return None


def after_updates(phase: Phase, updates: list[dict], window: float = 5.0) -> dict:
    """The KG updates made during ``phase`` and the parses sent in the ``window`` seconds after
    each one started: does an update stall parsing?"""
    near = sorted(lat for sent, lat, s in phase.results
                  if any(0 <= sent - u["at"] <= window for u in updates))
    statuses: dict[str, int] = {}
    for sent, _lat, s in phase.results:
        if any(0 <= sent - u["at"] <= window for u in updates):
            statuses[s] = statuses.get(s, 0) + 1
    return {
        "updates": len(updates), "ok": sum(u["status"] == "200" for u in updates),
        "update_seconds_max": max((u["seconds"] for u in updates), default=None),
        "versions": [u["version"] for u in updates],
        f"parses_within_{window:g}s": len(near),
        "p50_ms": _pct(near, 50), "p99_ms": _pct(near, 99),
        "max_ms": round(near[-1] * 1e3, 2) if near else None, "status": statuses,
    }


async def _probe(client: httpx.AsyncClient, url: str, stop: asyncio.Event,
                 every: float = 0.01) -> list[tuple[float, int]]:
    out = []
    while not stop.is_set():
        t0 = time.perf_counter()
        r = await client.get(url)
        out.append((time.perf_counter() - t0, r.status_code))
        await asyncio.sleep(every)
    return out


def _lat(samples: list[tuple[float, int]]) -> dict:
    lat = sorted(s for s, _ in samples)
    return {"n": len(lat), "p50_ms": _pct(lat, 50), "p99_ms": _pct(lat, 99),
            "max_ms": round(lat[-1] * 1e3, 2) if lat else None,
            "status": sorted({c for _, c in samples})}


async def health_checks(url: str, n: int, slow: int = 8, slow_seconds: float = 8.0) -> dict:
    """/health latency during one n-query /parse/batch, then during ``slow`` connections that
    trickle their request bodies (1 byte/s) for ``slow_seconds``."""
    queries = [f"{QUERIES[i % len(QUERIES)]} {i}" for i in range(n)]
    report: dict = {}
    async with httpx.AsyncClient(base_url=url, timeout=600) as client, \
            httpx.AsyncClient(base_url=url, timeout=60) as prober:
        await client.post("/parse/batch", json={"queries": queries[:64]})  # warm
        stop = asyncio.Event()
        probe = asyncio.create_task(_probe(prober, "/health", stop))
        t0 = time.perf_counter()
        r = await client.post("/parse/batch", json={"queries": queries})
        batch_s = time.perf_counter() - t0
        stop.set()
        report["batch"] = {"queries": n, "status": r.status_code, "seconds": round(batch_s, 2),
                           "health": _lat(await probe)}
        host, port = urlparse(url).hostname, urlparse(url).port or 80
        conns = []
        for _ in range(slow):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"POST /parse HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                         b"\r\nContent-Length: 1000\r\n\r\n{")
            conns.append((reader, writer))
        stop = asyncio.Event()
        probe = asyncio.create_task(_probe(prober, "/health", stop))
        parses: list[tuple[float, int]] = []
        t_end = time.perf_counter() + slow_seconds
        while time.perf_counter() < t_end:
            for _, writer in conns:
                writer.write(b" ")
            t1 = time.perf_counter()
            pr = await client.post("/parse", json={"query": "sony headphones"})
            parses.append((time.perf_counter() - t1, pr.status_code))
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t1)))
        stop.set()
        report["slow_bodies"] = {"connections": slow, "seconds": slow_seconds,
                                 "health": _lat(await probe), "parse": _lat(parses)}
        for _, writer in conns:
            writer.close()
    return report


async def run(args: argparse.Namespace) -> dict:
    pid = args.pid
    if pid is None:
        port = urlparse(args.url).port or 80
        pid = find_pid(port)
    queries = QUERIES
    if args.queries:
        queries = [q for q in Path(args.queries).read_text("utf-8").splitlines() if q.strip()]
    load = Load(args.url, pid=pid, timeout=args.timeout, queries=queries,
                max_connections=args.max_connections, distinct=args.distinct)
    sampler = asyncio.create_task(load.sample_rss())
    report: dict = {"url": args.url}
    try:
        warm = await load.open_loop("warmup", min(args.rate, 10), args.warmup)
        report["warmup"] = warm.summary()
        if args.overload is None:
            stop = asyncio.Event()
            updater = asyncio.create_task(load.kg_updates(args.kg_update_every, stop)) \
                if args.kg_update_every else None
            phase = await load.open_loop("steady", args.rate, args.duration)
            stop.set()
            if updater is not None:
                await updater
            report["steady"] = phase.summary()
            if load.updates:
                report["kg_updates"] = after_updates(phase, load.updates)
        else:
            cap = await load.closed_loop("capacity", args.workers, args.capacity_seconds)
            capacity = max(cap.summary()["ok_rps"], 1.0)
            report["capacity"] = cap.summary()
            report["capacity_rps"] = capacity
            rss_before = load.rss[-1][1] if load.rss else None
            if args.hey:
                report["overload"] = await hey_overload(
                    args.hey, args.url, args.overload * capacity, args.duration,
                    load.queries[0], args.timeout)
            else:
                over = await load.open_loop("overload", args.overload * capacity, args.duration)
                report["overload"] = over.summary()
            after = await load.open_loop("recovery", args.rate, args.recovery)
            report["recovery"] = after.summary()
            base = report["warmup"]["p50_ms"] or 10.0
            report["recovered_after_s"] = recovery_seconds(after, base)
            report["rss_mb_before_overload"] = rss_before
    finally:
        sampler.cancel()
        await load.client.aclose()
    report["server"] = load.rss_summary()
    report["queries"] = {"sent": load.sent, "pool": len(queries), "distinct": args.distinct,
                         "repeated": max(0, load.sent - len(queries)) if args.distinct else None}
    return report


def _print(report: dict) -> None:
    print(f"server {report['url']}  pid {report['server']['pid']}  RSS MB start/max/end "
          f"{report['server'].get('rss_mb_start')}/{report['server'].get('rss_mb_max')}/"
          f"{report['server'].get('rss_mb_end')}")
    if "capacity_rps" in report:
        print(f"capacity (closed loop): {report['capacity_rps']} req/s")
    cols = ("phase", "requests", "offered_rps", "ok_rps", "p50_ms", "p90_ms", "p99_ms", "max_ms",
            "errors_5xx", "rejected", "rejected_p99_ms", "status")
    print("  ".join(cols))
    for key in ("warmup", "steady", "capacity", "overload", "recovery"):
        if key in report:
            print("  ".join(str(report[key][c]) for c in cols))
    if "recovered_after_s" in report:
        print(f"back to normal {report['recovered_after_s']} s after the overload ended")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", help="base URL of a running kgqp serve, e.g. http://127.0.0.1:8000")
    ap.add_argument("--pid", type=int, help="server PID for RSS [found from the URL's port]")
    ap.add_argument("--rate", type=float, default=20.0, help="requests/s (steady, recovery)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of steady/overload")
    ap.add_argument("--overload", type=float, help="offer this multiple of measured capacity")
    ap.add_argument("--capacity-seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=4, help="closed-loop workers for capacity")
    ap.add_argument("--recovery", type=float, default=15.0, help="seconds at --rate afterwards")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, s")
    ap.add_argument("--queries", help="file of queries, one per line [built-in list]")
    ap.add_argument("--max-connections", type=int, default=128,
                    help="client connection pool; 2,000 made httpx itself the bottleneck at "
                         "3x load (the generator used a whole core for 20 minutes)")
    ap.add_argument("--distinct", action="store_true",
                    help="send each query of --queries once (shuffled) before any repeats")
    ap.add_argument("--kg-update-every", type=float, metavar="S",
                    help="steady mode: one small KG commit through POST /kg/update every S s")
    ap.add_argument("--hey", metavar="PATH",
                    help="offer the overload phase with the hey binary at PATH (Go; `apt install "
                         "hey`): this generator cannot offer 3x capacity on the server's cores")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--health-during-batch", type=int, metavar="N",
                    help="measure /health during an N-query batch and during slow bodies")
    args = ap.parse_args(argv)
    if args.health_during_batch:
        report = asyncio.run(health_checks(args.url, args.health_during_batch))
        print(json.dumps(report, indent=None if args.json else 2))
        return 0
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report))
    else:
        _print(report)
    bad = report.get("steady", report.get("overload", {})).get("errors_5xx", 0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
