"""A nearest-neighbour memory of the training queries, blended into the intent.

The fusion heads learn a few hundred categories from a few queries each; a memory of the
training queries' text embeddings votes too: the ``k`` queries nearest to a new one (cosine)
give their labels, weighted by their similarity, and the intent is ``(1 - w) * heads + w *
vote`` (:attr:`fusion.model.FusionConfig.memory_weight`, ``memory_k``). The weak training
queries (category names, :mod:`fusion.weak`) are not remembered. Each query is scored on its
own (one matrix-vector product), so its vote does not depend on its batch.

Example:
    >>> import numpy as np
    >>> mem = QueryMemory.build(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]), [0, 0, 1])
    >>> mem.vote(np.array([[1.0, 0.05]]), n_labels=2, k=2).round(2).tolist()
    [[1.0, 0.0]]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fusion.errors import FusionDataError, FusionLoadError

__all__ = ["FAMILIAR_QUANTILE", "QueryMemory"]

#: the share of training queries less familiar than :attr:`QueryMemory.familiar_floor`
FAMILIAR_QUANTILE = 0.1
_FLOOR_SAMPLE = 2000


def _unit(x: np.ndarray) -> np.ndarray:
    """``x`` (as float32) over its rows' L2 norms (at least 1e-9)."""
    x = np.asarray(x, dtype=np.float32)
    # the norm as np.linalg.norm(x, axis=-1) computes it (the root of the sum of the squares),
    # without its Python-level dispatch; np.maximum is clip(min=) for a norm (never NaN)
    return x / np.maximum(np.sqrt(np.add.reduce(x * x, axis=-1, keepdims=True)), 1e-9)


def _floor(text: np.ndarray, block: int = 256) -> float:
    """:attr:`QueryMemory.familiar_floor` of unit rows ``text``."""
    n = len(text)
    if n < 2:
        return -1.0
    rows = np.unique(np.linspace(0, n - 1, min(n, _FLOOR_SAMPLE)).astype(np.int64))
    nearest = np.empty(len(rows))
    for a in range(0, len(rows), block):  # (a block of rows against all: bounded memory)
        part = rows[a:a + block]
        sims = text[part] @ text.T
        sims[np.arange(len(part)), part] = -np.inf
        nearest[a:a + len(part)] = sims.max(1)
    return float(np.quantile(nearest, FAMILIAR_QUANTILE))


@dataclass(frozen=True)
class QueryMemory:
    """The remembered queries: unit-length text embeddings ``[n, text_dim]``, their label
    indices ``[n]`` (into the model's labels) and :attr:`familiar_floor`."""

    text: np.ndarray
    labels: np.ndarray
    #: see :attr:`familiar_floor` (computed by :meth:`build`, saved with the memory)
    floor: float | None = None

    @classmethod
    def build(cls, text: np.ndarray, labels: Sequence[int] | np.ndarray, *,
              normalise: bool = True, floor: float | None = None) -> QueryMemory:
        """A memory of ``text`` rows (normalised here unless ``normalise`` is false: rows
        that already are, as saved) labelled ``labels``; ``floor``: its
        :attr:`familiar_floor` when known (as saved), else computed here (about 10 ms for
        1,500 queries; at most :data:`_FLOOR_SAMPLE` rows against all, in blocks)."""
        text = np.asarray(text, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        if text.ndim != 2 or len(text) != len(labels) or not len(text):
            raise FusionDataError(f"a query memory needs [n, dim] text and n labels (n >= 1), "
                                  f"got {list(text.shape)} and {len(labels)}")
        if not np.isfinite(text).all() or (labels < 0).any():
            raise FusionDataError("a query memory's text must be finite and its labels >= 0")
        text = _unit(text) if normalise else text
        if floor is None or not np.isfinite(floor):
            floor = _floor(text)
        return cls(text, labels, float(floor))

    def vote(self, text: np.ndarray, *, n_labels: int, k: int) -> np.ndarray:
        """``[B, n_labels]``: for each row of ``text``, the labels of its ``k`` nearest
        remembered queries weighted by their cosine (clipped at 0), summing to 1 (uniform when
        none is similar at all)."""
        return self.vote_and_nearest(text, n_labels=n_labels, k=k)[0]

    def vote_and_nearest(self, text: np.ndarray, *, n_labels: int, k: int,
                         ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`vote`, and ``[B]``: each row's cosine to its nearest remembered query (how
        familiar the query is; compare it with :attr:`familiar_floor`)."""
        text = _unit(np.atleast_2d(text))
        k = min(k, len(self.text))
        out = np.empty((len(text), n_labels))
        nearest = np.empty(len(text))
        memory, labels = self.text, self.labels
        for i, q in enumerate(text):
            sims = memory @ q
            top = np.argpartition(-sims, k - 1)[:k]
            near = sims[top]
            # each neighbour's cosine (clipped at 0) added onto its label, in the order of
            # `top`, into float64 zeros: what np.add.at does, in one C pass
            out[i] = np.bincount(labels[top], weights=np.maximum(near, 0.0), minlength=n_labels)
            nearest[i] = near.max()
        total = np.add.reduce(out, axis=1, keepdims=True)
        vote = np.where(total > 0, out / np.where(total > 0, total, 1.0), 1.0 / n_labels)
        return vote, nearest

    @functools.cached_property
    def familiar_floor(self) -> float:
        """The :data:`FAMILIAR_QUANTILE` quantile of the remembered queries' cosine to their
        nearest *other* remembered query (leave one out; at most :data:`_FLOOR_SAMPLE` of them,
        evenly spaced): a query whose nearest neighbour is less similar than this is less
        familiar than 9 in 10 training queries are to the rest (a query from another shop's
        catalogue, a fragment). Computed from the memory alone, when it is built."""
        return self.floor if self.floor is not None else _floor(self.text)

    def save(self, path: str | Path) -> None:
        """Write ``path`` (safetensors, atomically)."""
        from safetensors.numpy import save_file

        from kg.io import atomic_path

        with atomic_path(Path(path)) as tmp:
            save_file({"text": self.text, "labels": self.labels,
                       "familiar_floor": np.array([self.familiar_floor])}, str(tmp))

    @classmethod
    def load(cls, path: str | Path) -> QueryMemory:
        """Read a memory :meth:`save` wrote."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        try:
            d = load_file(str(path))
            floor = d.get("familiar_floor")  # (a memory saved before it had one: computed)
            return cls.build(d["text"], d["labels"], normalise=False,
                             floor=None if floor is None or floor.size != 1 else float(floor[0]))
        except (SafetensorError, OSError, KeyError, FusionDataError) as exc:
            raise FusionLoadError(f"{path} is not a valid query memory ({exc})") from exc
