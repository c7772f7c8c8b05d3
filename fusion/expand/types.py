"""The expansion's result types: :class:`Expansion`, :class:`Filters`, :class:`CategorySuggestion`,
:class:`Boost`, :class:`FilterSource`, :class:`Excluded`, :class:`ExpansionResult`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from fusion.rules import AppliedRule

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class Expansion:
    """A scored rewrite term.

    Attributes:
        term: the text to add to the search.
        kind: one of :data:`KINDS`.
        score: in (0, 1]; higher = closer to the query's meaning.
        provenance: the KG path that produced it, as ``(subject, relation, object)`` triples
            (empty for rule-made terms; see ``rule``).
        iri: the KG node the term names, if any.
        rule: the rule that produced it, if any.
    """

    term: str
    kind: str
    score: float
    provenance: tuple[Triple, ...] = ()
    iri: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Filters:
    """Hard structured filters for the search backend (a category only when it is trusted:
    see :class:`Thresholds`; the others are :attr:`ExpansionResult.suggestions`)."""

    brand: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    colour: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    other: tuple[str, ...] = ()  # "field:value" from FILTER rules on other fields (split at
    #                               the first ":"; price bounds from rules are refused)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` of the filters that are set, so ``dict(filters)`` works."""
        for name in ("brand", "category", "colour", "size", "price_min", "price_max", "other"):
            value = getattr(self, name)
            if value not in (None, ()):
                yield name, list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class CategorySuggestion:
    """A category the query is probably about, not trusted enough to filter on.

    ``source``: ``"intent"`` (the model's top categories), ``"link:<iri>"`` (a linked category)
    or ``"intent-department"`` (the predicted department below the hard-filter threshold)."""

    category: str
    score: float
    source: str


class Boost(NamedTuple):
    """An UP (``weight > 0``) or DOWN (``weight < 0``) boost of a term or ``field:value``, with
    the rule that produced it (``path:line: input => KIND(w): arg``; a ``FILTER`` whose input
    the query excludes: ``... FILTER(w): arg (negated)``), the link it replaces as a filter
    (``link:<iri> (negated|fits|ungrounded|unsure|alternative|other department)``; a colour's
    also ``(not a colour|combined|in a name|a scent or flavour|a consumable|a fuel|a switch
    type|an efficiency rating|a product line)``, a size's ``(not
    clothing)``) or ``pattern (negated)`` (a size the query excludes: "tv not 65 inch") or
    ``pattern (a size hint)`` (a size that is no filter: "shoes uk 9").

    >>> b = Boost("brand:apple", -20.0, "r.txt:3: laptop => DOWN(20): brand:apple")
    >>> b.direction, b[:2]
    ('DOWN', ('brand:apple', -20.0))
    """

    term: str
    weight: float
    rule: str | None = None

    @property
    def direction(self) -> str:
        return "UP" if self.weight >= 0 else "DOWN"


@dataclass(frozen=True)
class FilterSource:
    """Where a hard filter came from: ``source`` is ``"rule:<applied rule>"``,
    ``"link:<iri>"`` (the linked node; a category filter may be a category above a linked one
    narrower than the query: "color printer" -> All Printers, from Color Laser Printers),
    ``"intent"`` or ``"pattern"`` (price and size patterns of the text)."""

    field: str
    value: str
    source: str


@dataclass(frozen=True)
class Excluded:
    """A run of the query's words a negation cue excludes, linked or not ("chicken" in "dog
    food without chicken", "4k" in "tv not 4k", "samsung" in "non samsung phone"):
    ``query[start:end] == text``, offsets in code points into the query as :func:`expand`
    was given it; ``iri``: the excluded link the run names, when it names one link only
    (None for words that link nothing, or only a namesake the expansion sets aside: "fish"
    in "cat food without fish" is no Fish Food, "made in china" no brand).

    They are the words the expansion reads as excluded, no second reading: each run a cue
    excludes (no expansion's name holds its words), without the words that open it and name
    nothing ("an" of "isn't an ipad", "made by" of "not made by sony"), and each place of an
    excluded link no such run holds ("non samsung": "non" excludes brands only; "blue" in
    "not red, blue or green"); none where the caller reads the cue as a word of a name
    (``no_cues`` of :func:`expand`). An engine leaves them out (``must_not``): the words stay
    in the rewritten query.

    ``free_from``: the words name what the products wanted are free of, an ingredient, an
    additive or an allergen ("pulp" in "orange juice no pulp", "sulfates" in "shampoo no
    sulfates", "gmo" in "non gmo snacks": :func:`free_from_words`), whose titles hold them
    ("Pulp Free", "Sulfate-Free"): an engine demotes them, or matches the claim ("pulp free",
    "no pulp"), and never leaves out every product that names them; no node of that name is
    a DOWN boost (``iri`` None)."""

    text: str
    start: int
    end: int
    iri: str | None = None
    free_from: bool = False


@dataclass
class ExpansionResult:
    """Expansions (iterable, ranked), hard filters, category suggestions, the rule-rewritten
    query, boosts, the rules applied (``applied``: typed; ``applied_rules``:
    ``"path:line: input => KIND(w): arg"`` strings) and the runs of words the query excludes
    (``excluded``, in the order of the query: :class:`Excluded`)."""

    expansions: list[Expansion]
    filters: Filters
    query: str = ""
    boosts: list[Boost] = field(default_factory=list)
    applied: list[AppliedRule] = field(default_factory=list)
    suggestions: list[CategorySuggestion] = field(default_factory=list)
    filter_sources: list[FilterSource] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def applied_rules(self) -> list[str]:
        return [str(a) for a in self.applied]

    def __iter__(self) -> Iterator[Expansion]:
        return iter(self.expansions)

    def __len__(self) -> int:
        return len(self.expansions)
