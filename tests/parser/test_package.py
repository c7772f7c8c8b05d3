"""The ``parser`` package's own namespace: the pipeline's public names, loaded on first use."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import parser


def test_public_names_resolve_to_their_modules():
    for name in parser.__all__:
        assert getattr(parser, name) is getattr(importlib.import_module(parser._EXPORTS[name]),
                                                name)
    assert sorted(parser.__all__) == sorted(parser._EXPORTS)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = parser.Nope


def test_importing_the_package_loads_no_model_runtime():
    code = ("import sys, parser; "
            "print(sorted(m for m in ('torch', 'transformers', 'onnxruntime', 'parser.pipeline') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
