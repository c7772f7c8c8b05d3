"""Top-level ``kgqp`` commands: ``quickstart``, ``parse``, ``serve`` and ``bundle build``.

Thin wrappers over :mod:`parser.pipeline`, :mod:`parser.bundle`, :mod:`parser.app.quickstart` and
:mod:`parser.app.service`; registered on the root app by :func:`register`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import typer

from parser.app.errors import cli_errors

logger = logging.getLogger(__name__)

__all__ = ["register"]

bundle_app = typer.Typer(help="Assemble and inspect model bundles.", no_args_is_help=True)


_errors = cli_errors  # one error handler, one exit-code policy (parser.app.errors)


#: torch threads while parsing: parsing barely uses torch (the tagger runs in ONNX Runtime, the
#: fusion head in NumPy), and idle torch threads spinning beside ONNX Runtime's slowed a full
#: parse ~3x here (26 vs 76 ms p50, bench/parse_latency.py).
SERVING_TORCH_THREADS = 1


def _serving_threads() -> int:
    """One torch thread for the rest of a ``kgqp serve`` process (the server owns its process);
    returns the previous count so that a caller embedding the server can restore it with
    ``torch.set_num_threads(previous)``. Commands that end use :func:`scoped_threads` instead."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(SERVING_TORCH_THREADS)
    return previous


def _bundle_dir(bundle: Path | None) -> Path:
    if bundle is not None:
        return bundle
    from parser.app.quickstart import default_home

    path = default_home() / "bundle"
    if not path.is_dir():
        raise FileNotFoundError(
            f"no bundle given and the default bundle {path} does not exist: run "
            "`kgqp quickstart` first, or pass --bundle DIR"
        )
    return path


