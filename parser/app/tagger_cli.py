"""``kgqp tagger ...``: a thin typer layer over :mod:`parser.tagger`.

Errors print one ``error: ...`` line and exit with the shared policy's code
(:mod:`parser.app.errors`: 1 runtime/model error, 2 usage or bad input data, 3 KG locked).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from parser.app.errors import check_model_out, cli_errors
from parser.errors import ConfigError

logger = logging.getLogger(__name__)

app = typer.Typer(help="Train, evaluate, export and run the BERT token tagger.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _model_dir(path: Path) -> Path:
    """``path`` if it is a folder; a missing folder is a usage error (exit 2), not a model one."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a tagger folder: pass the folder written by "
                                "`kgqp tagger train --out`")
    return path


def _mined_sources(kg: Path | None) -> list[str]:
    """The sources of the KG at ``kg`` that were mined from training annotations (recorded in
    its ``kgqp-build.json`` by ``kgqp kg build-default``); [] for other KGs."""
    from kg.build import BUILD_INFO

    info = kg / BUILD_INFO if kg is not None else None
    if info is None or not info.is_file():
        return []
    try:
        return list(json.loads(info.read_text(encoding="utf-8")).get("mined_sources") or [])
    except (OSError, ValueError):
        return []


def _train_cross_fold(cfg, graph, *, folds: int):
    """Train with the lexicon of a KG that holds names mined from training annotations: a
    training query of fold k sees them only when mined from the other folds
    (:func:`parser.tagger.training.train_with_kg`), so it never sees its own spans."""
    from parser.tagger.training import train_with_kg

    return train_with_kg(cfg, graph, base=_base_pairs(), folds=folds)


def _base_pairs() -> set[tuple[str, str]]:
    """The ``(name, kind)`` pairs of the default KG built without the mined gazetteers: the
    base of the cross-fold lexicon."""
    from kg.build import build_base
    from parser.tagger.lexicon import kg_pairs

    base = build_base()
    try:
        return kg_pairs(base)
    finally:
        base.close()


def _open_kg(kg: Path | None):
    """The KG at ``kg`` opened read-only (the tagger's lexicon), or None: a folder, or a KG
    server URL (docs/howto-kg-server.md), which the ``Path`` type folded to
    ``sparql+http:/host`` (kg.store.location puts the slash back)."""
    if kg is None:
        return None
    from kg import ProductGraph
    from kg.store import location

    try:
        where = location(kg)
    except ValueError as exc:  # http://... : a URL, but no KG location (as fusion's --kg)
        raise typer.BadParameter(str(exc), param_hint="--kg") from exc
    if isinstance(where, Path) and not where.is_dir():
        raise typer.BadParameter(f"{kg} is not a KG directory", param_hint="--kg")
    return ProductGraph.open(where, read_only=True)


_KG_HELP = ("KG directory, or a KG server URL sparql+http://host:port/ (opened read-only), used "
            "as the lexicon for KG lexicon features.")

# Options shared by `tagger train` and `tagger distill` (the student is trained the same way).
TrainOpt = Annotated[Path, typer.Option("--train", help="Training data: CoNLL, span JSONL "
                                        "(.jsonl) or Label Studio tasks (.json).")]
DevOpt = Annotated[Path, typer.Option("--dev", help="Dev data for model selection.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Output folder.")]
BackboneOpt = Annotated[Path | None, typer.Option(help="Local Hugging Face BERT folder "
                                                  "(default: offline MiniLM-L6).")]
NumLayersOpt = Annotated[int | None, typer.Option(
    help="Keep only the bottom N encoder layers (default: all; the quickstart uses 4 of "
         "MiniLM's 6: docs/benchmarks.md, Tagger, \"The served depth\").")]
