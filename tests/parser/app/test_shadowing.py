"""A top-level ``fusion`` (or ``kg``/``parser``) of another distribution is refused at import
with an error that names it and says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_a_shadowing_package_is_named_at_import(tmp_path: Path) -> None:
    (tmp_path / "fusion").mkdir()
    (tmp_path / "fusion" / "__init__.py").write_text("x = 1\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-c", "import kg"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "'fusion' resolves to" in res.stderr and "pip uninstall fusion" in res.stderr
    ok = subprocess.run([sys.executable, "-c", "import kg, fusion, parser"], cwd=REPO,
                        env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
