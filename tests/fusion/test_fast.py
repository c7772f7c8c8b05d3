"""The NumPy fusion head gives the torch forward's logits, and follows weight changes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusion import FusionConfig, FusionModel
from fusion.fast import NumpyFusionHead, gelu

from .conftest import random_input


def test_gelu_matches_torch():
    x = np.linspace(-8, 8, 1001)
    ref = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    assert np.abs(gelu(x) - ref).max() < 1e-6


def _torch_logits(model, inputs):
    with torch.no_grad():
        return model.eval()(model.featurize(inputs)).numpy()


def test_numpy_logits_equal_torch_graph_model(trained, examples):
    inputs = [ex.input for ex in examples] + [random_input(3)]  # linked and unlinked queries
    assert any(inp.linked for inp in inputs) and not all(inp.linked for inp in inputs)
    head = NumpyFusionHead(trained)
    np.testing.assert_allclose(head.logits(head.featurize(inputs)),
                               _torch_logits(trained, inputs), rtol=1e-4, atol=1e-4)
    for inp in inputs:  # batch of one (padding differs) gives the same
        np.testing.assert_allclose(head.logits(head.featurize([inp])),
                                   _torch_logits(trained, [inp]), rtol=1e-4, atol=1e-4)


def test_numpy_logits_equal_torch_text_only(examples):
    model = FusionModel(FusionConfig(text_dim=384, hidden_dim=16, use_graph=False),
                        labels=["A > B", "A > C", "D > E"])
    inputs = [ex.input for ex in examples]
    head = NumpyFusionHead(model)
    np.testing.assert_allclose(head.logits(head.featurize(inputs)),
                               _torch_logits(model, inputs), rtol=1e-4, atol=1e-4)


def test_predict_follows_weight_changes(trained, examples):
    inputs = [ex.input for ex in examples]
    before = [i.top_k for i in trained.predict_batch(inputs)]
    with torch.no_grad():  # an in-place change, as an optimizer step makes
        trained.classifier[-1].bias[0] += 50.0
    after = trained.predict_batch(inputs)
    assert all(i.category == trained.labels[0] for i in after)
    assert [i.top_k for i in after] != before
    probs = torch.softmax(torch.from_numpy(_torch_logits(trained, inputs)), -1)
    assert [i.score for i in after] == pytest.approx(probs.max(-1).values.tolist(), abs=1e-5)


def test_predict_arrays_equals_predict_batch(trained, examples):
    from fusion.errors import FusionDataError

    inputs = [ex.input for ex in examples] + [random_input(3)]
    text = np.stack([inp.text_embedding.numpy() for inp in inputs])
    a = trained.predict_arrays(text, [inp.linked for inp in inputs])
    b = trained.predict_batch(inputs)
    assert [x.category for x in a] == [x.category for x in b]
    np.testing.assert_allclose([x.score for x in a], [x.score for x in b], atol=1e-6)
    bad = text.copy()
    bad[0, 0] = np.nan
    with pytest.raises(FusionDataError, match="NaN"):
        trained.predict_arrays(bad, [inp.linked for inp in inputs])
    with pytest.raises(FusionDataError, match="one row per query"):
        trained.predict_arrays(text[:1], [inp.linked for inp in inputs])


def test_numpy_logits_equal_torch_with_several_heads_and_label_names(examples):
    """Heads with the same label-name embeddings share one product; heads with their own
    (set one by one) still get each their own."""
    labels = ["A > B", "A > C", "D > E"]
    model = FusionModel(FusionConfig(text_dim=384, hidden_dim=16, use_graph=False,
                                     use_label_names=True, members=3), labels=labels)
    gen = torch.Generator().manual_seed(0)
    model.set_label_text(torch.randn(3, 384, generator=gen))
    with torch.no_grad():
        for i, h in enumerate(model.heads()):
            h.name_scale.fill_(2.0 + i)
    inputs = [ex.input for ex in examples]
    head = NumpyFusionHead(model)
    assert head.shared_names is not None
    np.testing.assert_allclose(head.logits(head.featurize(inputs)),
                               _torch_logits(model, inputs), rtol=1e-4, atol=1e-4)
    with torch.no_grad():
        model.heads()[1].label_text.copy_(torch.randn(3, 384, generator=gen))
    head = NumpyFusionHead(model)
    assert head.shared_names is None
    np.testing.assert_allclose(head.logits(head.featurize(inputs)),
                               _torch_logits(model, inputs), rtol=1e-4, atol=1e-4)