EpochsOpt = Annotated[int | None, typer.Option(help="Maximum epochs.")]
LrOpt = Annotated[float | None, typer.Option(help="Encoder learning rate.")]
HeadLrOpt = Annotated[float | None, typer.Option(help="Classifier/CRF/lexicon LR.")]
BatchSizeOpt = Annotated[int | None, typer.Option(help="Training batch size.")]
SeedOpt = Annotated[int | None, typer.Option(help="Random seed.")]
MaxLengthOpt = Annotated[int | None, typer.Option(help="Max subword tokens per text.")]
PatienceOpt = Annotated[int | None, typer.Option(help="Early stopping patience (epochs).")]
LabelSmoothingOpt = Annotated[float | None, typer.Option(help="CE label smoothing.")]
LimitTrainOpt = Annotated[int | None, typer.Option(help="Use only the first N training "
                                                   "sentences.")]
NumThreadsOpt = Annotated[int | None, typer.Option(help="torch CPU threads (default 2).")]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue OUT/checkpoint.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Replace the model OUT already holds (without it, such an OUT is refused); "
    "the old model stays until the new one's first epoch is saved.")]
#: the files that say OUT holds a tagger (or an adapter): refused without --force. With it,
#: the first save of the new model replaces the folder whole (parser.tagger.io.MODEL_FILES and
#: the old run's notes, parser.tagger.training.train), and not before: a bad --dev path or
#: label lost the old model
_HELD_FILES = ("config.json", "kgqp.json", "model.safetensors", "model.onnx", "model.int8.onnx",
               "adapter.json", "adapter.safetensors")
NoProgressOpt = Annotated[bool, typer.Option("--no-progress", help="No progress bar.")]
KgOpt = Annotated[Path | None, typer.Option("--kg", help=_KG_HELP)]
LexiconFoldsOpt = Annotated[int, typer.Option(
    min=2, help="With a --kg that holds names mined from training annotations (the "
    "default KG): folds of the cross-fold lexicon.")]
LexiconKindsOpt = Annotated[str | None, typer.Option(
    help="Comma-separated node kinds used as lexicon features (default with --kg: the "
         "KG's node kinds).")]


def _check_out(out: Path, *, resume: bool, force: bool, init_from: Path | None,
               adapter: bool = False) -> None:
    """Refuse an OUT that would lose a model: the --init-from tagger itself, or a folder that
    holds a model (unless --resume continues it or --force replaces it)."""
    if init_from is not None and out.is_dir() and out.resolve() == Path(init_from).resolve():
        raise ConfigError(f"--out {out} is the --init-from tagger: training would overwrite "
                          "the model it starts from; give another --out")
    check_model_out(out, held_files=() if resume else _HELD_FILES, force=force,
                    hint="" if adapter else "--resume to continue its checkpoint, ")


def _train_config(given: dict, *, train: Path, dev: Path, out: Path, resume: bool,
                  no_progress: bool, kinds: list[str] | None, force: bool = False):
    """The :class:`TrainConfig` of `tagger train` / `tagger distill`: the options given (None:
    the config's default) and the lexicon kinds. Checks OUT first (:func:`_check_out`)."""
    from parser.tagger.training import TrainConfig

    _check_out(out, resume=resume, force=force, init_from=given.get("init_from"),
               adapter=given.get("adapter") is not None)
    if kinds is not None:
        given = {**given, "lexicon_kinds": kinds}
    return TrainConfig(train_path=train, dev_path=dev, out_dir=out, resume=resume,
                       progress=not no_progress,
                       **{k: v for k, v in given.items() if v is not None})


