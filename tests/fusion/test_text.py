from __future__ import annotations

import pytest
import torch

from fusion.errors import FusionConfigError
from fusion.text import HashingTextEncoder, TextEncoder, get_text_encoder


def test_hashing_encoder_is_deterministic_and_similarity_aware():
    enc = HashingTextEncoder(dim=384)
    a, b, c, empty = enc.encode(["samsung tv", "samsung tvs", "dish washer", ""])
    assert torch.equal(enc.encode(["samsung tv"])[0], a)
    assert float(a @ b) > float(a @ c)
    assert torch.count_nonzero(empty) == 0


def test_registry_lists_choices():
    with pytest.raises(FusionConfigError, match="among choices"):
        get_text_encoder("word2vec")


def test_real_minilm_encoder():
    torch.set_num_threads(1)
    enc = TextEncoder()
    emb = enc.encode(["samsung tv", "samsung television", "kitchen blender", "", "ｉｐｈｏｎｅ"])
    assert emb.shape == (5, 384) and enc.dim == 384
    assert torch.allclose(emb.norm(dim=-1), torch.ones(5), atol=1e-4)
    assert float(emb[0] @ emb[1]) > float(emb[0] @ emb[2])
    # batching and order do not change the vectors
    again = TextEncoder(batch_size=2).encode(["kitchen blender", "samsung tv"])
    assert torch.allclose(again[1], emb[0], atol=1e-5)
