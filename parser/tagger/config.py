"""The saved configuration of a tagger (``kgqp.json``), torch-free.

Example:
    >>> cfg = TaggerConfig(labels=["O", "B-brand", "I-brand"])
    >>> cfg.label2id["B-brand"]
    1
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from parser.errors import ConfigError
from parser.tagger.data import SCHEMES, _split_tag

__all__ = ["FORMAT_VERSION", "TaggerConfig"]

FORMAT_VERSION = 1


@dataclass
class TaggerConfig:
    """What a saved tagger needs besides the encoder config (stored as ``kgqp.json``)."""

    labels: list[str]
    scheme: str = "bio"
    crf: bool = False
    lexicon_kinds: list[str] | None = None
    lexicon_dim: int = 32
    max_length: int = 64
    word_mode: str = "whitespace"
    classifier_dropout: float = 0.1
    format_version: int = FORMAT_VERSION
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.labels or self.labels[0] != "O" or len(set(self.labels)) != len(self.labels):
            raise ConfigError("labels must be unique and start with 'O'")
        for lab in self.labels:
            _split_tag(lab)
        if self.scheme not in SCHEMES:
            raise ConfigError(f"scheme {self.scheme!r} unknown: use one of {SCHEMES}")
        if self.word_mode not in ("whitespace", "char"):
            raise ConfigError("word_mode must be 'whitespace' or 'char'")
        if not 8 <= self.max_length <= 512:
            raise ConfigError(f"max_length={self.max_length}: use a value in 8..512")
        if self.lexicon_kinds is not None:
            self.lexicon_kinds = list(self.lexicon_kinds)
            if not self.lexicon_kinds or len(set(self.lexicon_kinds)) != len(self.lexicon_kinds):
                raise ConfigError("lexicon_kinds must be None or a non-empty list of unique kinds")
        if self.format_version > FORMAT_VERSION:
            raise ConfigError(f"saved with format {self.format_version}; this kgqp reads up to "
                              f"{FORMAT_VERSION}: upgrade kgqp")

    @property
    def label2id(self) -> dict[str, int]:
        return {lab: i for i, lab in enumerate(self.labels)}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaggerConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
