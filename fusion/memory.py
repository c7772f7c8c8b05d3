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

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fusion.errors import FusionDataError, FusionLoadError

__all__ = ["LinkMemory", "QueryMemory"]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True).clip(min=1e-9)


@dataclass(frozen=True)
class QueryMemory:
    """The remembered queries: unit-length text embeddings ``[n, text_dim]`` and their label
    indices ``[n]`` (into the model's labels)."""

    text: np.ndarray
    labels: np.ndarray

    @classmethod
    def build(cls, text: np.ndarray, labels: Sequence[int] | np.ndarray, *,
              normalise: bool = True) -> QueryMemory:
        """A memory of ``text`` rows (normalised here unless ``normalise`` is false: rows
        that already are, as saved) labelled ``labels``."""
        text = np.asarray(text, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        if text.ndim != 2 or len(text) != len(labels) or not len(text):
            raise FusionDataError(f"a query memory needs [n, dim] text and n labels (n >= 1), "
                                  f"got {list(text.shape)} and {len(labels)}")
        if not np.isfinite(text).all() or (labels < 0).any():
            raise FusionDataError("a query memory's text must be finite and its labels >= 0")
        return cls(_unit(text) if normalise else text, labels)

    def vote(self, text: np.ndarray, *, n_labels: int, k: int) -> np.ndarray:
        """``[B, n_labels]``: for each row of ``text``, the labels of its ``k`` nearest
        remembered queries weighted by their cosine (clipped at 0), summing to 1 (uniform when
        none is similar at all)."""
        text = _unit(np.atleast_2d(text))
        k = min(k, len(self.text))
        out = np.zeros((len(text), n_labels))
        for i, q in enumerate(text):
            sims = self.text @ q
            top = np.argpartition(-sims, k - 1)[:k]
            np.add.at(out[i], self.labels[top], np.clip(sims[top], 0.0, None))
        total = out.sum(1, keepdims=True)
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), 1.0 / n_labels)

    def save(self, path: str | Path) -> None:
        """Write ``path`` (safetensors, atomically)."""
        from safetensors.numpy import save_file

        from kg.io import atomic_path

        with atomic_path(Path(path)) as tmp:
            save_file({"text": self.text, "labels": self.labels}, str(tmp))

    @classmethod
    def load(cls, path: str | Path) -> QueryMemory:
        """Read a memory :meth:`save` wrote."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        try:
            d = load_file(str(path))
            return cls.build(d["text"], d["labels"], normalise=False)
        except (SafetensorError, OSError, KeyError, FusionDataError) as exc:
            raise FusionLoadError(f"{path} is not a valid query memory ({exc})") from exc


@dataclass(frozen=True)
class LinkMemory:
    """The labels of the training queries that linked to each KG node: a vote keyed on the
    linker's output instead of the text. A query's vote is the sum, over its linked nodes
    this memory has seen, of each node's label distribution weighted by the link score and by
    the node's specificity (1 / the number of labels its queries carry, so a node whose
    queries all share one label counts more than a brand spread over thirty categories);
    queries with no such node get no vote.

    Attributes:
        nodes: IRI -> row of ``dist``.
        dist: ``[n_nodes, n_labels]`` label distribution of each node's training queries.
        spread: ``[n_nodes]`` number of distinct labels of each node's training queries.

    >>> mem = LinkMemory.build([[("tv", 1.0)], [("tv", 1.0)], [("samsung", 0.5)]], [0, 0, 1],
    ...                        n_labels=2)
    >>> vote, seen = mem.vote([[("tv", 0.9)], [("unknown", 1.0)]])
    >>> vote.round(2).tolist(), seen.tolist()
    ([[1.0, 0.0], [0.5, 0.5]], [True, False])
    """

    nodes: dict[str, int]
    dist: np.ndarray
    spread: np.ndarray

    @classmethod
    def build(cls, links: Sequence[Sequence[tuple[str, float]]],
              labels: Sequence[int] | np.ndarray, *, n_labels: int) -> LinkMemory:
        """From each training query's links (``(iri, link score)``) and label index."""
        labels = np.asarray(labels, dtype=np.int64)
        if len(links) != len(labels) or (labels < 0).any() or (labels >= n_labels).any():
            raise FusionDataError(f"a link memory needs one label in [0, {n_labels}) per "
                                  f"query, got {len(labels)} labels for {len(links)} queries")
        nodes: dict[str, int] = {}
        rows: list[np.ndarray] = []
        for query_links, lab in zip(links, labels, strict=True):
            for iri, score in query_links:
                if iri not in nodes:
                    nodes[iri] = len(rows)
                    rows.append(np.zeros(n_labels))
                rows[nodes[iri]][lab] += float(score)
        dist = np.stack(rows) if rows else np.zeros((0, n_labels))
        total = dist.sum(1, keepdims=True)
        dist = np.where(total > 0, dist / np.where(total > 0, total, 1.0), 0.0)
        return cls(nodes, dist, (dist > 0).sum(1).astype(np.float64))

    def vote(self, links: Sequence[Sequence[tuple[str, float]]]) -> tuple[np.ndarray, np.ndarray]:
        """``([B, n_labels] votes summing to 1, [B] whether the query had a known node)``;
        a query without one gets the uniform distribution and ``False``."""
        n_labels = self.dist.shape[1]
        out = np.zeros((len(links), n_labels))
        for i, query_links in enumerate(links):
            for iri, score in query_links:
                row = self.nodes.get(iri)
                if row is not None and self.spread[row] > 0:
                    out[i] += float(score) / self.spread[row] * self.dist[row]
        total = out.sum(1, keepdims=True)
        seen = total[:, 0] > 0
        return np.where(seen[:, None], out / np.where(seen[:, None], total, 1.0),
                        1.0 / max(n_labels, 1)), seen
