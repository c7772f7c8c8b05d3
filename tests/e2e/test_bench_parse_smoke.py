"""``bench/parse_latency.py`` still runs end to end: the tiny bundle, a tiny data folder (the
speed figures themselves are for docs/benchmarks.md, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import REPO, bestbuy_jsonl


def test_parse_latency_bench_runs(bundle_dir: Path, tmp_path: Path) -> None:
    from parser.tagger.data import write_conll
    from parser.tagger.testing import tiny_sentences

    data = tmp_path / "data"
    (data / "queryner").mkdir(parents=True)
    (data / "bestbuy").mkdir()
    sents = tiny_sentences()
    write_conll(data / "queryner" / "validation.conll", sents[:12])
    write_conll(data / "queryner" / "train.conll", sents)
    bestbuy_jsonl(data / "bestbuy" / "queries_dev.jsonl", [("tv", "TV & Home Theater > TVs")])
    out = subprocess.run([sys.executable, "bench/parse_latency.py", "--bundle", str(bundle_dir),
                          "--runs", "2", "--data", str(data)],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout)
    assert len(res["runs"]) == 2 and len(res["pipe_qps"]) == 2
    for run in res["runs"]:
        assert run["kgqp_full_parse"]["n"] > 0 and run["kgqp_full_parse"]["p50_ms"] > 0
        assert run["hf_minilm6_tagging_only"]["p50_ms"] > 0
    assert {"tag_ms", "link_ms", "total_ms"} <= set(res["kgqp_stage_p50_ms"])
