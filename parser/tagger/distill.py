"""Knowledge distillation of a token tagger: :class:`DistillConfig`, :class:`Teacher`,
:func:`distill`, :func:`distill_with_kg`.

A teacher is one trained tagger folder or several (an ensemble: the mean of their word label
probabilities at the temperature; they must share the labels and the tag scheme). The student is
trained as :func:`parser.tagger.training.train` trains a tagger, with the loss
``(1 - alpha) * CE(gold) + alpha * T^2 * KL(teacher_T || student_T)`` on the words' first
subwords (:func:`parser.tagger.training.kd_loss`); unlabelled queries (a text file, one per
line) add the distillation term only. The teachers' probabilities are computed once, before
training, without gradients, and kept in memory.

A teacher trained with KG lexicon features sees the matches it was trained with: a training
sentence gets the student's training matches (the cross-fold ones with
:func:`distill_with_kg`), an unlabelled query the KG's own.

The teachers' probabilities of the training sentences can be saved
(:func:`save_teacher_targets`; safetensors with JSON metadata) and a later student trained from
that file instead of the teachers
(``DistillConfig.targets_path``; :func:`load_soft_targets`): the quickstart distils its tagger
that way from the file shipped in ``data/queryner``, without training the teachers.

Example:
    >>> DistillConfig(teachers=["t1", "t2"]).temperature
    2.0
    >>> DistillConfig(teachers=[])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    parser.errors.ConfigError: teachers: give at least one trained tagger folder (--teacher) ...
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from parser.errors import ConfigError, DataFormatError
from parser.tagger.data import Sentence, _not_utf8
from parser.tagger.decode import log_softmax
from parser.tagger.training import SoftTargets, TrainConfig, TrainResult

__all__ = ["DistillConfig", "Teacher", "distill", "distill_with_kg", "load_soft_targets",
           "read_unlabelled", "save_soft_targets", "save_teacher_targets"]

#: the format of a saved soft-targets file (:func:`save_soft_targets`)
SOFT_TARGETS_FORMAT = 1

logger = logging.getLogger(__name__)


@dataclass
class DistillConfig:
    """What to distil from: ``teachers`` (tagger folders; several are an ensemble) or
    ``targets_path`` (their probabilities saved by an earlier run, :func:`save_soft_targets`),
    the weight ``alpha`` of the distillation term (1 - alpha: the gold labels' cross-entropy),
    the ``temperature`` T (a targets file brings its own), and optional unlabelled queries
    (``unlabelled_path``: one per line, the first ``unlabelled_limit`` non-empty distinct ones;
    with teachers only)."""

    teachers: list[str | Path] = field(default_factory=list)
    alpha: float = 0.5
    temperature: float = 2.0
    unlabelled_path: str | Path | None = None
    unlabelled_limit: int | None = None
    teacher_batch_size: int = 128
    targets_path: str | Path | None = None

    def __post_init__(self) -> None:
        if self.targets_path is not None:
            self.targets_path = Path(self.targets_path)
            if self.teachers:
                raise ConfigError("give teachers or a targets file, not both")
            if self.unlabelled_path is not None:
                raise ConfigError("unlabelled queries need teachers: a targets file holds the "
                                  "training sentences only")
        elif not self.teachers:
            raise ConfigError("teachers: give at least one trained tagger folder (--teacher) "
                              "or a targets file (--targets)")
        self.teachers = [Path(t) for t in self.teachers]
        if not 0 <= self.alpha <= 1:
            raise ConfigError(f"alpha={self.alpha}: use a value in [0, 1]")
        if not self.temperature > 0:
            raise ConfigError(f"temperature={self.temperature}: use a value > 0")
        if self.unlabelled_limit is not None and self.unlabelled_limit < 1:
            raise ConfigError(f"unlabelled_limit={self.unlabelled_limit}: use a value >= 1 "
                              "or None")
        if self.teacher_batch_size < 1:
            raise ConfigError("teacher_batch_size must be >= 1")
        if self.unlabelled_path is not None:
            self.unlabelled_path = Path(self.unlabelled_path)

    def to_json(self) -> dict[str, Any]:
        return {"teachers": [str(t) for t in self.teachers], "alpha": self.alpha,
                "temperature": self.temperature,
                "targets_path": None if self.targets_path is None else str(self.targets_path),
                "unlabelled_path": None if self.unlabelled_path is None
                else str(self.unlabelled_path),
                "unlabelled_limit": self.unlabelled_limit}


def read_unlabelled(path: str | Path, *, limit: int | None = None) -> list[Sentence]:
    """Unlabelled queries, one per line (blank lines and repeats skipped, at most ``limit``),
    as whitespace-split :class:`Sentence` objects whose tags are ignored."""
    path = Path(path)
    if path.is_dir():
        raise DataFormatError(f"{path} is a directory: give a file of unlabelled queries, one "
                              "per line")
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file (unlabelled queries: one per line)")
    seen: set[str] = set()
    out: list[Sentence] = []
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                words = line.split()
                key = " ".join(words)
                if not words or key in seen:
                    continue
                seen.add(key)
                out.append(Sentence(words, ["O"] * len(words), meta={"unlabelled": True}))
                if limit is not None and len(out) >= limit:
                    break
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from None
    if not out:
        raise DataFormatError(f"{path} holds no queries: write one query per line")
    return out


class Teacher:
    """One trained tagger or an ensemble of them, giving word label probabilities.

    ``lexicon`` (a KG or :class:`~parser.tagger.lexicon.Lexicon`) is required when a teacher
    uses KG lexicon features.

    >>> import tempfile
    >>> from parser.tagger.testing import tiny_tagger
    >>> d = tiny_tagger().save(tempfile.mkdtemp())
    >>> teacher = Teacher([d, d])
    >>> probs = teacher.word_probs([Sentence(["usb", "cable"], ["O", "O"])], temperature=2.0)
    >>> probs[0].shape == (2, len(teacher.labels)), bool(np.allclose(probs[0].sum(-1), 1))
    (True, True)
    """

    def __init__(self, paths: Sequence[str | Path], *, lexicon: Any = None) -> None:
        from parser.tagger.predict import Tagger

        if not paths:
            raise ConfigError("a teacher needs at least one trained tagger folder")
        self.paths = [Path(p) for p in paths]
        self.taggers = []
        for p in self.paths:
            if not p.is_dir():
                raise ConfigError(f"teacher {p} is not a tagger folder: pass the folder written "
                                  "by `kgqp tagger train --out`")
            t = Tagger.from_pretrained(p, lexicon=lexicon)
            if t.config.crf:
                raise ConfigError(f"teacher {p} has a CRF layer: its per-word probabilities are "
                                  "not a distribution; use teachers trained without --crf")
            if t.config.lexicon_kinds and lexicon is None:
                raise ConfigError(f"teacher {p} uses KG lexicon features: pass the KG it was "
                                  "trained with (--kg)")
            self.taggers.append(t)
        first = self.taggers[0]
        for p, t in zip(self.paths[1:], self.taggers[1:], strict=True):
            if t.config.scheme != first.config.scheme or t.labels != first.labels:
                raise ConfigError(
                    f"teachers {self.paths[0]} and {p} differ in their labels or tag scheme "
                    f"({first.config.scheme}, {len(first.labels)} labels vs "
                    f"{t.config.scheme}, {len(t.labels)}): an ensemble needs one label set")

    @property
    def labels(self) -> list[str]:
        return self.taggers[0].labels

    @property
    def scheme(self) -> str:
        return self.taggers[0].config.scheme

    def word_probs(self, sentences: Sequence[Sentence],
                   matches: Sequence[Sequence[Any]] | None = None, *, temperature: float,
                   batch_size: int = 128, progress: bool = False) -> list[np.ndarray]:
        """Per sentence, ``float32[n_words, labels]``: the mean over the teachers of
        ``softmax(logits / temperature)`` at each word's first subword; a word no teacher has
        a token for (truncated) gets a row of zeros. ``matches``: each sentence's lexicon
        matches ``(start, end, kind)`` in original offsets (None: each teacher's lexicon)."""
        n_labels = len(self.labels)
        sums = [np.zeros((len(s.tokens), n_labels), np.float64) for s in sentences]
        counts = [np.zeros(len(s.tokens), np.int64) for s in sentences]
        from tqdm.auto import tqdm

        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i].tokens))
        bar = tqdm(total=len(self.taggers) * len(order), disable=not progress, desc="teacher",
                   unit="query", leave=False)
        for tagger in self.taggers:
            for k in range(0, len(order), batch_size):
                idx = order[k:k + batch_size]
                items = tagger.encoder.prepare_many(
                    [sentences[i].text() for i in idx],
                    [sentences[i].word_offsets() for i in idx],
                    matches=None if matches is None else [matches[i] for i in idx])
                logits, _ = tagger.forward(items)
                for i, p, z in zip(idx, items, logits, strict=True):
                    has = np.nonzero(p.first >= 0)[0]
                    if not len(has):
                        continue
                    sums[i][has] += np.exp(
                        log_softmax(z[p.first[has]].astype(np.float64) / temperature))
                    counts[i][has] += 1
                bar.update(len(idx))
        bar.close()
        return [(s / np.maximum(c, 1)[:, None]).astype(np.float32)
                for s, c in zip(sums, counts, strict=True)]

    def soft_targets(self, config: DistillConfig, *, progress: bool = False) -> SoftTargets:
        """The :class:`~parser.tagger.training.SoftTargets` of ``config`` (its unlabelled
        queries read here); ``progress``: a progress bar while the teachers run."""
        extra = [] if config.unlabelled_path is None else \
            read_unlabelled(config.unlabelled_path, limit=config.unlabelled_limit)

        def targets(sentences: Sequence[Sentence],
                    matches: Sequence[Sequence[Any]] | None) -> list[np.ndarray]:
            t0 = time.perf_counter()
            out = self.word_probs(sentences, matches, temperature=config.temperature,
                                  batch_size=config.teacher_batch_size, progress=progress)
            logger.info("teacher probabilities (%d teacher(s), T=%g) of %d sentences in %.1fs",
                        len(self.taggers), config.temperature, len(sentences),
                        time.perf_counter() - t0)
            return out

        return SoftTargets(labels=self.labels, targets=targets, alpha=config.alpha,
                           temperature=config.temperature, extra=extra)


