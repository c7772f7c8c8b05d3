"""``kgqp learn ...``: active learning from a query log, a thin typer layer over
:mod:`parser.learn`.

``select`` picks the queries worth labelling and writes them, the model's spans pre-filled,
as Label Studio tasks (``.json``) or span JSONL (``.jsonl``); ``gazetteer`` turns the spans an
annotator confirmed that the KG cannot link into gazetteer files and the ``kgqp kg load``
commands that add them. Errors: one ``error: ...`` line, exit codes of :mod:`parser.app.errors`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from parser.app.errors import cli_errors

logger = logging.getLogger(__name__)

app = typer.Typer(help="Active learning: select queries to label, turn labels into KG additions.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


class _DEFAULTS:
    """:class:`parser.learn.SelectionConfig`'s defaults (without importing numpy here)."""

    uncertainty = "sum_margin"
    cluster_fraction = 1.0
    clusters = False
    redundancy = 0.0


def _bundle(bundle: Path | None) -> Path:
    from parser.app.commands import _bundle_dir

    return _bundle_dir(bundle)


@app.command()
def select(
    queries: Annotated[Path, typer.Option(
        "--queries", help="Query log: one query per line, or JSONL with "
        "{\"query\": str, \"count\": int} per line (.jsonl).")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many queries to select.")],
    out: Annotated[Path, typer.Option(
        "--out", help="The batch: .json (Label Studio tasks, with OUT.label_config.xml) or "
        ".jsonl (span JSONL).")],
    bundle: Annotated[Path | None, typer.Option(
        "--bundle", help="Bundle folder [default bundle].")] = None,
    exclude: Annotated[list[Path] | None, typer.Option(
        "--exclude", exists=True, help="Already labelled data (CoNLL, JSONL or Label Studio "
        "JSON): its queries, rejected, skipped and unannotated ones too, are never selected. "
        "Repeatable.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite an existing --out (without it, an existing file is "
        "refused: it may hold a round's annotations).")] = False,
    w_uncertainty: Annotated[float, typer.Option(help="Weight of tag uncertainty.")] = 1.0,
    w_nil: Annotated[float, typer.Option(help="Weight of spans the KG cannot link.")] = 0.5,
    w_disagreement: Annotated[float, typer.Option(
        help="Weight of tagger / KG-lexicon disagreement.")] = 0.5,
    w_frequency: Annotated[float, typer.Option(help="Weight of the query's count.")] = 0.5,
    uncertainty: Annotated[str, typer.Option(
        help="Tag uncertainty of a query: min_margin (its least sure word), sum_margin (1 - "
        "margin summed over the words) or sum_entropy (tag entropies summed); sum_bald and "
        "badge need a torch tagger (parser.learn from Python).")
    ] = _DEFAULTS.uncertainty,
    cluster_fraction: Annotated[float, typer.Option(
        help="Embedding clusters per selected query (the best of each cluster first, then "
        "the rest by rank), in (0, 1].")] = _DEFAULTS.cluster_fraction,
    clusters: Annotated[bool, typer.Option(
        "--clusters/--no-clusters", help="Spread over embedding clusters, or rank only "
        "(near-duplicates dropped either way).")] = _DEFAULTS.clusters,
    redundancy: Annotated[float, typer.Option(
        help="Diminishing returns on words: each word's uncertainty times (1 + times it is "
        "labelled (--exclude) or already picked) ** -R; 0 is off. Needs a summed "
        "--uncertainty and --no-clusters.")] = _DEFAULTS.redundancy,
    seed: Annotated[int, typer.Option(help="Seed of the k-means clustering.")] = 0,
) -> None:
    """Select the N queries of a log most worth labelling; each carries why it was chosen."""
    from parser.app.threads import scoped_threads
    from parser.learn import SelectionConfig, read_query_log, select_from_log, to_tasks
    from parser.pipeline import QueryParser
    from parser.tagger.formats import label_studio_config, read_task_texts, write_tasks

    with cli_errors(), scoped_threads(torch_threads=1, blas_threads=1):
        if out.suffix not in (".json", ".jsonl"):
            raise ValueError(f"--out {out}: write the batch to a .json (Label Studio) or "
                             ".jsonl (span JSONL) file")
        _check_batch_out(out, exclude or [], force=force)
        if uncertainty == "sum_bald":
            raise ValueError("--uncertainty sum_bald needs Monte Carlo dropout passes of a "
                             "torch tagger, and this command scores with the bundle's ONNX "
                             "tagger: use parser.learn.score_queries(Tagger.from_pretrained("
                             "DIR), ..., mc_samples=10) from Python")
        if uncertainty == "badge":
            raise ValueError("--uncertainty badge needs the classifier inputs of a torch "
                             "tagger, and this command scores with the bundle's ONNX tagger: "
                             "use parser.learn.score_queries(Tagger.from_pretrained(DIR), ..., "
                             "gradients=True) from Python")
        cfg = SelectionConfig(w_uncertainty=w_uncertainty, w_nil=w_nil,
                              w_disagreement=w_disagreement, w_frequency=w_frequency,
                              clusters=clusters, seed=seed, uncertainty=uncertainty,
                              cluster_fraction=cluster_fraction, redundancy=redundancy)
        log = read_query_log(queries)
        # every query shown to an annotator, whatever the answer (a rejected or skipped one
        # came back in every round)
        done = [text for p in exclude or [] for text in read_task_texts(p)]
        parser = QueryParser.from_pretrained(_bundle(bundle), warmup=False)
        label_kinds = parser.linker.config.label_kinds if parser.linker is not None else None
        picked = select_from_log(parser.tagger, log, n, config=cfg, exclude=done,
                                 kg=parser.kg, link=parser.link_entity,
                                 label_kinds=label_kinds)
        tasks = to_tasks(picked)
        write_tasks(out, tasks, model_version=f"kgqp:{parser.path}")
        if out.suffix == ".json":
            from kg.io import atomic_write_text

            types = sorted({lab.split("-", 1)[1] for lab in parser.tagger.config.labels
                            if lab != "O"})
            atomic_write_text(out.with_suffix(".label_config.xml"),
                              label_studio_config(types) + "\n")
    reasons: dict[str, int] = {}
    for p in picked:
        for r in p.reasons:
            kind = r.split(":", 1)[0]
            reasons[kind] = reasons.get(kind, 0) + 1
    typer.echo(json.dumps({"out": str(out), "selected": len(tasks), "log_queries": len(log),
                           "reasons": reasons}))


def _check_batch_out(out: Path, exclude: list[Path], *, force: bool) -> None:
    """Refuse a batch ``--out`` that would overwrite labels: one of the ``--exclude`` files
    (always), or any existing file (unless ``force``): the annotated export of a round saved
    under the batch's name was wiped by the next round's batch."""
    from parser.errors import ConfigError

    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder: give the batch file's path")
    for p in exclude:
        if p.resolve() == out.resolve() or (out.exists() and p.exists() and out.samefile(p)):
            raise ConfigError(f"--out {out} is also an --exclude file: the new batch would "
                              "overwrite the labels it excludes; write it to a new file "
                              "(e.g. batch-2.json)")
    if out.exists() and not force:
        raise ConfigError(f"--out {out} already exists (an earlier batch, or its annotations?): "
                          "write each round's batch to a new file (e.g. batch-2.json), or pass "
                          "--force to overwrite it")


def _drop_previous_gazetteers(out: Path) -> None:
    """Remove the gazetteer files an earlier run wrote to ``out`` (listed in its
    ``kg_additions.json``): a kind with no names this time would keep last time's file, and
    `kgqp kg load OUT/*.txt` would load stale names."""
    from parser.errors import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file: give a folder")
    try:
        previous = json.loads((out / "kg_additions.json").read_text(encoding="utf-8"))
        files = [Path(f["path"]) for f in previous.get("files", [])]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return
    for f in files:
        f = f if f.is_absolute() else out / f.name
        if f.parent.resolve() == out.resolve() and f.suffix == ".txt":
            f.unlink(missing_ok=True)


@app.command()
def gazetteer(
    labels: Annotated[Path, typer.Option(
        "--labels", exists=True, help="Annotated batch (Label Studio JSON or span JSONL). "
        "Only spans a person confirmed are used: a Label Studio annotation, or a span JSONL "
        "line not marked \"source\": \"prediction\" (as `learn select` marks its lines).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the gazetteer files.")],
    bundle: Annotated[Path | None, typer.Option(
        "--bundle", help="Bundle whose KG and linker decide what is NIL [default bundle].")
    ] = None,
    kg: Annotated[str, typer.Option(
        help="The KG directory to name in the printed `kgqp kg load` commands.")] = "KGDIR",
) -> None:
    """Write the annotated spans the KG cannot link (confirmed NIL) as gazetteer files, one
    per KG kind, with the `kgqp kg load` command that adds each."""
    from dataclasses import asdict

    from kg.io import atomic_write_json
    from parser.app.analysis import kg_additions, mentions, write_gazetteers
    from parser.pipeline import QueryParser
    from parser.tagger.formats import read_tasks
    from parser.tagger.predict import Entity
    from parser.types import ParsedQuery

    with cli_errors():
        tasks = read_tasks(labels)
        unreviewed = sum(t.source == "prediction" for t in tasks)
        tasks = [t for t in tasks if t.source != "prediction"]  # only what a person confirmed
        unmarked = sum(t.source == "file" for t in tasks)
        if unmarked:  # CoNLL, or span JSONL without "source": who labelled them is unknown
            logger.warning(
                "%s: %d of the %d tasks used do not say who labelled them (CoNLL, or span "
                "JSONL lines without \"source\"): their spans are taken as confirmed; mark "
                "the model's unreviewed lines \"source\": \"prediction\" (as `kgqp learn "
                "select` writes them) to leave them out", labels, unmarked, len(tasks))
        parser = QueryParser.from_pretrained(_bundle(bundle), warmup=False)
        label_kinds = parser.linker.config.label_kinds if parser.linker is not None else None
        confirmed = [ParsedQuery(text=t.text, normalized=t.text, entities=[
            parser.link_entity(t.text, Entity(text=t.text[sp.start:sp.end], start=sp.start,
                                              end=sp.end, label=sp.label, score=1.0))
            for sp in t.spans]) for t in tasks]
        rows = kg_additions(mentions(confirmed, label_kinds=label_kinds), parser.kg)
        _drop_previous_gazetteers(out)
        written = write_gazetteers(rows, out, kg_dir=kg, source="kgqp-learn")
        atomic_write_json(out / "kg_additions.json", {
            "labels": str(labels), "tasks_used": len(tasks),
            "skipped_unreviewed_tasks": unreviewed, "unmarked_tasks": unmarked,
            "additions": [asdict(r) for r in rows], "files": [asdict(f) for f in written]})
    for f in written:
        typer.echo(f.command)
    typer.echo(json.dumps({"out": str(out), "files": len(written),
                           "names": sum(f.names for f in written), "tasks_used": len(tasks),
                           "skipped_unreviewed_tasks": unreviewed,
                           "unmarked_tasks": unmarked}))
