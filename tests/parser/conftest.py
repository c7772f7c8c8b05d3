"""Shared fixtures for the tagger tests: a tiny random BERT backbone and a tagger trained on it."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def bench_module() -> Callable[[str], ModuleType]:
    """``bench_module("adapters_f1")``: the script ``bench/adapters_f1.py`` imported as a module
    (bench/ is not a package), for tests of its functions."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    return load


@pytest.fixture(scope="session")
def tiny_backbone_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from parser.tagger.testing import tiny_backbone

    return tiny_backbone(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from parser.tagger.data import write_conll
    from parser.tagger.testing import tiny_sentences

    d = tmp_path_factory.mktemp("tiny-data")
    sents = tiny_sentences()
    write_conll(d / "train.conll", sents)
    write_conll(d / "dev.conll", sents[:10])
    return d / "train.conll", d / "dev.conll"


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory: pytest.TempPathFactory, tiny_backbone_dir: Path,
                tiny_data: tuple[Path, Path]) -> Path:
    """A tagger trained for a few epochs on the tiny backbone (CRF on, to cover it)."""
    from parser.tagger.training import TrainConfig, train

    out = tmp_path_factory.mktemp("tiny-tagger") / "model"
    train(TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1], out_dir=out,
                      backbone=tiny_backbone_dir, epochs=6, crf=True, head_lr=5e-3, lr=5e-3,
                      progress=False, max_length=32))
    return out
