"""``kgqp kg ...``: build, update, query and export the product knowledge graph.

A thin typer layer over :class:`kg.ProductGraph`; errors print one ``error: ...`` line on stderr
and exit with the code of the shared policy (:mod:`parser.app.errors`: 1 KG/runtime error, 2 usage
or bad input data, 3 KG locked by another writer).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from kg.errors import KGNotFoundError
from parser.app.errors import cli_errors as _errors
from parser.app.errors import interrupts_exit

app = typer.Typer(
    name="kg",
    help="Build, update, query and export the product knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")

_KGDIR = typer.Argument(
    ..., help="KG directory (created if missing for writes), or a SPARQL server URL "
    "sparql+http://host:port/ (see docs/howto-kg-server.md)."
)
_BIND = typer.Option([], "--bind", "-b", help="name=value binding; <iri> binds an IRI.")
_OUTPUT = typer.Option(None, "--output", "-o", help="Output file (default: stdout).")
_SOURCES = typer.Argument(..., help="Data files to load.")
_OPTION = typer.Option([], "--option", "-o", help="Loader option key=value.")


def _open(kgdir: Path, *, read_only: bool = False, must_exist: bool = True) -> Any:
    from kg.graph import ProductGraph
    from kg.store import location

    where = location(kgdir)
    if isinstance(where, str):  # a SPARQL server URL (see kg.sparql)
        return ProductGraph.open(where, read_only=read_only)
    if must_exist and not (kgdir / "store").is_dir() and not (kgdir / "versions").is_dir():
        raise KGNotFoundError(
            f"No KG at {kgdir}; create one with `kgqp kg build-default {kgdir}` "
            f"or `kgqp kg load {kgdir} ...`"
        )
    return ProductGraph.open(kgdir, read_only=read_only)


def _shown(kgdir: Path) -> str:
    """The KG as the user gave it (a server URL with its ``//``, which ``Path`` collapsed;
    without the credentials of a ``user:password@`` part)."""
    from kg.store import location, redact_url

    return redact_url(str(location(kgdir)))


def _with_graph(
    kgdir: Path, fn: Callable[[Any], T], *, read_only: bool = True, must_exist: bool = True
) -> T:
    """Run ``fn`` on the KG at ``kgdir``: read-only by default (no lock: works while a writer
    such as ``kgqp serve`` holds the KG); commands that change it pass ``read_only=False``."""
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


def _printable(text: str | None) -> Any:
    """``text`` for a terminal: control and format characters shown escaped (``\\x1b``,
    ``\\n``; an older KG may hold them in a version message: ESC[2J cleared the screen) and
    no rich markup read (a ``[red]`` is text)."""
    import unicodedata

    from rich.text import Text

    text = text or ""
    if not text.isprintable():
        text = "".join(ch.encode("unicode_escape").decode("ascii")
                       if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)
    return Text(text)


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

        pruned = [i.version for i in infos if i.pruned]
        columns = ["version", "timestamp", "added", "removed", "message"]
        table = Table(*columns, *(["rollback"] if pruned else []), caption=(
            f"versions up to {max(pruned)} were pruned (`kgqp kg prune`): no rollback to them"
            if pruned else None))
        for i in infos:
            row = [str(i.version), i.timestamp or "-", str(i.added), str(i.removed),
                   _printable(i.message)]
            table.add_row(*row, *(["pruned" if i.pruned else "yes"] if pruned else []))
        Console().print(table)


@app.command()
def rollback(
    kgdir: Path = _KGDIR,
    version: int = typer.Argument(..., help="Version to return to."),
    message: str = typer.Option("", "--message", "-m", help="Commit message."),
) -> None:
    """Return the KG to VERSION (as a new version)."""
    with _errors():
        if message:  # (no newline nor escape in a version's message: `kg versions` shows it)
            from kg.schema import check_text

            check_text(message, "--message", name=True)
        seen: dict[str, Any] = {"before": None, "now": None}

        def run(g: Any) -> int:
            seen["before"] = seen["now"] = g.version
            try:
                return g.rollback(version, message=message or None)
            finally:  # (a commit an interrupt cut short after the store made it: settled)
                with contextlib.suppress(Exception):
                    seen["now"] = g.version

        def state() -> str:
            return _commit_state(kgdir, seen["before"], seen["now"],
                                 f" (rolled back to version {version})")

        new = _interruptible(lambda: _with_graph(kgdir, run, read_only=False), state)
        typer.echo(f"KG at {_shown(kgdir)} rolled back to version {version}; now at version "
                   f"{new}")


def _interruptible(fn: Callable[[], T], state: Callable[[], str]) -> T:
    """``fn()``; interrupted (SIGINT, or SIGTERM from `timeout`, systemd, a CI runner), one
    line on stderr saying what the KG holds now (``state()``, as ``kg load`` says it), then
    exit 128 + the signal's number."""
    with interrupts_exit(lambda _exc: state()):
        return fn()


def _commit_state(kgdir: Path, before: int | None, now: int | None, what: str = "") -> str:
    """What an interrupted command left the KG at: not changed (``before`` None: the KG was
    not opened), committed from version ``before`` to ``now`` (and ``what``), or left at
    ``before``."""
    if before is None:
        return f"the KG at {_shown(kgdir)} was not changed"
    if now != before:
        return f"the KG at {_shown(kgdir)} was committed: version {before} -> {now}{what}"
    return f"the KG at {_shown(kgdir)} was left at version {before} (nothing committed)"


def _ranges(versions: list[int]) -> str:
    """``[1, 2, 3, 7]`` as ``"1-3, 7"``."""
    parts: list[str] = []
    for v in versions:
        if parts and int(parts[-1].rpartition("-")[2]) == v - 1:
            parts[-1] = f"{parts[-1].partition('-')[0]}-{v}"
        else:
            parts.append(str(v))
    return ", ".join(parts)


def _human(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file()) if path.is_dir() else 0


@app.command()
def prune(
    kgdir: Path = _KGDIR,
    keep: int = typer.Option(..., "--keep", min=1, help="Keep the change sets of the newest N "
                             "versions (N >= 1): the KG can still be rolled back N versions."),
    yes: bool = typer.Option(False, "--yes", help="Delete them. Without it (or with "
                             "--dry-run) the command only says what it would delete."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be deleted; delete "
                                 "nothing (exit 0)."),
) -> None:
    """Delete the change sets of all versions older than the newest N, so the version log
    stops growing: those versions stay listed (`kgqp kg versions`, marked pruned), but the KG
    can no longer be rolled back to them. Needs the KG's write lock (stop `kgqp serve` first);
    without --yes nothing is deleted (exit 2, or 0 with --dry-run)."""
    with _errors():
        nothing = (f"Nothing to prune: the KG at {_shown(kgdir)} keeps no change set older "
                   f"than its newest {keep} version(s)")

        def plan(g: Any) -> tuple[list[int], int, int]:
            versions = g.prune_versions(keep, dry_run=True)
            return versions, g.change_set_bytes(versions), max(g.version - keep, 0)

        if dry_run or not yes:
            versions, size, floor = _with_graph(kgdir, plan)
            if not versions:
                typer.echo(nothing)
                return
            typer.echo(f"Would delete the change sets of {len(versions)} version(s) "
                       f"({_ranges(versions)}" + (f", {_human(size)}" if size else "")
                       + f"); the KG could then be rolled back to version {floor} at the "
                       "oldest")
            if not dry_run:
                raise ValueError("Nothing was deleted: pass --yes to delete them (pruned "
                                 "change sets cannot be recovered), or --dry-run to only list "
                                 "them")
            return
        log_dir = kgdir / "versions"
        before = _dir_bytes(log_dir)
        floors: dict[str, Any] = {"before": None, "now": None}

        def run(g: Any) -> tuple[list[int], int]:
            floors["before"] = floors["now"] = g.rollback_floor
            try:
                return g.prune_versions(keep), g.rollback_floor
            finally:
                with contextlib.suppress(Exception):
                    floors["now"] = g.rollback_floor

        def state() -> str:
            old, now = floors["before"], floors["now"]
            if old is None:
                return f"the KG at {_shown(kgdir)} was not changed"
            if now != old:
                return (f"the KG at {_shown(kgdir)} was pruned: it can be rolled back to "
                        f"version {now} at the oldest (was {old}); some of the pruned change "
                        "sets may be left on disk: run the same `kgqp kg prune` again to "
                        "delete them")
            return (f"nothing was pruned: the KG at {_shown(kgdir)} can still be rolled back "
                    f"to version {old}")

        versions, floor = _interruptible(
            lambda: _with_graph(kgdir, run, read_only=False), state)
        after = _dir_bytes(log_dir)
        if not versions:
            typer.echo(nothing)
            return
        typer.echo(f"Deleted the change sets of {len(versions)} version(s) "
                   f"({_ranges(versions)}); the KG at {_shown(kgdir)} can be rolled back to "
                   f"version {floor} at the oldest" + (
                       f"; {log_dir} now takes {_human(after)} (was {_human(before)})"
                       if before else ""))


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
        result = _with_graph(kgdir, lambda g: g.query(sparql, bindings))
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

        table = Table("what", "count", title=f"KG {_shown(kgdir)} (version {st.version})")
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


_NO_BUNDLE = typer.Option(False, "--no-bundle", help="Link with the KG's bare linker "
                          "(ProductGraph.link), which no parse links with: no bundle is read.")


def _link_bundle(bundle: Path | None, no_bundle: bool) -> tuple[Path | None, str]:
    """The bundle ``kgqp kg link`` links as a parse of (None: the KG's bare linker) and the
    note that says so: ``--bundle``, else the default bundle (as ``kgqp parse`` finds it:
    ``$KGQP_HOME/bundle`` or ``~/.cache/kgqp/bundle``) when it exists."""
    if no_bundle:
        if bundle is not None:
            raise ValueError("give --bundle DIR (link as its parse does) or --no-bundle (the "
                             "KG's bare linker), not both")
        return None, ("linker: the KG's bare linker (--no-bundle): no bundle's linker "
                      "settings, tagger vocabulary or intent label space, so a parse may link "
                      "this mention otherwise")
    if bundle is None:
        from parser.app.quickstart import default_home

        default = default_home() / "bundle"
        if not default.is_dir():
            return None, (f"linker: the KG's bare linker: no --bundle and no default bundle "
                          f"{default}, so a parse may link this mention otherwise (--bundle "
                          "DIR links as that bundle's parse does)")
        bundle = default
    return bundle, (f"linker: as a parse with the bundle {bundle} links (its linker settings, "
                    "its tagger's vocabulary, its intent model's label space); --no-bundle: "
                    "the KG's bare linker")


def _link_as_parse(bundle: Path, graph: Any, mention: str, label: str | None,
                   context: str | None) -> tuple[Any, Any]:
    """Link ``mention`` on ``graph`` with the linker a parse of ``bundle`` links with
    (:attr:`parser.pipeline.QueryParser.entity_linker`), reading the mention and its query as
    a parse reads them (a trademark sign or a control character a space). Returns the
    :class:`kg.link.LinkResult` and, with a ``label``, the span as a parse of the query
    (``context`` when it holds the mention, else the mention alone) links it
    (:meth:`parser.pipeline.QueryParser.link_entity`: where the linker finds nothing, the
    brand after a cue, "for amazon", or the node after a negation, "without wings")."""
    from kg.link import EntityLinker, QueryContext
    from parser.pipeline import QueryParser
    from parser.tagger.predict import Entity
    from parser.tagger.text import separators_to_spaces

    parser = QueryParser.from_pretrained(bundle, kg=graph, warmup=False)
    linker = parser.entity_linker
    text = separators_to_spaces(mention)
    query = separators_to_spaces(context) if context is not None else None
    if linker is None:  # (the parse links with kg.link)
        result = graph.link(text, label=label, context=query)
    elif query is not None and isinstance(linker, EntityLinker):
        result = linker.link(text, label=label, context=QueryContext.of(query))
    else:
        result = linker.link(text, label=label, context=query)
    if label is None:  # (a parse's spans have a label)
        return result, None
    where = context.find(mention) if context is not None else -1
    whole, start = (context, where) if context is not None and where >= 0 else (mention, 0)
    return result, parser.link_entity(whole, Entity(text=mention, start=start,
                                                    end=start + len(mention), label=label,
                                                    score=1.0))


@app.command()
def link(
    kgdir: Path = _KGDIR,
    mention: str = typer.Argument(..., help="The mention to link, e.g. 'samsung'."),
    label: str | None = typer.Option(
        None, "--label", help="Tagger label of the mention (creator, color, ...)."
    ),
    context: str | None = typer.Option(None, "--context", help="The whole query."),
    limit: int = typer.Option(5, "--limit", min=1, help="Candidates to show."),
    bundle: Path | None = typer.Option(
        None, "--bundle", help="Link as a parse with this bundle does (default: the default "
        "bundle, as `kgqp parse` finds it, when it exists; else the KG's bare linker)."),
    no_bundle: bool = _NO_BUNDLE,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Link MENTION to ranked KG nodes (or NIL), as a parse links it.

    The mention is linked with the linker a parse of the bundle (--bundle, else the default
    bundle, as `kgqp parse` finds it) links with: the bundle's linker settings, its tagger's
    WordPiece vocabulary (a word of it is no typo of a KG name) and its intent model's label
    space. Without a bundle (--no-bundle, or none found) the KG's bare linker
    (ProductGraph.link) links, which a parse never uses: its links can differ from the parse's
    ("airpods" a typo of the category Airpots). The output says which linker linked (JSON:
    "linker"). A parse also reads the span in its query (--context) and, where a span links
    nothing, a brand cue or a negation in it (`kgqp parse` shows those links)."""
    with _errors():
        bundle_dir, note = _link_bundle(bundle, no_bundle)

        def run(g: Any) -> tuple[Any, Any]:
            if bundle_dir is None:
                return g.link(mention, label=label, context=context), None
            return _link_as_parse(bundle_dir, g, mention, label, context)

        result, parsed = _with_graph(kgdir, run)
        d = result.to_dict(limit=limit)
        best = result.best.iri if result.best is not None else None
        # where the parse links the span otherwise than its linker (a cue's brand, a negated
        # node: QueryParser.link_entity), what the parse links
        other = parsed is not None and parsed.kg_id != best
        d["linker"] = {"bundle": None if bundle_dir is None else str(bundle_dir),
                       "as_parse": bundle_dir is not None}
        if other:
            d["linker"]["parse_link"] = {k: getattr(parsed, k) for k in (
                "text", "start", "end", "kg_id", "kg_label", "kg_kind", "link_score")}
        if as_json:
            typer.echo(json.dumps(d, indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table("score", "kind", "label", "match", "iri",
                      title=escape(f"{mention!r} -> "
                                   f"{'NIL' if result.nil else result.best.label}"))
        for c in d["candidates"]:
            table.add_row(f"{c['score']:.3f}", c["kind"], *(escape(c[k]) for k in (
                "label", "match_type", "iri")))
        Console().print(table)
        typer.echo(note)
        if other:
            typer.echo("a parse links the span otherwise: " + (
                f"{parsed.text!r} -> {parsed.kg_kind} {parsed.kg_label} {parsed.kg_id}"
                if parsed.kg_id is not None else "NIL"))


def _print_reports(reports: list[Any], versions: list[int] | None = None,
                   notes: dict[int, str] | None = None) -> None:
    """One row per source: the records it gave (``read``: nodes and edges written, new or
    merged into ones the KG had; the version's own added/removed triples are in
    ``kgqp kg versions``), what it skipped, and why, and the KG version its commit made
    (``versions``, aligned with ``reports``). What a commit loaded that is probably a mistake
    (edges to IRIs that are no node of the KG, names another node of the same kind has) is
    logged on stderr, once, as ``WARNING kg.graph: KG version N ...``: the version column
    names its file. ``notes``: for a row (by index) whose counts are not known, what
    its "read" and "skipped" cells say instead. Written to stdout; when that is no terminal
    (a log, a pipe) the table is not cut to 80 columns."""
    from rich.console import Console
    from rich.table import Table

    table = Table("source", "read (new or merged)", "skipped (reason: n, e.g.)", "version")
    for i, r in enumerate(reports):
        read = ", ".join(f"{k} {n}" for k, n in {**r.nodes, **r.edges}.items()) or "-"
        skipped = (
            "\n".join(
                f"{reason}: {n}"
                + (f" (e.g. {r.examples[reason][0]!r})" if r.examples.get(reason) else "")
                for reason, n in r.skipped.items()
            )
            or "-"
        )
        if notes and i in notes:
            read = skipped = notes[i]
        version = versions[i] if versions is not None and i < len(versions) else None
        table.add_row(r.source, read, skipped, "-" if version is None else str(version))
    Console(width=None if sys.stdout.isatty() else 100_000).print(table)


def _gazetteer_node_kind(kind: str, node_kind: str | None) -> None:
    """A gazetteer load names the kind of its entries: ValueError listing them if it does not
    (the loader's Python default, brand, would turn a list of colours into brands)."""
    from kg.loaders import ALIASES
    from kg.schema import NodeKind

    norm = kind.strip().lower().replace("_", "-")
    if ALIASES.get(norm, norm) == "gazetteer" and node_kind is None:
        raise ValueError(
            "--kind gazetteer needs --node-kind: the kind of the file's names, one of "
            f"{', '.join(k.value for k in NodeKind)} (attribute_value with --option "
            "attribute=NAME, e.g. --node-kind attribute_value --option attribute=color)")


@app.command()
def load(
    kgdir: Path = _KGDIR,
    sources: list[Path] = _SOURCES,
    kind: str = typer.Option(
        ..., "--kind", "-k", help="Loader kind (e.g. catalog, taxonomy, rdf, gazetteer)."
    ),
    option: list[str] = _OPTION,
    node_kind: str | None = typer.Option(
        None, "--node-kind", help="Node kind of gazetteer entries (required for --kind "
        "gazetteer): brand, category, product, product_type or attribute_value (with "
        "--option attribute=NAME)."
    ),
    on_error: str = typer.Option(
        "abort", "--on-error", help="abort: a file with a bad row loads nothing; skip: load "
        "its good rows and report the bad ones with their line numbers. Not for --kind rdf: "
        "an RDF file loads whole or not at all."),
) -> None:
    """Load data files into the KG, each file in its own transaction (a failed file leaves
    the KG as the files before it left it). The report counts the records each file gave
    ("read": new ones and ones the KG already had), the rows it skipped and the version its
    commit made; edges to IRIs that are no node of the KG and names another node of the same
    kind has are logged as warnings on stderr (with that version). Loads are additive: a node
    the KG has keeps its name (a new one becomes an alias) and gains the new categories beside
    its old ones (docs/howto/update-kg.md says how to correct them). An interrupted load
    (SIGINT, SIGTERM) says on stderr whether the KG was committed."""
    with _errors():
        if on_error not in ("skip", "abort"):
            raise ValueError(f"--on-error must be 'skip' or 'abort', not {on_error!r}")
        missing = [str(s) for s in sources if not s.exists()]
        if missing:
            raise FileNotFoundError(f"Source file(s) not found: {', '.join(missing)}")
        folders = [str(s) for s in sources if s.is_dir()]
        if folders:
            raise ValueError(f"{', '.join(folders)}: a directory; give data files")
        _gazetteer_node_kind(kind, node_kind)
        options = _parse_pairs(option, "--option")
        options["on_error"] = on_error
        if node_kind is not None:
            options["node_kind"] = node_kind
        from kg.loaders import load_sources

        # the KG's version before the load (None: not opened) and after the last file that
        # loaded
        committed: dict[str, Any] = {"before": None, "version": 0}

        def run(g: Any) -> list[Any]:
            before = committed["before"] = committed["version"] = g.version
            reports: list[Any] = []
            versions: list[int] = []
            made: list[Any] = []  # the report of the file being loaded, once it is made
            try:
                for src in sources:  # one transaction each: report what committed on failure
                    made.clear()
                    rep = load_sources(g, [src], kind=kind, options=options, reports=made)
                    version = g.version  # (a request to a KG server: may fail, or be cut)
                    committed["version"] = version
                    reports += rep  # (the two lists move together: one row per version)
                    versions.append(version)
            except BaseException as exc:
                # this handle's version: a commit that an interrupt or error cut short after
                # the store made it durable (during a large commit's flush) has settled it
                # there (ProductGraph._settle_commit; a version another writer made has not)
                with contextlib.suppress(Exception):
                    committed["version"] = g.version
                now = committed["version"]
                cut = sources[len(reports)]  # the file the interruption or error stopped
                # stopped after its commit was made: it loaded, and its report (complete: its
                # records were all read before the commit) goes in the table as it would have;
                # an RDF file's report is made by the import: not counted then, and said so
                loaded = now != (versions[-1] if versions else before)
                notes: dict[int, str] = {}
                if loaded:
                    if not made:
                        from kg.schema import LoadReport

                        notes[len(reports)] = (f"not counted: stopped after its commit (`kgqp "
                                               f"kg versions` lists what version {now} added)")
                        made.append(LoadReport(str(cut)))
                    reports.append(made[0])
                    versions.append(now)
                if reports:
                    _print_reports(reports, versions, notes)
                    what = ("interruption" if isinstance(exc, KeyboardInterrupt)
                            else "error below")
                    if loaded:
                        rest = sources[len(reports):]
                        state = (f"{len(reports)} of {len(sources)} file(s) loaded; the {what} "
                                 f"came after the commit of {cut}" + (
                                     f"; not loaded: {', '.join(map(str, rest))}" if rest
                                     else ""))
                    else:
                        state = (f"{len(reports)} of {len(sources)} file(s) loaded before the "
                                 f"{what} ({cut})")
                    typer.echo(f"KG at {g.where}: version {before} -> {now}: {state}")
                raise
            _print_reports(reports, versions)
            typer.echo(f"KG at {g.where}: version {before} -> {g.version}")
            return reports

        existed = kgdir.is_dir()
        new = not kgdir.exists() or (existed and not any(kgdir.iterdir()))
        removed: list[bool] = []

        def attempt() -> None:
            try:
                _with_graph(kgdir, run, read_only=False, must_exist=False)
            except BaseException:
                # a failed first load leaves no empty KG behind ("changes nothing"); a KG with
                # a committed version (an earlier file of this call loaded) is kept
                if new and not committed["version"]:
                    from kg.io import remove_path

                    for made in (list(kgdir.iterdir()) if existed else [kgdir]):
                        remove_path(made)
                    removed.append(True)
                raise

        def state() -> str:
            if removed:
                return f"nothing loaded; the new KG {_shown(kgdir)} was removed"
            return _commit_state(kgdir, committed["before"], committed["version"])

        _interruptible(attempt, state)


@app.command("drop-staging")
def drop_staging(
    url: str = typer.Argument(..., help="The KG's SPARQL server URL (sparql+http://host:port/)."),
    older_than: float = typer.Option(
        60.0, "--older-than", min=0.0, help="Only staging graphs created more than this many "
        "minutes ago (a younger one may belong to a bulk load still running)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List them; drop nothing."),
) -> None:
    """Drop the staging graphs that interrupted bulk loads left in a KG server (an embedded
    KG removes what interrupted imports left when a writer opens it)."""
    with _errors():
        from kg.sparql import SparqlBackend, is_sparql_url

        if not is_sparql_url(url):
            raise ValueError(f"{url} is not a SPARQL server URL (sparql+http://host:port/): "
                             "an embedded KG removes what interrupted imports left itself, "
                             "when a writer opens it")
        log_ = SparqlBackend(url).log
        seconds = older_than * 60
        names = log_.stale_staging(older_than=seconds) if dry_run \
            else log_.drop_stale_staging(older_than=seconds)
        for name in names:
            typer.echo(name)
        verb = "would drop" if dry_run else "dropped"
        typer.echo(f"{verb} {len(names)} staging graph(s) older than {older_than:g} min", err=True)


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


# -- link-eval / link-fit (entity-linking quality on hand-judged gold) --------------------------
_GOLD = typer.Argument(..., help="Gold JSONL file(s) (see kg.link_eval).")
_KGOPT = typer.Option(..., "--kg", help="KG directory.")
_LINKCFG = typer.Option(None, "--config", help="Linker config JSON (label_kinds, weights ...).")


def _linker_config(path: Path | None) -> Any:
    from kg.link import LinkerConfig

    return LinkerConfig.from_json(path) if path is not None else LinkerConfig()


def _tagged_spans(bundle: Path, graph: Any, queries: list[str]) -> dict[str, list]:
    from parser.pipeline import QueryParser

    qp = QueryParser.from_pretrained(bundle, kg=graph, warmup=False)
    return {q: [(e.start, e.end, e.label) for e in qp(q).entities] for q in queries}


@app.command("link-eval")
def link_eval_cmd(
    gold: list[Path] = _GOLD,
    kg: Path = _KGOPT,
    folds: int = typer.Option(5, "--folds", help="k of the k-fold cross-validation (the "
                              "linker is refit on k-1 folds); 0 = score the configured weights."),
    config: Path | None = _LINKCFG,
    seed: int = typer.Option(0, "--seed", help="Seed of the fold assignment."),
    end_to_end: bool = typer.Option(False, "--end-to-end", help="Link the bundle tagger's "
                                    "spans instead of the gold spans (needs --bundle)."),
    bundle: Path | None = typer.Option(None, "--bundle", help="Bundle whose tagger runs "
                                       "(and whose linker settings apply, unless --config)."),
    overlap: bool = typer.Option(False, "--overlap", help="End to end: score a gold mention "
                                 "the tagger spans differently by the links of the spans that "
                                 "overlap it (what a user reads), not as NIL."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Score the entity linker and the exact-match baseline on GOLD mentions."""
    with _errors():
        from kg.link_eval import link_eval, load_gold

        if end_to_end and bundle is None:
            raise ValueError("--end-to-end needs --bundle BUNDLE_DIR (the tagger to run)")
        if overlap and not end_to_end:
            raise ValueError("--overlap scores the tagger's spans: it needs --end-to-end")
        mentions = load_gold(*gold)
        cfg = _linker_config(config)
        if config is None and end_to_end:
            from kg.link import LinkerConfig
            from parser.bundle import BundleManifest

            settings = BundleManifest.read(bundle).linker
            if settings:  # the bundle's own linker settings, as its parser links
                cfg = LinkerConfig.from_json(settings)

        def run(g: Any) -> dict[str, Any]:
            spans = None
            if end_to_end:
                spans = _tagged_spans(bundle, g, sorted({m.query for m in mentions}))
            return link_eval(g, mentions, folds=folds, config=cfg, seed=seed, spans=spans,
                             overlap=overlap)

        res = _with_graph(kg, run)
        if as_json:
            typer.echo(json.dumps(res, indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("label", "n", "acc", "prec", "rec", "NIL P", "NIL R", "| base acc",
                      "base prec", "base rec", title=f"{res['mentions']} mentions; "
                      f"{res['evaluation']}")
        lk, bl = res["linker"], res["baseline"]
        rows = [("ALL", lk["overall"], bl["overall"])]
        rows += [(k, v, bl["by_label"][k]) for k, v in lk["by_label"].items()]
        rows += [(f"file {k}", v, bl["by_source"][k]) for k, v in lk["by_source"].items()]
        for name, a, b in rows:
            table.add_row(name, str(a["n"]), *(_rate(a[m]) for m in (
                "accuracy", "precision", "recall", "nil_precision", "nil_recall")),
                *(_rate(b[m]) for m in ("accuracy", "precision", "recall")))
        Console().print(table)


def _rate(value: float | None) -> str:
    """A rate for the link-eval table; "-" where it is undefined (nothing to divide by)."""
    return "-" if value is None else f"{value:.3f}"


@app.command("link-fit")
def link_fit_cmd(
    gold: list[Path] = _GOLD,
    kg: Path = _KGOPT,
    output: Path = typer.Option(..., "--output", "-o", help="Weights JSON to write."),
    config: Path | None = _LINKCFG,
    l2: float = typer.Option(1.0, "--l2", help="L2 penalty of the logistic model."),
) -> None:
    """Fit the linker's scorer and NIL threshold on GOLD; write the weights as JSON."""
    with _errors():
        from kg.link_eval import fit_weights, load_gold

        mentions = load_gold(*gold)
        cfg = _linker_config(config)
        weights = _with_graph(kg, lambda g: fit_weights(g, mentions, config=cfg, l2=l2))
        weights = type(weights)(weights.coef, weights.threshold, meta={
            **weights.meta, "fitted_on": [str(p) for p in gold]})
        weights.save(output)
        typer.echo(f"Wrote {output} (threshold {weights.threshold:.3f}, "
                   f"{weights.meta['mentions']} mentions)", err=True)
