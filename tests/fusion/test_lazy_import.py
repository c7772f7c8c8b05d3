"""Importing a light part of fusion (its errors, the price/size patterns) does not import
torch: the CLI's exit-code policy reads fusion.errors on every error, and an error of
``kgqp kg load`` took 5 s and 400 MB to import the fusion model for it."""

from __future__ import annotations

import subprocess
import sys


def test_fusion_errors_and_patterns_import_without_torch() -> None:
    code = ("import sys, fusion.errors, fusion.patterns, fusion\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n"
            "assert fusion.FusionError is fusion.errors.FusionError\n"
            "fusion.FusionModel  # the lazy export still works\n"
            "assert 'torch' in sys.modules\n"
            "assert fusion.expand.expand  # submodules too, as before\n"
            "try:\n    fusion.nothing\nexcept AttributeError:\n    pass\n"
            "else:\n    raise SystemExit('no AttributeError')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def test_the_parser_imports_without_torch() -> None:
    """``parser/__init__.py`` promises that ``import parser`` loads no torch; b702b9f imported
    ``fusion.expand`` (which loads torch) at the top of ``parser.pipeline``: 0.22 s -> 3.6 s."""
    code = ("import sys, parser, parser.pipeline\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
