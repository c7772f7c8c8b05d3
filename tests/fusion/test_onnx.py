"""The ONNX fusion head gives the torch forward's logits, for any batch and element count."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusion import FusionConfig, FusionModel
from fusion.onnx import GRAPH_INPUTS, HEAD_OUTPUT, export_head_onnx

from .conftest import random_input

ort = pytest.importorskip("onnxruntime")


def _torch_logits(model, inputs):
    with torch.no_grad():
        return model.eval()(model.featurize(inputs)).numpy()


def _onnx_logits(path, model, inputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    feeds = {k: v for k, v in model.graph_features([i.linked for i in inputs]).items()
             if k in names}
    feeds["text"] = np.stack([i.text_embedding.numpy() for i in inputs]).astype(np.float32)
    return session.run([HEAD_OUTPUT], feeds)[0]


def test_head_equals_torch_forward_on_other_shapes(trained, examples, tmp_path):
    path = export_head_onnx(trained, tmp_path / "head.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["text", *GRAPH_INPUTS]
    inputs = [ex.input for ex in examples] + [random_input(3)]  # linked and unlinked queries
    sizes = {len(trained.featurize([inp]).mask[0]) for inp in inputs}
    assert len(sizes) > 1  # element counts other than the traced 3
    np.testing.assert_allclose(_onnx_logits(path, trained, inputs),
                               _torch_logits(trained, inputs), rtol=1e-4, atol=1e-4)
    for inp in inputs[:5]:  # a batch of one
        np.testing.assert_allclose(_onnx_logits(path, trained, [inp]),
                                   _torch_logits(trained, [inp]), rtol=1e-4, atol=1e-4)
    assert trained.training is False


def test_text_only_head(examples, tmp_path):
    model = FusionModel(FusionConfig(text_dim=384, hidden_dim=16, use_graph=False),
                        labels=["A > B", "A > C", "D > E"])
    model.train()
    path = export_head_onnx(model, tmp_path / "head.onnx")
    assert model.training  # the caller's mode is restored
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["text"]
    inputs = [ex.input for ex in examples]
    np.testing.assert_allclose(_onnx_logits(path, model, inputs), _torch_logits(model, inputs),
                               rtol=1e-4, atol=1e-4)


def test_intents_from_logits_matches_predict_batch(trained, examples):
    inputs = [ex.input for ex in examples]
    a = trained.predict_batch(inputs)
    b = trained.intents_from_logits(_torch_logits(trained, inputs))
    assert [i.category for i in a] == [i.category for i in b]
    assert [i.score for i in a] == pytest.approx([i.score for i in b], abs=1e-5)
    from fusion.errors import FusionDataError

    with pytest.raises(FusionDataError, match="NaN or inf"):
        trained.intents_from_logits(np.full((1, len(trained.labels)), np.nan))
    with pytest.raises(FusionDataError, match="logits must be"):
        trained.intents_from_logits(np.zeros((1, 2)))