def _resumed(given: dict, out: Path, kg: Path | None) -> dict:
    """``given`` with the settings the run in OUT/checkpoint was started with filled in where
    an option was left off (:func:`parser.tagger.training.resumed_settings`), so that
    ``--resume`` continues on the data and schedule it started on; a conflicting value is
    refused by the training. A run started with a KG is not resumed without one."""
    from parser.tagger.training import RUN_SETTINGS, resumed_settings

    run = resumed_settings(out)
    if run is None:  # no checkpoint (the training says so), or one of an older kgqp
        return given
    taken = {}
    for name, _ in RUN_SETTINGS:
        if name in given and given[name] is None and run.get(name) is not None:
            taken[name] = Path(run[name]) if name == "init_from" else run[name]
    if taken:
        logger.info("--resume: the run's own %s", ", ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in taken.items()))
    was = run.get("kg")
    if isinstance(was, dict) and kg is None:
        raise ConfigError(f"--resume: the run in {out / 'checkpoint'} was started with --kg "
                          f"{was.get('path')} (version {was.get('version')}): give it again "
                          "(without it every lexicon feature would be 0)")
    return {**given, **taken}


@contextlib.contextmanager
def _training_interrupts() -> Iterator[None]:
    """Run a training: SIGTERM (``timeout``, a scheduler) stops it as Ctrl-C does; either
    prints one line saying what OUT holds now and whether its checkpoint can be continued
    with --resume (:class:`parser.tagger.training.TrainingInterrupted`), and exits 128 +
    the signal (130, 143)."""
    from parser.app.errors import interrupts_exit
    from parser.tagger.training import TrainingInterrupted

    with interrupts_exit(lambda exc: exc.state if isinstance(exc, TrainingInterrupted) else ""):
        yield


def _warn_other_kg(model: Path, tagger, graph) -> None:
    """Warn when the KG given is not the one (path and version) the tagger was trained with
    (recorded in its ``kgqp.json``, ``tagger.meta.kg``): its lexicon matches may differ."""
    from parser.tagger.training import kg_mismatch, kg_record

    meta = getattr(getattr(tagger, "config", None), "meta", None) or {}
    differs = kg_mismatch(meta.get("kg"), kg_record(graph)) if graph is not None else None
    if differs:
        logger.warning("%s: %s; its lexicon features may differ from those it was trained "
                       "with (give the --kg it was trained with)", model, differs)


def _lexicon_kinds(lexicon_kinds: str | None, graph, mined: list[str]) -> list[str] | None:
    """``--lexicon-kinds`` as a list; by default the KG's node kinds (a plain KG), or None (a
    default KG with mined names: the default kinds of the cross-fold training)."""
    kinds = [k.strip() for k in lexicon_kinds.split(",") if k.strip()] \
        if lexicon_kinds else None
    if kinds:
        from kg.schema import NodeKind

        unknown = sorted(set(kinds) - {k.value for k in NodeKind})
        if unknown:
            raise ConfigError(f"--lexicon-kinds: unknown node kind(s) {', '.join(unknown)}; "
                              f"choose from {', '.join(k.value for k in NodeKind)}")
    if kinds is None and graph is not None and not mined:
        kinds = sorted(graph.stats().nodes) or None
    return kinds


@app.command()
def stats(file: Annotated[Path, typer.Argument(help="CoNLL or JSONL data file.")]) -> None:
    """Print counts of a data file as JSON (sentences, tokens, scheme, entities per type)."""
    from parser.tagger.data import stats as _stats
    from parser.tagger.formats import read_data

    with cli_errors():
        typer.echo(json.dumps(_stats(read_data(file)), indent=2, ensure_ascii=False))


def _labels_option(labels: str | None, tagger: Path | None) -> list[str] | None:
    """The entity labels allowed in imported data: ``--labels a,b`` or those of ``--tagger``."""
    if labels:
        return [x.strip() for x in labels.split(",") if x.strip()]
    if tagger is not None:
        from parser.tagger.data import _split_tag
        from parser.tagger.io import read_config

        return sorted({_split_tag(lab)[1] for lab in read_config(_model_dir(tagger)).labels}
                      - {""})
    return None


@app.command()
def convert(
    src: Annotated[Path, typer.Argument(
        exists=True, help="CoNLL, span JSONL (.jsonl) or Label Studio tasks (.json) input.")],
    dst: Annotated[Path, typer.Argument(
        help="Output: .jsonl writes span JSONL, .json Label Studio tasks (and "
             "DST.label_config.xml), anything else CoNLL.")],
    scheme: Annotated[str, typer.Option(help="Tag scheme of CoNLL output: bio or bioes.")] = "bio",
    labels: Annotated[str | None, typer.Option(
        help="Comma-separated labels allowed in SRC (default: any).")] = None,
    tagger: Annotated[Path | None, typer.Option(
        help="Allow only the labels of this tagger folder in SRC.")] = None,
    source: Annotated[str, typer.Option(
        help="Label Studio input: auto (a task's last annotation, else its prediction), "
             "annotations (annotated tasks only) or predictions.")] = "auto",
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite an existing DST (without it, an existing file is refused: "
        "it may hold annotations, e.g. a Label Studio export).")] = False,
) -> None:
    """Convert between CoNLL, span JSONL and Label Studio tasks, and between BIO and BIOES.

    The input is validated whole first (offsets, word boundaries, overlaps, labels): a bad
    task is reported with its file and line (or task index) and nothing is written. The
    summary counts the tasks a person annotated and those that are the model's unreviewed
    predictions (span JSONL output keeps the mark: "source"). An existing DST is refused
    unless --force; it is replaced whole (written atomically)."""
    from parser.tagger.data import write_conll
    from parser.tagger.formats import (
        label_studio_config,
        read_data,
        read_tasks,
        write_tasks,
    )

    with cli_errors():
        if scheme not in ("bio", "bioes"):
            raise ConfigError(f"--scheme must be bio or bioes, got {scheme!r}")
        if source not in ("auto", "annotations", "predictions"):
            raise ConfigError("--source must be auto, annotations or predictions, got "
                              f"{source!r}")
        if dst.is_dir():
            raise ConfigError(f"DST {dst} is a folder: give the output file's path")
        if dst.exists() and not force:
            raise ConfigError(f"DST {dst} already exists (annotations, e.g. a Label Studio "
                              "export?): write to a new file, or pass --force to overwrite it")
        allowed = _labels_option(labels, tagger)
        counts: dict[str, int] = {}
        if dst.suffix not in (".json", ".jsonl"):  # CoNLL out: keep the words as read
            sents = read_data(src, scheme=scheme, labels=allowed,  # type: ignore[arg-type]
                              source=source, counts=counts)  # type: ignore[arg-type]
            write_conll(dst, sents)
            n = len(sents)
        else:
            tasks = read_tasks(src, labels=allowed, source=source,  # type: ignore[arg-type]
                               counts=counts)
            write_tasks(dst, tasks)
            if dst.suffix == ".json":
                used = allowed or sorted({s.label for t in tasks for s in t.spans})
                from kg.io import atomic_write_text

                atomic_write_text(dst.with_suffix(".label_config.xml"),
                                  label_studio_config(used) + "\n")
            n = len(tasks)
    typer.echo(f"wrote {n} queries to {dst}{_origins(counts)}")


