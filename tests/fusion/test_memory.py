"""The query memory (``FusionConfig.memory_weight``, :mod:`fusion.memory`): the intent blends the
heads with the nearest training queries' vote, remembers no weak example, saves and loads with
the model, gives a query the same intent in any batch, and helps where the heads have too few
examples per label."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusion import FusionConfig, FusionModel, train_fusion
from fusion.errors import FusionConfigError, FusionDataError, FusionLoadError
from fusion.memory import QueryMemory
from fusion.train import TrainConfig
from fusion.types import FusionExample, FusionInput

CFG = FusionConfig(text_dim=16, hidden_dim=16, use_graph=False, members=2)


def _clusters(per_label: int, n_labels: int, seed: int) -> list[FusionExample]:
    """Queries around one direction per label (labels under two departments)."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.nn.functional.normalize(torch.randn(n_labels, 16, generator=torch.Generator()
                                                        .manual_seed(99)), dim=1)
    out = []
    for i in range(n_labels):
        lab = f"{'AB'[i % 2]} > c{i}"
        for _ in range(per_label):
            out.append(FusionExample(FusionInput(centres[i] + 0.15 * torch.randn(16, generator=g)),
                                     lab, lab.split(" > ")[0]))
    return out


def test_vote_is_the_cosine_weighted_labels_of_the_nearest_queries() -> None:
    text = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]])
    mem = QueryMemory.build(text * 3, [0, 1, 2, 2])  # rows are normalised
    vote = mem.vote(np.array([[1.0, 0.1]]), n_labels=3, k=2)
    sims = mem.text @ (np.array([1.0, 0.1]) / np.linalg.norm([1.0, 0.1]))
    want = np.zeros(3)
    for j in np.argsort(-sims)[:2]:
        want[mem.labels[j]] += sims[j]
    np.testing.assert_allclose(vote[0], want / want.sum(), atol=1e-6)
    # nothing similar at all: uniform; k larger than the memory: all of it
    np.testing.assert_allclose(QueryMemory.build(text[3:], [0]).vote(
        np.array([[1.0, 0.0]]), n_labels=2, k=5)[0], [0.5, 0.5])
    with pytest.raises(FusionDataError, match="n labels"):
        QueryMemory.build(text, [0, 1])


def test_blend_remembers_real_queries_saves_loads_and_is_batch_free(tmp_path) -> None:
    examples = _clusters(per_label=4, n_labels=6, seed=0)
    weak = [FusionExample(FusionInput(torch.ones(16)), "A > c0", "A", weak=True)]
    train = TrainConfig(epochs=3, seed=1)
    plain = train_fusion(CFG, None, examples + weak, [], train_config=train)
    model = train_fusion(FusionConfig(**{**CFG.to_dict(), "memory_weight": 0.3}), None,
                         examples + weak, [], train_config=train)
    assert plain.memory is None and model.memory.text.shape == (len(examples), 16)
    inputs = [ex.input for ex in examples[:7]]
    heads = plain._numpy_head().probs(inputs)
    text = np.stack([i.text_embedding.numpy() for i in inputs])
    vote = model.memory.vote(text, n_labels=len(model.labels), k=10)
    got = model.predict_batch(inputs)
    want = 0.7 * heads + 0.3 * vote  # the same heads: the memory does not change training
    assert [i.score for i in got] == pytest.approx(want.max(1).tolist(), abs=1e-6)
    # the served path: alone and in a batch the same intent
    alone = [model.predict_arrays(text[i:i + 1], [()])[0] for i in range(len(inputs))]
    assert [a.top_k for a in alone] == [b.top_k for b in model.predict_arrays(text, [()] * 7)]
    model.save_pretrained(tmp_path / "m")
    back = FusionModel.from_pretrained(tmp_path / "m")
    assert [i.top_k for i in back.predict_batch(inputs)] == [i.top_k for i in got]
    with pytest.raises(FusionConfigError, match="text embeddings"):
        back.intents_from_logits(np.zeros((1, len(back.labels))))
    (tmp_path / "m" / "memory.safetensors").unlink()
    with pytest.raises(FusionLoadError, match=r"memory\.safetensors is missing"):
        FusionModel.from_pretrained(tmp_path / "m")
    for bad in (-0.1, 1.0):
        with pytest.raises(FusionConfigError, match="memory_weight"):
            FusionConfig(memory_weight=bad)


