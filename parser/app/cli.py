"""The ``kgqp`` command line: a thin typer layer over library functions.

Sub-commands live in this folder (``kg_cli``, ``tagger_cli``, ``fusion_cli``, ``learn_cli``)
and are mounted here; heavy imports (torch, transformers) happen inside the commands. Every
command reports errors through :mod:`parser.app.errors` (one ``error: ...`` line; exit 1 runtime,
2 usage or bad input data, 3 KG locked).
"""

from __future__ import annotations

import logging
import sys

import click
import typer

from parser.app.commands import register
from parser.app.errors import cli_errors, set_verbose
from parser.app.fusion_cli import app as fusion_app
from parser.app.kg_cli import app as kg_app
from parser.app.learn_cli import app as learn_app
from parser.app.tagger_cli import app as tagger_app

app = typer.Typer(
    name="kgqp",
    help="Knowledge-graph-augmented parser for e-commerce search queries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(
    kg_app, name="kg", help="Build, update, query and export the product knowledge graph."
)
app.add_typer(tagger_app, name="tagger", help="Train, evaluate, export and run the token tagger.")
app.add_typer(fusion_app, name="fusion", help="GNN fusion: category intent and query expansion.")
app.add_typer(learn_app, name="learn",
              help="Active learning: select queries to label, turn labels into KG additions.")

register(app)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"kgqp {version('kgqp')}")
        except PackageNotFoundError:  # a source tree that is not installed
            typer.echo("kgqp (not installed: pip install -e .)")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Log debug messages; print tracebacks with errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log errors only."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Logs are quiet by default (warnings and errors); -v for debug messages."""
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    set_verbose(verbose)


def main() -> None:
    """Entry point of the ``kgqp`` console script: errors that escape a command still end as
    one ``error: ...`` line and the policy's exit code (:mod:`parser.app.errors`)."""
    try:
        with cli_errors():
            app()
    except (typer.Exit, click.exceptions.Exit) as exc:  # raised here, outside click's handling
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
