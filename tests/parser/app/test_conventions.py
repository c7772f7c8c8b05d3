"""Library conventions of the front-ends: quiet logs (the ONNX quantiser leaves the root logger
alone, the export raises no tracer warnings), thread settings restored after a command."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest


def test_int8_export_leaves_the_root_logger_and_warns_nothing(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    import torch

    from parser.tagger.onnx import export_onnx
    from parser.tagger.testing import tiny_tagger

    folder = tiny_tagger().save(tmp_path / "tagger")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export_onnx(folder, int8=True)
    assert root.handlers == handlers and root.level == level
    assert not [w for w in caught if issubclass(w.category, torch.jit.TracerWarning)]
    assert not root.filters


def test_scoped_threads_restore_torch_and_blas() -> None:
    import torch
    from threadpoolctl import threadpool_info

    from parser.app.threads import BlasLimiter, scoped_threads

    before = torch.get_num_threads()
    blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    with scoped_threads(torch_threads=1, blas_threads=1):
        assert torch.get_num_threads() == 1
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    with BlasLimiter(1):
        pass
    assert torch.get_num_threads() == before
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == blas


def test_parse_command_restores_thread_settings(tmp_path: Path) -> None:
    import torch
    from typer.testing import CliRunner

    from kg import ProductGraph
    from parser.app.cli import app
    from parser.bundle import build_bundle
    from parser.tagger.testing import tiny_tagger

    tiny_tagger().save(tmp_path / "tagger")
    ProductGraph.open(tmp_path / "kg").close()
    bundle = build_bundle(tmp_path / "bundle", tagger=tmp_path / "tagger", kg=tmp_path / "kg")
    torch.set_num_threads(2)
    res = CliRunner().invoke(app, ["parse", "--bundle", str(bundle), "--json", "lg tv"])
    assert res.exit_code == 0, res.output
    assert torch.get_num_threads() == 2


def test_a_lexicon_tagger_is_exported_and_checked_without_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Exporting a lexicon tagger, and the quickstart's check of an existing export (a re-run
    with the tagger trained and the fusion model missing), tag nothing: loaded there without
    the KG, the tagger warned that its tags differ, a warning the user could not act on."""
    pytest.importorskip("onnxruntime")
    from parser.app.quickstart import _has_embedding_export
    from parser.tagger.onnx import export_onnx
    from parser.tagger.testing import tiny_tagger

    folder = tiny_tagger(lexicon_kinds=["brand"]).save(tmp_path / "tagger")
    with caplog.at_level(logging.WARNING):
        export_onnx(folder, int8=True)
        assert _has_embedding_export(folder)
    assert not [r for r in caplog.records if "lexicon" in r.getMessage()]