def test_memory_beats_the_heads_alone_on_held_apart_queries() -> None:
    """Two training queries per label: from 48 queries the heads alone learn few of the 24
    labels (about 0.17 here); the nearest queries know every one."""
    train, held = _clusters(2, 24, seed=0), _clusters(3, 24, seed=1)
    cfg = TrainConfig(epochs=30, seed=0)
    acc = {}
    for w in (0.0, 0.3):
        model = train_fusion(FusionConfig(**{**CFG.to_dict(), "memory_weight": w}), None, train,
                             [], train_config=cfg)
        pred = model.predict_batch([ex.input for ex in held])
        acc[w] = np.mean([p.category == ex.lvl1 for p, ex in zip(pred, held, strict=True)])
    assert acc[0.3] > acc[0.0] + 0.1, acc


def test_default_thresholds_and_walk_gate_follow_the_memory_weight() -> None:
    from fusion.expand import ExpansionConfig, Thresholds
    from fusion.train import DEFAULT_MEMORY_WEIGHT

    assert Thresholds.defaults_for(0.0) == Thresholds()
    assert ExpansionConfig.defaults_for(0.0) == ExpansionConfig()
    th = Thresholds.defaults_for(DEFAULT_MEMORY_WEIGHT)
    assert (th.intent, th.hard_filter) == (0.36, 0.73)
    walk = ExpansionConfig.defaults_for(DEFAULT_MEMORY_WEIGHT).walk_min_department_prob
    assert walk == 0.71 < ExpansionConfig().walk_min_department_prob
    # a weight without its own calibration: the stricter memory-free defaults
    assert Thresholds.defaults_for(0.5) == Thresholds()
    assert ExpansionConfig.defaults_for(0.5) == ExpansionConfig()


def test_familiarity_is_the_nearest_training_query_and_its_floor_leaves_one_out(tmp_path) -> None:
    """The query's cosine to its nearest remembered query, against the memory's own floor: the
    10% quantile of each remembered query's cosine to its nearest OTHER one (not to itself)."""
    from fusion.memory import FAMILIAR_QUANTILE

    rng = np.random.default_rng(0)
    centre = np.ones(8) / np.sqrt(8)
    text = centre + 0.1 * rng.standard_normal((50, 8))
    mem = QueryMemory.build(text, [0] * 50)
    unit = text / np.linalg.norm(text, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    assert mem.familiar_floor == pytest.approx(np.quantile(sims.max(1), FAMILIAR_QUANTILE),
                                               abs=1e-6)
    assert mem.familiar_floor < 1.0  # (with itself, every query would be at 1.0)
    near, far = centre, -centre + 0.2 * rng.standard_normal(8)
    vote, nearest = mem.vote_and_nearest(np.stack([near, far]), n_labels=1, k=5)
    assert np.allclose(vote, mem.vote(np.stack([near, far]), n_labels=1, k=5))
    assert nearest[0] == pytest.approx((unit @ centre).max(), abs=1e-6)
    assert nearest[0] > mem.familiar_floor > nearest[1]
    # saved with the memory; a memory saved before it had one gets it computed at load
    mem.save(tmp_path / "m.safetensors")
    assert QueryMemory.load(tmp_path / "m.safetensors").floor == mem.familiar_floor
    from safetensors.numpy import save_file

    save_file({"text": mem.text, "labels": mem.labels}, str(tmp_path / "old.safetensors"))
    old = QueryMemory.load(tmp_path / "old.safetensors")
    assert old.familiar_floor == pytest.approx(mem.familiar_floor)


def test_an_intent_says_how_familiar_its_query_is() -> None:
    """A model with a memory marks a query unlike its training queries as unfamiliar (the
    parser then gives it no hard filter and no confident intent unless it links a node that
    names a department); one without a memory cannot tell."""
    examples = _clusters(6, 4, seed=0)
    model = train_fusion(FusionConfig(**{**CFG.to_dict(), "memory_weight": 0.3}), None,
                         examples, [], train_config=TrainConfig(epochs=2, seed=0))
    model.eval()
    seen = examples[0].input.text_embedding
    odd = -seen
    near, far = model.predict_batch([FusionInput(seen), FusionInput(odd)])
    assert near.familiar_floor == far.familiar_floor == model.memory.familiar_floor
    assert not near.unfamiliar and far.unfamiliar
    assert near.familiarity == pytest.approx(1.0, abs=1e-5)
    plain = train_fusion(CFG, None, examples, [], train_config=TrainConfig(epochs=2, seed=0))
    plain.eval()
    one = plain.predict_batch([FusionInput(odd)])[0]
    assert one.familiarity is None and not one.unfamiliar
