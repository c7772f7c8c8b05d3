"""``kgqp fusion``: train and evaluate the GNN fusion intent model, expand queries.

A thin typer layer over :func:`fusion.train_fusion`, :meth:`fusion.FusionModel.from_pretrained`
and :func:`fusion.expand.expand`; heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="GNN fusion: category intent from text + KG, query expansion.",
)
logger = logging.getLogger(__name__)


def _kg_location(value: Path) -> Path:
    """``--kg``: a KG folder that exists, or a KG server URL (docs/howto-kg-server.md), which
    the ``Path`` type folded to ``sparql+http:/host``: ``ProductGraph.open`` reads it back
    (kg.store.location). A missing folder is refused here, before any model is loaded."""
    from kg.store import location

    try:
        where = location(value)
    except ValueError as exc:  # http://... : a URL, but no KG location
        raise typer.BadParameter(str(exc)) from exc
    if isinstance(where, Path):
        if not where.exists():
            raise typer.BadParameter(
                f"KG directory {where} does not exist: build one with `kgqp kg build-default "
                f"{where}`, or give a KG server URL sparql+http://host:port/")
        if not where.is_dir():
            raise typer.BadParameter(f"{where} is a file, not a KG directory")
    return value


_KG = typer.Option(
    ..., "--kg", callback=_kg_location,
    help="KG directory (kgqp kg build-default), or a KG server URL sparql+http://host:port/ "
    "(docs/howto-kg-server.md).")
_ENC = typer.Option(
    "minilm",
    "--text-encoder",
    help="Query/node text encoder: minilm (offline MiniLM-L6) or hashing (tests).",
)
_THREADS = typer.Option(0, "--threads", help="torch CPU threads (0 = torch default).")


def _fail(exc: Exception) -> None:
    """One ``error: ...`` line and the exit code of the shared policy (parser.app.errors)."""
    from parser.app.errors import cli_errors

    with cli_errors():
        raise exc


#: GNN pre-training steps of the recipe (fusion.gnn.GNNConfig's default; a literal here keeps
#: the CLI's import light, tests/fusion/test_cli.py checks they agree)
_GNN_STEPS = 100

def _check_out(out: Path, force: bool) -> None:
    """Refuse an --out that would lose a model: a file, a tagger folder, or a folder that holds
    a fusion model (unless --force: ``FusionModel.save_pretrained`` replaces the old model whole
    when the new one is saved, so a failed run keeps it)."""
    from fusion.model import MODEL_FILES
    from parser.app.errors import check_model_out
    from parser.errors import ConfigError

    if (out / "kgqp.json").exists() or (out / "vocab.txt").exists():
        raise ConfigError(f"--out {out} is a tagger folder: give the fusion model its own")
    check_model_out(out, held_files=sorted(MODEL_FILES), force=force)


_ALL_VARIANTS = "text,names,pointer,nodes,graph,full"


def _given(**options: object) -> dict[str, object]:
    """The options given on the command line (``None``: the library's default)."""
    return {k: v for k, v in options.items() if v is not None}


#: the heads' training settings both `fusion train` and `fusion evaluate --cv` take: option
#: name -> (bounds, what it sets); unset, the library's default holds
_HEAD_OPTIONS: dict[str, tuple[float, float, str]] = {
    "lr": (1e-6, 1.0, "peak learning rate of the heads' one-cycle schedule (default: "
           "fusion.train.TrainConfig's)."),
    "weight_decay": (0.0, 1.0, "AdamW weight decay of the heads (default: "
                     "fusion.train.TrainConfig's)."),
    "label_smoothing": (0.0, 0.5, "label smoothing of the lvl1 loss (default: "
                        "fusion.train.TrainConfig's)."),
    "dropout": (0.0, 0.9, "dropout of the heads' text and classifier layers (default: "
                "fusion.FusionConfig's)."),
    "lvl0_weight": (0.0, 10.0, "weight of the department (lvl0) loss beside the lvl1 loss "
                    "(default: fusion.train.TrainConfig's)."),
}


def _head_option(name: str, *, cv: bool = False) -> Any:
    """The typer option of :data:`_HEAD_OPTIONS` ``name`` (``--cv: ``-prefixed for evaluate)."""
    low, high, text = _HEAD_OPTIONS[name]
    return typer.Option(None, "--" + name.replace("_", "-"), min=low, max=high,
                        help="--cv: " + text if cv else text[0].upper() + text[1:])


def _head_settings(head: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """The :data:`_HEAD_OPTIONS` given (``head``: from :func:`_given`), split into the
    keyword arguments of ``TrainConfig`` and of ``FusionConfig`` (``dropout``)."""
    train = dict(head)
    fusion = {k: train.pop(k) for k in ("dropout",) if k in train}
    return train, fusion


def _threads(n: int) -> None:
    if n > 0:
        import torch

        torch.set_num_threads(n)


@app.command()
def train(
    kg: Path = _KG,
    train_files: list[Path] = typer.Option(
        ...,
        "--train",
        exists=True,
        dir_okay=False,
        help="Labelled queries JSONL, one row a line: {\"query\": ..., \"category\": "
        "\"lvl0 > lvl1[ > ...]\"} (a path of the KG's tree; the labels are its first two "
        "levels), or Best Buy query-suggestion rows (data/bestbuy/queries_train.jsonl); "
        "see docs/howto/train-tagger.md. Repeat to pool files (e.g. train and dev for the "
        "model you ship, once cross-validation chose the recipe).",
    ),
    dev_file: Path | None = typer.Option(
        None, "--dev", exists=True, dir_okay=False,
        help="Dev JSONL (rows as in --train): reported; selects the epoch only with "
        "--select-epoch. Leave it out when it is one of the --train files.",
    ),
    out: Path = typer.Option(..., "--out", help="Output model folder."),
    tagger: Path = typer.Option(
        ...,
        "--tagger",
        exists=True,
        file_okay=False,
        help="The tagger the model is paired with: its encoder embeds the queries and its "
        "spans, linked into --kg, are the model's graph inputs, as a bundle serves them. "
        "Bundle the model with this tagger.",
    ),
    no_graph: bool = typer.Option(False, "--no-graph", help="Ablation: text only, no KG branch."),
    no_label_names: bool = typer.Option(
        False, "--no-label-names", help="Ablation: labels as bare indices, without the "
        "embeddings of their names and KG categories (fusion.labels)."),
    no_taxonomy_queries: bool = typer.Option(
        False, "--no-taxonomy-queries", help="Ablation: train on the labelled queries only, "
        "without the KG's category names as weak training queries (fusion.weak)."),
    taxonomy_labels: bool | None = typer.Option(
        None, "--taxonomy-labels/--no-taxonomy-labels", help="Add the labels the KG's tree "
        "names beside the training labels to the label space, learnt from the category names "
        "under them (fusion.weak.taxonomy_labels; default: "
        "fusion.train.DEFAULT_TAXONOMY_LABELS)."),
    epochs: int = typer.Option(40, "--epochs", min=1),
    link_dropout: float | None = typer.Option(
        None, "--link-dropout", min=0.0, max=0.95,
        help="Share of training queries whose links are hidden in each batch "
        "(default: fusion.train.TrainConfig's)."),
    swa_epochs: int | None = typer.Option(
        None, "--swa-epochs", min=0, help="Epochs after the schedule whose weights are "
        "averaged (stochastic weight averaging; default: fusion.train.TrainConfig's)."),
    lr: float | None = _head_option("lr"),
    weight_decay: float | None = _head_option("weight_decay"),
    label_smoothing: float | None = _head_option("label_smoothing"),
    dropout: float | None = _head_option("dropout"),
    lvl0_weight: float | None = _head_option("lvl0_weight"),
    seed: int = typer.Option(0, "--seed"),
    select_epoch: bool = typer.Option(
        False, "--select-epoch", help="Keep the epoch with the best dev lvl1 (dev then no "
        "longer reports held-out accuracy)."),
    hidden_dim: int | None = typer.Option(
        None, "--hidden-dim", min=1, help="Width of each head (default: "
        "fusion.train.DEFAULT_HIDDEN_DIM)."),
    members: int | None = typer.Option(
        None, "--members", min=1, help="Heads of the model, each trained on its own seed; "
        "it predicts their geometric mean (default: fusion.train.DEFAULT_MEMBERS)."),
    memory_weight: float | None = typer.Option(
        None, "--memory-weight", min=0.0, max=0.99, help="Weight of the nearest-neighbour vote "
        "of the training queries in the intent (fusion.memory; 0: off; default: "
        "fusion.train.DEFAULT_MEMORY_WEIGHT)."),
    gnn_layer: str = typer.Option("sage", "--gnn-layer", help="sage, graph or gat."),
    gnn_steps: int = typer.Option(_GNN_STEPS, "--gnn-steps", min=1),
    gnn_seconds: float | None = typer.Option(
        None, "--gnn-seconds", help="Optional GNN pre-training time budget (default: none, so "
        "the embeddings depend on the seed only)."),
    cache: Path | None = typer.Option(
        None,
        "--cache",
        help="Cache of node text embeddings and GNN embeddings, reused while "
        "the KG is unchanged (default: <out>/../.fusion-cache).",
    ),
    text_encoder: str = _ENC,
    threads: int = _THREADS,
    force: bool = typer.Option(False, "--force", help="Replace the model --out already holds "
                               "(without it, such an --out is refused)."),
) -> None:
    """Train the fusion intent model on labelled queries and save it to --out."""
    from fusion import FusionConfig, FusionError
    from fusion.gnn import GNNConfig
    from fusion.train import (
        DEFAULT_HIDDEN_DIM,
        DEFAULT_MEMBERS,
        DEFAULT_MEMORY_WEIGHT,
        TrainConfig,
        train_from_files,
    )
    from kg import KGError, ProductGraph
    from parser.errors import ParserError
    from parser.pipeline import QueryParser

    _threads(threads)
    head_train, head_fusion = _head_settings(_given(
        lr=lr, weight_decay=weight_decay, label_smoothing=label_smoothing, dropout=dropout,
        lvl0_weight=lvl0_weight))
    try:
        _check_out(out, force)
        graph = ProductGraph.open(kg, read_only=True)
        model, metrics = train_from_files(
            graph, train_files, dev_file, out,
            featurizer=QueryParser.featurizer(tagger, graph),
            config=FusionConfig(use_graph=not no_graph, use_label_names=not no_label_names,
                                hidden_dim=hidden_dim or DEFAULT_HIDDEN_DIM,
                                members=members or DEFAULT_MEMBERS,
                                memory_weight=DEFAULT_MEMORY_WEIGHT if memory_weight is None
                                else memory_weight, **head_fusion),
            train_config=TrainConfig(epochs=epochs, seed=seed, select_epoch=select_epoch,
                                     **_given(link_dropout=link_dropout,
                                              swa_epochs=swa_epochs), **head_train),
            gnn_config=GNNConfig(layer=gnn_layer, steps=gnn_steps, max_seconds=gnn_seconds,
                                 seed=seed),
            text_encoder=text_encoder,
            cache_dir=cache or out.parent / ".fusion-cache" / gnn_layer,
            taxonomy_queries=not no_taxonomy_queries, taxonomy_labels=taxonomy_labels,
            progress=True,
        )
    except (FusionError, KGError, ParserError, OSError) as exc:
        _fail(exc)
    logger.info("saved %s; dev %s", out, metrics)
    typer.echo(json.dumps({"out": str(out), "dev": metrics or None,
                           "best_epoch": model.training_report["best_epoch"]}))


@app.command("evaluate")
def evaluate_cmd(
    model_dir: Path | None = typer.Argument(
        None, exists=True, file_okay=False,
        help="Model folder (not with --cv: cross-validation trains its own)."),
    kg: Path = _KG,
    data: list[Path] = typer.Option(
        ..., "--data", exists=True, dir_okay=False,
        help="Labelled queries JSONL (rows as in `fusion train --train`); repeat to pool "
        "files (--cv folds run over all of them)."),
    tagger: Path = typer.Option(
        ..., "--tagger", exists=True, file_okay=False,
        help="The tagger the model was (or, with --cv, is) trained with.",
    ),
    cv: int = typer.Option(0, "--cv", min=0, help="k-fold cross-validation with K folds over "
                           "--data (0: evaluate MODEL_DIR instead)."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="--cv: seeds (one split and one "
                              "training seed each); mean and spread are reported. The GNN "
                              "node embeddings are pre-trained once, with --gnn-seed (0), for "
                              "all of them, so the spread leaves out the GNN-seed variance "
                              "that `fusion train --seed` runs show; vary --gnn-seed to see "
                              "it."),
    first_seed: int = typer.Option(
        0, "--first-seed", min=0, help="--cv: the first seed: --seeds N runs seeds FIRST .. "
        "FIRST+N-1 (fresh folds for a recipe chosen on seeds 0..N-1)."),
    variants: str = typer.Option(
        _ALL_VARIANTS, "--variants",
        help="--cv: ablations, comma-separated: text (text only), names (+ label names "
        "only), pointer (+ category pointer only), nodes (+ GNN node embeddings only), graph "
        "(pointer + nodes), full (all)."),
    epochs: int = typer.Option(40, "--epochs", min=1, help="--cv: fusion head epochs."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="--cv: head batch size."),
    hidden_dim: int | None = typer.Option(
        None, "--hidden-dim", min=1, help="--cv: width of each head (default: "
        "fusion.train.DEFAULT_HIDDEN_DIM, as `fusion train`)."),
    members: int | None = typer.Option(
        None, "--members", min=1, help="--cv: heads per model, each trained on its own seed "
        "and averaged (default: fusion.train.DEFAULT_MEMBERS, as `fusion train`)."),
    memory_weight: float | None = typer.Option(
        None, "--memory-weight", min=0.0, max=0.99, help="--cv: weight of the nearest-neighbour "
        "vote of each fold's training queries in the intent (as `fusion train`; 0: off; "
        "default: fusion.train.DEFAULT_MEMORY_WEIGHT)."),
    link_dropout: float | None = typer.Option(
        None, "--link-dropout", min=0.0, max=0.95,
        help="--cv: share of training queries whose links are hidden in each batch "
        "(default: fusion.train.TrainConfig's)."),
    swa_epochs: int | None = typer.Option(
        None, "--swa-epochs", min=0, help="--cv: epochs after the schedule whose weights are "
        "averaged (default: fusion.train.TrainConfig's)."),
    lr: float | None = _head_option("lr", cv=True),
    weight_decay: float | None = _head_option("weight_decay", cv=True),
    label_smoothing: float | None = _head_option("label_smoothing", cv=True),
    dropout: float | None = _head_option("dropout", cv=True),
    lvl0_weight: float | None = _head_option("lvl0_weight", cv=True),
    gnn_steps: int = typer.Option(_GNN_STEPS, "--gnn-steps", min=1, help="--cv: GNN steps."),
    gnn_seed: int = typer.Option(
        0, "--gnn-seed", help="--cv: seed of the one GNN pre-training whose node embeddings "
        "every CV seed uses (the report's config records it)."),
    group_near_duplicates: bool = typer.Option(
        False, "--group-near-duplicates", help="--cv: keep near-duplicate queries (the same "
        "words up to case, order, repetition and a plural s: \"samsung tv\" / \"tv "
        "samsung\") in one fold, so no query's twin is in its training folds: an estimate "
        "for queries unlike any training query. Off by default, since a random split (such "
        "as Best Buy's dev split) keeps such twins apart at about the same rate as the "
        "ungrouped folds."),
    taxonomy_queries: bool = typer.Option(
        True, "--taxonomy-queries/--no-taxonomy-queries",
        help="--cv: add the KG's category names as weak training queries to every training "
        "fold, as `fusion train` does (fusion.weak); --no-taxonomy-queries is the ablation."),
    taxonomy_labels: bool | None = typer.Option(
        None, "--taxonomy-labels/--no-taxonomy-labels", help="--cv: each training fold's "
        "label space also holds the labels the KG's tree names beside its labels, as `fusion "
        "train` (default: fusion.train.DEFAULT_TAXONOMY_LABELS)."),
    features: Path | None = typer.Option(
        None, "--features", help="--cv: folder caching the featurised queries (reused while "
        "the tagger, KG version and data files, paths and contents (sha256), are the same; "
        "else featurised again and replaced)."),
    cache: Path | None = typer.Option(
        None, "--cache", help="--cv: node embedding cache (default: <features or .>/"
        ".fusion-cache)."),
    report: Path | None = typer.Option(None, "--report", help="--cv: write the full report "
                                       "(every run, thresholds) as JSON here."),
    save_thresholds: Path | None = typer.Option(
        None, "--save-thresholds", exists=True, file_okay=False,
        help="--cv: write the calibrated thresholds to this fusion model folder "
        "(thresholds.json; `kgqp bundle` puts them in the manifest)."),
    intent_precision: float = typer.Option(
        0.8, "--intent-precision", min=0.0, max=1.0,
        help="--cv: precision (lvl1 right) a confident intent must have; calibrates the "
        "intent threshold."),
    filter_precision: float = typer.Option(
        0.95, "--filter-precision", min=0.0, max=1.0,
        help="--cv: precision a hard category filter must have (department right; for the "
        "intent's lvl1 category as the filter, lvl1 right); calibrates the hard-filter and "
        "lvl1-filter thresholds."),
    confidence: float = typer.Option(
        0.9, "--confidence", min=0.0, max=0.999,
        help="--cv: a threshold must reach its precision target with this one-sided "
        "confidence (Wilson lower bound; 0: the observed precision alone)."),
    text_encoder: str = _ENC,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    threads: int = _THREADS,
) -> None:
    """Accuracy on a labelled JSONL: lvl0, lvl1 and lvl1 top-3 accuracy; with --cv K, k-fold
    cross-validation (x --seeds) of the ablations on precomputed inputs, and the calibrated
    intent, hard-filter and lvl1-filter thresholds (see fusion.cv)."""
    from fusion import FusionError, FusionModel
    from fusion.data import build_examples, load_labeled_queries
    from fusion.evaluate import evaluate
    from kg import KGError, ProductGraph
    from parser.errors import ConfigError, ParserError
    from parser.pipeline import QueryParser

    _threads(threads)
    if cv:
        try:
            metrics = _cross_validate(
                kg=kg, data=data, tagger=tagger, folds=cv, seeds=seeds, variants=variants,
                epochs=epochs, batch_size=batch_size, link_dropout=link_dropout,
                swa_epochs=swa_epochs, hidden_dim=hidden_dim, members=members,
                head=_given(lr=lr, weight_decay=weight_decay, label_smoothing=label_smoothing,
                            dropout=dropout, lvl0_weight=lvl0_weight),
                first_seed=first_seed,
                memory_weight=memory_weight, gnn_steps=gnn_steps, gnn_seed=gnn_seed,
                group_near_duplicates=group_near_duplicates, features=features,
                cache=cache, taxonomy_queries=taxonomy_queries, taxonomy_labels=taxonomy_labels,
                text_encoder=text_encoder, intent_precision=intent_precision,
                filter_precision=filter_precision, confidence=confidence, report=report)
            if save_thresholds is not None:
                from kg.io import atomic_write_json

                atomic_write_json(save_thresholds / "thresholds.json", metrics["thresholds"])
        except (FusionError, KGError, ParserError, OSError) as exc:
            _fail(exc)
        typer.echo(json.dumps(metrics, indent=None if as_json else 1))
        return
    if model_dir is None:
        _fail(ValueError("give a MODEL_DIR to evaluate, or --cv K to cross-validate"))
    cv_only = [name for name, given in (("--save-thresholds", save_thresholds is not None),
                                        ("--report", report is not None),
                                        ("--group-near-duplicates", group_near_duplicates),
                                        ("--variants", variants != _ALL_VARIANTS))
               if given]
    if cv_only:
        _fail(ValueError(f"{', '.join(cv_only)} need --cv K (they report a cross-validation); "
                         "without --cv MODEL_DIR is evaluated as it is"))
    try:
        graph = ProductGraph.open(kg, read_only=True)
        model = FusionModel.from_pretrained(model_dir, kg=graph)
        featurizer = QueryParser.featurizer(tagger, graph)
        if featurizer.name != model.text_encoder_name:
            raise ConfigError(f"{model_dir} was trained with the tagger {model.text_encoder_name}"
                              f", not {tagger} ({featurizer.name})")
        examples = build_examples([q for f in data for q in load_labeled_queries(f)],
                                  featurizer)
        metrics = evaluate(model, examples)
    except (FusionError, KGError, ParserError, OSError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(metrics))
    else:
        for k, v in metrics.items():
            typer.echo(f"{k:>20}: {v:.4f}" if isinstance(v, float) else f"{k:>20}: {v}")


def _cross_validate(*, kg: Path, data: list[Path], tagger: Path, folds: int, seeds: int,
                    variants: str, epochs: int, batch_size: int, link_dropout: float | None,
                    swa_epochs: int | None, hidden_dim: int | None, members: int | None,
                    head: dict[str, float] | None = None, first_seed: int = 0,
                    memory_weight: float | None, gnn_steps: int, gnn_seed: int = 0,
                    group_near_duplicates: bool = False,
                    features: Path | None, taxonomy_queries: bool,
                    taxonomy_labels: bool | None,
                    cache: Path | None, text_encoder: str, intent_precision: float,
                    filter_precision: float, confidence: float,
                    report: Path | None) -> dict:
    """``evaluate --cv``: featurise --data once (as served), then fusion.cv.cross_validate."""
    from fusion import FusionConfig, FusionError
    from fusion import weak as taxonomy
    from fusion.cv import (
        VARIANTS,
        CVConfig,
        cross_validate,
        features_meta,
        load_examples,
        save_examples,
        stale_features,
    )
    from fusion.data import build_examples, load_labeled_queries
    from fusion.gnn import GNNConfig, compute_node_embeddings
    from fusion.labels import embed_label_names
    from fusion.text import get_text_encoder
    from fusion.train import (
        DEFAULT_HIDDEN_DIM,
        DEFAULT_MEMBERS,
        DEFAULT_MEMORY_WEIGHT,
        TrainConfig,
        use_taxonomy_labels,
    )
    from kg import ProductGraph
    from parser.pipeline import QueryParser

    tree_labels = use_taxonomy_labels(taxonomy_labels, taxonomy_queries)
    graph = ProductGraph.open(kg, read_only=True)
    featurizer = QueryParser.featurizer(tagger, graph)
    # the variants are checked here, before the queries are featurised
    head_train, head_fusion = _head_settings(head or {})
    config = CVConfig(folds=folds, seeds=tuple(range(first_seed, first_seed + seeds)),
                      variants=tuple(v.strip() for v in variants.split(",") if v.strip()),
                      train=TrainConfig(epochs=epochs, batch_size=batch_size,
                                        **_given(link_dropout=link_dropout,
                                                 swa_epochs=swa_epochs), **head_train),
                      fusion=FusionConfig(text_dim=featurizer.dim,
                                          members=members or DEFAULT_MEMBERS,
                                          hidden_dim=hidden_dim or DEFAULT_HIDDEN_DIM,
                                          memory_weight=DEFAULT_MEMORY_WEIGHT
                                          if memory_weight is None else memory_weight,
                                          **head_fusion),
                      intent_precision=intent_precision, filter_precision=filter_precision,
                      confidence=confidence,
                      taxonomy_labels=tree_labels,
                      group_near_duplicates=group_near_duplicates)
    want = features_meta(featurizer.name, graph.version, data)
    examples = None
    if features is not None and (features / "meta.json").is_file():
        try:
            cached, meta = load_examples(features)
        except FusionError as exc:
            logger.warning("ignoring %s: %s", features, exc)
        else:
            stale = stale_features(meta, want)
            if not stale:
                logger.info("reusing the featurised queries in %s", features)
                examples = cached
            else:
                logger.warning("%s was featurised from other inputs (%s differ): featurising "
                               "--data again and replacing it", features, ", ".join(stale))
    if examples is None:
        queries = [q for f in data for q in load_labeled_queries(f)]
        examples = build_examples(queries, featurizer, progress=True)
        if features is not None:
            save_examples(features, examples, meta=want)
    label_text = None
    if any(VARIANTS[v]["use_label_names"] for v in config.variants):
        labels = sorted({ex.lvl1 for ex in examples})
        if config.taxonomy_labels:  # every fold's extension is within the whole data's
            labels = taxonomy.taxonomy_labels(graph, labels)
        label_text = embed_label_names(labels, featurizer, graph)
    emb = None
    if any(VARIANTS[v]["use_graph"] for v in config.variants):
        emb = compute_node_embeddings(
            graph, text_encoder=get_text_encoder(text_encoder),
            config=GNNConfig(steps=gnn_steps, seed=gnn_seed),
            cache_dir=cache or (features or Path(".")) / ".fusion-cache", progress=True)
    weak = (taxonomy.featurize_weak(taxonomy.taxonomy_queries(graph), featurizer)
            if taxonomy_queries else [])
    rep = cross_validate(examples, config=config, kg=graph, node_embeddings=emb,
                         label_text=label_text, weak=weak, progress=True)
    out = rep.to_dict()
    out["config"]["gnn_seed"] = gnn_seed
    out["config"]["gnn_steps"] = gnn_steps
    out["config"]["gnn_seed_note"] = (
        "the GNN node embeddings are pre-trained once, with gnn_seed, for every CV seed: the "
        "spread over seeds leaves out the GNN-seed variance")
    out["data"] = [str(p) for p in data]
    out["featurizer"], out["kg_version"] = featurizer.name, graph.version
    out["taxonomy_names"] = len(weak)
    out["taxonomy_labels"] = config.taxonomy_labels
    if report is not None:
        from kg.io import atomic_write_json

        atomic_write_json(report, out)
    return {k: v for k, v in out.items() if k != "runs"}


@app.command()
def expand(
    query: str = typer.Argument(..., help="The search query."),
    kg: Path = _KG,
    model_dir: Path | None = typer.Option(None, "--model", exists=True, file_okay=False,
                                          help="Fusion model for the intent."),
    rules: Path | None = typer.Option(None, "--rules", exists=True, dir_okay=False,
                                      help="Rules file (Querqy-like)."),
    tagger: Path = typer.Option(
        ..., "--tagger", exists=True, file_okay=False,
        help="The tagger whose spans are linked and expanded (and --model was trained with).",
    ),
    limit: int = typer.Option(20, "--limit", min=1),
) -> None:
    """Expand a query through the KG (and rules): its tagged spans, linked, then expanded with
    their link scores (and the intent with --model); prints JSON with provenance."""
    from fusion import FusionError, FusionModel
    from fusion.expand import QueryExpander
    from kg import KGError, ProductGraph
    from parser.errors import ConfigError, ParserError
    from parser.pipeline import QueryParser

    try:
        graph = ProductGraph.open(kg, read_only=True)
        qp = QueryParser.featurizer(tagger, graph)
        inp = qp.featurize([query])[0]
        intent = None
        if model_dir is not None:
            model = FusionModel.from_pretrained(model_dir, kg=graph)
            if qp.name != model.text_encoder_name:  # as evaluate refuses it
                raise ConfigError(f"{model_dir} was trained with the tagger "
                                  f"{model.text_encoder_name}, not {tagger} ({qp.name})")
            intent = model.predict(inp)
        res = QueryExpander(graph, rules=rules).expand(query, linked=inp.linked, intent=intent)
    except (FusionError, KGError, ParserError, OSError) as exc:
        _fail(exc)
    typer.echo(
        json.dumps(
            {
                "query": res.query,
                "intent": None
                if intent is None
                else {
                    "category": intent.category,
                    "lvl0": intent.lvl0,
                    "score": intent.score,
                    "top_k": intent.top_k,
                },
                "expansions": [
                    {
                        "term": e.term,
                        "kind": e.kind,
                        "score": round(e.score, 4),
                        "provenance": e.provenance,
                        "rule": e.rule,
                    }
                    for e in res
                ][:limit],
                "filters": dict(res.filters),
                "boosts": res.boosts,
                "excluded": [{"text": x.text, "start": x.start, "end": x.end, "kg_id": x.iri}
                             for x in res.excluded],
                "applied_rules": res.applied_rules,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
