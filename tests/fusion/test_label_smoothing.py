"""``TrainConfig.label_smoothing``: the lvl1 loss's smoothing is a setting, not a constant."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from fusion import train_fusion
from fusion.errors import FusionConfigError
from fusion.train import TrainConfig

from .conftest import CFG, GNN, TRAIN


def _weights(kg, examples, encoder, tmp_path, **train) -> dict[str, torch.Tensor]:
    model = train_fusion(CFG, kg, examples, examples, train_config=replace(TRAIN, **train),
                         gnn_config=GNN, text_encoder=encoder, cache_dir=tmp_path / "cache")
    assert model.training_report["train_config"]["label_smoothing"] == train.get(
        "label_smoothing", TrainConfig().label_smoothing)
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def test_the_smoothing_given_is_the_one_trained_with(kg, examples, encoder, tmp_path):
    default = _weights(kg, examples, encoder, tmp_path)
    again = _weights(kg, examples, encoder, tmp_path, label_smoothing=0.05)
    other = _weights(kg, examples, encoder, tmp_path, label_smoothing=0.3)
    for k in default:  # 0.05 is the default: the same run
        torch.testing.assert_close(again[k], default[k], atol=0, rtol=0)
    assert max(float((default[k] - other[k]).abs().max()) for k in default) > 1e-4


@pytest.mark.parametrize("bad", [-0.1, 1.0])
def test_bad_smoothing_is_refused(bad):
    with pytest.raises(FusionConfigError, match="label_smoothing"):
        TrainConfig(label_smoothing=bad)