def _table(results: list[Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("query", "entities (label -> KG node)", "intent", "filters", "expansions",
                  show_lines=True)
    for r in results:  # every cell is user or KG text: escaped, or "[creator]" reads as markup
        ents = "\n".join(
            f"{e.text} [{e.label}]" + (f" -> {e.kg_kind}:{e.kg_label}" if e.kg_id else "")
            for e in r.entities
        )
        intent = ""
        if r.intent:  # below the calibrated threshold: shown, marked low (a suggestion only)
            low = "" if r.intent.confident else ", low"
            intent = f"{r.intent.category} ({r.intent.score:.2f}{low})"
        filters = "\n".join(f"{k}={', '.join(map(str, v)) if isinstance(v, list) else v}"
                             for k, v in r.filters.items())
        exps = ", ".join(x.term for x in r.expansions[:5])
        table.add_row(*(escape(cell) for cell in (r.text, ents, intent, filters, exps)))
    Console().print(table)


def quickstart(
    home: Path | None = typer.Option(None, "--home", help="Working folder [$KGQP_HOME or "
                                     "~/.cache/kgqp]."),
    tagger_epochs: int | None = typer.Option(None, "--tagger-epochs",
                                             help="Override the tagger's training epochs."),
    force: bool = typer.Option(False, "--force", help="Rebuild the bundle."),
    as_json: bool = typer.Option(False, "--json", help="Print the parses as JSON lines."),
) -> None:
    """Build the default KG and bundle from data/ if missing, then parse example queries."""
    from parser.app.quickstart import EXAMPLE_QUERIES, ensure_default_bundle
    from parser.pipeline import QueryParser

    with _errors():
        bundle = ensure_default_bundle(home, tagger_epochs=tagger_epochs, force=force)
        parser = QueryParser.from_pretrained(bundle)  # read-only KG: no lock taken
        stats = parser.kg.stats().to_dict()
        # status lines: on stderr with --json, so stdout holds only the JSON lines
        typer.echo(f"bundle: {bundle}\nKG: {json.dumps(stats)}", err=as_json)
        results = list(parser.pipe(EXAMPLE_QUERIES))
        if as_json:
            for r in results:
                typer.echo(json.dumps(r.to_dict(), ensure_ascii=False))
        else:
            _table(results)


def _check_argument(text: str, what: str) -> None:
    """Refuse a command-line argument whose bytes are not valid UTF-8, in a shell user's
    terms. (Python decodes such bytes of ``argv`` to lone surrogates, U+DC80..U+DCFF, which
    the parser refuses with advice for Python callers.)"""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return
    try:
        raw = os.fsencode(text)  # the bytes as the shell passed them
        raw.decode("utf-8")
    except UnicodeError as exc:
        if not isinstance(exc, UnicodeDecodeError):
            return  # not from argv bytes: the parser's own message
        from parser.errors import InputError

        shown = raw.decode("utf-8", "backslashreplace")
        raise InputError(
            f"{what} '{shown}' is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte offset "
            f"{exc.start}): check your terminal's encoding, it must send UTF-8 (a UTF-8 locale, "
            "e.g. LANG=C.UTF-8), or put the queries in a UTF-8 file for --input") from None


def parse(
    query: str | None = typer.Argument(None, help="The query to parse."),
    bundle: Path | None = typer.Option(None, "--bundle", help="Bundle folder [default bundle]."),
    input_file: str | None = typer.Option(
        None, "--input", help="Queries, one per line: a text file, a folder of them or a glob "
        "(--engine ray), or - for stdin."),
    output: str | None = typer.Option(
        None, "--output", help="JSONL output for --input: a file (local; resumable), a folder "
        "of JSONL shards (--engine ray; resumable per shard), or - for stdout [-]."),
    batch_size: int = typer.Option(64, "--batch-size", help="Queries per model call."),
    engine: str = typer.Option("local", "--engine", help="local | ray (needs the ray extra)."),
    concurrency: int = typer.Option(
        1, "--concurrency", help="--engine ray: parser actors (each loads the bundle once)."),
    shard_size: int = typer.Option(
        10_000, "--shard-size", help="--engine ray: queries per input block and output shard."),
    backend: str | None = typer.Option(None, "--backend", help="onnx | torch [onnx if present]."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    market: str | None = typer.Option(
        None, "--market", help="Parse one QUERY with the tagger of this market of the bundle "
        "(`bundle build --market`)."),
    force: bool = typer.Option(
        False, "--force", help="Parse all of --input again instead of resuming, into a new "
        "--output file or folder that replaces the old one only when complete (a resume needs "
        "the same bundle, KG version and input)."),
    kg: str | None = typer.Option(
        None, "--kg", help="KG to read instead of the bundle's (one QUERY): a KG directory or "
        "a SPARQL server URL sparql+http://host:port/, opened read-only. -v logs which KG a "
        "parse read."),
) -> None:
    """Parse one QUERY, or a file of queries (--input/--output; - is stdin/stdout).

    An --output file records beside it, in OUT.kgqp.json, the bundle and KG version that wrote
    it and "complete": false while a run writes, true with "records" (its line count) once the
    run finished: read the output only when it says so (`jq -e .complete OUT.kgqp.json`). An
    interrupted or failed run resumes when rerun. An --output that is the input file, or an
    existing file with no OUT.kgqp.json (no kgqp output), is refused and left as it is.
    --engine ray records the same in the folder's _kgqp_batch.json. A line the bundle refuses
    and damaged gzip input stop the run (exit 2), naming the file and line."""
    from parser.app.threads import scoped_threads
    from parser.pipeline import QueryParser

    with _errors():
        if (query is None) == (input_file is None):
            raise ValueError("give either a QUERY or --input FILE (- for stdin)")
        if query is not None:
            _check_argument(query, "the query")
        bundle_dir = _bundle_dir(bundle)
        if input_file is not None:
            if market is not None:
                raise ValueError("--market parses one QUERY; --input files use the bundle's "
                                 "main tagger")
            if kg is not None:  # (parser.app.batch.parse_file reads the bundle's KG)
                raise ValueError("--kg parses one QUERY; --input files read the KG the "
                                 "bundle names (`kgqp bundle info` shows its kg_path): build a "
                                 "bundle on that KG (`kgqp bundle build --kg`) to parse a file "
                                 "with it")
            logger.info("parse: reading the KG that the bundle %s names: %s", bundle_dir,
                        _bundle_kg(bundle_dir))
            from parser.app.batch import parse_file

            out = output or "-"
            n = parse_file(bundle_dir, input_file, out, batch_size=batch_size, engine=engine,
                           backend=backend, concurrency=concurrency, shard_size=shard_size,
                           progress=out != "-", force=force)
            # (a resumed run counts the lines an earlier run wrote: "wrote" would claim them)
            typer.echo(f"wrote {n} parsed queries to stdout" if out == "-" else
                       f"{out} holds {n} parsed queries", err=True)
            return
        with scoped_threads(torch_threads=SERVING_TORCH_THREADS, blas_threads=1):
            graph = None
            if kg is not None:  # (as `kgqp serve --kg` gives the parser its KG; read-only)
                from kg import ProductGraph

                graph = ProductGraph.open(kg, read_only=True)
            try:
                parser = QueryParser.from_pretrained(bundle_dir, backend=backend, kg=graph,
                                                     blas_threads=None)
            except BaseException:
                if graph is not None:
                    graph.close()
                raise
            logger.info("parse: read the KG at %s (version %d), %s", parser.kg.where,
                        parser.kg.version, "given by --kg" if graph is not None
                        else f"the one the bundle {bundle_dir} names")
            with contextlib.closing(parser.kg):
                result = parser(query, market=market)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            _table([result])


def _bundle_kg(bundle_dir: Path) -> str:
    """The KG the bundle's manifest names (a server URL without its credentials), for a log
    line; ``"?"`` where the manifest cannot be read (loading the bundle says why)."""
    try:
        from kg.store import redact_url
        from parser.bundle import BundleManifest

        return redact_url(str(BundleManifest.read(bundle_dir).kg_at(bundle_dir)))
    except Exception:
        return "?"


def _read_token(token_file: Path | None) -> str | None:
    """The service token from ``--token-file`` (first line), else ``$KGQP_TOKEN``, else None."""
    import os

    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the token file {token_file}: {exc}") from None
        token = lines[0].strip() if lines else ""  # (the first line: a note may follow)
        if any(ch.isspace() or not ch.isprintable() for ch in token):
            raise ValueError(f"the token in the token file {token_file} (its first line) "
                             "holds a space or an invisible character: write the token alone "
                             "on the first line")
        if not token:
            raise ValueError(f"the token file {token_file} is empty: write the token into it")
        if os.name == "posix" and token_file.stat().st_mode & 0o077:
            logger.warning("the token file %s is readable by other users: chmod 600 it",
                           token_file)
        return token
    token = os.environ.get("KGQP_TOKEN", "").strip()
    return token or None


def serve(
    bundle: Path | None = typer.Option(None, "--bundle", help="Bundle folder [default bundle]."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to bind; a non-loopback one needs a token."),
    port: int = typer.Option(8000, "--port", min=0, max=65535,
                             help="TCP port to bind (0: any free one)."),
    max_concurrency: int = typer.Option(8, "--max-concurrency",
                                        help="Parse requests in flight before 503."),
    max_query_chars: int = typer.Option(512, "--max-query-chars"),
    max_batch_size: int = typer.Option(256, "--max-batch-size"),
    max_body_bytes: int = typer.Option(256 * 1024, "--max-body-bytes"),
    body_timeout: float = typer.Option(10.0, "--body-timeout",
                                       help="Seconds a request body may take to arrive (408)."),
    header_timeout: float = typer.Option(
        10.0, "--header-timeout", help="Seconds a request's headers may take to arrive (from "
        "the connection, or the first byte of its next request); then the connection is "
        "closed (408)."),
    max_connections: int = typer.Option(
        256, "--max-connections", help="Bound on open connections (a request's own counted) "
        "and requests in flight: at it, a request gets 503 at once; connections beyond it are "
        "still accepted, their requests answered 503 (uvicorn's limit_concurrency)."),
    token_file: Path | None = typer.Option(
        None, "--token-file", help="File holding the bearer token that /kg/update, "
        "/kg/rollback and /kg/versions require [$KGQP_TOKEN]."),
    kg: str | None = typer.Option(
        None, "--kg", help="KG to serve instead of the bundle's: a KG directory or a SPARQL "
        "server URL sparql+http://host:port/ shared by replicas (docs/howto-kg-server.md)."),
) -> None:
    """Serve the parser over HTTP (FastAPI; needs the serve extra).

    The port is bound at once (/health answers); /ready answers 503 until the model is loaded.
    """
    from parser.app.service import ServiceLimits
    from parser.app.service import serve as run

    with _errors():
        limits = ServiceLimits(max_body_bytes=max_body_bytes, max_query_chars=max_query_chars,
                               max_batch_size=max_batch_size, max_concurrency=max_concurrency,
                               body_timeout_s=body_timeout, header_timeout_s=header_timeout,
                               max_connections=max_connections)
        token = _read_token(token_file)
        bundle_dir = _bundle_dir(bundle)

        def load() -> Any:  # in the background, after the port is bound
            from parser.pipeline import QueryParser

            _serving_threads()
            graph = None
            if kg is not None:
                from kg import ProductGraph

                graph = ProductGraph.open(kg)
            return QueryParser.from_pretrained(bundle_dir, kg=graph, read_only=False)

        run(load, host=host, port=port, limits=limits, token=token)


@bundle_app.command("build")
def bundle_build(
    out: Path = typer.Argument(..., help="Bundle folder to write."),
    tagger: Path = typer.Option(..., "--tagger", help="Trained tagger folder."),
    kg: Path = typer.Option(..., "--kg", help="KG directory."),
    fusion: Path | None = typer.Option(None, "--fusion", exists=True, file_okay=False,
                                       help="Trained fusion model folder."),
    rules: Path | None = typer.Option(None, "--rules", help="Query rewrite rules file."),
    kg_mode: str = typer.Option("snapshot", "--kg-mode", help="snapshot (copy) | location."),
    linker_config: Path | None = typer.Option(
        None, "--linker-config", exists=True, dir_okay=False,
        help="JSON of linker settings recorded in the bundle (kg.link.LinkerConfig: e.g. "
        "label_kinds mapping your tagger's labels to KG kinds)."),
    market: list[str] = typer.Option(
        [], "--market", help="NAME=DIR: a LoRA adapter of another market (`kgqp tagger train "
        "--adapter NAME`), parsed with `kgqp parse --market NAME`. Repeatable."),
    force: bool = typer.Option(False, "--force", help="Replace an existing bundle."),
) -> None:
    """Assemble a bundle from trained parts."""
    from parser.bundle import build_bundle

    with _errors():
        linker = json.loads(linker_config.read_text(encoding="utf-8")) if linker_config \
            else None
        markets = {}
        for item in market:
            name, sep, folder = item.partition("=")
            if not sep or not name or not folder:
                raise ValueError(f"--market {item!r}: use NAME=DIR")
            if name in markets:  # (the later one won, silently)
                raise ValueError(f"--market {name} is given twice ({markets[name]} and "
                                 f"{folder}): one folder per market")
            markets[name] = Path(folder)
        path = build_bundle(out, tagger=tagger, kg=kg, fusion=fusion, rules=rules,
                            kg_mode=kg_mode, linker_config=linker, markets=markets or None,
                            force=force)
        typer.echo(str(path))


@bundle_app.command("info")
def bundle_info(bundle: Path = typer.Argument(..., help="Bundle folder.")) -> None:
    """Print a bundle's manifest as JSON.

    A KG server's credentials, which a bundle built before they were left out may hold, show
    as ``***``.
    """
    from dataclasses import asdict

    from kg.store import redact_url
    from parser.bundle import BundleManifest

    with _errors():
        manifest = asdict(BundleManifest.read(bundle))
        if isinstance(manifest.get("kg_path"), str) and "://" in manifest["kg_path"]:
            manifest["kg_path"] = redact_url(manifest["kg_path"])
        typer.echo(json.dumps(manifest, indent=2))


def register(app: typer.Typer) -> None:
    """Add the top-level commands to the root ``kgqp`` app."""
    app.command("quickstart")(quickstart)
    app.command("parse")(parse)
    app.command("serve")(serve)
    app.add_typer(bundle_app, name="bundle")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
