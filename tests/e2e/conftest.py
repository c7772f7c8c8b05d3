"""Fixtures for the end-to-end tests: a real uvicorn server on a free port around a QueryParser
built from a tiny trained tagger and an on-disk KG of a dozen nodes, talked to over HTTP.

Heavy parts are session-scoped: the tagger is trained once (~10 s), the servers start once.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # for `from support import ...` in the tests of this folder
    sys.path.insert(0, str(HERE))

from support import LiveServer, build_kg, served_copy  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    import torch

    torch.set_num_threads(1)  # the machine is shared; the tiny model does not need more


class SlowTagger:
    """Test double at the tagger boundary: the real tagger, made slow by a fixed sleep, so that
    a handful of requests saturate the server deterministically (overload and SIGTERM tests)."""

    def __init__(self, tagger: Any, delay_s: float) -> None:
        self._tagger = tagger
        self.delay_s = delay_s

    def forward(self, items: Any, **kwargs: Any) -> Any:
        time.sleep(self.delay_s)
        return self._tagger.forward(items, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tagger, name)


@pytest.fixture(scope="session")
def tagger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT tagger trained for a few epochs on the ~20 tiny queries (so that "zorbo tv"
    tags "zorbo" as a creator, which the KG-update test needs)."""
    from parser.tagger.data import write_conll
    from parser.tagger.testing import tiny_backbone, tiny_sentences
    from parser.tagger.training import TrainConfig, train

    d = tmp_path_factory.mktemp("e2e-tagger")
    backbone = tiny_backbone(d / "backbone")
    sents = tiny_sentences()
    write_conll(d / "train.conll", sents)
    write_conll(d / "dev.conll", sents[:10])
    train(TrainConfig(train_path=d / "train.conll", dev_path=d / "dev.conll", out_dir=d / "model",
                      backbone=backbone, epochs=6, head_lr=5e-3, lr=5e-3, progress=False,
                      max_length=32))
    return d / "model"


@pytest.fixture(scope="session")
def kg_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk KG (closed: open it or copy it)."""
    path = tmp_path_factory.mktemp("e2e-kg") / "kg"
    build_kg(path)
    return path


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory, tagger_dir: Path, kg_dir: Path) -> Path:
    from parser.bundle import build_bundle

    return build_bundle(tmp_path_factory.mktemp("e2e-bundle") / "bundle", tagger=tagger_dir,
                        kg=kg_dir, parser_config={"max_query_chars": 200})


@pytest.fixture(scope="session")
def tagger(tagger_dir: Path) -> Any:
    from parser.tagger import Tagger

    return Tagger.from_pretrained(tagger_dir)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, tagger: Any,
         kg_dir: Path) -> Iterator[LiveServer]:
    """The server under test: real app, real uvicorn, real on-disk KG (a private copy)."""
    from parser.app.service import ServiceLimits
    from parser.pipeline import ParserConfig, QueryParser

    with served_copy(kg_dir, tmp_path_factory.mktemp("e2e-live"), lambda graph: QueryParser(
            tagger=tagger, kg=graph, config=ParserConfig(max_query_chars=200)),
            ServiceLimits(max_body_bytes=16 * 1024, max_query_chars=200, max_batch_size=16,
                          max_concurrency=8)) as srv:
        yield srv


@pytest.fixture(scope="session")
def slow_live(tmp_path_factory: pytest.TempPathFactory, tagger: Any,
              kg_dir: Path) -> Iterator[LiveServer]:
    """A server whose parses take >= 50 ms each and that admits 2 parse requests at a time."""
    from parser.app.service import ServiceLimits
    from parser.pipeline import QueryParser

    with served_copy(kg_dir, tmp_path_factory.mktemp("e2e-slow"), lambda graph: QueryParser(
            tagger=SlowTagger(tagger, 0.05), kg=graph), ServiceLimits(max_concurrency=2)) as srv:
        yield srv
