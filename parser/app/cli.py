"""The ``kgqp`` command line: a thin typer layer over library functions.

Sub-commands live in this folder (``kg_cli``, ``tagger_cli``, ``fusion_cli``)
and are mounted here; heavy imports (torch, transformers) happen inside the commands.
"""

from __future__ import annotations

import logging

import typer

from parser.app.commands import register
from parser.app.fusion_cli import app as fusion_app
from parser.app.kg_cli import app as kg_app
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

register(app)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log warnings and errors only."),
) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)


def main() -> None:
    """Entry point of the ``kgqp`` console script."""
    app()


if __name__ == "__main__":
    main()
