"""The KG benchmarks still run: ``bench/kg_bulk_load.py`` and ``bench/kg_server.py load`` on a
tiny generated file, end to end through the CLI (and a live Oxigraph server). Their figures
are for docs/benchmarks.md; here only that each run completes and reports them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> dict:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                         cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_bulk_load_bench_runs(tmp_path):
    report = _bench("bench/kg_bulk_load.py", "--triples", "2000", "--runs", "1", "--workdir",
                    str(tmp_path))
    assert report["triples"] == 2000 and report["runs"] == 1
    assert report["kgqp_load_s"]["median"] > 0 and report["rdflib_parse_s"]["median"] > 0
    assert report["kgqp_cpu_s"]["median"] > 0 and report["kgqp_peak_rss_mib"] > 0


def test_server_load_bench_runs():
    report = _bench("bench/kg_server.py", "load", "--triples", "2000", "--runs", "1")
    assert report["triples"] == 2000
    assert report["kgqp_gsp_s"]["median"] > 0 and report["oxigraph_load_s"]["median"] > 0
    assert report["kgqp_client_cpu_s"]["median"] > 0 and report["kgqp_client_peak_rss_mib"] > 0

