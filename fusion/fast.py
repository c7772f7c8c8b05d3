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


def _standardize(x: np.ndarray) -> np.ndarray:
    """A LayerNorm without its gain and bias (they are folded into the next Linear)."""
    n = 1.0 / x.shape[-1]  # sum * 1/n: ndarray.mean adds a Python-level wrapper per call
    xc = x - x.sum(-1, keepdims=True) * n
    return xc / np.sqrt(np.square(xc).sum(-1, keepdims=True) * n + _LN_EPS)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def _bmv(e: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``einsum("...mh,...h->...m", e, v)`` as one batched matrix product."""
    return (e @ v[..., None])[..., 0]


def _state(model: Any) -> dict[str, np.ndarray]:
    """A one-head model's own weights as float64 NumPy (not its ensemble members')."""
    return {k: v.detach().cpu().numpy().astype(np.float64)
            for k, v in model.state_dict().items() if not k.startswith("members.")}


def _fold(model: Any) -> dict[str, np.ndarray]:
    """One head's weights with the forward's linear steps multiplied out once (in float64),
    so a query runs a handful of products instead of a dozen:

    - a LayerNorm's gain and bias go into the Linear after it;
    - the attention and pointer scores ``q(h).k(e)`` are ``e.(W_k^T q(h)) + q(h).b_k``:
      ``W_q``, ``W_k``, ``b_k``, the null key and the 1/sqrt(H) scale become one
      ``[H, 2H+3]`` matrix applied to the text vector;
    - the value projection and the classifier's first layer (its half that reads the
      graph vector ``g``) are one ``[H, H]`` matrix; the null value and ``b_v`` become
      vectors in the classifier's hidden space.
    A query with no graph element reduces to ``classifier(h, null value)``.
    """
    cfg = model.config
    w = _state(model)
    # x @ W^T: the transposes, made contiguous when the heads are stacked (row-major GEMM
    # without a transposed operand)
    wt = {k[: -len(".weight")]: v.T for k, v in w.items() if k.endswith(".weight") and v.ndim == 2}
    f: dict[str, np.ndarray] = {}

    def ln_linear(ln: str, lin: str) -> tuple[np.ndarray, np.ndarray]:
        return (w[ln + ".weight"][:, None] * wt[lin],
                w[ln + ".bias"] @ wt[lin] + w[lin + ".bias"])

    f["t_w"], f["t_b"] = ln_linear("text_mlp.0", "text_mlp.1")
    f["c3_w"], f["c3_b"] = wt["classifier.3"], w["classifier.3.bias"]
    if cfg.use_label_names:  # the labels' side of the name term, once
        lt = w["label_text"]
        norm = np.linalg.norm(lt, axis=1, keepdims=True)
        f["name_dir"] = (lt / np.maximum(norm, 1e-12)).T  # [text_dim, C]
        f["name_scale"] = w["name_scale"].reshape(())
    if not cfg.use_graph:
        f["c0_w"], f["c0_b"] = wt["classifier.0"], w["classifier.0.bias"]
        return f
    h, scale = cfg.hidden_dim, 1.0 / math.sqrt(cfg.hidden_dim)
    f["n_w"], n_b = ln_linear("node_proj.0", "node_proj.1")
    # the role embeddings absorb every constant of an element's vector
    f["role"] = w["role_emb.weight"] + n_b + w["weight_proj.bias"]
    f["wp"] = w["weight_proj.weight"][:, 0]
    wq, bq, wqp, bqp = wt["q"], w["q.bias"], wt["q_ptr"], w["q_ptr.bias"]
    null_k, null_v = w["null_kv"][0], w["null_kv"][1]
    mats = [wq @ w["k.weight"], wq @ w["k.bias"][:, None], wq @ null_k[:, None],
            wqp @ w["k_ptr.weight"], wqp @ w["k_ptr.bias"][:, None]]
    bias = [bq @ w["k.weight"], [bq @ w["k.bias"]], [bq @ null_k],
            bqp @ w["k_ptr.weight"], [bqp @ w["k_ptr.bias"]]]
    f["q_w"] = np.concatenate(mats, 1) * scale
    f["q_b"] = np.concatenate([np.atleast_1d(b) for b in bias]) * scale
    c0 = wt["classifier.0"]
    f["c0_t"], f["c0_b"] = c0[:h], w["classifier.0.bias"]
    f["v0"] = wt["v"] @ c0[h:]
    f["c_null"] = null_v @ c0[h:]
    f["c_bv"] = w["v.bias"] @ c0[h:]
    for name in ("null_ptr", "ptr_gain", "null_ptr0", "ptr_gain0"):
        f[name] = w[name].reshape(())
    return f


class NumpyFusionHead:
    """The fusion forward pass on NumPy copies of a model's weights (see the module docstring).

    The weights of an ensemble's heads (``FusionConfig.members``) are stacked on a leading
    axis, so every head runs in the same NumPy operations: K heads cost about what one does.

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
        heads = model.heads() if callable(getattr(model, "heads", None)) else [model]
        self.k = len(heads)
        folded = [_fold(m) for m in heads]
        #: the label-name directions when every head has the same ones (heads trained
        #: together share the label embeddings): one ``[text_dim, C]`` product per query
        #: instead of K; else ``None`` and each head keeps its own (``f["name_dir"]``)
        self.shared_names: np.ndarray | None = None
        if "name_dir" in folded[0] and all(np.array_equal(fo["name_dir"], folded[0]["name_dir"])
                                           for fo in folded[1:]):
            self.shared_names = np.ascontiguousarray(folded[0]["name_dir"], dtype=np.float32)
            for fo in folded:
                del fo["name_dir"]
        #: each folded weight stacked over the heads: ``[K, ...]``, float32
        self.f = {key: np.ascontiguousarray(np.stack([fo[key] for fo in folded]),
                                            dtype=np.float32) for key in folded[0]}
        self.lvl1_to_lvl0 = model.lvl1_to_lvl0.cpu().numpy()
        self.n_lvl0 = len(model.lvl0_labels)

    def featurize(self, inputs: Sequence[FusionInput]) -> dict[str, np.ndarray]:
        """The padded arrays of :meth:`FusionModel.featurize`, as NumPy."""
        f = self.model.graph_features([inp.linked for inp in inputs])
        f["text"] = np.stack([inp.text_embedding.detach().numpy() for inp in inputs]).astype(
            np.float32, copy=False)
        return f

    def logits(self, f: dict[str, Any]) -> np.ndarray:
        """Logits over the lvl1 labels, ``[B, C]`` (what ``FusionModel.forward`` returns):
        with several heads, the mean of theirs."""
        out = self._head_logits(f)  # [K, B, C]
        return out[0] if self.k == 1 else out.mean(0)

    def _head_logits(self, f: dict[str, Any]) -> np.ndarray:
        """Every head's own logits, ``[K, B, C]``."""
        fw = self.f
        ht = gelu(_standardize(f["text"]) @ fw["t_w"] + fw["t_b"][:, None])  # [K, B, H]
        names = 0.0
        if self.config.use_label_names:
            text = f["text"]
            norm = np.maximum(np.linalg.norm(text, axis=1, keepdims=True), 1e-12)
            unit = text / norm
            cos = unit @ (fw["name_dir"] if self.shared_names is None else self.shared_names)
            names = fw["name_scale"][:, None, None] * cos  # [K, B, C]
        if not self.config.use_graph:
            hidden = ht @ fw["c0_w"] + fw["c0_b"][:, None]
            return (gelu(hidden) @ fw["c3_w"] + fw["c3_b"][:, None] + names).astype(np.float32)
        mask = f["mask"]
        hidden = ht @ fw["c0_t"] + fw["c0_b"][:, None]
        if not mask.any():  # only the null element: g = null value, no pointer mass
            hidden += fw["c_null"][:, None]
            return (gelu(hidden) @ fw["c3_w"] + fw["c3_b"][:, None] + names).astype(np.float32)
        k, bsz, h = self.k, ht.shape[1], self.config.hidden_dim
        weight = f["weight"]
        # [K, B, M, H]
        e = (_standardize(f["nodes"])[None] @ fw["n_w"][:, None]
             + fw["role"][:, f["role"]] + weight[None, ..., None] * fw["wp"][:, None, None])
        qq = ht @ fw["q_w"] + fw["q_b"][:, None]  # [K, B, 2H+3]: W_k^T q, q.b_k, q.null_k, ptr
        att = softmax(np.concatenate(
            [qq[..., h + 1, None],
             np.where(mask, _bmv(e, qq[..., :h]) + qq[..., h, None], -np.inf)], -1))
        rest = att[..., 1:]
        hidden += (att[..., :1] * fw["c_null"][:, None] + (rest[..., None, :] @ e)[..., 0, :]
                   @ fw["v0"] + rest.sum(-1, keepdims=True) * fw["c_bv"][:, None])
        logits = gelu(hidden) @ fw["c3_w"] + fw["c3_b"][:, None]
        ptr_logits = (_bmv(e, qq[..., h + 2: 2 * h + 2]) + qq[..., 2 * h + 2, None]
                      + np.log(np.maximum(weight, 1e-6)))
        rows = np.arange(k * bsz).reshape(k, bsz, 1)
        out = logits + names
        for labels, null, gain, n_out, to_lvl1 in (
                (f["label"], fw["null_ptr"], fw["ptr_gain"], logits.shape[-1], None),
                (f["label0"], fw["null_ptr0"], fw["ptr_gain0"], self.n_lvl0, self.lvl1_to_lvl0)):
            has = mask & (labels >= 0)
            if not has.any():  # no element names a label: the pointer adds nothing
                continue
            # softmax over [null, the elements with a label]; only the elements' shares used
            null = null[:, None, None]
            z = np.where(has, ptr_logits, -np.inf)
            top = np.maximum(z.max(-1, keepdims=True), null)
            ez = np.exp(z - top)
            p = ez / (ez.sum(-1, keepdims=True) + np.exp(null - top))
            # scatter-add of each element's probability onto its label (bincount: one pass)
            flat = (rows * n_out + np.maximum(labels, 0)).ravel()
            dist = np.bincount(flat, weights=(p * has).ravel(), minlength=k * bsz * n_out) \
                .reshape(k, bsz, n_out)
            out = out + gain[:, None, None] * (dist if to_lvl1 is None else dist[..., to_lvl1])
        return out.astype(np.float32)

    def probs(self, inputs: Sequence[FusionInput]) -> np.ndarray:
        """Softmax over the lvl1 labels, ``[len(inputs), C]``."""
        return softmax(self.logits(self.featurize(inputs)).astype(np.float64))
