"""Shared fixtures for the tagger tests: a tiny random BERT backbone and a tagger trained on it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


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