def _origins(counts: dict[str, int]) -> str:
    """`` (2 annotated, 1 unreviewed predictions, 3 skipped)``: where the labels of an
    annotation file came from ('' for a file that cannot tell: CoNLL, unmarked span JSONL)."""
    parts = [f"{counts[k]} {what}" for k, what in (("annotation", "annotated"),
                                                   ("prediction", "unreviewed predictions"),
                                                   ("skipped", "skipped")) if counts.get(k)]
    return f" ({', '.join(parts)})" if parts else ""


@app.command()
def train(
    train: TrainOpt,
    dev: DevOpt,
    out: OutOpt,
    backbone: BackboneOpt = None,
    num_layers: NumLayersOpt = None,
    epochs: EpochsOpt = None,
    lr: LrOpt = None,
    head_lr: HeadLrOpt = None,
    batch_size: BatchSizeOpt = None,
    seed: SeedOpt = None,
    crf: Annotated[bool | None, typer.Option("--crf/--no-crf", help="Add a CRF layer.")] = None,
    max_length: MaxLengthOpt = None,
    patience: PatienceOpt = None,
    label_smoothing: LabelSmoothingOpt = None,
    limit_train: LimitTrainOpt = None,
    init_from: Annotated[Path | None, typer.Option(
        "--init-from", help="Continue training this tagger folder (e.g. BUNDLE/tagger) on "
        "--train instead of starting from the backbone: same labels, scheme, tokenizer.")
    ] = None,
    replay: Annotated[Path | None, typer.Option(
        "--replay", help="The old labelled data: a sample of it is trained on beside "
        "--train, so the tagger does not forget it.")] = None,
    replay_size: Annotated[int | None, typer.Option(
        "--replay-size", min=0, help="Old sentences to replay (default: as many as --train "
        "holds).")] = None,
    adapter: Annotated[str | None, typer.Option(
        "--adapter", help="Train a LoRA adapter for this market (e.g. en, zh) on the frozen "
        "backbone instead of the whole model; OUT then holds only the adapter and the tagging "
        "head (load several on one backbone with Tagger.markets).")] = None,
    lora_r: Annotated[int, typer.Option(help="LoRA rank of --adapter.")] = 8,
    lora_alpha: Annotated[int, typer.Option(help="LoRA alpha of --adapter.")] = 16,
    num_threads: NumThreadsOpt = None,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
    no_progress: NoProgressOpt = False,
    kg: KgOpt = None,
    lexicon_folds: LexiconFoldsOpt = 5,
    lexicon_kinds: LexiconKindsOpt = None,
    kg_augment: Annotated[float | None, typer.Option(
        "--kg-augment", min=0.0, max=10.0, help="With --kg: add synthetic queries made from the "
        "training ones, their brand/product-type/colour/... spans replaced by other KG names, "
        "as a share of the training sentences (0.5: half as many again).")] = None,
    source: Annotated[str | None, typer.Option(
        help="Label Studio / span JSONL data: annotations (the default: only the tasks a "
        "person annotated; a task nobody annotated, or skipped, is left out), auto (such a "
        "task is trained on with the model's own predictions) or predictions; --resume "
        "takes the run's own.", show_default=False)] = None,
) -> None:
    """Fine-tune a tagger; the best-by-dev-F1 model is saved in OUT.

    With --init-from the training continues a trained tagger on new labels (e.g. a batch from
    `kgqp learn select`, annotated), with --replay old labels beside them; then put OUT in a
    bundle with `kgqp bundle build`."""
    from parser.tagger.training import train as _train

    given = {"backbone": backbone, "num_layers": num_layers,
             "epochs": epochs, "lr": lr, "head_lr": head_lr,
             "batch_size": batch_size, "seed": seed, "crf": crf, "max_length": max_length,
             "patience": patience, "label_smoothing": label_smoothing,
             "limit_train": limit_train, "num_threads": num_threads, "init_from": init_from,
             "replay_path": replay, "replay_size": replay_size, "kg_augment": kg_augment,
             "source": source,
             "adapter": None if adapter is None else {"market": adapter, "r": lora_r,
                                                      "alpha": lora_alpha}}
    with cli_errors(), _training_interrupts():
        if resume:
            given = _resumed(given, out, kg)
        graph = _open_kg(kg)
        try:
            mined = _mined_sources(kg)
            cfg = _train_config(given, train=train, dev=dev, out=out, resume=resume,
                                force=force,
                                no_progress=no_progress,
                                kinds=_lexicon_kinds(lexicon_kinds, graph, mined))
            if cfg.kg_augment and graph is None:
                raise typer.BadParameter("--kg-augment needs --kg (the names come from it)")
            if mined:  # names mined from training annotations: seen cross-fold, never whole
                res = _train_cross_fold(cfg, graph, folds=lexicon_folds)
            else:
                from parser.tagger.lexicon import kg_pairs
                from parser.tagger.training import kg_augmenter

                augment = kg_augmenter(cfg, kg_pairs(graph)) if cfg.kg_augment else None
                res = _train(cfg, lexicon=graph, augment=augment)
        finally:
            if graph is not None:
                graph.close()
    typer.echo(json.dumps({"out": str(res.out_dir), "best_dev_f1": res.best_f1,
                           "best_epoch": res.best_epoch}))


