"""Training the fusion intent model: :class:`TrainConfig`, :func:`train_fusion`,
:func:`train_from_files`.

The model's architecture is :class:`fusion.model.FusionConfig`; how it is trained is
:class:`TrainConfig`. Inputs come from a :class:`fusion.types.QueryFeaturizer`: the parser's
own tagger + linker (``QueryParser.featurize``), so the model learns from the linked nodes it
will be served.

Example:
    >>> import torch
    >>> from fusion.model import FusionConfig
    >>> from fusion.types import FusionExample, FusionInput
    >>> ex = [FusionExample(FusionInput(torch.randn(4)), "A > B", "A") for _ in range(4)]
    >>> m = train_fusion(FusionConfig(text_dim=4, use_graph=False), None, ex, ex,
    ...                  train_config=TrainConfig(epochs=1))
    >>> m.labels
    ['A > B']
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fusion import weak
from fusion.context import GraphContext
from fusion.data import build_examples, load_bestbuy_queries
from fusion.errors import FusionConfigError, FusionDataError
from fusion.evaluate import evaluate
from fusion.gnn import GNNConfig, NodeEmbeddings, compute_node_embeddings, torch_threads
from fusion.model import Batch, FusionConfig, FusionModel
from fusion.text import TextEncoderLike, get_text_encoder
from fusion.types import FusionExample, QueryFeaturizer

__all__ = ["DEFAULT_HIDDEN_DIM", "DEFAULT_MEMBERS", "DEFAULT_MEMORY_WEIGHT",
           "DEFAULT_TAXONOMY_LABELS", "TrainConfig",
           "member_seed", "set_seed", "train_from_files", "train_fusion", "train_loop",
           "use_taxonomy_labels"]

logger = logging.getLogger(__name__)

#: heads (:attr:`FusionConfig.members`) and their width (:attr:`FusionConfig.hidden_dim`) in
#: the models :func:`train_from_files` trains by default (``kgqp fusion train``, ``kgqp fusion
#: evaluate --cv`` and the quickstart). Cross-validated on Best Buy train+dev (5 folds x 3
#: seeds, the quickstart's recipe): lvl1 0.701 with one head of width 256, 0.709 with three,
#: 0.710 with three of width 128, which read about the weights one head of 256 does; five of
#: width 128 0.7099 against three's 0.7057 on the same features, every seed ahead, under a
#: rule fixed before the run (R14; docs/benchmarks.md, Fusion).
DEFAULT_MEMBERS = 5
DEFAULT_HIDDEN_DIM = 128
#: whether :func:`train_from_files` adds the labels the KG's tree names beside the training
#: labels to the label space (:func:`fusion.weak.taxonomy_labels`). Off: cross-validated on
#: Best Buy train+dev it lowered lvl1 by 0.4-0.9 points while getting a quarter of the
#: queries whose label no other query has (docs/benchmarks.md, Fusion)
DEFAULT_TAXONOMY_LABELS = False
#: the weight of the query memory's vote (:attr:`FusionConfig.memory_weight`,
#: :mod:`fusion.memory`) in the models :func:`train_from_files` trains by default. In a paired
#: cross-validation of the quickstart's recipe (5 folds x 3 seeds, two taggers), 0.3 (fixed
#: before the runs, with k = 10) let the calibrated hard filter cover 4.6-5.5 points more
#: queries at the same precision and moved lvl1 by +0.14 to +0.40 points; the expander's
#: tree-walk gate and the thresholds have defaults calibrated for it
#: (docs/benchmarks.md, Fusion)
DEFAULT_MEMORY_WEIGHT = 0.3


@dataclass(frozen=True)
class TrainConfig:
    """How :func:`train_fusion` trains (the architecture is :class:`FusionConfig`).

    Args:
        lr, weight_decay: AdamW with a one-cycle schedule.
        epochs, batch_size: a fixed number of passes over the training examples.
        lvl0_weight: weight of the auxiliary lvl0 loss on the derived lvl0 distribution.
        seed: seeds torch, Python and the batch order: two runs with one seed are identical.
        select_epoch: keep the epoch with the best dev lvl1 accuracy instead of the last one.
            Off by default: dev then only reports, and a figure reported on dev is not
            inflated by having picked the model on it.
        link_dropout: the share of training queries whose linked nodes are hidden in each
            batch (drawn anew per batch), so that the text branch alone must also classify and
            a query without links is not told apart from the rest by that alone.
        swa_epochs: after the scheduled epochs, this many more at the constant learning rate
            ``swa_lr * lr``, and the model keeps the average of the weights at the end of each
            of them (stochastic weight averaging, Izmailov et al. 2018: one set of weights
            that behaves like an ensemble of the points it averages). 0: off.
        swa_lr: the constant learning rate of the averaging epochs, as a share of ``lr``.
        label_smoothing: of the lvl1 cross-entropy (the share of the target spread evenly
            over the labels).
        threads: torch threads while training (restored after). The head's matrices are
            small: one thread is as fast on an idle machine, and on a busy one a second
            thread's synchronisation made each epoch 10-40x slower (seen here).

    >>> TrainConfig(epochs=5).select_epoch
    False
    """

    lr: float = 2e-3
    weight_decay: float = 1e-2
    epochs: int = 40
    batch_size: int = 32
    lvl0_weight: float = 1.0
    seed: int = 0
    select_epoch: bool = False
    link_dropout: float = 0.5
    swa_epochs: int = 0
    swa_lr: float = 0.25
    label_smoothing: float = 0.05
    threads: int = 1

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.threads < 1:
            raise FusionConfigError("TrainConfig.epochs, batch_size and threads must be >= 1")
        if self.lr <= 0 or self.weight_decay < 0 or self.lvl0_weight < 0:
            raise FusionConfigError("TrainConfig.lr must be > 0; weight_decay, lvl0_weight >= 0")
        if not 0.0 <= self.link_dropout < 1.0:
            raise FusionConfigError(
                f"TrainConfig.link_dropout must be in [0, 1), got {self.link_dropout}")
        if self.swa_epochs < 0 or self.swa_lr <= 0:
            raise FusionConfigError("TrainConfig.swa_epochs must be >= 0 and swa_lr > 0, got "
                                    f"{self.swa_epochs} and {self.swa_lr}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise FusionConfigError(
                f"TrainConfig.label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.swa_epochs and self.select_epoch:
            raise FusionConfigError("TrainConfig: swa_epochs averages the last epochs' weights; "
                                    "it cannot be combined with select_epoch")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def train_loop(
    model: FusionModel,
    train: Sequence[FusionExample],
    dev: Sequence[FusionExample],
    config: TrainConfig | None = None,
    *,
    progress: bool = False,
) -> dict[str, Any]:
    """Train ``model`` in place for ``config.epochs`` epochs (the last weights are kept unless
    ``config.select_epoch``); dev accuracy is recorded per epoch."""
    cfg = config or TrainConfig()
    with torch_threads(cfg.threads):
        return _train_loop(model, train, dev, cfg, progress=progress)


def _train_loop(model: FusionModel, train: Sequence[FusionExample],
                dev: Sequence[FusionExample], cfg: TrainConfig, *,
                progress: bool) -> dict[str, Any]:
    set_seed(cfg.seed)
    index = {lab: i for i, lab in enumerate(model.labels)}
    lvl0_index = {lab: i for i, lab in enumerate(model.lvl0_labels)}
    kept = [ex for ex in train if ex.lvl1 in index]
    if not kept:
        raise FusionDataError("no training example has a label of the model's label set")
    batch = model.featurize([ex.input for ex in kept])
    y1 = torch.tensor([index[ex.lvl1] for ex in kept])
    y0 = torch.tensor([lvl0_index.get(ex.lvl0, -100) for ex in kept])
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched: torch.optim.lr_scheduler.LRScheduler | None = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.epochs * math.ceil(len(kept) / cfg.batch_size)
    )
    best: tuple[float, int, dict[str, Tensor]] | None = None
    history = []
    start = time.perf_counter()
    epochs = range(cfg.epochs)
    if progress:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc="training fusion", unit="epoch", leave=False)
    gen = torch.Generator().manual_seed(cfg.seed)

    def one_epoch() -> float:
        model.train()
        perm = torch.randperm(len(kept), generator=gen)
        total = 0.0
        for s in range(0, len(kept), cfg.batch_size):
            idx = perm[s : s + cfg.batch_size]
            sub = Batch(*(getattr(batch, f.name)[idx] for f in fields(Batch)))
            if cfg.link_dropout > 0:
                hide = torch.rand(len(idx), generator=gen) < cfg.link_dropout
                sub.mask = sub.mask & ~hide.unsqueeze(1)
            logits = model(sub)
            loss = nn.functional.cross_entropy(logits, y1[idx], label_smoothing=cfg.label_smoothing)
            if cfg.lvl0_weight > 0:
                p0 = model.lvl0_probs(logits.softmax(-1)).clamp(min=1e-8)
                loss = loss + cfg.lvl0_weight * nn.functional.nll_loss(
                    p0.log(), y0[idx], ignore_index=-100
                )
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        return total / len(kept)

    for epoch in epochs:
        loss = one_epoch()
        if dev and (cfg.select_epoch or (epoch == cfg.epochs - 1 and not cfg.swa_epochs)):
            metrics = evaluate(model, dev)
        else:
            metrics = {}
        history.append({"epoch": epoch + 1, "loss": loss, **metrics})
        if cfg.select_epoch:
            key = metrics.get("lvl1_accuracy", 0.0)
            if best is None or key > best[0]:
                best = (key, epoch + 1,
                        {k: v.detach().clone() for k, v in model.state_dict().items()})
    if cfg.swa_epochs:
        sched = None  # the averaging epochs run at one constant rate
        for group in opt.param_groups:
            group["lr"] = cfg.swa_lr * cfg.lr
        # a running mean of the parameters (not torch's AveragedModel: it deep-copies the
        # model, KG context included); the buffers are constants (label names, label maps)
        params = list(model.parameters())
        mean = [torch.zeros_like(p) for p in params]
        for n, epoch in enumerate(range(cfg.epochs, cfg.epochs + cfg.swa_epochs)):
            loss = one_epoch()
            with torch.no_grad():  # mean of n + 1 snapshots
                for m, p in zip(mean, params, strict=True):
                    m.add_(p - m, alpha=1.0 / (n + 1))
            history.append({"epoch": epoch + 1, "loss": loss, "averaged": True})
        with torch.no_grad():
            for m, p in zip(mean, params, strict=True):
                p.copy_(m)
        if dev:
            history[-1].update(evaluate(model, dev))
    if best is not None:
        model.load_state_dict(best[2])
    model.eval()
    chosen = best[1] if best is not None else cfg.epochs + cfg.swa_epochs
    dev_lvl1 = best[0] if best is not None else history[-1].get("lvl1_accuracy", 0.0)
    logger.info("fusion training: %d examples, %d epochs in %.1f s, dev lvl1 %.4f (epoch %d)",
                len(kept), cfg.epochs + cfg.swa_epochs, time.perf_counter() - start, dev_lvl1,
                chosen)
    return {
        "best_epoch": chosen,
        "best_dev_lvl1_accuracy": dev_lvl1,
        "history": history,
        "seconds": time.perf_counter() - start,
        "n_train": len(kept),
        "train_config": cfg.to_dict(),
    }


def train_fusion(
    config: FusionConfig,
    kg: Any,
    train_inputs: Sequence[FusionExample],
    dev_inputs: Sequence[FusionExample],
    *,
    train_config: TrainConfig | None = None,
    node_embeddings: NodeEmbeddings | None = None,
    gnn_config: GNNConfig | None = None,
    text_encoder: TextEncoderLike | None = None,
    cache_dir: str | Path | None = None,
    label_text: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> FusionModel:
    """Train a :class:`FusionModel`.

    Args:
        config: the architecture (``use_graph=False``: text-only ablation).
        kg: the KG (``ProductGraph`` or networkx graph); may be ``None`` without the graph.
        train_inputs, dev_inputs: labelled examples (dev reports; it selects the epoch only
            with ``train_config.select_epoch``).
        train_config: :class:`TrainConfig`.
        node_embeddings: precomputed embeddings of ``kg``; else computed (or loaded from
            ``cache_dir`` when the KG is unchanged) with ``gnn_config`` and ``text_encoder``.
        label_text: with ``config.use_label_names``, the name embedding of every training
            label (:func:`fusion.labels.embed_label_names`, same text encoder as the inputs).
        progress: progress bars.

    Returns:
        The trained model (eval mode); ``model.training_report`` holds the history.
    """
    if not train_inputs:
        raise FusionDataError("train_fusion needs at least one training example")
    train_config = train_config or TrainConfig()
    counts = Counter(ex.lvl1 for ex in train_inputs)
    labels = [lab for lab, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    context = None
    if config.use_graph:
        if kg is None:
            raise FusionConfigError(
                "use_graph=True needs a KG; pass kg=ProductGraph.open(path) "
                "or train with use_graph=False (--no-graph)"
            )
        if node_embeddings is None:
            if text_encoder is None:
                raise FusionConfigError(
                    "computing node embeddings needs a text_encoder (fusion.text.TextEncoder())"
                )
            node_embeddings = compute_node_embeddings(
                kg,
                text_encoder=text_encoder,
                config=gnn_config,
                cache_dir=cache_dir,
                progress=progress,
            )
        config = replace(config, node_dim=node_embeddings.dim)
        context = GraphContext(
            kg, node_embeddings, labels=labels, max_neighbours=config.max_neighbours
        )
    if config.use_label_names and label_text is None:
        raise FusionConfigError(
            "use_label_names=True needs label_text= (fusion.labels.embed_label_names with the "
            "featurizer of the inputs), or train with use_label_names=False"
        )
    heads, reports = [], []
    for k in range(config.members):  # each head on its own seed, the first on train_config's
        cfg_k = replace(train_config, seed=member_seed(train_config.seed, k))
        set_seed(cfg_k.seed)
        head = FusionModel(replace(config, members=1), labels=labels, context=context)
        if config.use_label_names:
            head.set_label_text(label_text)
        reports.append(train_loop(head, train_inputs, dev_inputs, cfg_k, progress=progress))
        heads.append(head)
    if config.members == 1:
        model = heads[0]
    else:
        model = FusionModel(config, labels=labels, context=context)
        state = heads[0].state_dict()
        for k, head in enumerate(heads[1:]):
            state.update(head.state_dict(prefix=f"members.{k}."))
        model.load_state_dict(state, strict=True)
        model.eval()
    if config.memory_weight > 0:
        model.set_memory(train_inputs)
    report = dict(reports[0])  # the first head trained with train_config itself
    if config.members > 1:
        report["members"] = [{k: r[k] for k in ("best_epoch", "best_dev_lvl1_accuracy",
                                                "seconds")} for r in reports]
        report["seconds"] = sum(r["seconds"] for r in reports)
        if dev_inputs:
            report["best_dev_lvl1_accuracy"] = evaluate(model, dev_inputs)["lvl1_accuracy"]
    model.training_report = report
    return model


def use_taxonomy_labels(taxonomy_labels: bool | None, taxonomy_queries: bool) -> bool:
    """Whether the label space gets the tree's labels: ``taxonomy_labels`` (``None``:
    :data:`DEFAULT_TAXONOMY_LABELS`), which learn from the category names, so only with
    ``taxonomy_queries`` (asking for them without is a :class:`FusionConfigError`).

    >>> use_taxonomy_labels(None, True) is DEFAULT_TAXONOMY_LABELS, use_taxonomy_labels(True, True)
    (True, True)
    """
    if taxonomy_labels and not taxonomy_queries:
        raise FusionConfigError("taxonomy_labels learns the tree's labels from the category "
                                "names: it needs taxonomy_queries (drop --no-taxonomy-queries)")
    return taxonomy_queries and (DEFAULT_TAXONOMY_LABELS if taxonomy_labels is None
                                 else taxonomy_labels)


def member_seed(seed: int, k: int) -> int:
    """The training seed of head ``k`` of an ensemble trained with ``seed``: ``seed`` itself for
    the first head (one head trains as it always did), then far from the seeds of other runs.

    >>> [member_seed(0, k) for k in range(3)], member_seed(1, 1)
    ([0, 7919, 15838], 7920)
    """
    return seed + 7919 * k


def train_from_files(kg: Any, train_file: str | Path | Sequence[str | Path],
                     dev_file: str | Path | None, out: str | Path, *,
                     featurizer: QueryFeaturizer, config: FusionConfig | None = None,
                     train_config: TrainConfig | None = None,
                     gnn_config: GNNConfig | None = None, text_encoder: str = "minilm",
                     cache_dir: str | Path | None = None, taxonomy_queries: bool = True,
                     taxonomy_labels: bool | None = None,
                     progress: bool = True) -> tuple[FusionModel, dict[str, float]]:
    """Train on labelled-query files (simple or Best Buy rows: :mod:`fusion.data`) and save to
    ``out``.

    The library behind ``kgqp fusion train`` and the quickstart. ``train_file`` may be several
    files, pooled (e.g. train and dev, once cross-validation over both chose the recipe);
    ``dev_file`` may then be ``None``, and no dev score is reported. On Best Buy, 12.5% more
    training queries did not raise cross-validated accuracy (docs/benchmarks.md, Fusion,
    "Training on more of the queries"), so the quickstart keeps dev apart. ``featurizer`` turns the
    queries into model inputs exactly as the parser will at serving time (its tagger's query
    embedding and its linker's nodes: ``QueryParser.featurize``); its ``name`` is saved with
    the model. ``text_encoder`` (a :func:`fusion.text.get_text_encoder` name) embeds the KG
    node names for the GNN (node embeddings cached in ``cache_dir`` while the KG is
    unchanged). ``config`` defaults to every mechanism on, the label names too (their
    embeddings come from ``featurizer`` and the KG's categories: :mod:`fusion.labels`), and
    :data:`DEFAULT_MEMBERS` heads of width :data:`DEFAULT_HIDDEN_DIM`, and the query memory
    at :data:`DEFAULT_MEMORY_WEIGHT`.
    ``taxonomy_queries``: add the KG's category names that fall under a training label as
    weak training queries (:mod:`fusion.weak`); their number is in the training report.
    ``taxonomy_labels`` (default :data:`DEFAULT_TAXONOMY_LABELS`; needs ``taxonomy_queries``):
    the label space also holds the labels the KG's tree names beside the training labels
    (:func:`fusion.weak.taxonomy_labels`), learnt from the category names under them.
    Returns the model with its dev scores (``{}`` without ``dev_file``).

    Raises:
        FusionConfigError: ``train_config.select_epoch`` without ``dev_file``, or a file
            that is both a training and the dev file.
    """
    out = Path(out)
    train_files = [Path(train_file)] if isinstance(train_file, (str, Path)) \
        else [Path(f) for f in train_file]
    if not train_files:
        raise FusionConfigError("train_from_files needs at least one training file")
    if dev_file is not None and Path(dev_file).resolve() in {f.resolve() for f in train_files}:
        raise FusionConfigError(f"{dev_file} is both a training and the dev file: its dev "
                                "score would be a training score; leave the dev file out")
    if train_config is not None and train_config.select_epoch and dev_file is None:
        raise FusionConfigError("select_epoch picks the epoch by its dev score: it needs a "
                                "dev file")
    tree_labels = use_taxonomy_labels(taxonomy_labels, taxonomy_queries)
    config = replace(config or FusionConfig(use_label_names=True, members=DEFAULT_MEMBERS,
                                            hidden_dim=DEFAULT_HIDDEN_DIM,
                                            memory_weight=DEFAULT_MEMORY_WEIGHT),
                     text_dim=featurizer.dim)
    gnn_config = gnn_config or GNNConfig()
    cache = Path(cache_dir) if cache_dir is not None else out.parent / ".fusion-cache" / \
        gnn_config.layer
    train_ex = build_examples([q for f in train_files for q in load_bestbuy_queries(f)],
                              featurizer, progress=progress)
    dev_ex = [] if dev_file is None else build_examples(load_bestbuy_queries(dev_file),
                                                        featurizer, progress=progress)
    space = [ex.lvl1 for ex in train_ex]
    if tree_labels:
        space = weak.taxonomy_labels(kg, space)
    weak_ex = weak.taxonomy_examples(kg, featurizer, space,
                                     progress=progress) if taxonomy_queries else []
    enc = get_text_encoder(text_encoder) if config.use_graph else None
    names = None
    if config.use_label_names:
        from fusion.labels import embed_label_names

        names = embed_label_names(sorted({ex.lvl1 for ex in train_ex + weak_ex}), featurizer,
                                  kg)
    model = train_fusion(config, kg if config.use_graph else None, train_ex + weak_ex, dev_ex,
                         train_config=train_config, gnn_config=gnn_config, text_encoder=enc,
                         cache_dir=cache, label_text=names, progress=progress)
    model.training_report["n_taxonomy_queries"] = len(weak_ex)
    model.training_report["trained_on"] = [f.name for f in train_files]
    model.training_report["dev_file"] = None if dev_file is None else Path(dev_file).name
    model.save_pretrained(out, text_encoder=featurizer.name,
                          gnn_dir=cache if config.use_graph else None)
    return model, evaluate(model, dev_ex) if dev_ex else {}
