"""Exceptions raised by :mod:`fusion`; all derive from :class:`FusionError`."""

from __future__ import annotations


class FusionError(Exception):
    """Base class of every error raised by the fusion package."""


class FusionConfigError(FusionError, ValueError):
    """A configuration value is invalid; the message says which values are allowed."""


class FusionDataError(FusionError, ValueError):
    """Input data (a JSONL file, a graph, a tensor) is malformed; the message says where."""


class FusionLoadError(FusionError):
    """A saved fusion artefact is missing, corrupt, unsafe (a pickle) or incompatible."""


class RuleSyntaxError(FusionError, ValueError):
    """A line of a query-rewriting rules file cannot be parsed.

    Attributes:
        path: the rules file (or ``"<string>"``).
        line: 1-based line number of the offending line.
    """

    def __init__(self, message: str, *, path: str = "<string>", line: int = 0) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {message}")
