"""The fusion intent classifier: query text embedding + attention over KG node embeddings.

For a query, the inputs are its text embedding (``Tensor[text_dim]``, 384 for MiniLM) and its
linked KG entities. The graph branch builds a set of *elements*: every linked entity and the
categories of its neighbourhood (:class:`fusion.context.GraphContext`), each represented by its
GNN embedding, a role (the linked entity's kind, or "neighbour category") and a weight (link score
x neighbourhood share). The text vector attends over the elements (with a learned null slot for
queries without links); a second, pointer attention puts probability mass on the intent label
each neighbour category falls under. The classifier reads ``[text; attended graph vector]`` and
adds the pointer distribution (scaled by a learned gain) to its logits over the lvl1 labels
(``"A > B"``). lvl0 is derived: ``p(lvl0) = sum of p(lvl1)`` over its children, so the two levels
always agree. ``use_graph=False`` is the same model without the graph branch (ablation).

Example:
    >>> import torch
    >>> cfg = FusionConfig(text_dim=4, hidden_dim=8, use_graph=False)
    >>> model = FusionModel(cfg, labels=["A > B", "A > C", "D > E"])
    >>> intent = model.predict(FusionInput(text_embedding=torch.zeros(4)))
    >>> intent.lvl0 == intent.category.split(" > ")[0]
    True
"""

from __future__ import annotations

import json
import logging
import math
import operator
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import torch
from torch import Tensor, nn

from fusion.context import GraphContext
from fusion.errors import FusionConfigError, FusionDataError, FusionLoadError
from fusion.fast import NumpyFusionHead, softmax
from fusion.memory import QueryMemory
from fusion.types import ROLES, SEP, FusionExample, FusionInput, Intent, LinkedEntity
from kg.io import atomic_dir, atomic_path, atomic_write_json

__all__ = [
    "FusionConfig",
    "FusionExample",
    "FusionInput",
    "FusionModel",
    "Intent",
    "LinkedEntity",
]

#: the files of a fusion model folder (:meth:`FusionModel.save_pretrained` replaces them whole;
#: ``thresholds.json`` is written beside them by ``kgqp fusion evaluate --save-thresholds``)
MODEL_FILES = frozenset({"config.json", "model.safetensors", "labels.json",
                         "memory.safetensors", "thresholds.json", "graph"})
#: the GNN encoder's files in ``graph/`` (what re-embeds the nodes of a changed KG)
GNN_FILES = ("gnn.safetensors", "gnn.json")

logger = logging.getLogger(__name__)

_ROLE_ID = {r: i for i, r in enumerate(ROLES)}
_VERSION = operator.attrgetter("_version")  # a tensor's in-place version counter

#: keys of the training settings that configs saved before the split still carry
_TRAINING_KEYS = frozenset({"lr", "weight_decay", "epochs", "batch_size", "lvl0_weight", "seed"})


