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


def test_a_kg_folder_in_the_working_folder_is_no_shadow_of_the_installed_package(
        tmp_path: Path) -> None:
    """The README installs kgqp editable in compat mode (the repository on sys.path): a KG
    folder named ``kg`` where Python runs is a namespace portion, and the installed regular
    package wins. (In setuptools' import-hook mode the folder shadowed it: "cannot import name
    'ProductGraph' from 'kg' (unknown location)".)"""
    (tmp_path / "kg").mkdir()
    (tmp_path / "kg" / "version-1").mkdir()  # what a KG folder holds: no __init__.py
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([sys.executable, "-c", "from kg import ProductGraph; import kg; "
                          "print(kg.__file__)"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    imported = Path(res.stdout.strip())
    assert imported.name == "__init__.py" and tmp_path not in imported.parents
