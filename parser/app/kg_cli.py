"""``kgqp kg ...``: build, update, query and export the product knowledge graph.

A thin typer layer over :class:`kg.ProductGraph`; errors (:class:`~kg.errors.KGError`,
``ValueError``) print one line on stderr and exit with code 1 (2 for bad arguments).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer

from kg.errors import KGError, KGLockedError, KGNotFoundError

app = typer.Typer(
    name="kg",
    help="Build, update, query and export the product knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")

_KGDIR = typer.Argument(..., help="KG directory (created if missing for writes).")
_BIND = typer.Option([], "--bind", "-b", help="name=value binding; <iri> binds an IRI.")
_OUTPUT = typer.Option(None, "--output", "-o", help="Output file (default: stdout).")
_SOURCES = typer.Argument(..., help="Data files to load.")
_OPTION = typer.Option([], "--option", "-o", help="Loader option key=value.")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (KGLockedError, KGNotFoundError) as e:
        _fail(str(e), 1)
    except KGError as e:
        _fail(str(e), 1)
    except (ValueError, TypeError) as e:
        _fail(str(e), 2)
    except OSError as e:
        _fail(f"{e}", 1)
    except ImportError as e:
        _fail(f"{e} (is the kg loaders/build module installed?)", 1)


def _open(kgdir: Path, *, read_only: bool = False, must_exist: bool = True) -> Any:
    from kg.graph import ProductGraph

    if must_exist and not (kgdir / "store").is_dir():
        raise KGNotFoundError(
            f"No KG at {kgdir}; create one with `kgqp kg build-default {kgdir}` "
            f"or `kgqp kg load {kgdir} ...`"
        )
    return ProductGraph.open(kgdir, read_only=read_only)


def _with_graph(
    kgdir: Path, fn: Callable[[Any], T], *, read_only: bool = False, must_exist: bool = True
) -> T:
    with _open(kgdir, read_only=read_only, must_exist=must_exist) as g:
        return fn(g)


def _parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} must look like name=value, got {pair!r}")
        out[key.strip()] = value
    return out


@app.command()
def versions(
    kgdir: Path = _KGDIR, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List the versions of a KG."""
    with _errors():
        infos = _with_graph(kgdir, lambda g: g.versions())
        if as_json:
            typer.echo(json.dumps([i.to_dict() for i in infos], indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("version", "timestamp", "added", "removed", "message")
        for i in infos:
            table.add_row(
                str(i.version), i.timestamp or "-", str(i.added), str(i.removed), i.message
            )
        Console().print(table)


@app.command()
def rollback(
    kgdir: Path = _KGDIR,
    version: int = typer.Argument(..., help="Version to return to."),
    message: str = typer.Option("", "--message", "-m", help="Commit message."),
) -> None:
    """Return the KG to VERSION (as a new version)."""
    with _errors():
        new = _with_graph(kgdir, lambda g: g.rollback(version, message=message or None))
        typer.echo(f"KG at {kgdir} rolled back to version {version}; now at version {new}")


@app.command()
def query(
    kgdir: Path = _KGDIR,
    sparql: str = typer.Argument(..., help="SPARQL SELECT/ASK/CONSTRUCT query."),
    bind: list[str] = _BIND,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run a read-only SPARQL query; user values only through --bind name=value."""
    from kg.query import IRI

    with _errors():
        bindings: dict[str, Any] = {}
        for name, value in _parse_pairs(bind, "--bind").items():
            bindings[name] = (
                IRI(value[1:-1]) if value.startswith("<") and value.endswith(">") else value
            )
        result = _with_graph(kgdir, lambda g: g.query(sparql, bindings), read_only=False)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
            return
        if result.kind == "ask":
            typer.echo("true" if result.boolean else "false")
            return
        from rich.console import Console
        from rich.table import Table

        if result.kind == "construct":
            table = Table("subject", "predicate", "object")
            for t in result.triples:
                table.add_row(*(str(x) for x in t))
        else:
            table = Table(*result.variables)
            for row in result.rows:
                table.add_row(*("" if row[v] is None else str(row[v]) for v in result.variables))
        Console().print(table)


@app.command()
def stats(
    kgdir: Path = _KGDIR, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Counts of nodes per kind, edges per relation, triples and the version."""
    with _errors():
        st = _with_graph(kgdir, lambda g: g.stats())
        if as_json:
            typer.echo(json.dumps(st.to_dict(), indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("what", "count", title=f"KG {kgdir} (version {st.version})")
        for kind, n in st.nodes.items():
            table.add_row(f"nodes: {kind}", str(n))
        for rel, n in st.edges.items():
            table.add_row(f"edges: {rel}", str(n))
        table.add_row("triples", str(st.triples))
        Console().print(table)


@app.command()
def export(
    kgdir: Path = _KGDIR,
    format: str = typer.Option("turtle", "--format", "-f", help="turtle, ntriples or nquads."),
    output: Path | None = _OUTPUT,
) -> None:
    """Write the KG's data graph as Turtle, N-Triples or N-Quads."""
    with _errors():
        if output is None:
            _with_graph(kgdir, lambda g: g.export(sys.stdout.buffer, format=format))
            sys.stdout.flush()
        else:
            _with_graph(kgdir, lambda g: g.export(output, format=format))
            typer.echo(f"Wrote {output}", err=True)


@app.command()
def match(
    kgdir: Path = _KGDIR,
    text: str = typer.Argument(..., help="Query text."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find the KG names and aliases inside TEXT."""
    with _errors():
        matches = _with_graph(kgdir, lambda g: g.match(text))
        rows = [
            {
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "candidates": [
                    {
                        "iri": c.iri,
                        "kind": c.kind.value if c.kind else None,
                        "label": c.label,
                        "attribute": c.attribute,
                        "popularity": c.popularity,
                        "matched_alias": c.matched_alias,
                    }
                    for c in m.candidates
                ],
            }
            for m in matches
        ]
        if as_json:
            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("start", "end", "text", "kind", "label", "iri")
        for r in rows:
            for c in r["candidates"]:
                table.add_row(
                    str(r["start"]), str(r["end"]), r["text"], c["kind"] or "", c["label"], c["iri"]
                )
        Console().print(table)


@app.command()
def link(
    kgdir: Path = _KGDIR,
    mention: str = typer.Argument(..., help="The mention to link, e.g. 'samsung'."),
    label: str | None = typer.Option(
        None, "--label", help="Tagger label of the mention (creator, color, ...)."
    ),
    context: str | None = typer.Option(None, "--context", help="The whole query."),
    limit: int = typer.Option(5, "--limit", help="Candidates to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Link MENTION to ranked KG nodes (or NIL)."""
    with _errors():
        result = _with_graph(kgdir, lambda g: g.link(mention, label=label, context=context))
        d = result.to_dict(limit=limit)
        if as_json:
            typer.echo(json.dumps(d, indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("score", "kind", "label", "match", "iri",
                      title=f"{mention!r} -> {'NIL' if result.nil else result.best.label}")
        for c in d["candidates"]:
            table.add_row(f"{c['score']:.3f}", c["kind"], c["label"], c["match_type"], c["iri"])
        Console().print(table)


def _print_reports(reports: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("source", "added", "skipped (reason: n, e.g.)")
    for r in reports:
        added = ", ".join(f"{k} {n}" for k, n in {**r.nodes, **r.edges}.items()) or "-"
        skipped = (
            "\n".join(
                f"{reason}: {n}"
                + (f" (e.g. {r.examples[reason][0]!r})" if r.examples.get(reason) else "")
                for reason, n in r.skipped.items()
            )
            or "-"
        )
        table.add_row(r.source, added, skipped)
    Console().print(table)


@app.command()
def load(
    kgdir: Path = _KGDIR,
    sources: list[Path] = _SOURCES,
    kind: str = typer.Option(
        ..., "--kind", "-k", help="Loader kind (e.g. catalog, taxonomy, rdf, gazetteer)."
    ),
    option: list[str] = _OPTION,
    node_kind: str | None = typer.Option(
        None, "--node-kind", help="Node kind of gazetteer entries."
    ),
    on_error: str = typer.Option("abort", "--on-error", help="skip or abort on bad rows."),
) -> None:
    """Load data files into the KG (one transaction per call of the loader)."""
    with _errors():
        if on_error not in ("skip", "abort"):
            raise ValueError(f"--on-error must be 'skip' or 'abort', not {on_error!r}")
        missing = [str(s) for s in sources if not s.exists()]
        if missing:
            raise KGNotFoundError(f"Source file(s) not found: {', '.join(missing)}")
        options = _parse_pairs(option, "--option")
        options["on_error"] = on_error
        if node_kind is not None:
            options["node_kind"] = node_kind
        from kg.loaders import load_sources

        def run(g: Any) -> list[Any]:
            before = g.version
            reports = load_sources(g, list(sources), kind=kind, options=options)
            _print_reports(reports)
            typer.echo(f"KG at {kgdir}: version {before} -> {g.version}")
            return reports

        _with_graph(kgdir, run, must_exist=False)


@app.command("build-default")
def build_default_cmd(
    kgdir: Path = _KGDIR,
    force: bool = typer.Option(False, "--force", help="Rebuild even if KGDIR exists."),
) -> None:
    """Build the default KG (shipped sample data) into KGDIR."""
    with _errors():
        from kg.build import build_default

        graph = build_default(kgdir, force=force)
        try:
            st = graph.stats()
        finally:
            graph.close()
        typer.echo(json.dumps(st.to_dict(), indent=2))
