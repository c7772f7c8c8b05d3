"""Exceptions raised by :mod:`parser`; all derive from :class:`ParserError`.

Every message says what to do about the problem.

Example:
    >>> try:
    ...     raise ModelLoadError("no config.json in /x: pass a folder written by Tagger.save")
    ... except ParserError as err:
    ...     print(type(err).__name__)
    ModelLoadError
"""

from __future__ import annotations

__all__ = ["ConfigError", "DataFormatError", "InputError", "ModelLoadError", "ModelNotFoundError",
           "ParserError", "UnsafeModelError"]


class ParserError(Exception):
    """Base class of every error raised by the parser package."""


class ConfigError(ParserError, ValueError):
    """A configuration value is invalid (wrong range, unknown name, inconsistent options)."""


class DataFormatError(ParserError, ValueError):
    """An input data file is malformed; the message names the file and line."""


class ModelLoadError(ParserError):
    """A saved model folder is missing files or holds corrupt ones."""


class ModelNotFoundError(ModelLoadError, FileNotFoundError):
    """The model or bundle folder given does not exist (a usage error: exit 2 in the CLI)."""


class UnsafeModelError(ModelLoadError):
    """A model folder holds only pickle weights, which kgqp refuses to load."""


class InputError(ParserError, ValueError):
    """The query itself is unusable (not a string, invalid text, over the length limit).

    Raised by :meth:`parser.QueryParser.pipe`, it carries ``index``: the bad query's position
    in the queries given to that call (None from a single call)."""

    #: the bad query's position in the input of :meth:`parser.QueryParser.pipe`
    index: int | None = None
