"""Run-time settings of :class:`parser.QueryParser` (saved in the bundle manifest).

Example:
    >>> ParserConfig(max_query_chars=200).on_too_long
    'truncate'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from parser.errors import ConfigError

__all__ = ["ParserConfig"]


@dataclass(frozen=True, slots=True)
class ParserConfig:
    """Run-time settings of :class:`QueryParser` (saved in the bundle manifest).

    Args:
        max_query_chars: longer queries are truncated (``on_too_long="truncate"``: cut at the
            last word boundary at or before the limit, a word that does not fit dropped
            whole, a first word longer than the limit cut at it; the tail is not parsed and
            ``truncated`` is set) or rejected (``"error"``).
        link_labels_only: link only spans whose tagger label has a KG kind (price, quantity
            and the like are never linked).
        intent_top_k: categories kept in ``intent.top_k``.
        expand: compute expansions and filters.
        max_expansions: expansions kept, best first.
    """

    max_query_chars: int = 512
    on_too_long: Literal["truncate", "error"] = "truncate"
    link_labels_only: bool = True
    intent_top_k: int = 3
    expand: bool = True
    max_expansions: int = 20

    def __post_init__(self) -> None:
        for name, kind in (("max_query_chars", int), ("intent_top_k", int),
                           ("max_expansions", int), ("link_labels_only", bool),
                           ("expand", bool)):
            value = getattr(self, name)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ConfigError(f"{name} must be {'an int' if kind is int else 'true or false'}"
                                  f", got {value!r}")
        if self.max_query_chars < 1:
            raise ConfigError(f"max_query_chars must be >= 1, got {self.max_query_chars}")
        if self.on_too_long not in ("truncate", "error"):
            raise ConfigError(
                f"on_too_long must be 'truncate' or 'error', got {self.on_too_long!r}"
            )
        if self.intent_top_k < 1:
            raise ConfigError(f"intent_top_k must be >= 1, got {self.intent_top_k}")
        if self.max_expansions < 0:
            raise ConfigError(f"max_expansions must be >= 0, got {self.max_expansions}")

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParserConfig:
        if not isinstance(d, dict):
            raise ConfigError(f"parser settings must be a JSON object, got {type(d).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown parser settings {sorted(unknown)}; known: {sorted(known)}")
        return cls(**d)