def _key(sentence: Sentence) -> str:
    return "\t".join(sentence.tokens)


def save_soft_targets(path: str | Path, sentences: Sequence[Sentence],
                      probs: Sequence[np.ndarray], *, labels: Sequence[str], temperature: float,
                      meta: dict[str, Any] | None = None) -> Path:
    """Save word label probabilities of ``sentences`` (one ``float32[n_words, labels]`` each,
    as :meth:`Teacher.word_probs` gives them) to a safetensors file, written atomically: one
    float16 matrix of all words and the sentence offsets; the labels, the temperature, each
    sentence's words (its key) and ``meta`` as JSON in the file's metadata.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.safetensors"
    >>> s = [Sentence(["usb", "cable"], ["O", "O"])]
    >>> _ = save_soft_targets(p, s, [np.array([[0.75, 0.25], [1.0, 0.0]], np.float32)],
    ...                       labels=["O", "B-x"], temperature=2.0)
    >>> st = load_soft_targets(p)
    >>> st.temperature, st.targets(s, None)[0].tolist()
    (2.0, [[0.75, 0.25], [1.0, 0.0]])
    """
    import json

    from safetensors.numpy import save

    from kg.io import atomic_write_bytes

    if len(sentences) != len(probs):
        raise ConfigError(f"{len(sentences)} sentences but {len(probs)} probability arrays")
    offsets = np.zeros(len(sentences) + 1, np.int64)
    for i, (s, p) in enumerate(zip(sentences, probs, strict=True)):
        if p.shape != (len(s.tokens), len(labels)):
            raise ConfigError(f"sentence {i}: probabilities of shape {p.shape}, expected "
                              f"({len(s.tokens)}, {len(labels)})")
        offsets[i + 1] = offsets[i] + len(s.tokens)
    matrix = np.concatenate(list(probs)) if probs else np.zeros((0, len(labels)), np.float32)
    info = {"format": SOFT_TARGETS_FORMAT, "labels": list(labels),
            "temperature": float(temperature), "keys": [_key(s) for s in sentences],
            "meta": meta or {}}
    data = save({"probs": matrix.astype(np.float16), "offsets": offsets},
                metadata={"kgqp": json.dumps(info)})
    atomic_write_bytes(path, data)
    logger.info("saved the soft targets of %d sentences to %s", len(sentences), path)
    return Path(path)


