"""Stochastic weight averaging (``TrainConfig.swa_epochs``): the model keeps the mean of the
weights at the end of the averaging epochs."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from fusion import train_fusion
from fusion.errors import FusionConfigError
from fusion.train import TrainConfig

from .conftest import CFG, GNN, TRAIN


def _train(kg, examples, encoder, tmp_path, **train):
    return train_fusion(CFG, kg, examples, examples, train_config=replace(TRAIN, **train),
                        gnn_config=GNN, text_encoder=encoder, cache_dir=tmp_path / "cache")


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def test_averaging_epochs_are_recorded_and_change_the_weights(kg, examples, encoder, tmp_path):
    plain = _train(kg, examples, encoder, tmp_path)
    swa = _train(kg, examples, encoder, tmp_path, swa_epochs=3)
    hist = swa.training_report["history"]
    assert len(hist) == TRAIN.epochs + 3
    assert [h.get("averaged", False) for h in hist[-4:]] == [False, True, True, True]
    assert "lvl1_accuracy" in hist[-1] and swa.training_report["best_epoch"] == TRAIN.epochs + 3
    a, b = _weights(plain), _weights(swa)
    assert max(float((a[k] - b[k]).abs().max()) for k in a) > 1e-3


def test_averaging_at_a_vanishing_rate_keeps_the_scheduled_weights(kg, examples, encoder,
                                                                   tmp_path):
    """Snapshots that barely move average to the weights the schedule ended on: the mean is
    taken over the right tensors and written back to the model."""
    plain = _weights(_train(kg, examples, encoder, tmp_path))
    still = _weights(_train(kg, examples, encoder, tmp_path, swa_epochs=4, swa_lr=1e-9))
    for k in plain:
        torch.testing.assert_close(still[k], plain[k], atol=1e-6, rtol=0)


@pytest.mark.parametrize("bad", [dict(swa_epochs=-1), dict(swa_epochs=2, swa_lr=0.0),
                                 dict(swa_epochs=2, select_epoch=True)])
def test_bad_averaging_settings_are_refused(bad):
    with pytest.raises(FusionConfigError, match="swa"):
        TrainConfig(**bad)
