"""The check each of kgqp's top-level packages runs at import (one definition for the three).

Example:
    >>> check_not_shadowed("kg")  # our own kg: nothing to say
"""

from __future__ import annotations

__all__ = ["check_not_shadowed"]


def check_not_shadowed(*siblings: str) -> None:
    """kgqp's top-level packages (kg, parser, fusion) must come from one place: a distribution
    with the same top-level name (PyPI ``fusion`` has one) would be imported instead of ours and
    fail with confusing errors later. Cheap: a path comparison, no import."""
    import importlib.util
    import os
    import sys

    # this file is kg/_packages.py: its grandparent holds kg, parser and fusion
    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in siblings:
        mod = sys.modules.get(name)
        origin = getattr(mod, "__file__", None) if mod is not None else None
        if mod is None:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            origin = spec.origin if spec is not None else None
        if origin and os.path.dirname(os.path.dirname(os.path.abspath(origin))) != home:
            raise ImportError(
                f"the top-level package {name!r} resolves to {origin}, not to kgqp's "
                f"{os.path.join(home, name)}: another distribution shadows it (for 'fusion', "
                f"the PyPI package 'fusion'). Uninstall it (`pip uninstall {name}`) or use a "
                "separate virtual environment for kgqp"
            )