def load_soft_targets(path: str | Path, *, alpha: float = 0.5) -> SoftTargets:
    """The :class:`~parser.tagger.training.SoftTargets` saved in ``path``
    (:func:`save_soft_targets`): a training sentence gets the saved probabilities of the
    sentence with the same words, a sentence not in the file none (rows of zeros: the gold
    labels alone teach it; how many is logged).

    Raises:
        DataFormatError: the file is missing, not a soft-targets file, or of a newer format.
    """
    import json

    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such soft-targets file (write one with `kgqp tagger "
                              "soft-targets`)")
    try:
        with safe_open(str(path), framework="numpy") as f:
            info = json.loads((f.metadata() or {})["kgqp"])
            matrix = f.get_tensor("probs").astype(np.float32)
            offsets = f.get_tensor("offsets")
    except Exception as err:
        raise DataFormatError(f"{path} is not a kgqp soft-targets file: {err}") from err
    if int(info.get("format", 0)) > SOFT_TARGETS_FORMAT:
        raise DataFormatError(f"{path}: soft-targets format {info['format']}; this kgqp reads "
                              f"up to {SOFT_TARGETS_FORMAT}: upgrade kgqp")
    labels = list(info["labels"])
    by_key = {k: matrix[offsets[i]:offsets[i + 1]] for i, k in enumerate(info["keys"])}

    def targets(sentences: Sequence[Sentence],
                matches: Sequence[Sequence[Any]] | None) -> list[np.ndarray]:
        out, missing = [], 0
        for s in sentences:
            got = by_key.get(_key(s))
            if got is None:
                missing += 1
                got = np.zeros((len(s.tokens), len(labels)), np.float32)
            out.append(got)
        logger.info("soft targets from %s: %d of %d sentences (%d without)", path,
                    len(sentences) - missing, len(sentences), missing)
        return out

    return SoftTargets(labels=labels, targets=targets, alpha=alpha,
                       temperature=float(info["temperature"]))


