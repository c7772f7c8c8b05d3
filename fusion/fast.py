"""NumPy inference for :class:`fusion.model.FusionModel`: the same forward pass without torch's
per-operation overhead.

The fusion head is a few small matrix products per query; on a 2-core CPU torch spends ~30 us
of dispatch on each of its ~40 operations (about 2 ms per parse), NumPy a few. The arrays are
copied from the model's weights and rebuilt whenever a parameter changes (torch's in-place
version counters), so training, ``load_state_dict`` and inference never disagree;
``tests/fusion/test_fast.py`` checks the logits against the torch forward.

Example:
    >>> import numpy as np
    >>> float(np.round(gelu(np.array([1.0]))[0], 4))  # exact (erf) GELU, as torch's default
    0.8413
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import erf as _erf

if TYPE_CHECKING:
    from fusion.types import FusionInput

__all__ = ["NumpyFusionHead", "gelu", "softmax"]

_LN_EPS = 1e-5


_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU with erf (``torch.nn.GELU()``'s default)."""
    return 0.5 * x * (1.0 + _erf(x * _INV_SQRT2))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + _LN_EPS) * w + b


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def _bmv(e: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``einsum("bmh,bh->bm", e, v)`` as one batched matrix product."""
    return (e @ v[:, :, None])[..., 0]


class NumpyFusionHead:
    """The fusion forward pass on NumPy copies of a model's weights (see the module docstring).

    Args:
        model: the :class:`fusion.model.FusionModel` to mirror (its current weights).

    Example:
        >>> import torch
        >>> from fusion.model import FusionConfig, FusionInput, FusionModel
        >>> m = FusionModel(FusionConfig(text_dim=4, hidden_dim=8, use_graph=False),
        ...                 labels=["A > B", "C > D"])
        >>> NumpyFusionHead(m).probs([FusionInput(torch.zeros(4))]).shape
        (1, 2)
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.config = model.config
        self.w = {k: v.detach().float().cpu().numpy().copy()
                  for k, v in model.state_dict().items()}
        # x @ W^T with W^T stored contiguous (row-major GEMM without a transposed operand)
        self.wt = {k[: -len(".weight")]: np.ascontiguousarray(v.T)
                   for k, v in self.w.items() if k.endswith(".weight") and v.ndim == 2}
        self.lvl1_to_lvl0 = model.lvl1_to_lvl0.cpu().numpy()
        self.n_lvl0 = len(model.lvl0_labels)
        self.scale = 1.0 / math.sqrt(model.config.hidden_dim)

    def _lin(self, name: str, x: np.ndarray) -> np.ndarray:
        return x @ self.wt[name] + self.w[name + ".bias"]

    def featurize(self, inputs: Sequence[FusionInput]) -> dict[str, np.ndarray]:
        """The padded arrays of :meth:`FusionModel.featurize`, as NumPy."""
        f = self.model.graph_features([inp.linked for inp in inputs])
        f["text"] = np.stack([inp.text_embedding.detach().numpy() for inp in inputs]).astype(
            np.float32, copy=False)
        return f

    def logits(self, f: dict[str, Any]) -> np.ndarray:
        """Logits over the lvl1 labels, ``[B, C]`` (what ``FusionModel.forward`` returns)."""
        w = self.w
        ht = gelu(self._lin("text_mlp.1", _layer_norm(f["text"], w["text_mlp.0.weight"],
                                                       w["text_mlp.0.bias"])))
        if not self.config.use_graph:
            return self._lin("classifier.3", gelu(self._lin("classifier.0", ht)))
        bsz = ht.shape[0]
        mask, weight = f["mask"], f["weight"]
        e = (self._lin("node_proj.1", _layer_norm(f["nodes"], w["node_proj.0.weight"],
                                                  w["node_proj.0.bias"]))
             + w["role_emb.weight"][f["role"]]
             + weight[..., None] * w["weight_proj.weight"][:, 0] + w["weight_proj.bias"])
        # q.(W_k e + b_k) = e.(W_k^T q) + q.b_k: the key and value projections are applied to
        # the query and to the attention-weighted sum, not to each element ([B, H] products
        # instead of [B, M, H] ones)
        q = self._lin("q", ht)
        att = (_bmv(e, q @ w["k.weight"]) + (q @ w["k.bias"])[:, None]) * self.scale
        att = np.concatenate([(q @ w["null_kv"][0])[:, None] * self.scale,
                              np.where(mask, att, -np.inf)], 1)
        att = softmax(att)
        g = (att[:, :1] * w["null_kv"][1] + (att[:, None, 1:] @ e)[:, 0] @ self.wt["v"]
             + att[:, 1:].sum(1, keepdims=True) * w["v.bias"])
        logits = self._lin("classifier.3", gelu(self._lin("classifier.0",
                                                          np.concatenate([ht, g], -1))))
        qp = self._lin("q_ptr", ht)
        ptr_logits = ((_bmv(e, qp @ w["k_ptr.weight"])
                       + (qp @ w["k_ptr.bias"])[:, None]) * self.scale
                      + np.log(np.clip(weight, 1e-6, None)))
        rows = np.arange(bsz)[:, None]

        def pointer(labels: np.ndarray, null: np.ndarray, n_out: int) -> np.ndarray:
            has = mask & (labels >= 0)
            p = softmax(np.concatenate(
                [np.broadcast_to(null, (bsz, 1)), np.where(has, ptr_logits, -np.inf)], 1))[:, 1:]
            # scatter-add of each element's probability onto its label (bincount: one pass)
            flat = (rows * n_out + np.clip(labels, 0, None)).ravel()
            return np.bincount(flat, weights=(p * has).ravel(), minlength=bsz * n_out) \
                .reshape(bsz, n_out).astype(np.float32)

        dist = pointer(f["label"], w["null_ptr"], logits.shape[1])
        dist0 = pointer(f["label0"], w["null_ptr0"], self.n_lvl0)
        return (logits + w["ptr_gain"] * dist
                + w["ptr_gain0"] * dist0[:, self.lvl1_to_lvl0]).astype(np.float32)

    def probs(self, inputs: Sequence[FusionInput]) -> np.ndarray:
        """Softmax over the lvl1 labels, ``[len(inputs), C]``."""
        return softmax(self.logits(self.featurize(inputs)).astype(np.float64))
