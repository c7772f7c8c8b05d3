"""The expansion's settings: :class:`Thresholds` (confidence), :class:`ExpansionConfig` (ranking,
limits, policies), the expansion kinds and their default weights and limits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fusion.errors import FusionConfigError

KINDS = (
    "synonym",
    "alias",
    "child_category",
    "parent_category",
    "sibling_category",
    "category",
    "brand",
    "attribute_value",
)
_DEFAULT_WEIGHTS = {"synonym": 0.9, "alias": 0.85, "child_category": 0.8, "category": 0.7,
                    "parent_category": 0.6, "brand": 0.5, "sibling_category": 0.4,
                    "attribute_value": 0.3}
_DEFAULT_LIMITS = {"synonym": 5, "alias": 3, "child_category": 5, "category": 5,
                   "parent_category": 1, "brand": 5, "sibling_category": 3,
                   "attribute_value": 5}
_CATEGORY_KINDS = frozenset({"child_category", "parent_category", "sibling_category",
                             "category"})


#: the defaults of a model whose intent blends the query memory (:mod:`fusion.memory`), per
#: memory weight, calibrated for it (:meth:`Thresholds.defaults_for`,
#: :meth:`ExpansionConfig.defaults_for`)
_MEMORY_DEFAULTS: dict[float, dict[str, float]] = {
    0.3: {"intent": 0.36, "hard_filter": 0.73, "walk_min_department_prob": 0.71,
          "lvl1_filter": 0.90},
}


def _memory_defaults(memory_weight: float) -> dict[str, float]:
    return _MEMORY_DEFAULTS.get(round(float(memory_weight), 6), {})


@dataclass(frozen=True)
class Thresholds:
    """Confidence thresholds of the intent output (calibrated by :mod:`fusion.cv`, saved in a
    bundle's manifest).

    Attributes:
        intent: top lvl1 probability below which the intent is low-confidence.
        hard_filter: department probability (``Intent.lvl0_score``) from which the predicted
            category is a hard filter; below it, a suggestion.
        lvl1_filter: top lvl1 probability (``Intent.score``) from which the intent's hard
            filter is its lvl1 category rather than its department (calibrated, as
            ``hard_filter`` is, for ``filter_precision`` against the gold lvl1); None: never
            (the department only).
        intent_precision, filter_precision: the precision targets they were calibrated for.

    >>> Thresholds.from_dict(Thresholds(intent=0.4, hard_filter=0.9).to_dict()).hard_filter
    0.9
    """

    # the defaults: the cross-validated calibration (confidence 0.9) of the model the
    # quickstart trained without the query memory (TrainConfig's defaults: 40 epochs, batch
    # 32) on Best Buy train+dev (docs/benchmarks.md, Fusion), rounded up: intent 0.433, hard
    # filter 0.949. A model with the memory has its own: :meth:`defaults_for`.
    intent: float = 0.5
    hard_filter: float = 0.95
    intent_precision: float = 0.8
    filter_precision: float = 0.95
    lvl1_filter: float | None = None

    def __post_init__(self) -> None:
        for name in ("intent", "hard_filter", "intent_precision", "filter_precision",
                     "lvl1_filter"):
            v = getattr(self, name)
            if v is None and name == "lvl1_filter":
                continue
            if not (isinstance(v, int | float) and math.isfinite(v) and 0.0 <= v <= 1.0 + 1e-9):
                raise FusionConfigError(f"Thresholds.{name} must be in [0, 1], got {v!r}")

    def to_dict(self) -> dict[str, float | None]:
        return asdict(self)

    @classmethod
    def defaults_for(cls, memory_weight: float = 0.0) -> Thresholds:
        """The defaults for a model whose intent blends the query memory at ``memory_weight``
        (:attr:`fusion.model.FusionConfig.memory_weight`; 0: none).

        The vote of the nearest training queries spreads the blend's probabilities, so the
        same precision is reached at a lower department probability: calibrated under
        cross-validation (confidence 0.9) for the quickstart's recipe with the weight 0.3,
        the hard filter holds 0.958 precision from 0.723 and the intent 0.8 from 0.353
        (docs/benchmarks.md, Fusion), rounded up here; the lvl1 filter, calibrated on one fold
        seed's out-of-fold intents (the queries whose filter is the department), 0.95 from
        0.896 (docs/benchmarks.md, "The intent's lvl1 category as the hard filter"). A weight
        without its own calibration gets the defaults of a model without the memory, which are
        stricter for it (fewer hard filters, more low-confidence intents, no lvl1 filter):
        calibrate it with ``kgqp fusion evaluate --cv K --memory-weight W --save-thresholds
        MODEL``.

        >>> Thresholds.defaults_for(0.3).hard_filter, Thresholds.defaults_for(0.0).hard_filter
        (0.73, 0.95)
        >>> Thresholds.defaults_for(0.3).lvl1_filter, Thresholds.defaults_for(0.0).lvl1_filter
        (0.9, None)
        """
        d = _memory_defaults(memory_weight)
        return cls(**{k: d[k] for k in ("intent", "hard_filter", "lvl1_filter") if k in d})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Thresholds:
        """The thresholds of :meth:`to_dict` (a manifest's ``thresholds``; ``lvl1_filter``
        left out or null: none).

        >>> Thresholds.from_dict({"intent": 0.4, "lvl1_filter": None}).lvl1_filter is None
        True
        """
        known = {"intent", "hard_filter", "intent_precision", "filter_precision", "lvl1_filter"}
        unknown = set(d) - known
        if unknown:
            raise FusionConfigError(f"unknown threshold keys {sorted(unknown)}; valid: "
                                    f"{sorted(known)}")
        return cls(**{k: None if v is None and k == "lvl1_filter" else float(v)
                      for k, v in d.items()})


@dataclass(frozen=True)
class ExpansionConfig:
    """How expansions are ranked and cut (saved in a bundle's manifest as ``expansion``).

    Args:
        weights: base weight per kind (missing kinds: the defaults).
        limits: most expansions kept per kind (0 drops the kind).
        walk: nodes read per source node and relation before ranking (most popular first).
        intent_weight, similarity_weight, popularity_weight: the relevance mix.
        min_department_prob: intent probability from which a department counts as the
            query's (fan-out into other departments is dropped).
        walk_min_department_prob: the intent's category neighbourhood is expanded only when
            the intent's department probability reaches this (and the intent is confident).
        typo_distance: aliases within this edit distance of the node's name are typos
            (matching only, never returned).
        brand_boost: weight of the UP (DOWN: negated) boosts made of the links that are not
            hard filters (:class:`Boost`, source ``link:<iri> (why)``): brands, and the
            colours, sizes and categories a query excludes ("phone case not black").
        brand_filter_min_link: link score a brand linked from a span the tagger did NOT read
            as a brand (``product_name`` ...) needs to be a hard filter; below it the brand is
            an UP boost (``unsure``): a catalogue's small brands named by common words
            ("galaxy" in "samsung galaxy phone cover") link such spans near the NIL threshold.
        filter_min_share: share of the department's KG products named as a linked category
            that the category filter's subtree must hold; below it the filter climbs the
            category's path (the linked category an UP boost, :mod:`fusion.expand.depth`),
            as it does where a category outside the subtree holds more of them; 0 keeps
            every linked filter where it is.

    >>> ExpansionConfig.from_dict({"limits": {"brand": 2}}).limits["brand"]
    2
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_WEIGHTS))
    limits: Mapping[str, int] = field(default_factory=lambda: dict(_DEFAULT_LIMITS))
    walk: int = 20
    intent_weight: float = 0.5
    similarity_weight: float = 0.3
    popularity_weight: float = 0.2
    min_department_prob: float = 0.2
    walk_min_department_prob: float = 0.9
    typo_distance: int = 2
    brand_boost: float = 10.0
    brand_filter_min_link: float = 0.8
    filter_min_share: float = 0.3

    def __post_init__(self) -> None:
        for name in ("weights", "limits"):
            given = dict(getattr(self, name))
            bad = sorted(set(given) - set(KINDS))
            if bad:
                raise FusionConfigError(f"ExpansionConfig.{name}: unknown kinds {bad}; valid: "
                                        f"{list(KINDS)}")
            default = _DEFAULT_WEIGHTS if name == "weights" else _DEFAULT_LIMITS
            merged = {**default, **given}
            if any(isinstance(v, bool) or not isinstance(v, (int, float))
                   or not math.isfinite(v) or v < 0 for v in merged.values()):
                raise FusionConfigError(f"ExpansionConfig.{name} must be finite numbers >= 0")
            if name == "limits":
                if any(not float(v).is_integer() for v in merged.values()):
                    raise FusionConfigError(  # a count: 2.7 expansions is no limit one meant
                        f"ExpansionConfig.limits must be whole numbers, got {given}")
                merged = {k: int(v) for k, v in merged.items()}
            object.__setattr__(self, name, merged)
        for name in ("walk", "typo_distance"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or not float(value).is_integer():
                raise FusionConfigError(  # (a float slices nothing: every parse would fail)
                    f"ExpansionConfig.{name} must be a whole number, got {value!r}")
            object.__setattr__(self, name, int(value))
        mix = (self.intent_weight, self.similarity_weight, self.popularity_weight)
        if any(w < 0 for w in mix) or sum(mix) <= 0:
            raise FusionConfigError("ExpansionConfig relevance weights must be >= 0, sum > 0")
        if isinstance(self.brand_boost, bool) or not isinstance(self.brand_boost, (int, float)) \
                or not math.isfinite(self.brand_boost) or self.brand_boost < 0:
            raise FusionConfigError("ExpansionConfig.brand_boost must be a finite number >= 0, "
                                    f"got {self.brand_boost!r}")
        if self.walk < 1 or self.typo_distance < 0 or not 0 <= self.min_department_prob <= 1 \
                or not 0 <= self.walk_min_department_prob <= 1 \
                or isinstance(self.brand_filter_min_link, bool) \
                or not isinstance(self.brand_filter_min_link, (int, float)) \
                or not 0 <= self.brand_filter_min_link <= 1 \
                or isinstance(self.filter_min_share, bool) \
                or not isinstance(self.filter_min_share, (int, float)) \
                or not 0 <= self.filter_min_share <= 1:
            raise FusionConfigError("ExpansionConfig: walk >= 1, typo_distance >= 0, "
                                    "min_department_prob, walk_min_department_prob and "
                                    "brand_filter_min_link, filter_min_share in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["weights"], d["limits"] = dict(self.weights), dict(self.limits)
        return d

    @classmethod
    def defaults_for(cls, memory_weight: float = 0.0) -> ExpansionConfig:
        """The defaults for a model whose intent blends the query memory at ``memory_weight``
        (0: none): the tree-walk gate (``walk_min_department_prob``) is the blend's department
        probability that keeps the department precision the gate has on a model without the
        memory (matched on the cross-validated out-of-fold queries of the quickstart's recipe,
        docs/benchmarks.md, Fusion); the vote lowers the department probability at the same
        precision, so the memory-free gate would walk less often. Other weights: the
        memory-free defaults (stricter for them).

        >>> ExpansionConfig.defaults_for(0.0).walk_min_department_prob
        0.9
        """
        d = _memory_defaults(memory_weight)
        return cls(**{k: d[k] for k in ("walk_min_department_prob",) if k in d})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExpansionConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise FusionConfigError(f"unknown expansion settings {sorted(unknown)}; valid: "
                                    f"{sorted(known)}")
        return cls(**dict(d))