def save_teacher_targets(path: str | Path, teachers: Sequence[str | Path],
                         train_path: str | Path, *, graph: Any = None, base: Any = None,
                         folds: int = 5, temperature: float = 2.0, batch_size: int = 128,
                         progress: bool = False) -> Path:
    """Compute the teachers' word label probabilities of the training sentences in
    ``train_path`` and save them (:func:`save_soft_targets`), for students trained later from
    the file (``DistillConfig.targets_path``). With ``graph`` (the KG the teachers were trained
    with) and ``base`` (that KG without the names mined from the training annotations, or its
    pairs), the teachers see the cross-fold matches :func:`distill_with_kg` gives them; with
    ``graph`` alone, its own matches."""
    from parser.tagger.formats import read_data
    from parser.tagger.training import cross_fold_matcher

    dcfg = DistillConfig(teachers=list(teachers), temperature=temperature,
                         teacher_batch_size=batch_size)  # checks the options first
    sentences = read_data(train_path)
    teacher = Teacher(teachers, lexicon=graph)
    matches = cross_fold_matcher(train_path, graph, base, folds=folds)(sentences) \
        if graph is not None and base is not None else None
    probs = teacher.soft_targets(dcfg, progress=progress).targets(sentences, matches)
    meta = {"teachers": [str(t) for t in teachers], "train": Path(train_path).name,
            "cross_fold": matches is not None, "folds": folds}
    return save_soft_targets(path, sentences, probs, labels=teacher.labels,
                             temperature=temperature, meta=meta)


def _soft_targets(dcfg: DistillConfig, lexicon: Any, *, progress: bool) -> SoftTargets:
    """The soft targets of ``dcfg``: from its targets file, or from its teachers."""
    if dcfg.targets_path is not None:
        return load_soft_targets(dcfg.targets_path, alpha=dcfg.alpha)
    return Teacher(dcfg.teachers, lexicon=lexicon).soft_targets(dcfg, progress=progress)


def _record(config: TrainConfig, dcfg: DistillConfig, res: TrainResult) -> TrainResult:
    from kg.io import atomic_write_json

    atomic_write_json(Path(config.out_dir) / "distill_args.json", dcfg.to_json())
    return res


def distill(config: TrainConfig, dcfg: DistillConfig, *, lexicon: Any = None) -> TrainResult:
    """Train the student ``config`` describes by distillation from ``dcfg.teachers``;
    ``lexicon`` (a KG) is the lexicon of the student and the teachers, as in
    :func:`parser.tagger.training.train`. Writes ``distill_args.json`` beside the model."""
    from parser.tagger.training import train

    soft = _soft_targets(dcfg, lexicon, progress=config.progress)
    return _record(config, dcfg, train(config, lexicon=lexicon, soft_targets=soft))


def distill_with_kg(config: TrainConfig, dcfg: DistillConfig, graph: Any, *, base: Any,
                    folds: int = 5) -> TrainResult:
    """:func:`distill` with the cross-fold KG lexicon of
    :func:`parser.tagger.training.train_with_kg` (a KG holding names mined from the training
    annotations): teachers and student see the same cross-fold matches on a training sentence,
    the KG's matches on dev and unlabelled queries."""
    from parser.tagger.training import train_with_kg

    soft = _soft_targets(dcfg, graph, progress=config.progress)
    return _record(config, dcfg, train_with_kg(config, graph, base=base, folds=folds,
                                               soft_targets=soft))
