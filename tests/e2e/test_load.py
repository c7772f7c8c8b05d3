"""Fast variants of the load benchmark (bench/load.py) against the tiny-model server: no 5xx at
a steady 20 req/s, and overload answered with 503s (timing thresholds are for bench/, not here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support import REPO

LOAD = REPO / "bench" / "load.py"


def _load(*args: str) -> dict:
    out = subprocess.run([sys.executable, str(LOAD), *args, "--json", "--pid", str(os.getpid())],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode in (0, 1), out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_steady_20_rps_has_no_5xx(live):
    report = _load(live.url, "--rate", "20", "--duration", "5", "--warmup", "1")
    steady = report["steady"]
    assert steady["requests"] == 100
    assert steady["errors_5xx"] == 0 and steady["status"] == {"200": 100}, steady
    assert report["server"]["rss_mb_max"] > 0


def test_overload_3x_is_rejected_with_503_and_recovers(slow_live):
    report = _load(slow_live.url, "--overload", "3", "--duration", "3", "--capacity-seconds", "2",
                   "--recovery", "3", "--rate", "5", "--warmup", "1")
    over = report["overload"]
    assert over["errors_5xx"] == 0, over
    assert over["rejected"] > 0 and over["status"].get("200", 0) > 0, over
    assert set(over["status"]) <= {"200", "503"}, over
    rec = report["recovery"]
    assert rec["errors_5xx"] == 0 and rec["status"].get("200", 0) > 0, rec