@app.command("soft-targets")
def soft_targets(
    teacher: Annotated[list[Path], typer.Option(
        "--teacher", metavar="DIR",
        help="A trained tagger folder; repeat it for an ensemble (the mean of their label "
        "probabilities).")],
    train: TrainOpt,
    out: Annotated[Path, typer.Option("--out", help="The file to write (.safetensors).")],
    temperature: Annotated[float, typer.Option(
        help="Softmax temperature of the probabilities (> 0).")] = 2.0,
    kg: KgOpt = None,
    lexicon_folds: LexiconFoldsOpt = 5,
    no_progress: NoProgressOpt = False,
) -> None:
    """Save the teachers' label probabilities of the --train sentences, for students distilled
    later without the teachers (`kgqp tagger distill --targets FILE`).

    Give the --kg the teachers were trained with; a default KG (names mined from the training
    annotations) gives them the cross-fold matches `tagger distill` would."""
    from parser.tagger.distill import save_teacher_targets

    with cli_errors():
        graph = _open_kg(kg)
        try:
            path = save_teacher_targets(
                out, list(teacher), train, graph=graph,
                base=_base_pairs() if _mined_sources(kg) else None, folds=lexicon_folds,
                temperature=temperature, progress=not no_progress)
        finally:
            if graph is not None:
                graph.close()
    typer.echo(json.dumps({"out": str(path)}))


