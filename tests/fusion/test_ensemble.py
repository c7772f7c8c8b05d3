"""An ensemble of heads (``FusionConfig.members``): each head is the one-head model of its seed,
the model predicts their normalised geometric mean, and it saves and loads as one model."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.special import log_softmax

from fusion import FusionConfig, FusionModel, train_fusion
from fusion.errors import FusionConfigError
from fusion.fast import NumpyFusionHead, softmax
from fusion.train import member_seed

from .conftest import CFG, GNN, TRAIN, random_input


@pytest.fixture
def embeddings(kg, encoder, tmp_path):
    from fusion.gnn import compute_node_embeddings

    return compute_node_embeddings(kg, text_encoder=encoder, config=GNN,
                                   cache_dir=tmp_path / "cache")


def _train(kg, examples, embeddings, members: int, seed: int = 3) -> FusionModel:
    return train_fusion(replace(CFG, members=members), kg, examples, examples,
                        train_config=replace(TRAIN, seed=seed), node_embeddings=embeddings)


def test_heads_are_the_one_head_models_of_their_seeds(kg, examples, embeddings):
    ens = _train(kg, examples, embeddings, members=3)
    assert ens.config.members == 3 and len(ens.heads()) == 3
    assert [m["best_epoch"] for m in ens.training_report["members"]] == [TRAIN.epochs] * 3
    inputs = [ex.input for ex in examples] + [random_input(5)]
    singles = [_train(kg, examples, embeddings, members=1, seed=member_seed(3, k))
               for k in range(3)]
    logp = [log_softmax(NumpyFusionHead(m).logits(NumpyFusionHead(m).featurize(inputs))
                        .astype(np.float64)) for m in singles]
    want = softmax(np.mean(logp, 0))
    got = ens._numpy_head().probs(inputs)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # the heads differ, so the mean is not any one of them
    assert min(np.abs(np.exp(lp) - got).max() for lp in logp) > 1e-3
    # the torch forward (log-probability mean) agrees with the NumPy head
    with torch.no_grad():
        torch_p = torch.softmax(ens.eval()(ens.featurize(inputs)), -1).numpy()
    np.testing.assert_allclose(torch_p, got, atol=1e-4)
    # the same per query alone and in a batch
    alone = [ens.predict_arrays(np.stack([i.text_embedding.numpy()]), [i.linked])[0]
             for i in inputs]
    batch = ens.predict_arrays(np.stack([i.text_embedding.numpy() for i in inputs]),
                               [i.linked for i in inputs])
    assert [a.top_k for a in alone] == [b.top_k for b in batch]


def test_ensemble_saves_and_loads(kg, examples, embeddings, tmp_path):
    ens = _train(kg, examples, embeddings, members=2)
    ens.save_pretrained(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["config"]["members"] == 2
    back = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    inputs = [ex.input for ex in examples]
    assert [i.top_k for i in back.predict_batch(inputs)] == \
        [i.top_k for i in ens.predict_batch(inputs)]


def test_configs_without_members_load_as_one_head(tmp_path):
    m = FusionModel(FusionConfig(use_graph=False, hidden_dim=8), labels=["A > B", "C > D"])
    m.save_pretrained(tmp_path / "old")
    raw = json.loads((tmp_path / "old" / "config.json").read_text())
    del raw["config"]["members"]  # a model saved before the option existed
    (tmp_path / "old" / "config.json").write_text(json.dumps(raw))
    assert FusionModel.from_pretrained(tmp_path / "old").config.members == 1
    with pytest.raises(FusionConfigError, match="members"):
        FusionConfig(members=0)
