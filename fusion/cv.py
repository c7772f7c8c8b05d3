"""Cross-validated evaluation of the fusion intent model, its ablations and its thresholds.

The inputs are featurised once (by the parser, as served: ``QueryParser.featurizer``) and
handed here as :class:`fusion.types.FusionExample` s; this module never featurises, so it does
not import the parser. :func:`cross_validate` runs ``folds`` x ``seeds`` trainings of the
fusion head for each :data:`VARIANTS` entry (text only, + category pointer only, + GNN node
embeddings only, + label names only, full), on the same folds, and reports mean and spread.

It also calibrates the three thresholds a search engine reads
(:class:`fusion.expand.Thresholds`) on the
out-of-fold predictions of the full model:

- ``intent``: the lowest top-category probability at which the predicted lvl1 is right at
  least ``intent_precision`` of the time; below it the intent is marked low-confidence.
- ``hard_filter``: the lowest department probability (``Intent.lvl0_score``) at which the
  predicted department is the gold one at least ``filter_precision`` of the time; only then is
  the category a hard filter, else it is a suggestion.
- ``lvl1_filter``: the lowest top-category probability at which the predicted lvl1 is the gold
  one at least ``filter_precision`` of the time, among the queries whose hard filter is the
  intent's department (with the KG given; else among all); from it the hard filter is the
  lvl1 category rather than the department.

Both are *cross-fitted* when reported: the threshold applied to fold k is calibrated on the
other folds' out-of-fold predictions, so the reported precision and coverage are held out.

Example:
    >>> import torch
    >>> from fusion.types import FusionExample, FusionInput
    >>> g = torch.Generator().manual_seed(0)
    >>> shift = torch.tensor([3.0, -3.0, 3.0, -3.0])
    >>> ex = [FusionExample(FusionInput(torch.randn(4, generator=g) + (i % 2) * shift),
    ...                     ["A > B", "C > D"][i % 2], "AC"[i % 2]) for i in range(20)]
    >>> cfg = CVConfig(folds=2, seeds=(0,), variants=("text",),
    ...                train=TrainConfig(epochs=30), fusion=FusionConfig(text_dim=4))
    >>> rep = cross_validate(ex, config=cfg)
    >>> rep.summary["text"]["lvl1_accuracy"]["mean"] > 0.8
    True
    >>> kfold_indices(["a", "a", "b", "b"], k=2, seed=0)
    [[0, 2], [1, 3]]

Near-duplicate queries ("samsung tv" / "tv samsung", "projectors" / "projectors projectors")
can be kept in one fold (``CVConfig.group_near_duplicates``, :func:`near_duplicate_key`), so the
scores estimate queries unlike any training query; off by default, since a random split (such as
Best Buy's dev split) keeps such twins apart at about the same rate:

    >>> near_duplicate_key("Epson projectors") == near_duplicate_key("projector epson epson")
    True
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fusion.context import TaxonomyAlignment, category_paths
from fusion.errors import FusionConfigError, FusionDataError, FusionLoadError
from fusion.expand import ExpansionConfig, Thresholds, expand
from fusion.model import FusionConfig, FusionModel
from fusion.train import TrainConfig, train_fusion
from fusion.types import SEP, FusionExample, FusionInput, Intent, LinkedEntity
from fusion.weak import WeakExample, label_weak, taxonomy_labels
from kg.io import atomic_path, atomic_write_json
from kg.schema import normalize_name

__all__ = [
    "CALIBRATED",
    "VARIANTS",
    "CVConfig",
    "CVReport",
    "FitCallback",
    "Thresholds",
    "calibrate_threshold",
    "cross_validate",
    "department_filtered",
    "features_meta",
    "kfold_indices",
    "load_examples",
    "near_duplicate_key",
    "save_examples",
    "stale_features",
    "wilson_lower",
]

logger = logging.getLogger(__name__)

#: what :func:`cross_validate` hands its ``on_fit`` after each training: the variant, the
#: seed, the fold, the trained model (its graph context still attached), the test fold's
#: indices into ``examples`` and the model's intents for them, in that order
FitCallback = Callable[[str, int, int, FusionModel, list[int], list[Intent]], None]

#: the ablations, one mechanism each: the FusionConfig switches of every variant
VARIANTS: dict[str, dict[str, bool]] = {
    "text": {"use_graph": False, "use_label_names": False},
    "names": {"use_graph": False, "use_label_names": True},
    "pointer": {"use_graph": True, "use_pointer": True, "use_node_embeddings": False,
                "use_label_names": False},
    "nodes": {"use_graph": True, "use_pointer": False, "use_node_embeddings": True,
              "use_label_names": False},
    "graph": {"use_graph": True, "use_pointer": True, "use_node_embeddings": True,
              "use_label_names": False},
    "full": {"use_graph": True, "use_pointer": True, "use_node_embeddings": True,
             "use_label_names": True},
}


@dataclass(frozen=True)
class CVConfig:
    """What :func:`cross_validate` runs.

    Args:
        folds: k of the k-fold split (stratified by lvl1 label).
        seeds: one split and one training seed per entry.
        variants: names of :data:`VARIANTS`.
        train: the head's training settings (its ``seed`` is replaced by each seed).
        fusion: the architecture (the variant's switches are applied on top).
        intent_precision, filter_precision: calibration targets of :class:`Thresholds`.
        confidence: the one-sided confidence with which a calibrated threshold must reach
            its target (:func:`calibrate_threshold`; 0: the observed precision alone).
        taxonomy_labels: each training fold's label space also holds the labels the KG's
            tree names beside the fold's labels (:func:`fusion.weak.taxonomy_labels`), with
            the weak examples under them (needs ``weak`` and the KG); the ``label_text``
            given must cover them.
        group_near_duplicates: keep near-duplicate queries (the same
            :func:`near_duplicate_key`: "samsung tv" / "tv samsung") in one fold, so a query's
            twin is never in its training folds: an estimate for queries unlike any training
            query. Off by default: a random split (such as Best Buy's dev split) keeps such
            twins apart at about the same rate as the ungrouped folds do.
    """

    folds: int = 5
    seeds: tuple[int, ...] = (0, 1, 2)
    variants: tuple[str, ...] = ("text", "names", "pointer", "nodes", "graph", "full")
    train: TrainConfig = field(default_factory=TrainConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    intent_precision: float = 0.8
    filter_precision: float = 0.95
    confidence: float = 0.9
    taxonomy_labels: bool = False
    group_near_duplicates: bool = False

    def __post_init__(self) -> None:
        _check_confidence(self.confidence)
        if self.folds < 2:
            raise FusionConfigError(f"CVConfig.folds must be >= 2, got {self.folds}")
        if not self.seeds:
            raise FusionConfigError("CVConfig.seeds must name at least one seed")
        bad = [v for v in self.variants if v not in VARIANTS]
        if bad or not self.variants:
            raise FusionConfigError(f"unknown variants {bad}; choose among {sorted(VARIANTS)}")


@dataclass
class CVReport:
    """Per-run scores, their mean/spread per variant, and the calibrated thresholds.

    ``runs``: one dict per (variant, seed, fold); ``summary[variant][metric]`` =
    ``{"mean", "std", "min", "max"}`` over the per-seed scores (each seed's score pools its
    folds' out-of-fold predictions); ``thresholds`` are calibrated on all out-of-fold
    predictions of the ``full`` variant (or the last variant run), each query once (its score
    and correctness averaged over the seeds), and ``calibration`` holds their
    cross-fitted precision and coverage, and under ``default`` the precision and coverage of
    the thresholds a bundle without ``thresholds.json`` serves for the model
    (:meth:`Thresholds.defaults_for` its memory weight) on the same predictions. Each spread
    also lists its per-seed ``values`` (in the order of ``config["seeds"]``). ``config`` is the
    :class:`CVConfig` that ran (folds, seeds, variants, training and architecture settings),
    so that a saved report says how to reproduce it.
    """

    runs: list[dict[str, Any]]
    summary: dict[str, dict[str, dict[str, Any]]]
    thresholds: Thresholds
    calibration: dict[str, Any]
    n: int
    seconds: float
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "seconds": round(self.seconds, 1), "config": self.config,
                "summary": self.summary, "thresholds": self.thresholds.to_dict(),
                "calibration": self.calibration, "runs": self.runs}


# -- featurised inputs on disk (safetensors + JSONL, no pickle) -------------------------------
def save_examples(directory: str | Path, examples: Sequence[FusionExample], *,
                  meta: dict[str, Any] | None = None) -> None:
    """Write ``examples`` to ``directory``: ``text.safetensors`` (``[N, text_dim]``),
    ``examples.jsonl`` (text, labels, linked nodes) and ``meta.json``."""
    from safetensors.torch import save_file

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    emb = torch.stack([ex.input.text_embedding.float() for ex in examples]) if examples \
        else torch.zeros(0, 0)
    with atomic_path(d / "text.safetensors") as tmp:
        save_file({"text": emb.contiguous()}, str(tmp))
    with atomic_path(d / "examples.jsonl") as tmp, Path(tmp).open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps({"text": ex.input.text, "lvl1": ex.lvl1, "lvl0": ex.lvl0,
                                 "linked": [[e.iri, e.kind, e.score, e.label, e.mention]
                                            for e in ex.input.linked]},
                                ensure_ascii=False) + "\n")
    atomic_write_json(d / "meta.json", {"kgqp_fusion_examples": 1, "n": len(examples),
                                         **(meta or {})})


def features_meta(featurizer_name: str, kg_version: int,
                  data: Sequence[str | Path]) -> dict[str, Any]:
    """What a folder of featurised queries (``kgqp fusion evaluate --cv --features DIR``,
    ``bench/fusion_expansions.py --build-features``) is keyed on, in its meta: the featurizer
    (``tagger:<fingerprint>``), the KG version, and the data files in order, by resolved path
    and by content (``data_sha256``), so a file rewritten in place is not read from a stale
    folder."""
    return {"featurizer": featurizer_name, "kg_version": kg_version,
            "data": [str(Path(p).resolve()) for p in data],
            "data_sha256": [_sha256(Path(p)) for p in data]}


def stale_features(meta: Mapping[str, Any], want: Mapping[str, Any]) -> list[str]:
    """The keys of :func:`features_meta` ``want`` on which a folder's ``meta`` differs (a
    folder written before the contents were recorded lacks ``data_sha256``: stale)."""
    return sorted(k for k, v in want.items() if meta.get(k) != v)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_examples(directory: str | Path) -> tuple[list[FusionExample], dict[str, Any]]:
    """Read what :func:`save_examples` wrote: ``(examples, meta)``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    d = Path(directory)
    try:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        emb = load_file(str(d / "text.safetensors"))["text"]
        rows = [json.loads(line) for line in
                (d / "examples.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError, KeyError, SafetensorError) as exc:
        raise FusionLoadError(f"{d} is not a featurised example folder ({exc}); write one "
                              "with fusion.cv.save_examples") from exc
    if len(rows) != emb.shape[0]:
        raise FusionLoadError(f"{d}: {len(rows)} examples but {emb.shape[0]} embeddings")
    out = [FusionExample(FusionInput(emb[i].clone(), tuple(LinkedEntity(*e) for e in r["linked"]),
                                     text=r["text"]), lvl1=r["lvl1"], lvl0=r["lvl0"])
           for i, r in enumerate(rows)]
    return out, meta


# -- folds and thresholds ---------------------------------------------------------------------
def near_duplicate_key(text: str) -> str:
    """The key under which near-duplicate queries fall together: the query's words, normalised
    as the KG normalises names (:func:`kg.schema.normalize_name`: case-folded, NFKC), a trailing
    "s" dropped from words of more than 3 letters, each word once, in sorted order.

    >>> near_duplicate_key("Samsung TV") == near_duplicate_key("tv samsung")
    True
    >>> near_duplicate_key("projectors projectors"), near_duplicate_key("Projector")
    ('projector', 'projector')
    >>> near_duplicate_key("gps"), near_duplicate_key("glasses")
    ('gps', 'glasse')
    """
    words = {w[:-1] if len(w) > 3 and w.endswith("s") else w
             for w in normalize_name(text).split()}
    return " ".join(sorted(words))


def kfold_indices(labels: Sequence[str], *, k: int, seed: int,
                  groups: Sequence[Any] | None = None) -> list[list[int]]:
    """``k`` folds of ``range(len(labels))``, stratified: each label's items (shuffled with
    ``seed``) are dealt round-robin, continuing where the previous label stopped.

    With ``groups`` (one hashable key per item, e.g. :func:`near_duplicate_key` of each query)
    all items of a group go to the same fold: each group is stratified by its most common label
    (ties: the label that sorts first); each label's groups (shuffled with ``seed``, then the
    largest first) go one by one to the fold with the fewest items of that label, then the
    fewest items, then the next in round-robin order. Groups of one item give the folds without
    ``groups``.

    >>> kfold_indices(["a", "a", "b", "b"], k=2, seed=0, groups=["x", "x", "y", "y"])
    [[0, 1], [2, 3]]
    """
    if k < 2 or k > len(labels):
        raise FusionDataError(f"k-fold needs 2 <= k <= {len(labels)} examples, got k={k}")
    if groups is not None:
        return _grouped_kfold(labels, groups, k=k, seed=seed)
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        by_label[lab].append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    pos = 0
    for lab in sorted(by_label):
        idx = by_label[lab]
        rng.shuffle(idx)
        for i in idx:
            folds[pos % k].append(i)
            pos += 1
    return [sorted(f) for f in folds]


def _grouped_kfold(labels: Sequence[str], groups: Sequence[Any], *, k: int,
                   seed: int) -> list[list[int]]:
    """:func:`kfold_indices` with ``groups``."""
    if len(groups) != len(labels):
        raise FusionDataError(f"groups must give one key per item: {len(groups)} keys for "
                              f"{len(labels)} items")
    members: dict[Any, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    if len(members) < k:
        raise FusionDataError(f"grouped k-fold needs k <= {len(members)} groups, got k={k}")
    by_label: dict[str, list[list[int]]] = defaultdict(list)
    for idx in members.values():  # in order of first appearance
        counts: dict[str, int] = defaultdict(int)
        for i in idx:
            counts[labels[i]] += 1
        by_label[max(sorted(counts), key=counts.__getitem__)].append(idx)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    pos = 0
    for lab in sorted(by_label):
        gs = by_label[lab]
        rng.shuffle(gs)
        gs.sort(key=len, reverse=True)  # (stable: the shuffle orders groups of one size)
        of_label = [0] * k
        for idx in gs:
            f = min(range(k), key=lambda j: (of_label[j], len(folds[j]), (j - pos) % k))
            folds[f] += idx
            of_label[f] += len(idx)
            pos = f + 1
    return [sorted(f) for f in folds]


def _check_confidence(confidence: float) -> None:
    if not (confidence == 0.0 or 0.5 <= confidence < 1.0):
        raise FusionConfigError(f"confidence must be 0 (off) or in [0.5, 1), got {confidence}")


def wilson_lower(hits: int, n: int, z: float) -> float:
    """The Wilson score lower bound of a proportion ``hits / n`` at ``z`` standard deviations
    (one-sided; ``z = 0`` gives ``hits / n``).

    >>> round(wilson_lower(95, 100, 1.2816), 3), wilson_lower(3, 4, 0.0)
    (0.914, 0.75)
    """
    if n == 0:
        return 0.0
    p = hits / n
    if z == 0:
        return p
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (centre - spread) / (1 + z2 / n)


def calibrate_threshold(scores: Sequence[float], correct: Sequence[bool], *,
                        target: float, confidence: float = 0.0) -> tuple[float, float, float]:
    """The lowest score threshold whose kept predictions (``score >= t``) reach precision
    ``target``: ``(threshold, precision, coverage)``. ``(inf, nan, 0.0)`` when none does.
    ``correct`` is each prediction's correctness: a bool, or a share in [0, 1] (a query's
    mean correctness over several seeds, counted as that many hits).

    With ``confidence`` > 0 the kept predictions must reach ``target`` with that one-sided
    confidence (the Wilson lower bound of their precision, :func:`wilson_lower`), not only on
    average: a threshold picked by its observed precision alone lands just under the target
    on new queries about half of the time, since the pick favours the cuts whose precision
    came out high by chance.

    >>> calibrate_threshold([0.9, 0.8, 0.7, 0.6], [True, True, False, True], target=0.9)
    (0.8, 1.0, 0.5)
    >>> calibrate_threshold([0.9, 0.8, 0.7, 0.6], [True, True, False, True], target=0.9,
    ...                     confidence=0.9)[0]
    inf
    """
    if len(scores) != len(correct):
        raise FusionDataError("scores and correct must have the same length")
    _check_confidence(confidence)
    z = statistics.NormalDist().inv_cdf(confidence) if confidence else 0.0
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best: tuple[float, float, float] = (math.inf, math.nan, 0.0)
    hits = 0
    for rank, i in enumerate(order, 1):
        hits += float(correct[i])
        # only cut between distinct scores
        if rank < len(order) and scores[order[rank]] == scores[i]:
            continue
        if wilson_lower(hits, rank, z) >= target:
            best = (float(scores[i]), hits / rank, rank / len(order))
    return best


def _apply(t: float, scores: np.ndarray, correct: np.ndarray) -> tuple[int, int]:
    kept = scores >= t
    return int(kept.sum()), int((kept & correct).sum())


# -- the cross-validation ---------------------------------------------------------------------
def _scores(pred1: list[str], examples: Sequence[FusionExample],
            top: list[list[str]]) -> dict[str, float]:
    n = len(examples) or 1
    return {
        "lvl0_accuracy": sum(p.split(SEP)[0] == ex.lvl0 for p, ex in zip(pred1, examples,
                                                                           strict=True)) / n,
        "lvl1_accuracy": sum(p == ex.lvl1 for p, ex in zip(pred1, examples, strict=True)) / n,
        "lvl1_top3_accuracy": sum(ex.lvl1 in t[:3] for t, ex in zip(top, examples,
                                                                     strict=True)) / n,
    }


def _spread(values: Sequence[float]) -> dict[str, Any]:
    return {"mean": round(statistics.fmean(values), 4),
            "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
            "min": round(min(values), 4), "max": round(max(values), 4),
            "values": [round(v, 4) for v in values]}


def _config_dict(cfg: CVConfig) -> dict[str, Any]:
    """``cfg`` as plain JSON values (the report's ``config``)."""
    return {"folds": cfg.folds, "seeds": list(cfg.seeds), "variants": list(cfg.variants),
            "train": cfg.train.to_dict(), "fusion": cfg.fusion.to_dict(),
            "intent_precision": cfg.intent_precision,
            "filter_precision": cfg.filter_precision, "confidence": cfg.confidence,
            "taxonomy_labels": cfg.taxonomy_labels,
            "group_near_duplicates": cfg.group_near_duplicates}


def cross_validate(examples: Sequence[FusionExample], *, config: CVConfig | None = None,
                   kg: Any = None, node_embeddings: Any = None,
                   label_text: Mapping[str, Any] | None = None,
                   weak: Sequence[WeakExample] = (),
                   on_fit: FitCallback | None = None,
                   progress: bool = False) -> CVReport:
    """k-fold x seeds cross-validation of each variant on precomputed ``examples``.

    Args:
        examples: featurised, labelled queries (featurise once, e.g. train+dev).
        config: :class:`CVConfig`.
        kg, node_embeddings: the KG and its GNN embeddings (needed by graph variants).
        label_text: the label-name embedding of every label (needed by variants with
            ``use_label_names``: :func:`fusion.labels.embed_label_names`).
        weak: weak examples (:mod:`fusion.weak`) added to every training fold, each labelled
            with the fold's training labels (never scored).
        on_fit: called after each training with the out-of-fold intents (:data:`FitCallback`),
            for what else a caller scores on them (``bench/fusion_expansions.py --cv``: the
            expansions and filters).
        progress: a progress bar over the trainings.

    Returns:
        A :class:`CVReport`.
    """
    cfg = config or CVConfig()
    if any(VARIANTS[v].get("use_graph") for v in cfg.variants) and (
            kg is None or node_embeddings is None):
        raise FusionConfigError("graph variants need kg= and node_embeddings= "
                                "(fusion.gnn.compute_node_embeddings); or run variants=('text',)")
    if any(VARIANTS[v]["use_label_names"] for v in cfg.variants) and label_text is None:
        raise FusionConfigError("variants with label names need label_text= "
                                "(fusion.labels.embed_label_names)")
    if cfg.taxonomy_labels and weak and kg is None:
        raise FusionConfigError("CVConfig.taxonomy_labels needs the KG (kg=)")
    start = time.perf_counter()
    labels = [ex.lvl1 for ex in examples]
    groups = ([near_duplicate_key(ex.input.text) for ex in examples]
              if cfg.group_near_duplicates else None)
    splits = {seed: kfold_indices(labels, k=cfg.folds, seed=seed, groups=groups)
              for seed in cfg.seeds}
    runs: list[dict[str, Any]] = []
    per_seed: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    # out-of-fold predictions of the calibrated variant: seed -> fold -> arrays
    calib_variant = "full" if "full" in cfg.variants else cfg.variants[-1]
    oof: dict[int, list[dict[str, np.ndarray]]] = {}
    # the memory weight the calibrated variant's models serve with (what a bundle without
    # thresholds.json picks its default thresholds by)
    served_weight = cfg.fusion.memory_weight
    jobs = [(v, s, f) for v in cfg.variants for s in cfg.seeds for f in range(cfg.folds)]
    it: Any = jobs
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(jobs, desc="cross-validating", unit="fit", leave=False)
    pooled: dict[tuple[str, int], tuple[list[str], list[list[str]], list[int]]] = {}
    weak_by_fold: dict[tuple[int, int], list[FusionExample]] = {}
    kg_paths = category_paths(kg) if weak and kg is not None else None
    for variant, seed, fold in it:
        test_idx = splits[seed][fold]
        test_set = set(test_idx)
        train = [examples[i] for i in range(len(examples)) if i not in test_set]
        if weak:  # labelled once per fold, whatever the variant
            if (seed, fold) not in weak_by_fold:
                space = [ex.lvl1 for ex in train]
                if cfg.taxonomy_labels:
                    space = taxonomy_labels(kg, space)
                weak_by_fold[(seed, fold)] = label_weak(weak, space, paths=kg_paths)
            train += weak_by_fold[(seed, fold)]
        test = [examples[i] for i in test_idx]
        fcfg = replace(cfg.fusion, **VARIANTS[variant])
        model = train_fusion(fcfg, kg if fcfg.use_graph else None, train, [],
                             train_config=replace(cfg.train, seed=seed),
                             node_embeddings=node_embeddings if fcfg.use_graph else None,
                             label_text=label_text if fcfg.use_label_names else None)
        intents = model.predict_batch([ex.input for ex in test])
        pred1 = [i.category for i in intents]
        top = [[c for c, _ in i.top_k] for i in intents]
        runs.append({"variant": variant, "seed": seed, "fold": fold, "n": len(test),
                     **{k: round(v, 4) for k, v in _scores(pred1, test, top).items()}})
        p1, t3, idx = pooled.setdefault((variant, seed), ([], [], []))
        p1 += pred1
        t3 += top
        idx += test_idx
        if variant == calib_variant:
            served_weight = model.memory_weight
            oof.setdefault(seed, []).append({
                "idx": np.array(test_idx, dtype=np.int64),
                "score": np.array([i.score for i in intents]),
                "lvl0_score": np.array([i.lvl0_score for i in intents]),
                "lvl1_ok": np.array([p == ex.lvl1 for p, ex in zip(pred1, test, strict=True)]),
                "lvl0_ok": np.array([i.lvl0 == ex.lvl0 for i, ex in zip(intents, test,
                                                                          strict=True)]),
                **({"dept_filter": department_filtered(
                    kg, test, intents, labels=model.labels, memory_weight=model.memory_weight,
                    embeddings=model.context.embeddings if model.context is not None else None)}
                   if kg is not None else {}),
            })
        if on_fit is not None:
            on_fit(variant, seed, fold, model, list(test_idx), intents)
        _release(model)
    for (variant, _seed), (p1, t3, idx) in pooled.items():
        for k, v in _scores(p1, [examples[i] for i in idx], t3).items():
            per_seed[variant][k].append(v)
    summary = {v: {k: _spread(vals) for k, vals in per_seed[v].items()} for v in cfg.variants}
    if "text" in summary:
        for v in cfg.variants:
            if v != "text":
                diffs = [a - b for a, b in zip(per_seed[v]["lvl1_accuracy"],
                                               per_seed["text"]["lvl1_accuracy"], strict=True)]
                summary[v]["lvl1_minus_text_points"] = _spread([100 * d for d in diffs])
    thresholds, calibration = _calibrate(oof, cfg, Thresholds.defaults_for(served_weight))
    calibration["variant"] = calib_variant
    report = CVReport(runs=runs, summary=summary, thresholds=thresholds,
                      calibration=calibration, n=len(examples),
                      seconds=time.perf_counter() - start, config=_config_dict(cfg))
    logger.info("cross-validation: %d examples, %d folds x %d seeds, %s in %.0f s",
                len(examples), cfg.folds, len(cfg.seeds),
                {v: summary[v]["lvl1_accuracy"]["mean"] for v in cfg.variants}, report.seconds)
    return report


def _release(model: FusionModel) -> None:
    model.context = None


def _at_threshold(t: float, oof: dict[int, list[dict[str, np.ndarray]]], score_key: str,
                  ok_key: str) -> dict[str, Any]:
    """Precision and coverage, per seed over all its out-of-fold predictions, of the fixed
    threshold ``t`` (the default a bundle without ``thresholds.json`` serves for the model:
    :meth:`Thresholds.defaults_for` its memory weight): a check that the default still holds
    for the model trained here."""
    precisions, coverages = [], []
    for folds in oof.values():
        s = np.concatenate([f[score_key] for f in folds])
        kept, hit = _apply(t, s, np.concatenate([f[ok_key] for f in folds]))
        if kept:
            precisions.append(hit / kept)
        coverages.append(kept / len(s))
    return {"threshold": t, "precision": _spread(precisions) if precisions else None,
            "coverage": _spread(coverages)}


def _per_query(oof: dict[int, list[dict[str, np.ndarray]]], score_key: str,
               ok_key: str, mask_key: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each query's out-of-fold score and correctness (the share of seeds it was right in),
    averaged over the seeds: one entry per distinct query (by the folds' ``idx``, in the order
    of the examples), so that a threshold's confidence bound counts the queries, not the
    queries times the seeds. With ``mask_key``, over the seeds where the query's
    ``mask_key`` entry is true, and only the queries where one is."""
    score_sum: np.ndarray | None = None
    ok_sum: np.ndarray | None = None
    seen: np.ndarray | None = None
    first: np.ndarray | None = None
    for folds in oof.values():
        idx = np.concatenate([f["idx"] for f in folds])
        order = np.argsort(idx, kind="stable")
        m = (np.concatenate([f[mask_key] for f in folds]).astype(np.float64)[order]
             if mask_key is not None else np.ones(len(idx)))
        s = np.concatenate([f[score_key] for f in folds]).astype(np.float64)[order] * m
        ok = np.concatenate([f[ok_key] for f in folds]).astype(np.float64)[order] * m
        if score_sum is None or ok_sum is None or seen is None or first is None:
            first = idx[order]
            score_sum, ok_sum, seen = s, ok, m
        elif not np.array_equal(idx[order], first):
            raise FusionDataError("the seeds' out-of-fold predictions cover different queries")
        else:
            score_sum, ok_sum, seen = score_sum + s, ok_sum + ok, seen + m
    if score_sum is None or ok_sum is None or seen is None:
        return np.zeros(0), np.zeros(0)
    kept = seen > 0
    return score_sum[kept] / seen[kept], ok_sum[kept] / seen[kept]


def _threshold(oof: dict[int, list[dict[str, np.ndarray]]], score_key: str, ok_key: str,
               target: float, confidence: float, mask_key: str | None = None) -> float:
    """The threshold calibrated on all out-of-fold predictions, each query counted once: on
    its score and correctness averaged over the seeds (:func:`_per_query`, ``mask_key`` the
    predictions it reads) when the folds give their ``idx``, else the median of the thresholds
    calibrated on each seed alone (``oof`` then already holds only the predictions read)."""
    if all("idx" in f for folds in oof.values() for f in folds):
        s, ok = _per_query(oof, score_key, ok_key, mask_key)
        return calibrate_threshold(s.tolist(), ok.tolist(), target=target,
                                   confidence=confidence)[0]
    per_seed = [calibrate_threshold(np.concatenate([f[score_key] for f in folds]).tolist(),
                                    np.concatenate([f[ok_key] for f in folds]).tolist(),
                                    target=target, confidence=confidence)[0]
                for folds in oof.values()]
    return float(np.median(per_seed)) if per_seed else math.inf


#: what each threshold of :class:`fusion.expand.Thresholds` is calibrated on: the intent's
#: score (an :class:`Intent` attribute), the level it must get right (``lvl1``: its
#: ``category``; ``lvl0``), the precision target (a :class:`CVConfig` field) and the queries
#: read (None: all; ``dept_filter``: those whose hard filter is the intent's department,
#: :func:`department_filtered`, since the lvl1 filter replaces that filter: harder than the
#: rest, the threshold of all queries lands too low for them)
CALIBRATED: dict[str, tuple[str, str, str, str | None]] = {
    "intent": ("score", "lvl1", "intent_precision", None),
    "hard_filter": ("lvl0_score", "lvl0", "filter_precision", None),
    "lvl1_filter": ("score", "lvl1", "filter_precision", "dept_filter"),
}


def _masked(oof: dict[int, list[dict[str, np.ndarray]]], key: str
            ) -> dict[int, list[dict[str, np.ndarray]]]:
    """``oof`` with only the predictions whose ``key`` entry is true (and no ``key``)."""
    return {seed: [{k: v[f[key].astype(bool)] for k, v in f.items() if k != key}
                   for f in folds] for seed, folds in oof.items()}


def department_filtered(kg: Any, examples: Sequence[FusionExample], intents: Sequence[Intent],
                        *, labels: Sequence[str], memory_weight: float,
                        embeddings: Any = None) -> np.ndarray:
    """Whether each query's hard category filter is its intent's department: the queries
    :attr:`fusion.expand.Thresholds.lvl1_filter` acts on, and is calibrated on. Each is
    expanded as served by a model of ``memory_weight`` over ``labels`` (its default thresholds
    and expansion settings), the department trusted at any probability (so that the answer
    does not hang on ``hard_filter``) and no lvl1 filter.

    >>> from fusion.types import FusionInput, Intent
    >>> from kg import ProductGraph
    >>> intent = Intent("A > B", "A", 0.9, 0.95, (("A > B", 0.9),))
    >>> ex = FusionExample(FusionInput(torch.zeros(2), text=""), "A > B", "A")
    >>> department_filtered(ProductGraph.in_memory(), [ex], [intent], labels=["A > B"],
    ...                     memory_weight=0.0).tolist()
    [True]
    """
    th = replace(Thresholds.defaults_for(memory_weight), hard_filter=0.0, lvl1_filter=None)
    kw = {"thresholds": th, "departments": TaxonomyAlignment(labels, paths=category_paths(kg)),
          "embeddings": embeddings,
          "config": ExpansionConfig.defaults_for(memory_weight)}
    return np.array([any(f.field == "category" and f.source == "intent" for f in expand(
        kg, ex.input.linked, it, query=ex.input.text, **kw).filter_sources)
        for ex, it in zip(examples, intents, strict=True)], dtype=bool)


def _calibrate(oof: dict[int, list[dict[str, np.ndarray]]], cfg: CVConfig,
               default: Thresholds | None = None) -> tuple[Thresholds, dict[str, Any]]:
    """Thresholds from the out-of-fold predictions, and their cross-fitted precision and
    coverage (fold k judged with the threshold calibrated on the other folds); under
    ``default``, how ``default`` (the thresholds served without calibration:
    ``Thresholds.defaults_for`` the model's memory weight) does on the same predictions.

    The thresholds count each query once (:func:`_threshold`: its score and correctness
    averaged over the seeds), so the confidence bound's n is the number of distinct queries
    (pooling every seed's predictions would count each query once per seed, and the bound
    would be too tight); the cross-fitted figures are per seed, as before."""
    default = default or Thresholds.defaults_for(cfg.fusion.memory_weight)
    out: dict[str, Any] = {}
    chosen: dict[str, float] = {}
    for name, (score_key, level, target_name, mask_key) in CALIBRATED.items():
        ok_key, target = f"{level}_ok", getattr(cfg, target_name)
        mask_key = mask_key if all(mask_key in f for fs in oof.values() for f in fs) else None
        t = _threshold(oof, score_key, ok_key, target, cfg.confidence, mask_key)
        chosen[name] = min(t, 1.0)
        pool = oof if mask_key is None else _masked(oof, mask_key)
        precisions, coverages = [], []
        for folds in pool.values():
            kept_n = hit_n = total = 0
            for k, f in enumerate(folds):
                rest_s = np.concatenate([g[score_key] for j, g in enumerate(folds) if j != k])
                rest_ok = np.concatenate([g[ok_key] for j, g in enumerate(folds) if j != k])
                tk, _, _ = calibrate_threshold(rest_s.tolist(), rest_ok.tolist(), target=target,
                                               confidence=cfg.confidence)
                kept, hit = _apply(tk, f[score_key], f[ok_key])
                kept_n, hit_n, total = kept_n + kept, hit_n + hit, total + len(f[score_key])
            precisions.append(hit_n / kept_n if kept_n else float("nan"))
            coverages.append(kept_n / total)
        finite = [p for p in precisions if not math.isnan(p)]
        out[name] = {"threshold": round(chosen[name], 4), "target_precision": target,
                     "calibrated_on": mask_key or "all",
                     "confidence": cfg.confidence,
                     "crossfit_precision": _spread(finite) if finite else None,
                     "crossfit_coverage": _spread(coverages),
                     "default": None if getattr(default, name) is None else _at_threshold(
                         getattr(default, name), pool, score_key, ok_key)}
    thresholds = Thresholds(intent=chosen["intent"], hard_filter=chosen["hard_filter"],
                            lvl1_filter=chosen["lvl1_filter"],
                            intent_precision=cfg.intent_precision,
                            filter_precision=cfg.filter_precision)
    return thresholds, out