@app.command()
def distill(
    train: TrainOpt,
    dev: DevOpt,
    out: OutOpt,
    teacher: Annotated[list[Path] | None, typer.Option(
        "--teacher", metavar="DIR",
        help="A trained tagger folder to learn from; repeat it for an ensemble "
        "(the mean of their label probabilities; same labels and tag scheme).")] = None,
    targets: Annotated[Path | None, typer.Option(
        "--targets", help="Instead of --teacher: their probabilities saved by `kgqp tagger "
        "soft-targets` (the temperature is the file's).")] = None,
    unlabelled: Annotated[Path | None, typer.Option(
        "--unlabelled", help="Unlabelled queries, one per line: trained on with the "
        "teachers' probabilities only.")] = None,
    unlabelled_limit: Annotated[int | None, typer.Option(
        min=1, help="Use only the first N distinct queries of --unlabelled.")] = None,
    alpha: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Weight of the distillation term (1 - alpha: the gold "
        "labels' cross-entropy).")] = 0.5,
    temperature: Annotated[float, typer.Option(
        help="Softmax temperature of teachers and student in the "
        "distillation term (> 0).")] = 2.0,
    backbone: BackboneOpt = None,
    num_layers: NumLayersOpt = None,
    epochs: EpochsOpt = None,
    lr: LrOpt = None,
    head_lr: HeadLrOpt = None,
    batch_size: BatchSizeOpt = None,
    seed: SeedOpt = None,
    max_length: MaxLengthOpt = None,
    patience: PatienceOpt = None,
    label_smoothing: LabelSmoothingOpt = None,
    limit_train: LimitTrainOpt = None,
    num_threads: NumThreadsOpt = None,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
    no_progress: NoProgressOpt = False,
    kg: KgOpt = None,
    lexicon_folds: LexiconFoldsOpt = 5,
    lexicon_kinds: LexiconKindsOpt = None,
    crf: Annotated[bool | None, typer.Option(
        "--crf/--no-crf", help="A CRF student: the distillation term acts on its emission "
        "scores, the gold labels go through the CRF.")] = None,
) -> None:
    """Train a student tagger by knowledge distillation from one or more trained taggers.

    The student is trained as `kgqp tagger train` trains one (same options), its loss mixing
    the gold labels' cross-entropy (the CRF's likelihood with --crf) and the KL divergence from
    the teachers' label probabilities at --temperature; --unlabelled queries add the
    distillation term only. Give the --kg the teachers were trained with: they see the same
    lexicon matches."""
    from parser.tagger.distill import DistillConfig, distill_with_kg
    from parser.tagger.distill import distill as _distill

    given = {"backbone": backbone, "num_layers": num_layers, "epochs": epochs, "lr": lr,
             "head_lr": head_lr, "batch_size": batch_size, "seed": seed,
             "max_length": max_length, "patience": patience,
             "label_smoothing": label_smoothing, "limit_train": limit_train,
             "num_threads": num_threads, "crf": crf}
    with cli_errors(), _training_interrupts():
        if resume:
            given = _resumed(given, out, kg)
        dcfg = DistillConfig(teachers=list(teacher or []), alpha=alpha,
                             temperature=temperature, unlabelled_path=unlabelled,
                             unlabelled_limit=unlabelled_limit, targets_path=targets)
        graph = _open_kg(kg)
        try:
            mined = _mined_sources(kg)
            cfg = _train_config(given, train=train, dev=dev, out=out, resume=resume,
                                force=force,
                                no_progress=no_progress,
                                kinds=_lexicon_kinds(lexicon_kinds, graph, mined))
            if mined:  # as `tagger train`: the mined names seen cross-fold
                res = distill_with_kg(cfg, dcfg, graph, base=_base_pairs(),
                                      folds=lexicon_folds)
            else:
                res = _distill(cfg, dcfg, lexicon=graph)
        finally:
            if graph is not None:
                graph.close()
    typer.echo(json.dumps({"out": str(res.out_dir), "best_dev_f1": res.best_f1,
                           "best_epoch": res.best_epoch}))


