"""SIGTERM with requests in flight: they complete with 200, readiness is gone, exit code 0."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support import REPO, free_port

SCRIPT = Path(__file__).with_name("serve_bundle.py")


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: "
                                 f"{proc.stderr.read().decode()[-3000:]}")
        try:
            if httpx.get(url + "/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server not ready in time")


@pytest.mark.slow  # a subprocess importing torch: ~15-25 s on this machine
def test_sigterm_lets_inflight_requests_finish_and_exits_0(bundle_dir):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(bundle_dir), str(port), "1.0"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_ready(url, proc)

        clients = [httpx.Client(base_url=url, timeout=60) for _ in range(4)]

        def one(i: int) -> httpx.Response:
            with clients[i] as c:
                return c.post("/parse", json={"query": f"sony tv {i}"})

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(one, i) for i in range(4)]
            time.sleep(0.6)  # all four accepted; one parsing (1 s), three waiting for the model
            assert not any(f.done() for f in futures)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            try:
                ready = httpx.get(url + "/ready", timeout=5).status_code
            except httpx.TransportError:
                ready = "refused"
            responses = [f.result() for f in futures]
        assert ready in (503, "refused"), ready
        assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
        assert all(r.json()["text"].startswith("sony tv") for r in responses)
        rc = proc.wait(timeout=60)
        err = proc.stderr.read().decode()
        assert rc == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