@dataclass(frozen=True)
class FusionConfig:
    """The architecture of :class:`FusionModel` (saved with it). Training settings are
    :class:`fusion.train.TrainConfig`.

    Args:
        text_dim: size of the query text embedding.
        node_dim: size of the GNN node embeddings (set from the embeddings when training).
        hidden_dim: width of the fusion layers.
        use_graph: ``False`` = the text-only ablation.
        use_pointer: the category pointer (probability mass put on the intent labels of the
            linked/neighbour categories). ``False``: no element carries a label (ablation).
        use_node_embeddings: the GNN embeddings of the elements. ``False``: elements carry
            only their role and link weight, no GNN vector (ablation).
        use_label_names: the labels' names from the KG's taxonomy (:mod:`fusion.labels`): the
            cosine between the query's text embedding and each label's, times a learned scale,
            is added to the label's logit (a zero-shot prior).
            Training needs the embeddings (``label_text`` of :func:`fusion.train.train_fusion`);
            they are saved with the model. ``False`` (the default here; ``kgqp fusion train``
            and :func:`fusion.train.train_from_files` turn it on): labels are bare indices.
        max_linked: linked entities used per query (highest link score first).
        max_neighbours: neighbour categories per linked entity.
        dropout: dropout of the text and classifier layers.
        top_k: length of :attr:`Intent.top_k`.
        members: heads of the same architecture trained with different seeds
            (:func:`fusion.train.train_fusion`); the model predicts their normalised geometric
            mean (the softmax of the mean of their logits). They share the inputs, the graph
            features and the text embedding, so a parse pays only the extra head products.
            A saved config without this key is one head (models saved before it existed).
        memory_weight: weight of the nearest-neighbour vote of the training queries in the
            intent (:mod:`fusion.memory`): ``(1 - w) * heads + w * vote``; 0 (the default)
            is off. The memory is set by :func:`fusion.train.train_fusion` and saved with
            the model (``memory.safetensors``).
        memory_k: training queries that vote.
    """

    text_dim: int = 384
    node_dim: int = 64
    hidden_dim: int = 256
    use_graph: bool = True
    use_pointer: bool = True
    use_node_embeddings: bool = True
    use_label_names: bool = False
    max_linked: int = 6
    max_neighbours: int = 6
    dropout: float = 0.3
    top_k: int = 3
    members: int = 1
    memory_weight: float = 0.0
    memory_k: int = 10

    def __post_init__(self) -> None:
        for name in ("text_dim", "node_dim", "hidden_dim", "max_linked", "max_neighbours",
                     "top_k", "members", "memory_k"):
            if getattr(self, name) < 1:
                raise FusionConfigError(
                    f"FusionConfig.{name} must be >= 1, got {getattr(self, name)}"
                )
        if not 0.0 <= self.dropout < 1.0:
            raise FusionConfigError(f"FusionConfig.dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 <= self.memory_weight < 1.0:
            raise FusionConfigError(
                f"FusionConfig.memory_weight must be in [0, 1) (0: off), got {self.memory_weight}")

    @property
    def max_elements(self) -> int:
        return self.max_linked * (1 + self.max_neighbours)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FusionConfig:
        """From :meth:`to_dict` output (training keys of older saved configs are ignored)."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known - _TRAINING_KEYS
        if unknown:
            raise FusionConfigError(
                f"unknown FusionConfig keys {sorted(unknown)}; valid: {sorted(known)}"
            )
        # saved before ``members`` existed: one head, whatever the default is now
        return cls(**{"members": 1, **{k: v for k, v in d.items() if k in known}})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Batch:
    """Featurised inputs. Shapes: text ``[B, T]``; nodes ``[B, M, D]``; role/label ``[B, M]``
    (label -1 = none); weight ``[B, M]``; mask ``[B, M]`` (True = real element)."""

    text: Tensor
    nodes: Tensor
    role: Tensor
    weight: Tensor
    label: Tensor
    label0: Tensor
    mask: Tensor


@dataclass
class _Elements:
    rows: list[int] = field(default_factory=list)  # rows of the node-embedding matrix
    role: list[int] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    label: list[int] = field(default_factory=list)
    label0: list[int] = field(default_factory=list)


class FusionModel(nn.Module):
    """Intent classifier over the lvl1 labels; see the module docstring for the architecture."""

    def __init__(
        self, config: FusionConfig, *, labels: Sequence[str], context: GraphContext | None = None
    ) -> None:
        super().__init__()
        if not labels:
            raise FusionDataError("FusionModel needs at least one label")
        self.config = config
        self.labels = list(labels)
        self.lvl0_labels = sorted({lab.split(SEP)[0] for lab in self.labels})
        lvl0_index = {lab: i for i, lab in enumerate(self.lvl0_labels)}
        self._lvl0_index = lvl0_index
        self.register_buffer(
            "lvl1_to_lvl0",
            torch.tensor([lvl0_index[lab.split(SEP)[0]] for lab in self.labels]),
            persistent=False,
        )
        self.context = context
        self._kg: Any = None  # set by attach_kg: the context then follows the KG's commits
        #: registry name of the text encoder the model was trained with (fusion.text)
        self.text_encoder_name = "minilm"
        h, c = config.hidden_dim, len(self.labels)
        self.text_mlp = nn.Sequential(
            nn.LayerNorm(config.text_dim),
            nn.Linear(config.text_dim, h),
            nn.GELU(),
            nn.Dropout(config.dropout),
        )
        if config.use_graph:
            self.node_proj = nn.Sequential(
                nn.LayerNorm(config.node_dim), nn.Linear(config.node_dim, h)
            )
            self.role_emb = nn.Embedding(len(ROLES), h)
            self.weight_proj = nn.Linear(1, h)
            self.q = nn.Linear(h, h)
            self.k = nn.Linear(h, h)
            self.v = nn.Linear(h, h)
            self.null_kv = nn.Parameter(torch.zeros(2, h))
            self.q_ptr = nn.Linear(h, h)
            self.k_ptr = nn.Linear(h, h)
            self.null_ptr = nn.Parameter(torch.zeros(1))
            self.ptr_gain = nn.Parameter(torch.tensor(4.0))
            self.null_ptr0 = nn.Parameter(torch.zeros(1))
            self.ptr_gain0 = nn.Parameter(torch.tensor(2.0))
            self.classifier = nn.Sequential(
                nn.Linear(2 * h, h), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(h, c)
            )
        else:
            self.classifier = nn.Sequential(
                nn.Linear(h, h), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(h, c)
            )
        if config.use_label_names:
            # [C, text_dim]: set by set_label_text before training, saved with the weights
            self.register_buffer("label_text", torch.zeros(c, config.text_dim))
            self.name_scale = nn.Parameter(torch.tensor(5.0))
        #: the ensemble's other heads (``config.members - 1``), each a one-head model that
        #: reads the same inputs; this model is the first head
        self.members = nn.ModuleList(
            FusionModel(replace(config, members=1), labels=self.labels)
            for _ in range(config.members - 1))
        #: the training queries that vote with ``config.memory_weight`` (:mod:`fusion.memory`;
        #: set by :func:`fusion.train.train_fusion`, saved with the model); ``None``: no vote
        self.memory: QueryMemory | None = None

    def set_memory(self, examples: Sequence[FusionExample]) -> None:
        """Remember ``examples`` (their text embeddings and labels; weak examples and labels
        the model lacks are left out) for the nearest-neighbour vote."""
        index = {lab: i for i, lab in enumerate(self.labels)}
        kept = [ex for ex in examples if not ex.weak and ex.lvl1 in index]
        if not kept:
            raise FusionDataError("set_memory needs at least one example with a model label")
        self.memory = QueryMemory.build(
            np.stack([ex.input.text_embedding.detach().float().numpy() for ex in kept]),
            [index[ex.lvl1] for ex in kept])

    @property
    def memory_weight(self) -> float:
        """The weight of the memory's vote in this model's intent: ``config.memory_weight``,
        0 without a memory."""
        return self.config.memory_weight if self.memory is not None else 0.0

    def _with_memory(self, probs: np.ndarray, text: np.ndarray,
                     ) -> tuple[np.ndarray, np.ndarray | None]:
        """``probs`` blended with the memory's vote for ``text`` (unchanged without one), and
        each query's cosine to its nearest remembered query (``None`` without a memory)."""
        w = self.memory_weight
        if w <= 0 or self.memory is None:
            return probs, None
        vote, nearest = self.memory.vote_and_nearest(text, n_labels=len(self.labels),
                                                     k=self.config.memory_k)
        return (1.0 - w) * probs + w * vote, nearest

    def heads(self) -> list[FusionModel]:
        """The ensemble's heads, this model's own first (``[self]`` for one head)."""
        return [self, *self.members]

    def set_label_text(self, label_text: Any) -> None:
        """The labels' name embeddings (:func:`fusion.labels.embed_label_names`: a mapping
        label -> vector, or a ``[C, text_dim]`` array in label order)."""
        if not self.config.use_label_names:
            raise FusionConfigError("this model has use_label_names=False")
        if isinstance(label_text, Mapping):
            from fusion.labels import stack_label_text

            label_text = stack_label_text(self.labels, label_text)
        t = torch.as_tensor(np.asarray(label_text, dtype=np.float32))
        if tuple(t.shape) != tuple(self.label_text.shape):
            raise FusionDataError(f"label_text must be {list(self.label_text.shape)} "
                                  f"(labels x text_dim), got {list(t.shape)}")
        if not torch.isfinite(t).all() or not t.abs().sum(1).gt(0).all():
            raise FusionDataError("label_text holds NaN, inf or an all-zero row")
        with torch.no_grad():
            for head in self.heads():
                head.label_text.copy_(t)

    # -- the KG the model reads ----------------------------------------------------------------
    @property
    def context(self) -> GraphContext | None:
        """The graph context of the KG as it is now: with a KG attached (:meth:`attach_kg`),
        brought forward by each KG commit (a derived view of the KG, built in the committing
        thread) with graph embeddings for the nodes added since training
        (:func:`extend_embeddings`; a small commit re-places only the new nodes near what it
        changed, :func:`update_embeddings`)."""
        kg = self.__dict__.get("_kg")
        base = self.__dict__.get("_context")
        if kg is None or base is None:
            return base
        return kg.view(f"fusion.context.{id(self):x}", self._context_for,
                       update=self._update_context)

    @context.setter
    def context(self, value: GraphContext | None) -> None:
        self.__dict__["_context"] = value

    def attach_kg(self, kg: Any) -> None:
        """Follow ``kg`` (a ``kg.ProductGraph``): every later commit reaches the model's graph
        inputs (new nodes, edges and their neighbourhoods) on the next prediction."""
        if not callable(getattr(kg, "view", None)):
            raise FusionConfigError("attach_kg needs a kg.ProductGraph (with derived views)")
        self.__dict__["_kg"] = kg

    def _context_for(self, kg: Any) -> GraphContext:
        from fusion.hetero import as_networkx

        base: GraphContext = self.__dict__["_context"]
        g = as_networkx(kg)
        if g is base.graph:
            return base
        # the rows of new nodes from the embeddings as loaded, for the graph as it is now: a
        # row placed for an earlier version would keep that version's neighbourhood
        trained = self.__dict__.get("_loaded_embeddings") or base.embeddings
        return _context_like(base, g, extend_embeddings(trained, g))

    def _update_context(self, kg: Any, old: GraphContext, changes: Any) -> GraphContext | None:
        """:meth:`_context_for` brought forward from a commit's change set (``kg.views``):
        the old context's rows are reused except those the change can move
        (:func:`update_embeddings`), so a small commit on a KG grown by 100k nodes since
        training costs milliseconds, not a re-placement of every one of them. ``None`` (a
        full rebuild) when the old context is not one this model placed."""
        from fusion.hetero import as_networkx

        base: GraphContext = self.__dict__["_context"]
        g = as_networkx(kg)
        if g is base.graph:
            return base
        trained = self.__dict__.get("_loaded_embeddings") or base.embeddings
        emb = update_embeddings(trained, old.embeddings, g, changes.nodes)
        return None if emb is None else _context_like(base, g, emb)

    # -- featurisation -----------------------------------------------------------------------
    def _elements(self, linked: Sequence[LinkedEntity], ctx: GraphContext | None) -> _Elements:
        el = _Elements()
        cfg = self.config
        if ctx is None or not cfg.use_graph:
            return el
        emb = ctx.embeddings
        seen: set[str] = set()
        for ent in sorted(linked, key=lambda e: (-e.score, e.iri)):
            if ent.iri in seen or len(seen) >= cfg.max_linked:
                continue
            row = emb.row(ent.iri)
            if row is None:
                continue
            seen.add(ent.iri)
            lab = ctx.label_of(ent.iri) if ent.kind == "category" else None
            el.rows.append(row)
            el.role.append(_ROLE_ID[ent.kind])
            el.weight.append(ent.score)
            el.label.append(-1 if lab is None else lab)
            lab0 = ctx.lvl0_of(ent.iri) if ent.kind == "category" else None
            el.label0.append(-1 if lab0 is None else lab0)
            if ent.kind == "category":
                continue  # the category itself carries its label
            for cat, share in ctx.category_neighbourhood(ent.iri)[: cfg.max_neighbours]:
                crow = emb.row(cat)
                if crow is None:
                    continue
                lab = ctx.label_of(cat)
                el.rows.append(crow)
                el.role.append(_ROLE_ID["neighbour"])
                el.weight.append(ent.score * share)
                el.label.append(-1 if lab is None else lab)
                lab0 = ctx.lvl0_of(cat)
                el.label0.append(-1 if lab0 is None else lab0)
        return el

    def graph_features(self, linked: Sequence[Sequence[LinkedEntity]]) -> dict[str, np.ndarray]:
        """The graph half of a batch as padded NumPy arrays, one row per query: ``nodes``
        ``[B, M, node_dim]``, ``role``/``label``/``label0`` ``[B, M]`` (int64; label -1 = none),
        ``weight`` ``[B, M]`` and ``mask`` ``[B, M]`` (True = real element), ``M >= 1``.
        The ablation switches act here (so the torch, NumPy and ONNX heads agree):
        ``use_pointer=False`` leaves every label -1, ``use_node_embeddings=False`` every node
        vector zero.
        What :class:`Batch` holds besides the text, for the NumPy and ONNX heads."""
        cfg = self.config
        ctx = self.context  # once per batch: a commit may swap it meanwhile
        els = [self._elements(lk, ctx) for lk in linked]
        b, m = len(els), max([len(e.rows) for e in els] + [1])
        nodes = np.zeros((b, m, cfg.node_dim), np.float32)
        role = np.zeros((b, m), np.int64)
        weight = np.zeros((b, m), np.float32)
        label = np.full((b, m), -1, np.int64)
        label0 = np.full((b, m), -1, np.int64)
        mask = np.zeros((b, m), bool)
        if any(e.rows for e in els):
            matrix = self._embedding_array(ctx)
            for i, e in enumerate(els):
                n = len(e.rows)
                if n:
                    if cfg.use_node_embeddings:
                        nodes[i, :n] = matrix[e.rows]
                    role[i, :n] = e.role
                    weight[i, :n] = e.weight
                    if cfg.use_pointer:
                        label[i, :n] = e.label
                        label0[i, :n] = e.label0
                    mask[i, :n] = True
        return {"nodes": nodes, "role": role, "weight": weight, "label": label,
                "label0": label0, "mask": mask}

    def _embedding_array(self, ctx: GraphContext) -> np.ndarray:
        """The node-embedding matrix as float32 NumPy (shares memory with the tensor)."""
        matrix = ctx.embeddings.matrix
        cached = self.__dict__.get("_emb_np")
        if cached is None or cached[0] is not matrix:
            cached = (matrix, matrix.detach().float().numpy())
            self.__dict__["_emb_np"] = cached
        return cached[1]

    def _check_text_dim(self, inputs: Sequence[FusionInput]) -> None:
        for inp in inputs:
            if inp.text_embedding.shape[0] != self.config.text_dim:
                raise FusionDataError(
                    f"text_embedding has size {inp.text_embedding.shape[0]}; this "
                    f"model expects {self.config.text_dim}"
                )

    def featurize(self, inputs: Sequence[FusionInput]) -> Batch:
        """Turn inputs into padded tensors (see :class:`Batch`)."""
        self._check_text_dim(inputs)
        g = {k: torch.from_numpy(v) for k, v in
             self.graph_features([inp.linked for inp in inputs]).items()}
        text = (
            torch.stack([inp.text_embedding.float() for inp in inputs])
            if inputs
            else torch.zeros(0, self.config.text_dim)
        )
        return Batch(text=text, **g)

    # -- forward -----------------------------------------------------------------------------
    def forward(self, batch: Batch) -> Tensor:
        """Logits over the lvl1 labels, ``[B, C]``; with several heads, the mean of theirs: its
        softmax is the normalised geometric mean of their distributions (each head's
        normalising constant is the same for every label, so it cancels)."""
        if len(self.members):
            return torch.stack([h._forward_one(batch) for h in self.heads()]).mean(0)
        return self._forward_one(batch)

    def _forward_one(self, batch: Batch) -> Tensor:
        """This head's own logits."""
        ht = self.text_mlp(batch.text)
        names = self._name_logits(batch.text) if self.config.use_label_names else 0.0
        if not self.config.use_graph:
            return self.classifier(ht) + names
        bsz, h = ht.shape[0], ht.shape[1]
        e = (
            self.node_proj(batch.nodes)
            + self.role_emb(batch.role)
            + self.weight_proj(batch.weight.unsqueeze(-1))
        )
        k = torch.cat([self.null_kv[0].expand(bsz, 1, h), self.k(e)], 1)
        v = torch.cat([self.null_kv[1].expand(bsz, 1, h), self.v(e)], 1)
        mask = torch.cat([torch.ones(bsz, 1, dtype=torch.bool), batch.mask], 1)
        att = (self.q(ht).unsqueeze(1) * k).sum(-1) / math.sqrt(h)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        g = (att.unsqueeze(-1) * v).sum(1)
        logits = self.classifier(torch.cat([ht, g], -1))
        # pointer: attention over elements that map onto a label
        has_lab = batch.mask & (batch.label >= 0)
        ptr = (self.q_ptr(ht).unsqueeze(1) * self.k_ptr(e)).sum(-1) / math.sqrt(h)
        ptr_logits = ptr + torch.log(batch.weight.clamp(min=1e-6))
        ptr = torch.cat(
            [self.null_ptr.expand(bsz, 1), ptr_logits.masked_fill(~has_lab, float("-inf"))], 1
        ).softmax(-1)[:, 1:]
        dist = torch.zeros_like(logits).scatter_add_(1, batch.label.clamp(min=0), ptr * has_lab)
        # the same over the top levels (categories whose lvl1 is not a label still name a lvl0)
        has_lab0 = batch.mask & (batch.label0 >= 0)
        ptr0 = torch.cat(
            [self.null_ptr0.expand(bsz, 1), ptr_logits.masked_fill(~has_lab0, float("-inf"))], 1
        ).softmax(-1)[:, 1:]
        dist0 = torch.zeros(bsz, len(self.lvl0_labels)).scatter_add_(
            1, batch.label0.clamp(min=0), ptr0 * has_lab0
        )
        return (logits + self.ptr_gain * dist + self.ptr_gain0 * dist0[:, self.lvl1_to_lvl0]
                + names)

    def _name_logits(self, text: Tensor) -> Tensor:
        """The label-name term: a learned scale x cosine(query text, label text embedding).
        (Passing the label embeddings through the query's text layer into the classifier
        weights as well was measured worse: 5 folds, seed 0, 20 epochs, lvl1 0.637 vs 0.676
        for the cosine alone and 0.665 text only.)"""
        lt = self.label_text
        cos = nn.functional.normalize(text, dim=-1) @ nn.functional.normalize(lt, dim=-1).T
        return self.name_scale * cos

    def lvl0_probs(self, probs: Tensor) -> Tensor:
        """``[B, C]`` lvl1 probabilities -> ``[B, C0]`` lvl0 probabilities (sum over children)."""
        out = torch.zeros(probs.shape[0], len(self.lvl0_labels), dtype=probs.dtype)
        return out.index_add_(1, self.lvl1_to_lvl0, probs)

    # -- prediction --------------------------------------------------------------------------
    def weights_version(self) -> tuple[int, ...]:
        """A key that changes whenever a parameter is changed in place (optimizer steps,
        ``load_state_dict``): torch's version counters of the parameters. Copies of the
        weights (the NumPy head, an exported ONNX head) compare it."""
        params = self.__dict__.get("_np_params")
        if params is None:  # the parameter objects stay; their in-place version counters move
            params = self.__dict__["_np_params"] = list(self.parameters())
        return tuple(map(_VERSION, params))  # (a generator's frame per parameter cost 2x)

    def _numpy_head(self) -> Any:
        """The NumPy mirror of the current weights (rebuilt when any parameter changed)."""
        key = self.weights_version()
        cached = self.__dict__.get("_np_head")
        if cached is None or cached[0] != key:
            cached = (key, NumpyFusionHead(self))
            self.__dict__["_np_head"] = cached
        return cached[1]

    def predict_arrays(self, text: np.ndarray,
                       linked: Sequence[Sequence[LinkedEntity]]) -> list[Intent]:
        """Intents from text embeddings ``[B, text_dim]`` (NumPy, e.g. the tagger's pooled
        output) and each query's linked entities: :meth:`predict_batch` without building
        :class:`FusionInput` s (one finiteness check for the batch; what the parser serves).

        >>> cfg = FusionConfig(text_dim=4, hidden_dim=8, use_graph=False)
        >>> m = FusionModel(cfg, labels=["A > B"])
        >>> m.predict_arrays(np.zeros((2, 4), np.float32), [(), ()])[1].category
        'A > B'
        """
        text = np.ascontiguousarray(text, dtype=np.float32)
        if text.ndim != 2 or text.shape[1] != self.config.text_dim or \
                text.shape[0] != len(linked):
            raise FusionDataError(
                f"text must be [{len(linked)}, {self.config.text_dim}] (one row per query), got "
                f"{list(text.shape)}")
        if not np.isfinite(text).all():
            raise FusionDataError("the text embeddings contain NaN or inf")
        if not len(text):
            return []
        f = self.graph_features(linked)
        head = self._numpy_head()
        if len(text) == 1:
            f["text"] = text
            logits = head.logits(f)
        else:
            # one query at a time, each on exactly its own elements: BLAS sums a product in an
            # order that depends on the number of rows (and a padded sum on its length), so a
            # batched head moved the probabilities in the 6th decimal with the batch
            counts = f["mask"].sum(1)
            rows = []
            for i in range(len(text)):
                m = max(int(counts[i]), 1)
                one = {k: v[i:i + 1, :m] for k, v in f.items()}
                one["text"] = text[i:i + 1]
                rows.append(head.logits(one))
            logits = np.concatenate(rows)
        return self.intents_from_probs(*self._with_memory(softmax(logits.astype(np.float64)),
                                                          text))

    def predict_batch(self, inputs: Sequence[FusionInput]) -> list[Intent]:
        """Predict the intents of ``inputs`` (any length, including 0).

        Runs the forward pass in NumPy (:mod:`fusion.fast`, same weights, same result as the
        torch forward in eval mode, a fraction of its per-call overhead)."""
        if not inputs:
            return []
        self._check_text_dim(inputs)
        probs = self._numpy_head().probs(inputs)
        nearest = None
        if self.memory is not None:
            text = np.stack([inp.text_embedding.detach().float().numpy() for inp in inputs])
            probs, nearest = self._with_memory(probs, text)
        return self.intents_from_probs(probs, nearest)

    def intents_from_logits(self, logits: np.ndarray,
                            text: np.ndarray | None = None) -> list[Intent]:
        """Intents from lvl1 logits ``[B, C]`` computed elsewhere (e.g. by an exported head);
        ``text`` (``[B, text_dim]``) is needed when the model has a query memory."""
        if self.memory is not None and self.config.memory_weight > 0 and text is None:
            raise FusionConfigError("this model blends a query memory into the intent: pass "
                                    "the text embeddings (intents_from_logits(logits, text))")
        logits = np.asarray(logits, dtype=np.float64)
        if logits.ndim != 2 or logits.shape[1] != len(self.labels):
            raise FusionDataError(
                f"logits must be [batch, {len(self.labels)}], got {list(logits.shape)}"
            )
        if not np.isfinite(logits).all():
            raise FusionDataError("the fusion logits contain NaN or inf")
        probs = softmax(logits)
        return self.intents_from_probs(*((probs, None) if text is None
                                         else self._with_memory(probs, text)))

    def intents_from_probs(self, probs: np.ndarray,
                           familiarity: np.ndarray | None = None) -> list[Intent]:
        """Intents from lvl1 probabilities ``[B, C]`` (rows sum to 1); ``familiarity``: each
        query's cosine to its nearest remembered training query, when known."""
        floor = self.memory.familiar_floor if familiarity is not None and \
            self.memory is not None else None
        to_lvl0 = self._lvl1_to_lvl0_array()
        n0 = len(self.lvl0_labels)
        # per row, in label order (a matrix product's order of sums depends on the batch)
        p0 = [np.bincount(to_lvl0, weights=row, minlength=n0) for row in probs]
        k = min(self.config.top_k, len(self.labels))
        top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        top_p = probs[np.arange(len(probs))[:, None], top].tolist()  # (take_along_axis)
        context = self.context  # (once: each read asks the KG for its view)
        label_iris = context.label_iris if context is not None else {}
        out = []
        for i, row in enumerate(top.tolist()):
            best = self.labels[row[0]]
            lvl0 = best.split(SEP)[0]
            out.append(
                Intent(
                    category=best,
                    lvl0=lvl0,
                    score=top_p[i][0],
                    lvl0_score=float(p0[i][self._lvl0_index[lvl0]]),
                    top_k=tuple((self.labels[j], p) for j, p in zip(row, top_p[i], strict=True)),
                    category_iri=label_iris.get(best),
                    familiarity=None if familiarity is None else float(familiarity[i]),
                    familiar_floor=floor,
                )
            )
        return out

    def _lvl1_to_lvl0_array(self) -> np.ndarray:
        """:attr:`lvl1_to_lvl0` as NumPy (no copy: shares the buffer's memory), made again
        only when the buffer is replaced (``model.to(...)``)."""
        buffer = self.lvl1_to_lvl0
        cached = self.__dict__.get("_lvl1_to_lvl0_np")
        if cached is None or cached[0] is not buffer:
            cached = self.__dict__["_lvl1_to_lvl0_np"] = (buffer, buffer.numpy())
        return cached[1]

    def predict(self, inp: FusionInput) -> Intent:
        """Predict the intent of one query."""
        return self.predict_batch([inp])[0]

    # -- persistence -------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, *, text_encoder: str | None = None,
                        gnn_dir: str | Path | None = None) -> None:
        """Write ``config.json``, ``model.safetensors``, ``labels.json`` and, for graph models,
        ``graph/`` (node embeddings with their KG fingerprint, and the GNN encoder: the one in
        ``gnn_dir``, which training gives, else the one the folder already holds, as when a
        loaded model is saved back).

        The folder is replaced whole (:func:`kg.io.atomic_dir`): a crash or a full disk leaves
        the old model or the new one, and the old model's files (its ``thresholds.json``, which
        would describe it, not the new one) go; other files in the folder are kept."""
        from safetensors.torch import save_file

        source = Path(gnn_dir) if gnn_dir is not None else Path(directory).resolve() / "graph"
        with atomic_dir(directory, keep=lambda name: name not in MODEL_FILES) as d:
            self._save_into(d, save_file, text_encoder)
            if self.config.use_graph and (d / "graph").is_dir():
                for name in GNN_FILES:  # (before the swap: one atomic replace)
                    if (source / name).is_file():
                        shutil.copyfile(source / name, d / "graph" / name)
                    elif gnn_dir is not None:
                        raise FileNotFoundError(f"{source / name}: the GNN encoder to save "
                                                "with the model is missing")

    def _save_into(self, d: Path, save_file: Any, text_encoder: str | None) -> None:
        state = {k: v.detach().contiguous() for k, v in self.state_dict().items()}
        with atomic_path(d / "model.safetensors") as tmp:
            save_file(state, str(tmp), metadata={"format": "pt"})
        atomic_write_json(d / "labels.json", {"lvl1": self.labels, "lvl0": self.lvl0_labels})
        if self.memory is not None:
            self.memory.save(d / "memory.safetensors")
        meta: dict[str, Any] = {}
        if self.config.use_graph and self.context is not None:
            self.context.embeddings.save(d / "graph")
            meta = {
                k: self.context.embeddings.meta.get(k)
                for k in ("kg_version", "kg_fingerprint", "text_encoder")
            }
        if text_encoder is not None:
            self.text_encoder_name = text_encoder
        report = getattr(self, "training_report", None) or {}
        atomic_write_json(
            d / "config.json",
            {
                "kgqp_fusion": 1,
                "config": self.config.to_dict(),
                "text_encoder": self.text_encoder_name,
                "graph": meta,
                # what it was trained on (read by people, not by from_pretrained)
                "training": {k: report[k] for k in ("n_train", "n_taxonomy_queries",
                                                    "trained_on", "dev_file",
                                                    "train_config") if k in report},
            },
        )

    @classmethod
    def from_pretrained(cls, directory: str | Path, *, kg: Any = None,
                        weights_only: bool = False) -> FusionModel:
        """Load a saved model. Graph models need the KG (``kg=ProductGraph.open(...)``) for the
        neighbourhoods; if it changed since training, node embeddings are recomputed with the
        saved GNN encoder (inductive), otherwise the saved ones are reused.
        ``weights_only=True`` loads the weights without the KG context: enough to export the
        head (:func:`fusion.onnx.export_head_onnx`), not to predict with graph features."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        d = Path(directory)
        for name in ("config.json", "model.safetensors", "labels.json"):
            if not (d / name).is_file():
                raise FusionLoadError(
                    f"{d} is not a fusion model folder: {name} is missing "
                    "(train one with `kgqp fusion train`)"
                )
        try:
            raw = json.loads((d / "config.json").read_text(encoding="utf-8"))
            labels = json.loads((d / "labels.json").read_text(encoding="utf-8"))["lvl1"]
            config = FusionConfig.from_dict(raw["config"])
        except (ValueError, KeyError, TypeError) as exc:
            raise FusionLoadError(f"invalid config.json/labels.json in {d}: {exc}") from exc
        try:
            state = load_file(str(d / "model.safetensors"))
        except (SafetensorError, OSError) as exc:
            raise FusionLoadError(
                f"{d / 'model.safetensors'} is not a valid safetensors file "
                f"({exc}); pickled checkpoints are never loaded"
            ) from exc
        context = None
        loaded = None  # the graph embeddings as loaded, before new nodes are placed
        if config.use_graph and not weights_only:
            if kg is None:
                raise FusionConfigError(
                    f"{d} is a graph model: pass the KG it runs on, e.g. "
                    "FusionModel.from_pretrained(dir, kg=ProductGraph.open(path))"
                )
            from fusion.gnn import NodeEmbeddings
            from fusion.hetero import as_networkx, graph_fingerprint

            emb = NodeEmbeddings.load(d / "graph")
            g = as_networkx(kg)
            if emb.meta.get("kg_fingerprint") != graph_fingerprint(g):
                known = sum(1 for iri in g.nodes if emb.row(iri) is not None)
                if known < 0.8 * g.number_of_nodes():  # another KG: a full inductive pass
                    emb = _refresh_embeddings(d / "graph", g, emb, graph_fingerprint(g))
            loaded = emb
            # the KG it was trained on, updated since: embed the new nodes
            emb = extend_embeddings(emb, g)
            context = GraphContext(g, emb, labels=labels, max_neighbours=config.max_neighbours)
        model = cls(config, labels=labels, context=context)
        if loaded is not None:
            model.__dict__["_loaded_embeddings"] = loaded
        if context is not None and callable(getattr(kg, "view", None)):
            model.attach_kg(kg)
        model.text_encoder_name = str(raw.get("text_encoder") or "minilm")
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise FusionLoadError(f"weights in {d} do not fit its config: {exc}") from exc
        if config.memory_weight > 0:
            if not (d / "memory.safetensors").is_file():
                raise FusionLoadError(f"{d} blends a query memory (memory_weight "
                                      f"{config.memory_weight}) but memory.safetensors is missing")
            model.memory = QueryMemory.load(d / "memory.safetensors")
            if model.memory.text.shape[1] != config.text_dim or \
                    int(model.memory.labels.max()) >= len(labels):
                raise FusionLoadError(f"{d / 'memory.safetensors'} does not fit the model "
                                      f"(text_dim {config.text_dim}, {len(labels)} labels)")
        return model.eval()


def _context_like(base: GraphContext, g: nx.MultiDiGraph, emb: Any) -> GraphContext:
    """A graph context of ``g`` with the rows ``emb`` and ``base``'s settings (labels,
    neighbours, taxonomy), its unit rows computed now: while a commit rebuilds the views, not
    by the first parse after it."""
    ctx = GraphContext(g, emb, labels=base.labels, max_neighbours=base.max_neighbours,
                       taxonomy=base.taxonomy)
    ctx.embeddings.unit()
    return ctx


def extend_embeddings(emb: Any, g: nx.MultiDiGraph) -> Any:
    """``emb`` with a row for each node of ``g`` it lacks: the mean of the rows of its
    neighbours (any relation, either direction, each neighbour once). A new node whose
    neighbours are all new too gets the mean of the rows those neighbours got (a second
    round); one without an embedded neighbour within two steps gets the mean row of the
    nodes of its kind. A new brand that ``sells_in`` two categories sits between them.

    The rows depend only on ``emb`` and the graph as it is, not on the order its nodes were
    added or on rows computed for an earlier version of it: a process that followed the KG's
    commits and one that opened the KG afresh get the same rows (docs/concepts.md, "One result
    per query").

    >>> import networkx as nx, torch
    >>> from fusion.gnn import NodeEmbeddings
    >>> g = nx.MultiDiGraph([("new", "a"), ("new", "b")])
    >>> e = NodeEmbeddings(["a", "b"], ["category", "category"], torch.tensor([[1.0], [3.0]]))
    >>> extend_embeddings(e, g).vector("new").tolist()
    [2.0]
    """
    from fusion.gnn import NodeEmbeddings

    missing = sorted(n for n in g.nodes if emb.row(n) is None)
    if not missing:
        return emb
    iris, rows = _place_new_nodes(emb, g, missing)
    if not iris:
        return emb
    kinds = [str(g.nodes[n].get("kind") or "") for n in iris]
    out_emb = NodeEmbeddings(iris=[*emb.iris, *iris], kinds=[*emb.kinds, *kinds],
                             matrix=torch.cat([emb.matrix.detach().float(), rows]),
                             meta=dict(emb.meta))
    logger.info("graph embeddings for %d new KG nodes (mean of their neighbours)", len(iris))
    return out_emb


def _place_new_nodes(emb: Any, g: nx.MultiDiGraph, targets: list[str]) -> tuple[list[str],
                                                                              Tensor]:
    """The rows :func:`extend_embeddings` gives ``targets`` (sorted nodes of ``g`` that ``emb``
    lacks): the ones placed (in ``targets``' order) and their rows. A row depends only on the
    target's neighbours and, for the second round, on its new neighbours' neighbours; each
    row's sums run in the same order whatever else is placed with it, so a row computed for a
    few targets is bit-identical to the one a pass over every new node computes."""
    matrix = emb.matrix.detach().float()
    nodes = list(targets)
    pos = {n: i for i, n in enumerate(nodes)}
    n_targets = len(nodes)
    # (node, embedded neighbour's row) and (target, new neighbour) pairs in a fixed order
    # (sorted nodes, sorted neighbours), so the float sums are the same in any process; the
    # new neighbours of the targets get their first-round rows too (the second round reads
    # them)
    src: list[int] = []
    rows: list[int] = []
    new_src: list[int] = []
    new_dst: list[int] = []
    i = 0
    while i < len(nodes):
        n = nodes[i]
        for m in sorted({*g.successors(n), *g.predecessors(n)} - {n}):
            r = emb.row(m)
            if r is not None:
                src.append(i)
                rows.append(r)
            elif i < n_targets:
                j = pos.get(m)
                if j is None:
                    j = pos[m] = len(nodes)
                    nodes.append(m)
                new_src.append(i)
                new_dst.append(j)
        i += 1
    width = matrix.shape[1]
    first = torch.zeros(len(nodes), width)
    count = torch.zeros(len(nodes))
    if src:
        index = torch.tensor(src)
        first.index_add_(0, index, matrix[torch.tensor(rows)])
        count.index_add_(0, index, torch.ones(len(src)))
    done = count > 0
    out = torch.zeros(len(nodes), width)
    out[done] = first[done] / count[done].unsqueeze(1)
    done = done[:n_targets].clone()
    if new_src:  # a second round: new nodes next to the new nodes the first round placed
        a, b = torch.tensor(new_src), torch.tensor(new_dst)
        keep = ~done[a] & (count[b] > 0)
        if keep.any():
            a, b = a[keep], b[keep]
            second = torch.zeros(n_targets, width).index_add_(0, a, out[b])
            n2 = torch.zeros(n_targets).index_add_(0, a, torch.ones(len(a)))
            placed = n2 > 0
            out[:n_targets][placed] = second[placed] / n2[placed].unsqueeze(1)
            done = done | placed
    out = out[:n_targets]
    if not bool(done.all()):  # no embedded neighbour: the mean row of the nodes of its kind
        by_kind: dict[str, list[int]] = {}
        for i, kind in enumerate(emb.kinds):
            by_kind.setdefault(kind, []).append(i)
        # one mean per kind, shared by its nodes (computed per node, it copied every row of
        # the kind each time: 56 GiB of copies for 30k such nodes, and the heap grew to 23 GB)
        kind_mean: dict[str, Tensor] = {}
        for i in (~done).nonzero().flatten().tolist():
            kind = str(g.nodes[targets[i]].get("kind") or "")
            if kind not in kind_mean and kind in by_kind:
                kind_mean[kind] = matrix[by_kind[kind]].mean(0)
            if kind in kind_mean:
                out[i] = kind_mean[kind]
                done[i] = True
    chosen = done.nonzero().flatten()
    return [targets[i] for i in chosen.tolist()], out[chosen]


def update_embeddings(trained: Any, old: Any, g: nx.MultiDiGraph,
                      touched: Any) -> Any | None:
    """``extend_embeddings(trained, g)`` computed from ``old`` (``extend_embeddings(trained,
    g_before)``) after a change that touched the nodes ``touched`` (the subjects and IRI
    objects of the triples it added or removed: every node whose neighbours or kind moved).

    A new node's row depends on its own neighbours and on its new neighbours' neighbours
    (two rounds), so the rows that can move are those of the new nodes touched and of the new
    neighbours of the new nodes touched; rows of nodes gone from ``g`` are dropped and every
    other row is ``old``'s. The result is equal, row for row and bit for bit, to a full
    :func:`extend_embeddings` of ``g`` (same rows, same order): one result per query.
    ``None`` when ``old`` does not start with ``trained``'s rows (not placed from it).
    """
    from fusion.gnn import NodeEmbeddings

    k = len(trained.iris)
    if len(old.iris) < k or old.iris[:k] != list(trained.iris) or not torch.equal(
            old.matrix[:k], trained.matrix.detach().float()):
        return None
    moved: set[str] = set()
    for n in touched:
        if trained.row(n) is not None:
            continue
        moved.add(n)
        if n in g:
            moved.update(m for m in (*g.successors(n), *g.predecessors(n))
                         if trained.row(m) is None)
    targets = sorted(n for n in moved if n in g)
    iris, rows = _place_new_nodes(trained, g, targets) if targets else ([], torch.zeros(0))
    if not iris and not any(old.row(n) is not None for n in moved):
        return old  # nothing placed, nothing gone: the old rows are the new ones
    names = [*old.iris[k:], *iris]
    keep = [j for j, n in enumerate(old.iris[k:]) if n not in moved]
    order = sorted([*keep, *range(len(old.iris) - k, len(names))], key=names.__getitem__)
    extra = torch.cat([old.matrix[k:], rows.reshape(-1, old.matrix.shape[1])])
    kinds = [*old.kinds[k:], *(str(g.nodes[n].get("kind") or "") for n in iris)]
    if not order:
        return trained
    logger.debug("graph embeddings: %d new KG node(s) placed again after a commit", len(iris))
    return NodeEmbeddings(iris=[*trained.iris, *(names[j] for j in order)],
                          kinds=[*trained.kinds, *(kinds[j] for j in order)],
                          matrix=torch.cat([old.matrix[:k], extra[torch.tensor(order)]]),
                          meta=dict(trained.meta))


def refresh_cache_dir() -> Path | None:
    """Where re-embedded KGs and node texts are cached across loads: ``$KGQP_CACHE``, else
    ``$KGQP_HOME/fusion-cache``, else ``~/.cache/kgqp/fusion-cache``; None when it cannot be
    created (a read-only home: nothing is cached)."""
    try:
        root = Path(os.environ.get("KGQP_CACHE") or Path(
            os.environ.get("KGQP_HOME") or Path.home() / ".cache" / "kgqp") / "fusion-cache")
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError, KeyError):  # (no home directory: an arbitrary container uid)
        return None
    return root if os.access(root, os.W_OK | os.X_OK) else None


def _refresh_embeddings(graph_dir: Path, g: Any, old: Any, fingerprint: str) -> Any:
    """A full inductive GNN pass over ``g`` (a KG the model was not trained on, or one that
    grew by more than a quarter). Slow on a big KG (minutes: every node's text is encoded), so
    the result is cached under :func:`refresh_cache_dir`, keyed by the GNN's weights and the
    KG's fingerprint: the next load of the same model on the same KG reads it."""
    import hashlib

    from fusion.gnn import NodeEmbeddings, embed_graph, load_gnn
    from fusion.hetero import kg_to_hetero
    from fusion.text import get_text_encoder

    root = refresh_cache_dir()
    key = None
    if root is not None and (graph_dir / "gnn.safetensors").is_file():
        h = hashlib.sha256((graph_dir / "gnn.safetensors").read_bytes())
        h.update(fingerprint.encode())
        key = root / "refreshed" / h.hexdigest()[:24]
        try:
            cached = NodeEmbeddings.load(key)
            if cached.meta.get("kg_fingerprint") == fingerprint:
                logger.info("the KG changed since this model was trained: node embeddings "
                            "read from %s", key)
                return cached
        except (FusionLoadError, OSError, ValueError):
            pass
    logger.warning(
        "the KG changed since this model was trained: recomputing node embeddings "
        "with its GNN encoder (cached for the next load%s)",
        f" in {key}" if key is not None else ": none, no writable cache folder")
    try:
        gnn, iris, enc_name = load_gnn(graph_dir)
    except FusionLoadError as exc:
        raise FusionLoadError(
            f"the KG changed and {graph_dir} has no GNN encoder to re-embed it; "
            "retrain with `kgqp fusion train`"
        ) from exc
    kind = "hashing" if enc_name.startswith("hashing:") else "minilm"
    if kind != "hashing":
        # about 220 texts/s on one CPU thread with the MiniLM encoder (a reviewer's KG grown
        # by 168k nodes: ~13 min, and `kgqp serve` answers /ready 503 "loading" meanwhile)
        n = g.number_of_nodes()
        logger.warning(
            "encoding up to %d node texts (those not cached yet): roughly %d min on one CPU "
            "thread. Cached under %s (KGQP_CACHE / KGQP_HOME), the next load of this model on "
            "this KG reads the result in seconds. To avoid it, retrain the fusion model on the "
            "grown KG (`kgqp fusion train`, docs/howto/load-catalogue.md)", n,
            max(1, round(n / 220 / 60)), root if root is not None else "no writable folder")
    enc = get_text_encoder(
        kind,
        **(
            {"dim": int(enc_name.split(":")[1]), "seed": int(enc_name.split(":")[2])}
            if kind == "hashing"
            else {}
        ),
    )
    # a progress bar on a terminal (a service's log is no terminal: the warning above says
    # how long)
    data = kg_to_hetero(g, text_encoder=enc, cache_dir=root / "text" if root else None,
                        progress=kind != "hashing" and sys.stderr.isatty())
    emb = embed_graph(gnn, data, learned_iris=iris)
    emb.meta = {
        **old.meta,
        "kg_fingerprint": fingerprint,
        "kg_version": g.graph.get("kg_version"),
    }
    if key is not None:
        try:
            emb.save(key)
        except Exception as exc:  # a cache (a full disk: safetensors' own error type)
            logger.warning("could not cache the node embeddings in %s: %s", key, exc)
    return emb
