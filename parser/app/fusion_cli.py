"""``kgqp fusion``: train and evaluate the GNN fusion intent model, expand queries.

A thin typer layer over :func:`fusion.train_fusion`, :meth:`fusion.FusionModel.from_pretrained`
and :func:`fusion.expand.expand`; heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="GNN fusion: category intent from text + KG, query expansion.",
)
logger = logging.getLogger(__name__)

_KG = typer.Option(..., "--kg", help="KG directory (kgqp kg build).", exists=True, file_okay=False)
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


def _threads(n: int) -> None:
    if n > 0:
        import torch

        torch.set_num_threads(n)


@app.command()
def train(
    kg: Path = _KG,
    train_file: Path = typer.Option(
        ...,
        "--train",
        exists=True,
        dir_okay=False,
        help="Best Buy queries JSONL (queries_train.jsonl).",
    ),
    dev_file: Path = typer.Option(
        ..., "--dev", exists=True, dir_okay=False,
        help="Dev JSONL: reported; selects the epoch only with --select-epoch.",
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
    epochs: int = typer.Option(40, "--epochs", min=1),
    seed: int = typer.Option(0, "--seed"),
    select_epoch: bool = typer.Option(
        False, "--select-epoch", help="Keep the epoch with the best dev lvl1 (dev then no "
        "longer reports held-out accuracy)."),
    hidden_dim: int = typer.Option(256, "--hidden-dim", min=1),
    gnn_layer: str = typer.Option("sage", "--gnn-layer", help="sage, graph or gat."),
    gnn_steps: int = typer.Option(100, "--gnn-steps", min=1),
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
) -> None:
    """Train the fusion intent model on Best Buy query suggestions and save it to --out."""
    from fusion import FusionConfig, FusionError
    from fusion.gnn import GNNConfig
    from fusion.train import TrainConfig, train_from_files
    from kg import KGError, ProductGraph
    from parser.errors import ParserError
    from parser.pipeline import QueryParser

    _threads(threads)
    try:
        graph = ProductGraph.open(kg, read_only=True)
        model, metrics = train_from_files(
            graph, train_file, dev_file, out,
            featurizer=QueryParser.featurizer(tagger, graph),
            config=FusionConfig(use_graph=not no_graph, hidden_dim=hidden_dim),
            train_config=TrainConfig(epochs=epochs, seed=seed, select_epoch=select_epoch),
            gnn_config=GNNConfig(layer=gnn_layer, steps=gnn_steps, max_seconds=gnn_seconds,
                                 seed=seed),
            text_encoder=text_encoder,
            cache_dir=cache or out.parent / ".fusion-cache" / gnn_layer, progress=True,
        )
    except (FusionError, KGError, ParserError, OSError) as exc:
        _fail(exc)
    logger.info("saved %s; dev %s", out, metrics)
    typer.echo(
        json.dumps(
            {"out": str(out), "dev": metrics, "best_epoch": model.training_report["best_epoch"]}
        )
    )


@app.command("evaluate")
def evaluate_cmd(
    model_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Model folder."),
    kg: Path = _KG,
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, help="Queries JSONL."),
    tagger: Path = typer.Option(
        ..., "--tagger", exists=True, file_okay=False,
        help="The tagger the model was trained with.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    threads: int = _THREADS,
) -> None:
    """Accuracy on a labelled JSONL: lvl0, lvl1 and lvl1 top-3 accuracy."""
    from fusion import FusionError, FusionModel
    from fusion.data import build_examples, load_bestbuy_queries
    from fusion.evaluate import evaluate
    from kg import KGError, ProductGraph
    from parser.errors import ParserError
    from parser.pipeline import QueryParser

    _threads(threads)
    try:
        graph = ProductGraph.open(kg, read_only=True)
        model = FusionModel.from_pretrained(model_dir, kg=graph)
        featurizer = QueryParser.featurizer(tagger, graph)
        if featurizer.name != model.text_encoder_name:
            raise ParserError(f"{model_dir} was trained with the tagger {model.text_encoder_name}"
                              f", not {tagger} ({featurizer.name})")
        examples = build_examples(load_bestbuy_queries(data), featurizer)
        metrics = evaluate(model, examples)
    except (FusionError, KGError, ParserError, OSError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(metrics))
    else:
        for k, v in metrics.items():
            typer.echo(f"{k:>20}: {v:.4f}" if isinstance(v, float) else f"{k:>20}: {v}")


@app.command()
def expand(
    query: str = typer.Argument(..., help="The search query."),
    kg: Path = _KG,
    model_dir: Path | None = typer.Option(None, "--model", help="Fusion model for the intent."),
    rules: Path | None = typer.Option(None, "--rules", help="Rules file (Querqy-like)."),
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
    from parser.errors import ParserError
    from parser.pipeline import QueryParser

    try:
        graph = ProductGraph.open(kg, read_only=True)
        qp = QueryParser.featurizer(tagger, graph)
        inp = qp.featurize([query])[0]
        intent = None
        if model_dir is not None:
            model = FusionModel.from_pretrained(model_dir, kg=graph)
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
                "applied_rules": res.applied_rules,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