@app.command()
def evaluate(
    model: Annotated[Path, typer.Argument(help="Tagger folder.")],
    data: Annotated[Path, typer.Option("--data", help="Gold data (CoNLL or JSONL).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    backend: Annotated[str, typer.Option(help="torch or onnx.")] = "torch",
    int8: Annotated[bool | None, typer.Option("--int8/--fp32", help="ONNX file to use.")] = None,
    kg: Annotated[Path | None, typer.Option("--kg", help=_KG_HELP)] = None,
) -> None:
    """Strict entity-level precision/recall/F1 (seqeval) of a tagger on gold data."""
    from parser.tagger.predict import Tagger
    from parser.tagger.training import evaluate as _evaluate

    with cli_errors():
        if int8 is not None and backend != "onnx":
            raise ConfigError("--int8/--fp32 choose the ONNX file: add --backend onnx")
        graph = _open_kg(kg)
        tagger = Tagger.from_pretrained(_model_dir(model), backend=backend,  # type: ignore[arg-type]
                                        int8=int8, lexicon=graph)
        _warn_other_kg(model, tagger, graph)
        scores = _evaluate(tagger, data)
    if as_json:
        typer.echo(json.dumps(scores))
        return
    typer.echo(f"P {scores['precision']:.4f} R {scores['recall']:.4f} F1 {scores['f1']:.4f} "
               f"macro-F1 {scores['macro_f1']:.4f} ({scores['n_sentences']} sentences)")
    for typ, s in sorted(scores["per_type"].items(), key=lambda kv: -kv[1]["support"]):
        typer.echo(f"  {typ:20s} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} "
                   f"n={s['support']}")


@app.command("export-onnx")
def export_onnx(
    model: Annotated[Path, typer.Argument(help="Tagger folder.")],
    int8: Annotated[bool, typer.Option(
        "--int8", help="Also write an INT8 model (8-bit weights; batch-independent).")] = False,
) -> None:
    """Export the tagger to ONNX (model.onnx; with --int8 also model.int8.onnx)."""
    from parser.tagger.onnx import export_onnx as _export

    with cli_errors():
        typer.echo(str(_export(_model_dir(model), int8=int8)))


@app.command()
def predict(
    model: Annotated[Path, typer.Argument(help="Tagger folder.")],
    texts: Annotated[list[str], typer.Argument(help="Texts to tag.")],
    backend: Annotated[str, typer.Option(help="torch or onnx.")] = "torch",
    kg: Annotated[Path | None, typer.Option("--kg", help=_KG_HELP)] = None,
) -> None:
    """Tag texts; prints one JSON object per text."""
    from dataclasses import asdict

    from parser.tagger.predict import Tagger

    with cli_errors():
        graph = _open_kg(kg)
        tagger = Tagger.from_pretrained(_model_dir(model), backend=backend,  # type: ignore[arg-type]
                                        lexicon=graph)
        _warn_other_kg(model, tagger, graph)
        for res in tagger.pipe(texts):
            typer.echo(json.dumps(asdict(res), ensure_ascii=False))
