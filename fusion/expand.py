"""Query expansion from the KG (+ the rule layer), each rewrite with the KG path that produced it.

:func:`expand` takes the query's linked entities and (optionally) its predicted intent and
returns :class:`Expansion` s ranked by a relevance score, never by IRI:

============== ========================================================================
kind           KG path (provenance)
============== ========================================================================
synonym        ``(node, synonym, other)`` either direction; or a ``SYNONYM`` rule
alias          ``(node, alias, "text")`` (a name stored on the node)
child_category ``(child, parent, category)``
parent_category ``(category, parent, parent)``
sibling_category ``(category, parent, p), (sibling, parent, p)``
category       ``(brand, sells_in, category)`` (what a brand-only query is about),
               ``(type, type_in, category)``, ``(product, in_category, category)``,
               ``(product, has_value, value), (product, in_category, category)``
brand          ``(brand, sells_in, category)``, ``(product, has_brand, brand)``
attribute_value ``(product, in_category, category), (product, has_value, value)``
============== ========================================================================

Ranking (:class:`ExpansionConfig`): ``score = kind weight x link score x relevance``, where
relevance mixes the agreement of the expansion's category with the intent distribution, the
GNN similarity of the expanded node to the linked nodes, and the node's popularity (how much of
the KG points at it). Each kind keeps its best ``limits[kind]``.

Policies (what a search engine can trust):

- *No fan-out into unrelated departments.* Categories reached by fan-out (a brand's
  ``sells_in``, an attribute value's products, a product type, the intent's neighbourhood) are
  kept only inside the departments the query is about: those of the linked categories and those
  the intent gives at least ``min_department_prob``; brands and attribute values found through a
  category follow their category. With neither (no intent, no linked category) a fan-out keeps
  only its single most popular category. The intent's own category is expanded only when the
  intent is confident (``thresholds.intent``).
- *Tree walks stay in their department.* A category's parent, siblings and children are kept
  only inside its own department (in the label space, see
  :class:`fusion.context.TaxonomyAlignment`): no store root, no other departments offered as
  the "siblings" of a department.
- *Cross-taxonomy* categories (whose top level is not one of the intent label space's
  ``departments``, e.g. Google or Flipkart categories next to the Best Buy tree) are never
  reached by fan-out; they appear only as the tree neighbours of a category the query links.
- *Names, not spellings.* No case-, spacing- or punctuation-only variants of the query or of a
  linked name, and no typo aliases (within a small edit distance of the node's name): those
  are for matching, not rewrites. Each name appears once (its best kind). No alias of a
  brand filtered on (every filtered document is the brand's), and no brand alias that names
  a page of the brand, its name and a category's or a store page's words ("Dell Computers",
  "Dyson Brand Store").
- *Non-linkable categories* (``kgqp:linkable false``: promotions, content pages) are never
  expanded to.
- *Nodes, not IRIs.* An edge to an IRI that is no node of the KG (no kind: a misspelt IRI,
  which the commit logs as a warning) is never followed, and a node without a name is never an
  expansion: no IRI is ever an expansion term.
- *Hard filters vs suggestions* (:class:`Thresholds`): a category is a hard filter only when
  the intent's department probability reaches ``thresholds.hard_filter`` (calibrated under
  cross-validation for a target precision, :mod:`fusion.cv`) and, for a linked category, when it
  lies in that department under the intent's own lvl1 category ("iphone case" links iPhone,
  whose phones hold no case: the department is the filter); one category value (fields are
  ANDed by an engine, the values of a field ORed): for two categories the query names ("laptop
  or tablet", "pizza ovens toaster ovens"), the nearest category above both below the
  department (Toaster & Pizza Ovens), else the department; everything else is a
  :class:`CategorySuggestion`. A linked category that names the device an accessory is for
  (another product right after it: "tv remote control", "tv battery", "macbook headset"; or
  after a fits word: "soundbar for 55 inch tv") is no filter, unless its path holds that
  product ("xbox one controller": Xbox One Controllers), and of its expansions (and those of
  its maker, "samsung tv battery", and of an intent that only follows the device word, TVs
  for "tv cable") only its accessory categories are kept; an intent that follows the device
  word does not judge the lvl1 category of the product searched, which may then be the
  filter ("tv remote control": Remote Controls). A category linked by a name with words the
  query lacks (the linker's ``subset`` match: "color printer" -> Color Laser Printers; the
  words of its department's name aside) is narrower than the query: the filter is the
  nearest category above it on its path that the query's words name (All Printers; its
  source is still ``link:<iri>`` of the linked category), else the department. A device the
  KG holds accessories for ("Fire TV Accessories" under Fire TV) followed by a mention tagged
  as a product type of another category is no filter either ("fire tv games"). A mention
  after "with" is a feature of the product searched ("baby monitor with camera"): no filter
  and no fan-out of its own (an accessory there may be searched: "samsung tv with stand").
  No expansion names a hard category filter's value (every filtered document matches it).
  The department is no filter either (an ``intent-department`` suggestion) where the product
  the query searches links a category outside it that it has no namesake of: the intent
  picks among namesakes ("keyboards": Musical Instruments' Keyboards, Computers & Tablets'
  Computer Keyboards), it does not overrule a name its department lacks ("coffee table"
  links Coffee Tables, Appliances at 0.83 holds no table; "waffle blanket" links Google's
  Blankets); a link in the department, or a category of the store's tree or of a branch of
  another catalogue the label space places some of (Google's Electronics: "television"),
  a linked brand a lvl1 label of the department names ("bissell upright vacuums": Name
  Brands > BISSELL), or a word before the searched mention heading a category of the
  department ("laptop cooler": Laptops) keeps it (:func:`_named_elsewhere`). So is a query
  that links nothing and names its product by a last word only other departments'
  categories are headed by ("puppy food", "peanut butter": :func:`_headed_elsewhere`; one
  such category only where another word names its branch: "garden planters", Google's Lawn &
  Garden > ... > Pots & Planters). A searched set ("5 piece dining set", "tool set": set,
  kit, combo, bundle) is judged by the word before it too: the department's namesake is a set
  sharing that word or a category that word heads ("cookware set": Cookware, Bakeware &
  Cutlery; Appliances' Fondue Sets hold no dining sets).
  Where the department is no filter so, the intent's category is no walk either ("milk"
  expands into no kitchen appliances), and an ``intent-department`` suggestion never
  scores at or over ``hard_filter`` (capped below it: a query outside the KG or the intent
  model's depth, "spoons for baby self feeding" at Appliances 0.98, or such a product
  elsewhere). Neither rule judges a query the intent
  model was trained on (its query memory holds it: :func:`_remembered`): where the store's
  own searchers of it went ("cookies" at Best Buy: Appliances) no link overrules.
- *Brand filters* only for a linked brand the query asks for and the store sells (a
  ``sells_in`` category or a product's category in the label space); otherwise a
  :class:`Boost` (source ``link:<iri> (why)``): DOWN for an excluded brand ("phone not
  samsung", "phone not from samsung"), UP for the device an accessory fits ("case for
  samsung", or a device maker on an accessory query: "samsung galaxy s21 case", "dell laptop
  battery", "hp printer ink"; an accessory, part or consumable word: case, cover, charger,
  cable, mount, stand, battery, remote, keyboard, mouse, lens, ink, toner, cartridge,
  filter, refill, replacement, controller ...; not one after "with" or "without": "samsung tv
  with remote" filters on Samsung, nor one that names a kind of the product searched,
  "kitchenaid stand mixer"; a last word typed short or misspelt counts as the word:
  "samsung galaxy s21 cse"; the device is a word that names one, not a number, "hp 63 ink",
  a feature, "logitech wireless mouse", nor a linked colour, size or other brand; with no
  device word, "samsung case", "apple chargers", "google accessories", where the KG's
  products of that accessory naming the brand are mostly another brand's, not "samsung
  charger" whose are Samsung's; and beside an accessory maker, a brand the KG sells in
  accessory categories only, which is the filter: "samsung zagg"), for one
  side of an alternative whose other side is no brand or another brand's product line
  ("samsung phone or iphone"; two brands filter together or not at all: "samsung tv or
  tcl"), for a brand the store does not sell, and for one whose word names a KG category of
  the department of a category linked next to it, where the brand sells nothing ("apple
  juice": Apples and Juice are Food's; ``unsure``), and for one beside a product the store
  sells no kind of, or one whose trusted intent is a department the brand sells nothing in
  while the query links no product ("sharp cheddar cheese", "monster energy drink", "apple
  sauce"; ``other department``). A query that links nothing and has no word of any KG name
  (:attr:`kg.ProductGraph.vocabulary`: random letters, a string from another domain) gets no
  hard category filter and no expansions from its intent's category whatever the intent's
  probability: the intent of such a query is the text model's guess, a suggestion only.
  ``FILTER`` rules are hard, but for one whose input the query excludes ("not refurbished
  laptop"): a DOWN boost of its value, as a negated link (:mod:`fusion.rules`).
- *Colour filters only for colours*: a linked colour value whose name names no colour (a
  pattern, finish or theme the KG lists as a colour: "strip" for "striped", "floral", "dark",
  "marble") is an UP boost ``colour:<value>``; colours the query joins ("black and white")
  filter on the KG's colour that combines them ("Black/White") when it has one, each an UP
  boost. A colour word that opens a KG name with the words after it ("white noise machine",
  "blue microphones yeti", "black & white laser printer") is a word of that name: an UP boost
  (``in a name``), no filter. A colour word that also names a scent or flavour ("lavender",
  "peach", "mint") is an UP boost on a consumable ("lavender body wash", "peach tea",
  "peach ice cream", "lavender epsom salt", and a query linking a food, care or household
  category: ``a scent or flavour``). Any colour word on food is an UP boost, no filter: the
  query links food or drink only (Google's "Food, Beverages & Tobacco", a pet's food: "red
  apples", "blue buffalo dog food") or a food word stands next to the colour word ("brown
  sugar", "black pepper", "pink lemonade", "red wine vinegar", "ice tea green"), and no
  clothing; so is one before a care product's word ("crest 3d white toothpaste"; ``a
  consumable``). A food word in another product's name keeps the filter where the query
  links that product ("black coffee table", "white rice cooker").
- *Sizes the query excludes* ("tv not 65 inch", linked or read by a pattern) are DOWN boosts,
  and a linked size value named by a bare number ("4", "15", "2-5": "galaxy watch 4") sets no
  size at all, nor does one linked from a word the tagger did not read as a size ("double
  stroller": the KG's size "Double"), and a garment size written as a word ("small",
  "large") is one only on clothing or next to "size" (an UP boost ``not clothing``: "large
  breed dog food", "small vacuum"). A cue excludes every item of the list after it ("not
  red or blue", "without 64gb or 128gb"), and a rule's synonym the query excludes is no
  expansion ("headphones not earbuds"). A negated purpose phrase excludes as the cue alone
  does ("not for men", "not made for kids"), and so does a "-" opening a word, the search
  box's exclusion ("tv -samsung"; not "t-shirt", "55-65 inch" nor "tv - samsung"), or a
  bracket or a quote ("tv -(samsung lg)", "tv -(65 inch)", a number too). "non" and a "no"
  opening the query exclude a colour ("non black shirt", "no black shirt"), where they make
  compounds before other words ("non stick", "no slip socks"). An excluded colour word that
  opens a food's name (the colour filter's reading above: "not green tea flavored", "no
  brown sugar") excludes that food, no colour: no DOWN boost on Green. An
  excluded category of the taxonomy of a category searched outside the label space, far from
  it, is a namesake of the excluded words and no DOWN boost ("cat food without fish" -> Fish
  Food); an excluded category that is, or holds, what is searched is no DOWN boost either:
  the searched category or one above it ("sofa not sectional" -> Sofas & Sectionals), one
  named as a category above it is in another catalogue ("sanding block not tool"), or one
  whose name holds a thing the searched category's name holds and the excluded words do not
  name ("mattress not box spring" -> Mattresses & Box Springs, "bed frame no headboard" ->
  Headboards & Bed Frames); a child naming only what is excluded stays one ("grill not
  smoker" -> Smokers). A place of origin is no brand ("not made in china").
- *Audiences*: no expansion names an audience the query's own audience words rule out,
  linked or not ("newborn gloves": no "Men"; "toddler sweater": no "Boy"; "simple woman t
  shirt": no parent "mens clothing"), and where the query (its words and linked categories)
  names none, no value nor parent or fanned-out category names one ("birkenstock sandals": no
  Flipkart parent "womens footwear"; "sweatshirt": no "Men"): a sibling or child category of
  an audience ("Kids' Tablets") stays (:func:`_narrows_audience`).
- *The exclusion wins*: a node the query names again after a cue is excluded ("samsung tv not
  samsung", "hp printer ink not hp"), and a value the query excludes is no filter and gets no
  UP boost, a rule's included ("55 inch tv not 55 inch", "laptop not dell" with "laptop =>
  UP(20): brand:Dell"): an engine cannot AND a filter with its exclusion. One value per
  case-folded term in a filter field and in the boosts ("1TB 1tb ssd"; a rule's "samsung"
  beside the KG's "Samsung"), the first's spelling (a link's: the KG's).
- *What a cue excludes, said*: :attr:`ExpansionResult.excluded` holds the runs of the query's
  words a cue excludes, linked or not ("dog food without chicken": "chicken"), with their
  offsets in the query, for an engine to leave out (``must_not``): the words stay in the
  rewritten query, whose text clause would otherwise match them.

plus structured :class:`Filters` (brand, category, colour, size, price range from patterns such
as "under 800", "$100-200", "between 100 and 200"). Rules (:mod:`fusion.rules`) add synonyms,
boosts (UP/DOWN) and filters and may rewrite the query; every applied rule is listed in
:attr:`ExpansionResult.applied_rules`, and each boost and filter names its source.

Example:
    >>> import networkx as nx
    >>> from fusion.types import LinkedEntity
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("b", kind="brand", label="Samsung", aliases=["SAMSUNG"])
    >>> g.add_node("c", kind="category", label="TVs", path="TV > TVs", aliases=[])
    >>> _ = g.add_edge("b", "c", relation="sells_in")
    >>> res = expand(g, [LinkedEntity("b", "brand")], query="samsung under 800")
    >>> [(e.term, e.kind, e.provenance) for e in res], res.filters.price_max
    ([('TVs', 'category', (('b', 'sells_in', 'c'),))], 800.0)
    >>> res = expand(g, [LinkedEntity("c", "category")], query="tvs")
    >>> [(s.category, s.source) for s in res.suggestions], res.filters.category
    ([('TV > TVs', 'link:c')], ())
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
from rapidfuzz.distance import OSA

from fusion.context import TaxonomyAlignment
from fusion.errors import FusionConfigError
from fusion.hetero import as_networkx
from fusion.patterns import ACCESSORY_WORDS as _ACCESSORY_WORDS
from fusion.patterns import (
    BED_SIZE_PREFIXES,
    CLOTHING,
    LETTER_SIZED,
    NEGATABLE_BOUND,
    NOT_FITTED,
    find_sizes,
    parse_price,
    size_hints,
    spec_after,
)
from fusion.rules import AppliedRule, RuleSet, RulesFile
from fusion.types import SEP, Intent, LinkedEntity
from kg.index import EDGE_MARKS, normalize_key, normalize_with_offsets
from kg.link import (
    DEFAULT_LABEL_KINDS,
    FUNCTION_WORDS,
    HEAD_LABELS,
    LINKABLE,
    NAME_PARTS,
    brand_key,
    brand_sales,
    compact_key,
    compact_runs,
    grounded_brands,
    name_heads,
    outside_kg,
    unlinkable_iris,
    word_order,
    word_set,
)

__all__ = ["Boost", "CategorySuggestion", "Excluded", "Expansion", "ExpansionConfig",
           "ExpansionResult", "FilterSource", "Filters", "QueryExpander", "Thresholds",
           "brand_categories", "colour_opens_a_name", "colour_words", "excluded_links",
           "excluded_words", "expand", "free_from_words", "kg_words", "may_exclude",
           "parse_price", "query_exclusions"]

logger = logging.getLogger(__name__)

Triple = tuple[str, str, str]
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
    0.3: {"intent": 0.36, "hard_filter": 0.73, "walk_min_department_prob": 0.71},
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

    def __post_init__(self) -> None:
        for name in ("intent", "hard_filter", "intent_precision", "filter_precision"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and 0.0 <= v <= 1.0 + 1e-9):
                raise FusionConfigError(f"Thresholds.{name} must be in [0, 1], got {v!r}")

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def defaults_for(cls, memory_weight: float = 0.0) -> Thresholds:
        """The defaults for a model whose intent blends the query memory at ``memory_weight``
        (:attr:`fusion.model.FusionConfig.memory_weight`; 0: none).

        The vote of the nearest training queries spreads the blend's probabilities, so the
        same precision is reached at a lower department probability: calibrated under
        cross-validation (confidence 0.9) for the quickstart's recipe with the weight 0.3,
        the hard filter holds 0.958 precision from 0.723 and the intent 0.8 from 0.353
        (docs/benchmarks.md, Fusion), rounded up here. A weight without its own calibration
        gets the defaults of a model without the memory, which are stricter for it (fewer
        hard filters, more low-confidence intents): calibrate it with ``kgqp fusion evaluate
        --cv K --memory-weight W --save-thresholds MODEL``.

        >>> Thresholds.defaults_for(0.3).hard_filter, Thresholds.defaults_for(0.0).hard_filter
        (0.73, 0.95)
        """
        d = _memory_defaults(memory_weight)
        return cls(**{k: d[k] for k in ("intent", "hard_filter") if k in d})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Thresholds:
        known = {"intent", "hard_filter", "intent_precision", "filter_precision"}
        unknown = set(d) - known
        if unknown:
            raise FusionConfigError(f"unknown threshold keys {sorted(unknown)}; valid: "
                                    f"{sorted(known)}")
        return cls(**{k: float(v) for k, v in d.items()})


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
                or not 0 <= self.brand_filter_min_link <= 1:
            raise FusionConfigError("ExpansionConfig: walk >= 1, typo_distance >= 0, "
                                    "min_department_prob, walk_min_department_prob and "
                                    "brand_filter_min_link in [0, 1]")

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


class _KG:
    """A networkx view of the KG with the per-view caches expansion reads (popularity,
    non-linkable nodes, category index): the view is rebuilt, with empty caches, when the KG
    changes."""

    def __init__(self, g: nx.MultiDiGraph, source: Any = None) -> None:
        self.g = g
        self.source = source
        #: node -> its attributes: the graph's own dict, read directly (``g.nodes[iri]`` and
        #: ``iri in g`` are two Python calls a look-up, and a parse makes some 50 of them)
        self._attrs: dict[str, dict[str, Any]] = g._node

    def label(self, iri: str) -> str:
        return str(self._attrs[iri].get("label") or iri)

    def named(self, iri: str) -> bool:
        """Whether ``iri`` is a KG node with a name: one an expansion may name (an edge to an
        IRI that is no node, a misspelt one, makes networkx add a node without attributes)."""
        attrs = self._attrs.get(iri)
        return attrs is not None and bool(attrs.get("label"))

    def kind(self, iri: str) -> str | None:
        attrs = self._attrs.get(iri)
        return attrs.get("kind") if attrs is not None else None

    def path(self, iri: str) -> str | None:
        attrs = self._attrs.get(iri)
        return attrs.get("path") if attrs is not None else None

    def department(self, iri: str) -> str | None:
        p = self.path(iri)
        return p.split(">")[0].strip() if p else None

    def out(self, iri: str, rel: str) -> list[str]:
        """The KG nodes ``iri`` has a ``rel`` edge to (most popular first); an edge's end
        that is no node of the KG (no kind: a dangling edge) is left out. (The graph's
        adjacency dicts are read directly: a category has thousands of edges, its products',
        and networkx's edge views cost a Python call each.)"""
        return self.ranked(v for v, edges in self.g._adj.get(iri, {}).items()
                           for attrs in edges.values()
                           if attrs.get("relation") == rel and self.kind(v))

    def into(self, iri: str, rel: str) -> list[str]:
        """The KG nodes with a ``rel`` edge to ``iri`` (most popular first), as :meth:`out`."""
        return self.ranked(u for u, edges in self.g._pred.get(iri, {}).items()
                           for attrs in edges.values()
                           if attrs.get("relation") == rel and self.kind(u))

    def ranked(self, nodes: Any) -> list[str]:
        """Most popular first (ties by IRI, for a stable order)."""
        pop = self.popularity
        return sorted(set(nodes), key=lambda n: (-pop.get(n, 0.0), n))

    @property
    def popularity(self) -> dict[str, float]:
        """Per node, in [0, 1]: its ``popularity`` attribute if set, else how many KG edges
        point at it (products, brands, child categories ...), log-scaled per node kind."""
        return self._derived().pop

    @property
    def unlinkable(self) -> frozenset[str]:
        """Nodes marked ``kgqp:linkable false`` (read from the store once per KG version)."""
        return self._derived().unlinkable

    def category_by_path(self, path: str) -> str | None:
        """The category node with this path."""
        return self._derived().paths.get(path)

    def _derived(self) -> _Derived:
        cached = self.g.graph.get("_kgqp_derived")
        if cached is None:
            cached = self.g.graph["_kgqp_derived"] = _Derived.build(self.g, self.source)
        return cached


@dataclass(frozen=True)
class _Derived:
    """What expansion reads of a whole graph view: popularity (and the raw counts and per-kind
    maxima it is scaled by), the non-linkable nodes, categories by path."""

    raw: dict[str, float]
    top: dict[str, float]
    pop: dict[str, float]
    unlinkable: frozenset[str]
    paths: dict[str, str]

    @staticmethod
    def _raw(g: nx.MultiDiGraph, n: str) -> float:
        p = g.nodes[n].get("popularity")
        return float(p) if isinstance(p, int | float) and math.isfinite(p) and p > 0 \
            else float(g.in_degree(n))

    @staticmethod
    def _unlinkable(g: nx.MultiDiGraph, source: Any) -> frozenset[str]:
        found = {n for n, a in g.nodes(data=True) if a.get("linkable") is False}
        if callable(getattr(source, "query", None)):
            found |= unlinkable_iris(source)
        return frozenset(found)

    @staticmethod
    def _paths(g: nx.MultiDiGraph) -> dict[str, str]:
        index: dict[str, str] = {}
        for n, a in g.nodes(data=True):
            if a.get("kind") == "category" and a.get("path"):
                index.setdefault(a["path"], n)
        return index

    @classmethod
    def build(cls, g: nx.MultiDiGraph, source: Any) -> _Derived:
        raw = {n: cls._raw(g, n) for n in g.nodes}
        kinds = g.nodes(data="kind")
        top: dict[str, float] = {}
        for n, v in raw.items():
            k = str(kinds[n])
            top[k] = max(top.get(k, 0.0), math.log1p(v))
        pop = {n: (math.log1p(v) / top[k] if (k := str(kinds[n])) and top[k] > 0 else 0.0)
               for n, v in raw.items()}
        return cls(raw, top, pop, cls._unlinkable(g, source), cls._paths(g))

    def updated(self, old_g: nx.MultiDiGraph, g: nx.MultiDiGraph, source: Any,
                changes: Any) -> _Derived | None:
        """The data of ``g``, brought forward from this (``old_g``'s) by a KG change set, or
        ``None`` when it moves a per-kind maximum or a node's kind (then rebuilt)."""
        raw, pop = dict(self.raw), dict(self.pop)
        paths_move = False
        for n in changes.nodes:
            before = old_g.nodes[n] if n in old_g else None
            after = g.nodes[n] if n in g else None
            kind = str((after or before or {}).get("kind"))
            if before is not None and after is not None and before.get("kind") != \
                    after.get("kind"):
                return None
            old_v = math.log1p(raw.pop(n)) if n in raw else None
            pop.pop(n, None)
            top = self.top.get(kind, 0.0)
            if after is not None:
                v = raw[n] = self._raw(g, n)
                if math.log1p(v) > top or (old_v == top and math.log1p(v) < top):
                    return None
                pop[n] = math.log1p(v) / top if top > 0 else 0.0
            elif old_v is not None and old_v == top:
                return None
            paths_move |= "category" in ((before or {}).get("kind"), (after or {}).get("kind"))
        unlinkable = self._unlinkable(g, source) if LINKABLE in changes.predicates \
            else self.unlinkable
        return _Derived(raw, self.top, pop, unlinkable, self._paths(g) if paths_move
                        else self.paths)


_TREE_KINDS = frozenset({"parent_category", "sibling_category", "child_category"})


@dataclass(frozen=True, slots=True)
class _Cand:
    """A candidate before ranking: ``unit`` is its kind weight (times the link score later);
    ``category`` the category it stands in (for the department gate and intent agreement);
    ``fanout``: reached through fan-out, so gated by department."""

    term: str
    kind: str
    provenance: tuple[Triple, ...]
    iri: str | None
    category: str | None
    fanout: bool
    rule: str | None = None


def _cached(kg: _KG, name: str, key: tuple, build: Any) -> Any:
    """``build()`` cached under ``key`` in the graph view's ``name`` cache (the view is rebuilt,
    with empty caches, when the KG changes); bounded by dropping the oldest entries."""
    cache = kg.g.graph.setdefault(name, {})
    value = cache.get(key)
    if value is None:
        if len(cache) > 4096:
            for old in list(cache)[:1024]:
                del cache[old]
        value = cache[key] = build()
    return value


_DERIVED_VIEW = "fusion.expand.derived"
#: the longest run of query words a returned expansion may not respell
_MAX_BANNED_WORDS = 6
#: tagger labels of a mention that names a colour (a colour filter needs one)
_COLOUR_LABELS = frozenset({"color", "colour"})
#: the words of a colour value's name that name a colour (a colour filter needs one, and only
#: these, :data:`_COLOUR_MODIFIERS` and "and" in its name: :func:`_names_a_colour`). A KG's
#: colour values are not all colours: the default KG's (281: Best Buy's and OA-Mine's product
#: colours, QueryNER's colour annotations) include patterns ("strip", "floral", "plaid",
#: "camo", "cheetah print"), finishes and materials ("matte", "marble", "Black Patent",
#: "Stainless Steel"), themes ("Spiderman", "Frozen"), sizes ("7 M US", "02") and words that
#: name no colour ("dark", "blank", "Color", "Assorted", "Soft", "Light Up"). Judged value by
#: value on the default KG: a colour of a shop's colour facet ("Navy", "Rose Gold", "Off
#: White", "Multicolor", "Clear", "Black/White") is one; a metal is one where it names a colour
#: (gold, silver, bronze, copper, brass, pewter), not steel
_COLOUR_WORDS = frozenset({
    # the default KG's
    "almond", "amethyst", "aqua", "beige", "black", "blu", "blue", "brass", "bronze", "brown",
    "burgundy", "buttercup", "champagne", "charcoal", "chocolate", "clear", "cobalt", "cocoa",
    "coffee", "cognac", "coral", "cream", "creme", "emerald", "flesh", "gold", "golden", "gray",
    "green", "grey", "indigo", "ivory", "khaki", "lavender", "lime", "magenta", "maroon",
    "mauve", "mint", "multi", "multicolor", "multicolored", "multicolour", "multicoloured",
    "mustard", "navy", "nude", "olive", "orange", "orchid", "peach", "pewter", "pink",
    "purple", "raspberry", "red", "ruby", "silver", "slate", "tan", "taupe", "teal",
    "translucent", "transparent", "turquoise", "white", "yellow",
    # common colour names it lacks (a catalogue's own colours)
    "copper", "crimson", "fuchsia", "graphite", "gunmetal", "lilac", "platinum", "plum",
    "rust", "sage", "salmon", "scarlet", "violet"})
#: the colour words that also name a scent, a flavour, a food or a plant ("lavender body
#: wash", "peach tea", "mint toothpaste", "lime soda", "chocolate protein bar"): a colour value
#: named by these alone (:func:`_a_scent_or_flavour`) is the product's colour only where the
#: product is no consumable
_SCENT_COLOURS = frozenset({
    "almond", "champagne", "chocolate", "cocoa", "coffee", "cognac", "lavender", "lilac",
    "lime", "mint", "mustard", "olive", "orange", "orchid", "peach", "plum", "raspberry",
    "salmon", "sage"})
#: words of a consumable a scent or flavour is sold in, or of a plant (whose name such a word
#: is): food and drink, care and cleaning products, home fragrance, and the words that say
#: so ("scented", "flavored"); a query holding one reads an ambiguous colour word as its
#: scent or flavour (:func:`_a_scent_or_flavour`)
_SCENTED = frozenset({
    # food and drink
    "tea", "coffee", "juice", "drink", "drinks", "soda", "lemonade", "smoothie", "wine",
    "beer", "liquor", "vodka", "rum", "whiskey", "cider", "syrup", "candy", "candies", "gum",
    "cookie", "cookies", "cake", "cakes", "pie", "icecream", "yogurt", "snack", "snacks",
    "chips", "cereal", "jam", "jelly", "sauce", "salsa", "dressing", "honey", "extract",
    "creamer", "milk", "latte", "protein", "gummies", "gummy", "vitamin", "vitamins",
    "supplement", "supplements", "capsules", "food", "treats", "pods", "kcups", "oil",
    "oils", "flavor", "flavored", "flavour", "flavoured",
    # care and cleaning
    "soap", "soaps", "shampoo", "conditioner", "wash", "lotion", "moisturizer", "scrub",
    "deodorant", "perfume", "cologne", "mist", "balm", "chapstick", "toothpaste",
    "mouthwash", "salts", "bomb", "bombs", "detergent", "softener", "cleaner",
    "wipes", "sanitizer",
    # home fragrance
    "candle", "candles", "wax", "melts", "diffuser", "freshener", "sachet", "sachets",
    "incense", "potpourri", "fragrance", "scent", "scented", "essential",
    # plants
    "plant", "plants", "seed", "seeds"})
#: consumables named by two words, as their words plural-folded (:func:`_name_words`): a
#: query holding one names a consumable as a word of :data:`_SCENTED` does ("peach ice
#: cream", "lavender dryer sheets", "lavender hand cream")
_SCENTED_PHRASES = frozenset({
    ("ice", "cream"), ("dryer", "sheet"), ("hand", "cream"), ("body", "cream"),
    ("face", "cream"), ("foot", "cream"), ("night", "cream"), ("shaving", "cream"),
    ("epsom", "salt"), ("bath", "salt"), ("sea", "salt"), ("body", "spray"),
    ("room", "spray"), ("lip", "gloss"), ("bubble", "bath"), ("bath", "bomb"),
    ("dish", "soap"), ("hand", "soap"), ("body", "butter"), ("air", "freshener")})
#: food and drink words (plural-folded, :func:`_name_words`) the default KG names no food
#: category by alone (its food words: :func:`_food_words`), a colour word before which
#: names a variety or flavour of the food ("pink lemonade", "orange marmalade", "orange
#: chicken", "black licorice", "white cheddar", "green tea", "brown sugar", "white bread")
_FOOD_WORDS = frozenset({
    "lemonade", "marmalade", "chicken", "licorice", "liquorice", "cheddar", "tea", "sugar",
    "bread", "wine", "bean", "lentil", "biscuit", "icecream", "sauce", "dressing", "soda",
    "juice", "candy", "gummy", "gummie", "pepper", "rice", "onion", "salt", "vinegar",
    "cheese", "apple", "grape", "cabbage", "pasta", "noodle", "curry", "quinoa", "beer",
    "cider", "coffee", "cake", "chili", "chilli"})
#: care products a colour word directly before names the product's kind or line, not its
#: colour ("crest 3d white toothpaste", "black soap"): the products have no colour facet; and
#: fragrances, whose names colour words make up ("victoria secret pink perfume", "black
#: opium perfume", "bleu de chanel cologne")
_CARE_WORDS = frozenset({
    "toothpaste", "mouthwash", "lotion", "shampoo", "conditioner", "deodorant", "soap",
    "sanitizer", "detergent", "moisturizer", "cleanser", "perfume", "cologne"})
#: the food category names that are no food word on their own (:func:`_food_words`): a
#: container, a form or a word of other products too ("water bottle", "poker chips")
_NOT_FOOD_WORDS = frozenset({
    "water", "chip", "item", "product", "meal", "date", "green", "sprout", "root",
    "food", "beverage", "drink", "snack", "mix", "cone", "bar", "stick", "shell", "pearl",
    "oil", "spread", "wrap", "dough", "pie", "tart", "cream", "sweetener", "fruit",
    "vegetable", "seed", "nut", "extract", "flavor"})
#: the paths of the food categories: Google's "Food, Beverages & Tobacco" (its tobacco
#: aside), a pet's food and treats, baby food (:func:`_food_category`)
_FOOD_PATH = re.compile(
    r"^Food, Beverages & Tobacco(?! > Tobacco Products)|^Animals & Pet Supplies > .*"
    r"(?:Food|Treats)$|Baby & Toddler Food|Pet Food & Treats$", re.I)
#: the paths of the care and household consumables a scent is sold in (beside the food
#: categories): Google's "Health & Beauty", Best Buy's personal care, Flipkart's beauty,
#: household supplies (laundry, cleaning)
_CARE_PATH = re.compile(
    r"^Health & Beauty\b|^beauty and personal care\b|> Personal Care & Beauty\b"
    r"|> Household Supplies\b|^baby care > baby bath", re.I)
#: words that qualify a colour in a colour's name but name none alone ("dark purple", "rose
#: gold", "off white", "sky blue", "neon green", "cream colored", and the shop's shade names
#: of the default KG: "Island Blue", "Magnificent Black"): "dark" alone is no colour
_COLOUR_MODIFIERS = frozenset({
    "all", "baby", "bay", "blush", "bright", "cherry", "colored", "coloured", "cooly",
    "country", "dark", "deep", "drab", "flash", "flat", "heather", "hot", "island", "light", "lt",
    "lunar", "magnificent", "marvelous", "mid", "monochromatic", "nautical", "neon", "off",
    "pale", "pastel", "pepper", "rose", "royal", "saddle", "scuba", "sea", "sky", "solid",
    "taro"})
#: words that put a brand out of the search ("phone not samsung", "tablet but not apple";
#: "sans", French "without", as English writes it: "laptop sans dell")
_CUE_WORDS = frozenset({"not", "no", "without", "except", "excluding", "exclude", "minus",
                        "non", "w/o", "neither", "sans"})
#: the negation cues, public: the parser links the words after one that opens a tagged span
#: ("not headphones", :meth:`parser.QueryParser.link_entity`); "non" only before a brand
NEGATION_CUES, VALUE_NEGATION_CUES = _CUE_WORDS, _CUE_WORDS - {"non"}
#: spoken cues that exclude as "not" does, wherever they stand: the contractions of "is not"
#: as the query's words keep them, typed with or without the apostrophe ("phone that isn't
#: samsung", "tablet that isnt an ipad"; a curly one is read as "'": :func:`_cue_at`), and
#: "avoid" ("avoid samsung tvs"; not after a negation: "don't avoid")
_SPOKEN_NEGATIONS = frozenset({"isn't", "isnt", "aren't", "arent", "wasn't", "weren't",
                               "avoid"})
_NEGATIONS = _CUE_WORDS | _SPOKEN_NEGATIONS
#: the same before a value or category: "non" makes compounds there ("non stick", "non slip");
#: before a colour it is a cue all the same ("non white shirt": :func:`_a_non_colour`)
_VALUE_NEGATIONS = _NEGATIONS - {"non"}
#: words that close what a cue excludes and name nothing of it: "laptop not dell but not hp
#: either" excludes "hp" (:func:`_excluded_spans`)
_CUE_CLOSERS = frozenset({"either"})
CUE_CLOSERS = _CUE_CLOSERS  # (public: the parser reads a span closed by one)
#: cues that exclude only after another word: "phone never samsung", "phones besides
#: samsung"; opening the query they add or name ("besides a tv, a soundbar"; the snowboard
#: maker "Never Summer")
_LATER_NEGATIONS = frozenset({"never", "besides"})
#: a negated "do" before a verb of wanting: "i don't want a samsung phone", "dont need a
#: case", "do not want refurbished" ("not" and "never" before the verb: :func:`_cue_at`)
_DO_NEGATIONS = frozenset({"don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "not",
                           "never"})
_WANT_WORDS = frozenset({"want", "need", "like"})
#: two-word cues: "phone other than samsung", "headphones instead of sony", "tv rather than
#: projector", "phones apart from samsung"
_PAIR_NEGATIONS = frozenset({("other", "than"), ("instead", "of"), ("rather", "than"),
                             ("apart", "from")})
#: every word of a negation cue the expansion reads, public: the one-word cues (those after
#: another word, "besides", "never", and the spoken ones, "isn't", "avoid", among them) and
#: the words of the two-word cues ("other than"); the parser's clause words before what a cue
#: excludes hold them (``parser.pipeline._clause_words``)
CUE_WORDS = _NEGATIONS | _LATER_NEGATIONS | frozenset(w for pair in _PAIR_NEGATIONS
                                                      for w in pair)
#: words joining the items of a list: what a cue excludes, it excludes of every item of the
#: list after it ("not red or blue", "without 64gb or 128gb"; a "," joins as well)
_JOINERS = frozenset({"or", "and", "nor", "&"})
#: tagger labels of a mention that names a size (those that link sizes only: ``UoM``,
#: ``size``; case-folded); a size filter from a link needs one, as a colour filter needs
#: :data:`_COLOUR_LABELS`
#: bed and bedding sizes, which QueryNER's annotators (and so the tagger) often tag ``shape``
#: ("king" 9 times, ``UoM`` 7): a size filter all the same. Not "double" ("double stroller"),
#: nor "standard" (a modifier in "standard toothbrush")
_BED_SIZES = frozenset({"king", "queen", "twin", "full", "california king", "cal king",
                        "twin xl", "full xl", "super king"})
_SIZE_LABELS = frozenset(label.lower() for label, kinds in DEFAULT_LABEL_KINDS.items()
                         if kinds == ("attribute_value:size",))
#: the source of a DOWN boost made of a size pattern the query excludes ("tv not 65 inch")
PATTERN_NEGATED = "pattern (negated)"
#: the source of an UP boost of a size that is no filter (:func:`fusion.patterns.size_hints`)
PATTERN_HINT = "pattern (a size hint)"
#: a garment size written as a word ("Small", "Medium", "Large", "Extra Large", "X-Large";
#: the default KG's "Mediam" too), a size clothing is sold in, where the word is as often what
#: the product is like as its size: most other products have no such size facet ("large breed
#: dog food", "small vacuum", "large print crossword puzzles"), so a filter on one would
#: remove them all. (The letter sizes, "L", "XL", are read as sizes by the patterns only next
#: to "size" or clothing.)
_GARMENT_SIZE = re.compile(r"(?:(?:extra|x{1,3}|[2-5]x)[\s-]?)?(?:small|medium|mediam|large)",
                           re.I)
#: clothing, as the size patterns read it (:mod:`fusion.patterns`: a letter size of several
#: letters is read only next to clothing, "t shirt xxl", not "xl dog bed"): a linked garment
#: size filters only in a query that names clothing, or next to the word "size"
#: (:func:`_a_garment_size`)
_CLOTHING_WORD = re.compile(rf"(?<![\w'’-])(?:{CLOTHING})(?![\w'’-])", re.I)
_SIZE_WORDS = frozenset({"size", "sized", "sizes"})
#: a letter size's name, one or two letters or a clothing size of more ("M", "L", "XL", "B",
#: "XXL", "3XL"): see :func:`_a_stray_letter_size`
_LETTER_SIZE_NAME = re.compile(r"[a-z]{1,2}|x{2,3}[sl]|[2-5]\s?xl")
#: what is sold in letter sizes: clothing, footwear, gear (:data:`fusion.patterns.LETTER_SIZED`)
_LETTER_SIZED_WORD = re.compile(rf"(?<![\w'’-])(?:{LETTER_SIZED})(?![\w'’-])", re.I)
#: the words of a bed size, whose "size" a letter after it does not own ("queen size m"): those of
#: :data:`_BED_SIZES`, and "double" ("double size m"), which is no size filter of its own
_BED_SIZE_WORDS = frozenset(w for size in _BED_SIZES for w in size.split()) | {"double"}
#: the paths of what is sold in letter sizes: clothing, footwear, apparel (Flipkart's
#: "Clothing", "Footwear"; Google's "Apparel & Accessories"): a query that links one names a
#: letter-sized thing, whatever its words ("apron l", "boxers l")
_APPAREL_PATH = re.compile(
    r"^(?:Apparel & Accessories|Clothing|Footwear)\b|> (?:Clothing|Footwear|Shoes)\b", re.I)
#: a size value's name that is only a number ("4", "2-5", "1.14"): see :func:`_bare_number`
_SIZE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BARE_NUMBER = re.compile(r"[\d\s.,/\-\u2013]*\d[\d\s.,/\-\u2013]*")
#: words that make a brand the device an accessory fits ("case for samsung", "fits apple",
#: "compatible with lg"), not the maker of what is searched
_FITS = frozenset({"for", "fits", "compatible", "compatibility", "works"})
# _ACCESSORY_WORDS (imported): the head words of an accessory, a part or a consumable in the
# query ("samsung galaxy s21 case", "dell laptop battery", "hp printer ink", "apple iphone 7
# armband", "tempered glass"): third-party ones are made for the device (not headphones,
# earbuds or headsets: devices of their own, which audio brands make). One list with the size
# patterns' (:data:`fusion.patterns.ACCESSORY_WORDS`): an accessory that drops its device's
# storage there makes the device's maker a fits boost here (two lists drifted apart: "armband")
#: products used with a device that its maker also makes: a product for the device after it
#: ("macbook headset"), but no accessory word (a maker of them is a brand to filter on)
_PERIPHERAL_WORDS = frozenset({"headset", "headsets", "headphones", "earbuds", "earphones",
                               "speaker", "speakers", "microphone", "webcam"})
#: words skipped between those and the brand ("for my samsung", "compatible with the lg")
_FILLERS = frozenset({"a", "an", "the", "my", "any", "your", "with", "but"})
#: words naming a brand as the maker, between a negation and the brand: "phone not from
#: samsung", "headphones not made by sony", "tv nothing from lg" (:func:`_negated`)
_MAKER_WORDS = frozenset({"from", "by"})
#: words before those in such a phrase ("not made by", "not manufactured by")
_MADE_WORDS = frozenset({"made", "manufactured", "produced", "built", "sold", "designed"})
#: cues that exclude only what a maker phrase names ("nothing from samsung"; "nothing" alone
#: excludes nothing: "nothing phone" is a brand's phone)
_MAKER_NEGATIONS = frozenset({"nothing", "none"})
#: words before "for" in a purpose phrase between a negation and what it excludes: "not made
#: for kids", "not meant for men" (:func:`_purpose_cue`)
_PURPOSE_WORDS = frozenset({"made", "meant", "designed", "intended", "built"})
#: what a product is sold free of, its title saying so ("Sugar Free", "Sulfate-Free", "Non-GMO",
#: "Caffeine Free", "Fluoride-Free", "Pulp Free", "Tear Free", "Gluten Free"): ingredients,
#: additives, allergens and the claims a label makes of them. After a cue ("orange juice no
#: pulp", "shampoo no sulfates", "tea no caffeine", "non gmo snacks") they are no product to
#: leave out but the claim of the products wanted, whose titles hold the word: an
#: :class:`Excluded` ``free_from`` (:func:`free_from_words`), no DOWN boost on a node of that
#: name (the brands "caffeine", "G-MOS"; the category Bath Additives of "sweetener without
#: additives"). Measured on the QueryNER and Best Buy queries with a cue (34 of their 194
#: exclusions). Not "bleach" ("detergent without bleach": Bleach is a product of the query's
#: own aisle), "iron" (the appliance; "multivitamin without iron"), "nuts" ("bolts without
#: nuts"; "peanuts", "tree nuts" are), "plastic" or meats ("dog food without chicken": a title
#: names the meat it holds, not the one it lacks): a cue there leaves products out
_FREE_FROM = frozenset({
    "sugar", "sucrose", "fructose", "sweetener", "aspartame", "sucralose", "saccharin",
    "stevia", "corn syrup", "hfcs", "salt", "sodium", "msg", "gluten", "wheat", "grain",
    "dairy", "lactose", "casein", "milk", "egg", "soy", "peanut", "tree nuts", "yeast",
    "caffeine", "alcohol", "sulfite", "fluoride", "sulfate", "sulphate", "sls", "paraben",
    "phthalate", "fragrance", "perfume", "scent", "dye", "gmo", "preservative", "additive",
    "bpa", "latex", "formaldehyde", "cholesterol", "fat", "carb", "calorie", "nitrate",
    "nitrite", "hormone", "antibiotic", "pulp", "tears", "menthol", "creatine", "stimulant",
    "biotin", "iodine", "cornstarch", "carrageenan", "gelatin", "talc", "silicone",
    "mineral oil", "palm oil", "petroleum", "chlorine", "ammonia", "toxin", "chemical",
    "pesticide", "filler", "thc", "nicotine", "lanolin", "oxybenzone", "aluminum",
    "aluminium"})
#: words that make excluded words a free-from claim whatever they name ("no sugar added", "no
#: artificial colors", "without added salt")
_FREE_FROM_CLAIMS = frozenset({"added", "artificial"})


@lru_cache(maxsize=65536)  # (category names and query word runs, again and again)
def _words(text: str) -> frozenset[str]:
    """The content words of ``text`` (normalised here), stop words dropped and plurals folded
    (:func:`kg.link.word_set`): "Cell Phone Cases" and "phone case" share {"phon", "cas"}. The
    fold is the linker's alone: a word and its plural meet ("case", "cases"; "lens",
    "lenses"; "watch", "watches"; "battery", "batteries"; "knife", "knives"), two words do not
    ("car" and "care", "us" and "use", "plan" and "plane", "tap" and "tape": once a final "e"
    was dropped again here, and "car wash soap" met Appliances' Floor Care).

    >>> [sorted(_words(w)) for w in ("cases", "case", "lenses", "watches", "batteries")]
    [['cas'], ['cas'], ['len'], ['watch'], ['battery']]
    >>> [_words(a) == _words(b) for a, b in (("car", "care"), ("us", "use"), ("tap", "tape"))]
    [False, False, False]
    """
    return word_set(normalize_key(text))


#: the words of :data:`_FREE_FROM`, each entry's plural-folded (:func:`_words`), in order
_FREE_FROM_STEMS = frozenset(tuple(s for w in x.split() for s in sorted(_words(w)))
                             for x in _FREE_FROM)
_FREE_FROM_CLAIM_STEMS = frozenset(s for w in _FREE_FROM_CLAIMS for s in _words(w))


def free_from_words(text: str) -> bool:
    """Whether ``text``, words a negation cue excludes (the cue and the fillers after it may
    open them), name what the products wanted are free of (:data:`_FREE_FROM`): their last
    word, or last two, are an ingredient, an additive or an allergen a label claims to be
    free of ("pulp", "sulfates", "caffeine", "gmo", "corn syrup"), or one of them is a word of
    such a claim ("sugar added", "artificial colors"); four content words at most. The titles
    of those products hold the words ("Pulp Free", "No Sugar Added"): an engine demotes them
    or matches the claim, it never leaves out every product that names them.

    >>> [free_from_words(t) for t in ("pulp", "no sulfates", "sugar added", "artificial colors")]
    [True, True, True, True]
    >>> [free_from_words(t) for t in ("4k", "dell", "bleach", "latex backing", "vitamin k")]
    [False, False, False, False, False]
    """
    stems = [s for w in _query_words(text)
             if w not in _NEGATIONS and w not in _CUE_FILLERS
             for s in sorted(_words(w))]  # (a word has one stem, a function word none)
    if not stems or len(stems) > 4:
        return False
    if _FREE_FROM_CLAIM_STEMS.intersection(stems):
        return True
    return tuple(stems[-1:]) in _FREE_FROM_STEMS or tuple(stems[-2:]) in _FREE_FROM_STEMS


#: the accessory words plural-folded (:func:`_words`)
_ACCESSORY_STEMS = frozenset(s for w in _ACCESSORY_WORDS for s in _words(w))
#: a word with a digit: a model number or a size ("iphone 12 case", "tv 65 inch")
_DIGIT = re.compile(r"\d")
#: a category of accessories (for other products): its last name matches
_ACCESSORY = re.compile(r"accessor|\b(?:mounts?|cables?|chargers?|cases?|covers?|protectors?|"
                        r"adapters?|armbands?|stands?|straps?|bands?|skins?|docks?)\b", re.I)


def _brand_facts(kg: _KG, iri: str) -> tuple[str, tuple[str, ...], bool]:
    """A linked brand's (filter value, categories it is sold in, sells devices), cached per
    graph view.

    The categories: its ``sells_in`` categories and those of its products (``has_brand``:
    :func:`kg.link.brand_categories`, which the linker reads too). A brand the store sells
    nothing under (none of them in the store's departments) is not filtered on: a brand node
    that only names a brand (from a gazetteer: "MAC", "Chrome", "unisex") or one of another
    shop's catalogue ("kings": Flipkart curtains). An unsold node spelt like a sold brand
    ("otter box", "OtterBox") takes that brand's name and facts (:func:`kg.link.brand_sales`
    ``spelled_alike``). Sells devices: one of its ``sells_in`` categories is not an accessory
    category (Samsung, Apple; not OtterBox)."""
    def build() -> tuple[str, tuple[str, ...], bool]:
        node, cats = brand_sales(kg.g, iri, spelled_alike=True)
        devices = any(not _ACCESSORY.search(kg.label(c)) for c in kg.out(node, "sells_in"))
        return kg.label(node), cats, devices

    return _cached(kg, "_kgqp_brand_facts", (iri,), build)


def brand_categories(kg: Any, iri: str) -> tuple[str, ...]:
    """The categories the brand ``iri`` of ``kg`` (a :class:`kg.ProductGraph` or a networkx
    view) is sold in, in IRI order: its ``sells_in`` categories and its products', or those
    of the sold brand it is spelt like ("otter box": OtterBox's); empty for a brand the KG
    sells nothing under (the expansion's ``ungrounded`` brand). The KG's
    :func:`kg.link.brand_categories` with ``spelled_alike``, cached per KG version."""
    return brand_sales(as_networkx(kg), iri, spelled_alike=True)[1]


def _in_rel(kg: _KG, iri: str, rel: str) -> Iterator[str]:
    return (u for u, _, r in kg.g.in_edges(iri, data="relation") if r == rel and kg.kind(u))


#: a "-" opening a word before a letter: the exclusion syntax of search boxes ("tv -samsung");
#: not a hyphen inside a word ("t-shirt", "wi-fi"), a negative number or a range ("-5", "55
#: -65 inch", "$100 -$200"), nor a "-" standing alone ("tv - samsung")
_MINUS_WORD = re.compile(r"-(?=[^\W\d_])")
#: the negation cue such a "-" is read as (one of :data:`_NEGATIONS`: "tv minus samsung")
_MINUS_CUE = "minus"
#: a word "non" hyphenated to the letters after it ("non-black", "non-samsung", "non-stick"):
#: the two words "non" and those letters, as written with a space ("shirt non-black" excluded
#: nothing while "shirt non black" excluded Black); "non" excludes a brand or a colour only,
#: so "non-stick" stays a compound as "non stick" is
_NON_WORD = re.compile(r"non-(?=[^\W\d_])")
#: the opening brackets and quotes a "-" may open an excluded group with: "-(samsung lg)",
#: '-"dell"' (:func:`_minus_bracketed`)
_OPENING_MARKS = frozenset("([{\"\u201c")
#: a whitespace-separated token of a normalised query (:func:`_query_word_offsets`)
_TOKEN = re.compile(r"\S+")


def _token_words(token: str) -> list[str]:
    """The words of one whitespace-separated token of a normalised query: the token, marks
    glued to its edges dropped; a "-" opening it before a letter, or before a bracket or a
    quote and a letter or a digit (:func:`_minus_bracketed`), is a word of its own, the cue
    :data:`_MINUS_CUE` ("-samsung", "-(samsung)", '-"samsung"': "minus", "samsung"; "-(65)":
    "minus", "65"); "non-" before a letter is the word "non" (:data:`_NON_WORD`: "non-black"
    is "non black", "non-stick" "non stick").

    >>> _token_words('"-samsung".'), _token_words("t-shirt"), _token_words("-65"), _token_words("-")
    (['minus', 'samsung'], ['t-shirt'], ['-65'], ['-'])
    >>> _token_words("-(samsung)"), _token_words('-"lg"'), _token_words("-(65)")
    (['minus', 'samsung'], ['minus', 'lg'], ['minus', '65'])
    >>> _token_words("non-black"), _token_words("non-"), _token_words("nonstick")
    (['non', 'black'], ['non-'], ['nonstick'])
    """
    word = token.strip(EDGE_MARKS)
    if _MINUS_WORD.match(word):
        return [_MINUS_CUE, word[1:]]
    rest = _minus_bracketed(word)
    if rest:
        return [_MINUS_CUE, rest]  # (a "-" before a bracket or a quote: "-(samsung)", "-(65)")
    if _NON_WORD.match(word):
        return ["non", word[4:]]  # ("non-black" as "non black": :data:`_NON_WORD`)
    return [word] if word else []


def _minus_bracketed(word: str) -> str:
    """The word after a "-" and an opening bracket or quote that open ``word`` (a token, its
    edge marks stripped: "-(samsung", "-(65", '-"lg'), or "": the exclusion syntax of search
    boxes, whatever the word opens with: a letter, or a digit ("tv -(65)" excludes 65 as "tv
    -samsung" excludes Samsung; a bare "-65" stays a number, a range's or a negative one).

    >>> _minus_bracketed("-(65"), _minus_bracketed("-65"), _minus_bracketed('-"lg')
    ('65', '', 'lg')
    """
    if word[:1] != "-" or len(word) < 3 or word[1] not in _OPENING_MARKS:
        return ""
    rest = word[1:].lstrip(EDGE_MARKS)
    return rest if rest[:1].isalnum() or _MINUS_WORD.match("-" + rest) else ""


def _query_words(text: str) -> list[str]:
    """The normalised words of ``text``, marks glued to their edges dropped, and a "-" opening
    a word before a letter read as the cue "minus" (:func:`_token_words`: "tv -samsung"
    excludes Samsung as "tv not samsung" does).

    >>> _query_words('TV not "Samsung".'), _query_words("tv -samsung")
    (['tv', 'not', 'samsung'], ['tv', 'minus', 'samsung'])
    """
    return [w for x in normalize_key(text).split() for w in _token_words(x)]


def _query_word_offsets(text: str) -> list[tuple[int, int]]:
    """Where each word of :func:`_query_words` of ``text`` stands in ``text``: its (start, end)
    in code points, the marks glued to its edges left out; the cue "minus" of a "-" opening a
    word is that "-" ("-samsung": "-", then "samsung").

    >>> q = 'ＴＶ not "Samsung". -lg'
    >>> [q[a:b] for a, b in _query_word_offsets(q)], _query_words(q)
    (['ＴＶ', 'not', 'Samsung', '-', 'lg'], ['tv', 'not', 'samsung', 'minus', 'lg'])
    >>> q = "shirt Non-Black"
    >>> [q[a:b] for a, b in _query_word_offsets(q)], _query_words(q)
    (['shirt', 'Non', 'Black'], ['shirt', 'non', 'black'])
    """
    norm, starts, ends = normalize_with_offsets(text)
    out: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(norm):  # (the tokens of normalize_key(text).split())
        token = m.group()
        word = token.strip(EDGE_MARKS)
        if not word:
            continue
        a = m.start() + len(token) - len(token.lstrip(EDGE_MARKS))
        b = a + len(word)
        rest = _minus_bracketed(word)
        minus = _MINUS_WORD.match(word) or rest
        non = not minus and _NON_WORD.match(word)
        for x, y in ((a, a + 1), (b - len(rest) if rest else a + 1, b)) if minus \
                else ((a, a + 3), (a + 4, b)) if non else ((a, b),):
            out.append((x, y) if starts is None or ends is None else (starts[x], ends[y - 1]))
    return out


def _find_mention(words: Sequence[str], mention: str) -> tuple[int, int] | None:
    """Where the words of ``mention`` first occur among ``words``: (start, end), or None.

    >>> _find_mention("case for my samsung galaxy".split(), "Samsung")
    (3, 4)
    """
    m = _query_words(mention)
    for i in range(len(words) - len(m) + 1):
        if m and list(words[i:i + len(m)]) == m:
            return i, i + len(m)
    return None


def _mention_places(words: Sequence[str], mention: str, span: tuple[int, int] | None,
                    taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Every place a linked node is named among ``words``: its ``span`` (where the words of
    ``mention`` first occur, :func:`_find_mention`) and each later place of those words that
    no other mention's span (``taken``) overlaps. The parser keeps one mention per node, so a
    node named twice ("hp printer ink not hp", "samsung tv not samsung") has one span, the
    first; the second, excluded one is found here ("tv not tv stand": the second "tv" is a
    word of TV Stands' mention, not TVs').

    >>> _mention_places("hp printer ink not hp".split(), "hp", (0, 1), [(1, 3)])
    [(0, 1), (4, 5)]
    >>> _mention_places("tv not tv stand".split(), "tv", (0, 1), [(2, 4)])
    [(0, 1)]
    """
    if span is None:
        return []
    m = _query_words(mention)
    places = [span]
    i = span[1]
    while m and i <= len(words) - len(m):
        if list(words[i:i + len(m)]) == m and not any(
                a < i + len(m) and i < b for a, b in taken):
            places.append((i, i + len(m)))
            i += len(m)
        else:
            i += 1
    return places


def _cue_position(words: Sequence[str], at: int) -> int:
    """The position of the word :func:`_words_before` ends with: the word before position
    ``at``, up to two fillers right before it skipped (-1: none), "even" ("not even dell")
    and a word without a letter or digit ("tv not 😀 samsung") among them.

    >>> _cue_position("tablet that isn't an ipad".split(), 4)
    2
    >>> _cue_position("laptop not even dell".split(), 3), _cue_position("tv not 😀 lg".split(), 3)
    (1, 1)
    """
    j = at - 1
    while j > max(0, at - 3) and (words[j] in _FILLERS or words[j] == "even"
                                  or not any(ch.isalnum() for ch in words[j])):
        j -= 1
    return j


def _words_before(words: Sequence[str], at: int) -> tuple[str, ...]:
    """The (up to two) words before position ``at``, the fillers right before it skipped.

    >>> _words_before("case for my samsung galaxy".split(), 3)
    ('case', 'for')
    """
    j = _cue_position(words, at)
    return tuple(words[max(0, at - 3, j - 1):j + 1]) if j >= 0 else ()


def _cue_at(words: Sequence[str], j: int, cues: frozenset[str]) -> bool:
    """Whether the word at position ``j`` is a negation cue of ``cues``: one of them (a curly
    apostrophe read as "'": "isn’t"; "avoid" not after a negation, "don't avoid"), and, for
    cues that hold "not" (the expansion's), a cue of :data:`_LATER_NEGATIONS` after another
    word ("phone never samsung"; not "never summer snowboard") or a verb of wanting after a
    negated "do" ("i don't want a samsung phone", "do not want refurbished").

    >>> [_cue_at(q.split(), j, _NEGATIONS) for q, j in (
    ...     ("phone isn’t samsung", 1), ("i don't want", 2), ("i really want", 2),
    ...     ("don't avoid samsung", 1))]
    [True, True, False, False]
    >>> _cue_at("never summer snowboard".split(), 0, _NEGATIONS)
    False

    A "not" after "me" is a word of a name: "forget me not necklace" (the flower) excludes
    nothing.
    """
    if not 0 <= j < len(words):
        return False
    word = words[j].replace("\u2019", "'")
    if word == "non" and word not in cues and _a_non_colour(words, j):
        return True  # ("non" before a colour, as before a brand: "non white shirt")
    if word in cues:
        if word == "not" and j >= 1 and words[j - 1] == "me":
            return False  # (a name's word: the flowers "forget me not", "touch me not")
        return not (word == "avoid" and j >= 1
                    and words[j - 1].replace("\u2019", "'") in _DO_NEGATIONS)
    if "not" not in cues:
        return False
    if word in _LATER_NEGATIONS:
        return j >= 1
    return word in _WANT_WORDS and j >= 1 \
        and words[j - 1].replace("\u2019", "'") in _DO_NEGATIONS


def _colour_run(words: Sequence[str], at: int) -> int:
    """How many words from ``words[at]`` on (three at most) name a colour
    (:func:`_names_a_colour`: "white", "dark blue", "rose gold"), the most that do; 0 when
    the word there names none.

    >>> _colour_run("non dark blue shirt".split(), 1), _colour_run("non stick pan".split(), 1)
    (2, 0)
    """
    return next((n for n in (3, 2, 1) if at + n <= len(words)
                 and _names_a_colour(" ".join(words[at:at + n]))), 0)


def _a_non_colour(words: Sequence[str], j: int) -> bool:
    """Whether the "non" at ``words[j]`` excludes the colour right after it ("non white shirt",
    "non pink shoes", "shirt non black"): "non" makes compounds before other values and
    categories ("non stick", "non slip", "non toxic"), and is a cue before brands
    (:data:`_NEGATIONS`) and colours: "non white" names no kind of shirt, but a shirt of any
    other colour, so the colour is excluded, never a filter.

    >>> _a_non_colour("non white shirt".split(), 0), _a_non_colour("non slip socks".split(), 0)
    (True, False)
    """
    return words[j] == "non" and _colour_run(words, j + 1) > 0


def colour_words(text: str) -> bool:
    """Whether the words of ``text`` are a colour's, every one (:func:`_colour_run`: "black",
    "dark blue"; not "stick", "show", "black friday"), public: what "non" and a "no" opening
    the query exclude where the tagger took the cue into one span with them ("non black",
    "no black" of "no black shirt"), as they do where it did not; before other words they
    make compounds ("non stick", "no slip socks": :func:`_a_compound_no`).

    >>> colour_words("black"), colour_words("dark blue"), colour_words("slip")
    (True, True, False)
    """
    words = _query_words(text)
    return _a_colour_phrase(words)


#: colour modifiers that open a shade's name ("light blue", "dark red", "hot pink"): after a
#: colour word they name another thing ("blue light" of "no blue light glasses"), no shade
#: (:func:`_a_colour_phrase`)
_OPENING_MODIFIERS = frozenset({"light", "lt", "dark", "pale", "bright", "deep", "hot", "neon",
                                "off", "baby", "sky", "royal", "mid", "pastel", "sea"})


def _a_colour_phrase(words: Sequence[str]) -> bool:
    """Whether ``words`` are a colour's, every one (:func:`_colour_run`: "black", "dark blue",
    "rose gold"), not ending with a modifier that opens a shade's name: "blue light" (of
    "blue light glasses", the light such glasses block) names no colour, "light blue" does.

    >>> [_a_colour_phrase(q.split()) for q in ("black", "light blue", "blue light", "slip")]
    [True, True, False, False]
    """
    return bool(words) and _colour_run(words, 0) == len(words) \
        and words[-1] not in _OPENING_MODIFIERS


def colour_opens_a_name(kg: Any, text: str, start: int, end: int) -> bool:
    """Whether the colour words at ``text[start:end]`` (code points: "white" of "no white noise
    machine") open a name of the KG ``kg`` (a :class:`kg.ProductGraph` or a networkx view)
    with the query's words after them (:func:`_in_a_name`: White Noise Machines), public: a
    "no" opening the query before such words is a compound's word, as before other words
    ("no white noise machine" searches white noise machines), not a cue excluding a colour
    ("no black shirt").

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("c", kind="category", label="White Noise Machines")
    >>> q = "no white noise machine"
    >>> colour_opens_a_name(g, q, 3, 8), colour_opens_a_name(g, "no white shirt", 3, 8)
    (True, False)
    """
    words = _query_words(text)
    offsets = _query_word_offsets(text)
    inside = [i for i, (a, b) in enumerate(offsets) if start <= a and b <= end]
    if not inside or len(offsets) != len(words):
        return False
    return _in_a_name(_KG(as_networkx(kg), kg), words, (inside[0], inside[-1] + 1))


def kg_words(kg: Any, text: str) -> bool:
    """Whether every word of ``text`` is a word of a name of the KG ``kg`` (a
    :class:`kg.ProductGraph` or a networkx view; its vocabulary: :func:`_known_words`),
    public: a mention the tagger reads as a brand's and that links no brand, its words such
    words ("henna" of "black henna hair color"), is no name of a brand the KG does not know
    that a colour word before it opens (the parser's ``unknown_brands``: "white rodgers
    thermostat", "rodgers" a word of no KG name).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("v", kind="category", label="Henna Hair Dyes")
    >>> kg_words(g, "henna"), kg_words(g, "rodgers"), kg_words(g, "")
    (True, False, False)
    """
    words = [w for w in _query_words(text) if any(c.isalpha() for c in w)]
    if not words:
        return False
    known = _known_words(_KG(as_networkx(kg), kg))
    return all(w in known or any(k in known for k in word_set(normalize_key(w)))
               for w in words)


def _purpose_cue(words: Sequence[str], at: int) -> int | None:
    """Where the word that may negate a purpose phrase before position ``at`` is: the word
    before "for" ("not for men", "except for samsung"), or before "made for", "meant for" ...
    ("not made for kids"), the fillers after "for" skipped ("not for my son"); None when no
    "for" is right before the mention. "for" is no filler of :func:`_words_before`, where it
    makes a brand the device an accessory fits ("case for samsung"); only a cue right before
    the phrase makes it one of exclusion, so "no charger for iphone" (no charger, for an
    iPhone) and "not just for men" exclude nothing.

    >>> words = "watch not made for my son".split()
    >>> _purpose_cue(words, 5), _purpose_cue("no charger for iphone".split(), 3)
    (1, 1)
    >>> _purpose_cue("case for samsung".split(), 2), _purpose_cue("tv not samsung".split(), 2)
    (0, None)
    """
    j = at - 1
    while j >= 1 and words[j] in _FILLERS:
        j -= 1
    if j < 1 or words[j] != "for":
        return None
    j -= 1
    if j >= 1 and words[j] in _PURPOSE_WORDS:
        j -= 1
    return j


def _read_as_brand(label: str | None) -> bool:
    """Whether the tagger read the mention as a brand (``creator``, ``brand``, ``HP``: labels
    that link brands only); an unknown label (None: a caller without a tagger) counts as one."""
    return label is None or DEFAULT_LABEL_KINDS.get(label) == ("brand",)


def _excluded_maker(words: Sequence[str], at: int, cues: frozenset[str]) -> bool:
    """Whether the words before position ``at`` exclude the maker they name: a negation, then
    "from" or "by" (after "made", "manufactured" ...): "phone not from samsung", "headphones
    not made by sony", "tv nothing from lg", "no phones from samsung" ("no" and one word). A
    maker phrase with no negation before it asks for the brand ("headphones made by sony").

    >>> _excluded_maker("headphones not made by sony".split(), 4, _NEGATIONS)
    True
    >>> _excluded_maker("no phones from samsung".split(), 3, _NEGATIONS)
    True
    >>> _excluded_maker("headphones made by sony".split(), 3, _NEGATIONS)
    False
    """
    i = at
    if i < 2 or words[i - 1] not in _MAKER_WORDS:
        return False
    i -= 1
    if words[i - 1] in _MADE_WORDS:
        i -= 1
    if i >= 1 and (_cue_at(words, i - 1, cues) or words[i - 1] in _MAKER_NEGATIONS):
        return True
    # "no phones from samsung": "no", one word (what is not wanted from the maker), the maker
    return i >= 2 and words[i - 2] == "no" and "no" in cues \
        and words[i - 1] not in _JOINERS and words[i - 1] not in _FILLERS


def _negated(words: Sequence[str], span: tuple[int, int] | None,
             cues: frozenset[str] = _NEGATIONS,
             others: Sequence[tuple[int, int]] = (), *, maker: bool = False) -> bool:
    """Whether the words before a mention's ``span`` (or its own first words, when the tagger
    took the cue into the span: "not black", "anything but lg") put it out of the search:
    "not samsung", "no black", "anything but samsung", "other than samsung", a negated purpose
    phrase ("not for men", "not made for kids": :func:`_purpose_cue`); with ``maker``
    (a brand), also a negated maker phrase before it: "not from samsung", "not made by sony",
    "nothing from lg" (:func:`_excluded_maker`).

    >>> _negated("phone case not black".split(), (3, 4)), _negated("black case".split(), (0, 1))
    (True, False)
    >>> _negated("phone not from samsung".split(), (3, 4), maker=True)
    True
    >>> _negated("samsung phone not from china".split(), (0, 1), maker=True)
    False
    """
    if span is None:
        return False
    at, end = span
    if maker:  # (the tagger may take the maker word into the span: "by sony")
        first = at + 1 if at + 1 < end and words[at] in _MAKER_WORDS else at
        if _excluded_maker(words, first, cues):
            return True
    for i in (at, at + 1, at + 2):  # the cue before the mention, or its first words
        if i > end:
            break
        # (two-word cues, the fillers after them skipped before the mention: "tablet other
        # than an ipad", "headphones instead of sony")
        if (i == at or (i < end and i - 2 >= at)) and any(  # (a cue the span holds: at its
                k >= 2 and (tuple(words[k - 2:k]) in _PAIR_NEGATIONS or (  # start, not "than"
                    words[k - 1] == "but"  # of "other than" in a span "than")
                    and words[k - 2] in ("anything", "everything", "all")))
                for k in {i, _cue_position(words, at) + 1 if i == at else i}):
            return True
        if i == at:
            j = _cue_position(words, at)
            if _cue_at(words, j, cues) and not any(  # ("no" in another mention, read
                    a <= j < b for a, b in others):  # as a size, "no 10": no cue)
                return True
            # a negated purpose phrase: "not for men", "not made for kids", "except for lg"
            cue = _purpose_cue(words, at)
            if cue is not None and _cue_at(words, cue, cues) and not any(
                    a <= cue < b for a, b in others):
                return True
        elif i - 1 >= at and _cue_at(words, i - 1, cues) and i < end:
            return True
    return False


#: words after a "no" and the words it qualifies that are no product they qualify: what
#: follows them is said of the product or names something else ("shampoo no sulfates for
#: curly hair", "no phones from samsung", "bed frame no box spring needed"); see
#: :func:`_a_compound_no` (also the words of :data:`_RUN_ENDS`, joiners, fillers and cues)
_NO_PRODUCT_WORDS = frozenset({"in", "on", "at", "of", "to", "than", "as", "is", "are",
                               "needed", "required", "allowed", "included", "please"})


def _a_compound_no(words: Sequence[str], at: int, end: int,
                   named: Callable[[Sequence[str], tuple[int, int]], bool] | None = None
                   ) -> bool:
    """Whether the "no" at ``words[at]``, in a tagged span of the query's words that ends at
    ``end``, is a compound qualifying the product after it, no exclusion: the span's one or
    two words after it (what the product needs not or has not: "show", "slip", "bra needed")
    are followed by the query's next word, a word of letters that may open the product's
    name ("socks" in "mens no show socks", "nail polish" in "clear no chip nail polish",
    "blanket kit" in "fleece no sew blanket kit"). A "no" opening the query is one too
    (:func:`negated_spans`, the parser's reading). What a "no" excludes ends the query or
    its phrase ("tv no samsung", "shampoo no sulfates", "cat food no fish"), comes before a
    number or a phrase of something else ("tv no samsung 55 inch", "shampoo no sulfates for
    curly hair"), or is no word of the span the "no" opens (the tagger's cut). A colour after
    the "no" is what it excludes ("no black shirt"), but for one opening a KG name with the
    words after it (``named``, the caller's :func:`_in_a_name` on its KG: "no white noise
    machine") and for a colour word and a word that is no shade ("no blue light glasses":
    :func:`_a_colour_phrase`).

    >>> [_a_compound_no(q.split(), 1, 3) for q in (
    ...     "mens no show socks", "tv no samsung 55", "cat food no fish", "dress no sleeves black")]
    [True, False, False, False]
    >>> _a_compound_no("clear no chip nail polish".split(), 1, 3)
    True
    """
    n = end - at - 1
    if not (0 <= at < len(words) and words[at] == "no" and 1 <= n <= 2 and end < len(words)):
        return False
    stops = _RUN_ENDS | _JOINERS | _FILLERS | _MAKER_WORDS | _MADE_WORDS | _NEGATIONS \
        | _LATER_NEGATIONS
    qualified, product = words[at + 1:end], words[end]
    if _a_colour_phrase(qualified) and not (named is not None and named(words, (at + 1, end))):
        return False  # a colour is no compound's word: "no black shirt" excludes black
    # a colour after "no X" is the product's colour, no word of its name: "dress no sleeves
    # black", "phone case no glitter pink" exclude sleeves, glitter
    return all(any(c.isalpha() for c in w) and w not in stops for w in qualified) \
        and product.isalpha() and product not in stops and product not in _NO_PRODUCT_WORDS \
        and product not in _COLOUR_WORDS and not _a_numbered_name(words, end)


#: a number as a word of a name ("11" of "windows 11", "13" of "iphone 13"):
#: :func:`_a_numbered_name`
_NAME_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _a_numbered_name(words: Sequence[str], at: int) -> bool:
    """Whether the word at ``words[at]`` and the number after it are a name with a number, a
    version or a model ("windows 11", "iphone 13", "office 365"): the number ends the query
    or is followed by no unit nor counted noun (:func:`fusion.patterns.spec_after`: "socks 6
    pack", "polish 0.5 oz" count or measure the product). A "no" compound qualifies a
    product's common noun ("no show socks", "no iron dress shirts"); a thing of a name with a
    number after "no X" is a spec or a device of the product named before the "no", which the
    "no" excludes X of ("laptop no touchscreen windows 11").

    >>> [_a_numbered_name(q.split(), 3) for q in (
    ...     "laptop no touchscreen windows 11", "mens no show socks 6 pack", "mens no show socks")]
    [True, False, False]
    """
    if at + 1 >= len(words) or not _NAME_NUMBER.fullmatch(words[at + 1]):
        return False
    return not spec_after(" " + " ".join(words[at + 2:]), 0)


def compound_no_words(text: str, start: int, end: int,
                      kg: Any = None) -> tuple[int, int] | None:
    """Where the words a compound "no" qualifies stand in ``text`` (code points, (start,
    end)), the "no" in its tagged span ``text[start:end]`` (:func:`_a_compound_no`: "show" in
    "mens no show socks", "chip" in "clear no chip nail polish", "iron" in "no iron dress
    shirts"), or None: those words name no thing the query excludes (the parser leaves them
    out of its ``excluded`` words and links no node of them). ``kg``: the KG (a
    :class:`kg.ProductGraph` or a networkx view) whose names a colour after the "no" may open
    ("no white noise machine": :func:`colour_opens_a_name`).

    >>> q = "clear no chip nail polish"
    >>> compound_no_words(q, 0, 13), compound_no_words("tv no samsung", 3, 13)
    ((9, 13), None)
    """
    words = _query_words(text)
    offsets = _query_word_offsets(text)
    if len(offsets) != len(words):  # (one reading of the text: never)
        return None
    inside = [i for i, (a, b) in enumerate(offsets) if start <= a and b <= end]
    if not inside:
        return None
    stop = inside[-1] + 1
    g = _KG(as_networkx(kg), kg) if kg is not None else None
    named = (lambda ws, span: _in_a_name(g, ws, span)) if g is not None else None
    for i in inside:
        if _a_compound_no(words, i, stop, named):
            return offsets[i + 1][0], offsets[stop - 1][1]
    return None


def negated_spans(text: str, spans: Sequence[tuple[int, int]],
                  non: Collection[int] = ()) -> list[bool]:
    """Whether ``text`` puts each of the character spans ``spans`` (the tagger's, in order)
    out of the search: a negation cue right before it or opening it (:func:`_negated`: "not
    gaming" in "not gaming laptop", "bluetooth" in "headsets not bluetooth"; "non" only for the
    spans of ``non``, their indexes: "non" makes compounds, "non stick"), not a "no" that
    opens the query ("no touch thermometer"). The parser links the other spans without the
    words of these (:meth:`parser.QueryParser.link_entities`): excluded words must not pull a
    link toward the thing they name ("laptop" of "not gaming laptop" is no Gaming Laptops).

    >>> negated_spans("not gaming laptop", [(0, 10), (11, 17)])
    [True, False]
    >>> negated_spans("headsets not bluetooth", [(0, 8), (13, 22)])
    [False, True]
    >>> negated_spans("no touch thermometer", [(0, 8), (9, 20)])
    [False, False]

    Nor a "no" after other words that qualifies the product after it (:func:`_a_compound_no`:
    "mens no show socks", "clear no chip nail polish").

    >>> negated_spans("mens no show socks", [(0, 4), (5, 12), (13, 18)])
    [False, False, False]
    """
    words = _query_words(text)
    offsets = _query_word_offsets(text)
    if len(offsets) != len(words):  # (one reading of the text: never)
        return [False] * len(spans)
    at: list[tuple[int, int] | None] = []
    for s, e in spans:
        inside = [i for i, (a, b) in enumerate(offsets) if s <= a and b <= e]
        at.append((inside[0], inside[-1] + 1) if inside else None)
    # (a compound "no" is no cue: read as a word that is none)
    compounds = {i for sp in at if sp is not None for i in range(max(sp[0], 1), sp[1])
                 if _a_compound_no(words, i, sp[1])}
    if compounds:
        words = [w if i not in compounds else "nox" for i, w in enumerate(words)]
    out = []
    for k, sp in enumerate(at):
        if sp is None or (sp[0] <= 1 and words[0] == "no" and not (
                sp[1] >= 2 and _a_colour_phrase(words[1:sp[1]]))):
            out.append(False)  # (a "no" opening the query: a compound, "no slip socks";
            continue  #          not before a colour, "no black shirt": colour_words)
        others = [o for n, o in enumerate(at) if n != k and o is not None]
        cues = _NEGATIONS if k in non else _VALUE_NEGATIONS
        out.append(_negated(words, sp, cues, others))
    return out


#: words between a cue and what it excludes that name nothing of it: "not even dell",
#: "not made by sony" (a maker phrase: :func:`_excluded_maker`)
_CUE_FILLERS = _FILLERS | _MAKER_WORDS | _MADE_WORDS | {"even"}
#: the words that may stand before what a negation cue excludes, from the cue on, public: the
#: cues (:data:`CUE_WORDS`; "anything but"), a negated "do" and a verb of wanting ("don't
#: want"), a negated maker or purpose phrase ("not made by", "nothing from", "not for"), the
#: fillers after a cue ("isn't an", "not even") and the joiners of an excluded list ("neither
#: samsung nor lg"): the parse's intent reads the query without them and what they exclude
#: (:func:`excluded_words`; ``parser.pipeline.intent_text``)
EXCLUSION_LEAD_WORDS = CUE_WORDS | _CUE_FILLERS | _JOINERS | _DO_NEGATIONS | _WANT_WORDS \
    | _MAKER_NEGATIONS | _PURPOSE_WORDS | {"for", "anything", "everything", "all"}
#: the words without one of which a query excludes nothing (:func:`excluded_words`): the cues,
#: a negated "do" ("don't want"), a negated maker ("nothing from") and the "but" of "anything
#: but"
_OPENS_EXCLUSION = CUE_WORDS | _DO_NEGATIONS | _MAKER_NEGATIONS | {"but"}


def excluded_items(words: Sequence[str], commas: Collection[int] = (), *,
                   after: bool = False) -> list[tuple[int, int]]:
    """The items, (start, end) among ``words``, that each negation cue among them excludes
    (:func:`_cue_at`, a two-word cue of :data:`_PAIR_NEGATIONS`): the words after it, the
    fillers and a maker phrase skipped ("that is not a dell", "not made by sony", "not even
    dell"), each item of a list after it (joined by "and", "or", "nor", "&" or a ",": the
    positions of the words a "," follows are ``commas``) up to another cue or a word of
    :data:`_RUN_ENDS`, each of at most :data:`_MAX_RUN` words. The parser links them in a span
    that links nothing as tagged ("which is not dell", "excluding samsung and lg",
    :meth:`parser.QueryParser.link_entities`). ``after``: the words follow others of the
    query, so a cue of :data:`_LATER_NEGATIONS` may open them ("besides dell").

    >>> excluded_items("that is not made by sony".split())
    [(5, 6)]
    >>> excluded_items("not lg not sony".split()), excluded_items("not samsung and lg".split())
    ([(1, 2), (3, 4)], [(1, 2), (3, 4)])
    >>> excluded_items("other than dell".split()), excluded_items("red case".split())
    ([(2, 3)], [])
    >>> excluded_items("not samsung and not lg".split()), excluded_items("not sony either".split())
    ([(1, 2), (4, 5)], [(1, 2)])
    """
    if after:
        return [(a - 1, b - 1) for a, b in excluded_items(
            ["", *words], {i + 1 for i in commas})]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        cue = _cue_at(words, i, _NEGATIONS) or (
            i >= 1 and tuple(words[i - 1:i + 1]) in _PAIR_NEGATIONS)
        if not cue:
            i += 1
            continue
        i += 1
        while i < len(words) and words[i] in _CUE_FILLERS:
            i += 1
        first = start = i
        while i < len(words):
            w = words[i]
            if w in _RUN_ENDS or (i > start and w in _CUE_CLOSERS) or (i > first and (
                    _cue_at(words, i, _NEGATIONS) or (
                        i + 1 < len(words) and tuple(words[i:i + 2]) in _PAIR_NEGATIONS))):
                break  # (a cue after a joiner opens the next item: "not lg and not sony")
            if w in _JOINERS:
                if start < i:
                    out.append((start, min(i, start + _MAX_RUN)))
                start = i + 1
            i += 1
            if i - 1 in commas:
                break
        if start < i:
            out.append((start, min(i, start + _MAX_RUN)))
    return out


def one_letter(word: str) -> bool:
    """Whether ``word`` is one letter ("w", "b"; not "lg", "9"): after a negation cue, as
    often a word being typed ("not w" of "not whirlpool") as a one-letter brand's or size's
    name, so it names no node to exclude (:func:`_too_bare`).

    >>> one_letter("w"), one_letter("lg"), one_letter("9")
    (True, False, False)
    """
    return len(word) == 1 and word.isalpha()


#: words that make a negation before a brand a hedge, no exclusion: "tv not really samsung",
#: "laptop not necessarily dell" (:func:`_hedged`)
_HEDGES = frozenset({"really", "necessarily", "exactly", "always", "only", "just"})


def _hedged(words: Sequence[str], span: tuple[int, int] | None) -> str | None:
    """``"unsure"`` (an UP boost, no filter) for a brand at ``span`` of ``words`` after a
    hedged negation: "not really samsung", "not necessarily dell", "not just sony" (the brand
    is neither ruled out nor required); else None.

    >>> _hedged("tv not really samsung".split(), (3, 4)), _hedged("samsung tv".split(), (0, 1))
    ('unsure', None)
    """
    if span is None:
        return None
    j = _cue_position(words, span[0])
    return "unsure" if j >= 1 and words[j] in _HEDGES \
        and _cue_at(words, j - 1, _VALUE_NEGATIONS) else None


def _outer(words: Sequence[str], span: tuple[int, int] | None,
           name: str) -> tuple[int, int] | None:
    """The place :func:`_negated` reads the cue of a mention at ``span`` of ``words``, of the
    node named ``name``, from: ``span``; or, where the name holds a cue ("not your mothers",
    "better not younger", "no leak": brands; a cue of the name is none), only the words
    before the name, empty: those before the span, or those the span holds before the name
    ("shampoo not not your mothers").

    >>> words = "shampoo not not your mothers".split()
    >>> _outer(words, (2, 5), "Not Your Mothers"), _outer(words, (1, 5), "Not Your Mothers")
    ((2, 2), (2, 2))
    >>> _outer("phone not samsung".split(), (2, 3), "Samsung")
    (2, 3)
    """
    if span is None:
        return None
    own = _query_words(name)
    if not set(own) & _NEGATIONS:
        return span
    at = span[1] - len(own)
    if span[0] <= at and [_unapostrophe(w) for w in words[at:span[1]]] == [
            _unapostrophe(w) for w in own]:  # ("not your mother's": the name's "mothers")
        return at, at
    return span[0], span[0]


def _unapostrophe(word: str) -> str:
    """``word`` without its apostrophes, straight or curly: a possessive and the name that
    writes it without one meet ("mother's", "mothers'": "mothers")."""
    return word.replace("\u2019", "").replace("'", "")


def _commas(text: str) -> frozenset[int]:
    """The positions among :func:`_query_words` of ``text`` of the words a "," follows (the
    marks glued to a word's edges are dropped from the words, the commas among them kept here):
    a "," joins list items as "or" does ("not red, blue or green").

    >>> sorted(_commas("not red, blue , green or pink"))
    [1, 2]
    """
    out: set[int] = set()
    for before, lead, word, tail, last in _word_marks(text):
        if "," in lead and before >= 0:
            out.add(before)
        if word and "," in tail:
            out.add(last)
    return frozenset(out)


def _word_marks(text: str) -> Iterator[tuple[int, str, str, str, int]]:
    """For each token of ``text`` (normalised, split at spaces): the position among
    :func:`_query_words` of the last word before it (-1: none), the marks before its word (the
    whole token when it has no word), its word (:data:`EDGE_MARKS` stripped), the marks after
    it, and the position of its own last word ("-samsung" is two words: the cue and the
    brand). What :func:`_commas` and :func:`_closes` read the marks of.

    >>> list(_word_marks('red, (dell)'))
    [(-1, '', 'red', ',', 0), (0, '(', 'dell', ')', 1)]
    """
    i = -1
    for token in normalize_key(text).split():
        word = token.strip(EDGE_MARKS)
        if not word:
            yield i, token, "", "", i
            continue
        at = token.find(word)
        before = i
        i += len(_token_words(token))
        yield before, token[:at], word, token[at + len(word):], i


#: the closing brackets and quotes that end the words a cue excludes (:func:`_closes`)
_CLOSING_MARKS = frozenset(')]}"\u201d\u00bb')


def _closes(text: str) -> frozenset[int]:
    """The positions among :func:`_query_words` of ``text`` of the words a closing bracket or
    quote follows (:data:`_CLOSING_MARKS`): what a cue before an opening one excludes ends
    there ("tv -(samsung) 55 inch", 'laptop -"dell" 15 inch': "samsung", "dell"). A quote
    after a digit is an inch mark ('55"'), none.

    >>> sorted(_closes('tv -(samsung lg) 55" "dell"'))
    [3, 5]
    """
    return frozenset(last for _, _, word, tail, last in _word_marks(text) if any(
        c in _CLOSING_MARKS and (c in ")]}" or not word[-1:].isdigit()) for c in tail))


def _minus_brackets(text: str) -> list[tuple[int, int]]:
    """The places, (start, end) among :func:`_query_words` of ``text``, of the words a
    bracket or a quote holds right after a "-" ("tv -(samsung lg)": "samsung lg"): an excluded
    list (:func:`_exclusions`).

    >>> _minus_brackets('tv -(samsung lg) -"dell" (hp)')
    [(2, 4), (5, 6)]
    """
    out: list[tuple[int, int]] = []
    i, opened = -1, None
    for token in normalize_key(text).split():
        ws = _token_words(token)
        if not ws:
            continue
        i += len(ws)
        at = token.find(ws[-1])
        if ws[0] == _MINUS_CUE and len(ws) == 2 and set(token[1:at]) & _OPENING_MARKS:
            opened = i
        tail = token[at + len(ws[-1]):]
        if opened is not None and set(tail) & _CLOSING_MARKS:
            out.append((opened, i + 1))
            opened = None
    return out


def _joined_item(words: Sequence[str], at: int, commas: Collection[int]) -> int | None:
    """Where the list item before the one that starts at word ``at`` ends (its end position),
    when a joiner ("or", "and", "nor", "&", ",": :func:`_commas`) joins them: "not red or
    blue" -> the end of "red"; None when nothing joins an item to it.

    >>> _joined_item("case not red or blue".split(), 4, ()), _joined_item("red case".split(), 1, ())
    (3, None)
    >>> _joined_item("not samsung or lg tv".split(), 2, ())  # the tagger's span "or lg"
    2
    """
    if at >= 1 and at < len(words) and words[at] in _JOINERS:
        return at  # the joiner opens the item's span ("or lg" in "not samsung or lg tv")
    if at >= 2 and words[at - 1] in _JOINERS:
        return at - 1
    if at >= 1 and at - 1 in commas:
        return at
    return None


def _joined_to_excluded(words: Sequence[str], at: int, commas: Collection[int],
                        items: Mapping[int, bool], cues: frozenset[str],
                        others: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether the size that starts at word ``at`` is an item of a list a cue excludes, joined
    to an excluded item before it: "without 64gb or 128gb", "not 55 or 65 inch" (the unit
    shared: a bare number is an item too), "not 55, 60 or 65 inch". ``items``: the end
    positions of the sizes read before it, each with whether it is excluded.

    >>> words = "tv not 55 or 65 inch".split()
    >>> _joined_to_excluded(words, 4, (), {}, _VALUE_NEGATIONS)
    True
    >>> _joined_to_excluded("tv 55 or 65 inch".split(), 3, (), {}, _VALUE_NEGATIONS)
    False
    """
    while (end := _joined_item(words, at, commas)) is not None:
        if end in items:
            return items[end]
        if not _SIZE_NUMBER.fullmatch(words[end - 1]):
            return False
        at = end - 1  # a bare number: an item whose unit is the next one's
        if _negated(words, (at, end), cues, others):
            return True
    return False


def _a_cue(e: LinkedEntity) -> bool:
    """Whether a linked mention is only a negation cue the linker took for a value: "no" ->
    the KG's size "No" (a Flipkart size) in "no pink dress", read by the tagger as a
    ``modifier``. It names nothing: it is the cue of what follows it. A cue the tagger read as
    a size ("no 10" in "no 10 nail brush": a number) or as a brand is no cue (nor is one of a
    caller without a tagger, whose label is None)."""
    mention = _query_words(e.mention or "")
    return bool(mention) and all(w in _NEGATIONS for w in mention) \
        and not _read_as_brand(e.label) and (e.label or "").lower() not in _SIZE_LABELS


def excluded_links(query: str, linked: Sequence[LinkedEntity], *,
                   kind: Callable[[str], str | None] | None = None,
                   attribute: Callable[[str], str | None] | None = None,
                   name: Callable[[str], str] | None = None,
                   commas: Collection[int] | None = None,
                   words: Sequence[str] | None = None,
                   spans: Mapping[str, tuple[int, int] | None] | None = None,
                   line_of: Callable[[str, str], bool] | None = None,
                   others: Mapping[str, Sequence[tuple[int, int]]] | None = None,
                   places: Mapping[str, Sequence[tuple[int, int]]] | None = None,
                   at: dict[str, list[tuple[int, int]]] | None = None
                   ) -> frozenset[str]:
    """The IRIs of the links ``linked`` of ``query`` that the query excludes: one right after a
    negation cue ("phone not samsung", "no black", "tv -samsung"; "non" before a brand only:
    "non stick" is a kind of pan) or a negated purpose phrase ("not for men", "not made for
    kids"), a brand after a negated maker phrase ("phone not from samsung", "not made by
    sony", "nothing from lg"), one whose span opens with a cue ("speaker not headphones"),
    every item of a list of the same facet joined to such a link ("not red or blue", "not
    samsung or lg"), and a cue the linker took for a value ("no" -> the KG's size "No" in "no
    pink dress"); wherever the query names the node (:func:`_mention_places`: "samsung tv not
    samsung", whose link's mention is the first "samsung"). The expansion makes them DOWN
    boosts (:func:`expand`); the intent does not read them
    (:func:`parser.pipeline.intent_links`). ``kind`` and ``attribute`` give a node's
    kind and attribute (default: the link's kind, no attribute); ``name``, the text of a link
    without a mention (default: none); ``commas``, ``words`` and ``spans`` the caller's
    :func:`_commas`, query words and each link's place among them, where it has them, and
    ``others`` and ``places``, each link's other mentions' places and every place it is
    named at (:func:`_mention_places`), computed from those (used with them only);
    ``line_of(node, brand)``, whether a linked category, product type or product is a product
    line of a linked brand: such a line named right after an excluded brand, and nowhere else,
    is excluded with it, the cue's whole run naming one thing ("laptop not apple macbook",
    "smartwatch other than apple watch"; default: none is). ``at``, when given, is filled
    with the places among ``words`` each excluded link is excluded at (none for a cue the
    linker took for a value): the excluded words of :func:`_excluded_texts`.

    >>> red = LinkedEntity("color/red", "attribute_value", 0.9, "color", "red")
    >>> blue = LinkedEntity("color/blue", "attribute_value", 0.9, "color", "blue")
    >>> sorted(excluded_links("phone case not red or blue", [red, blue]))
    ['color/blue', 'color/red']
    >>> sorted(excluded_links("red phone case not blue", [red, blue]))
    ['color/blue']
    """
    kind_of = kind or {e.iri: e.kind for e in linked}.get
    attr_of = attribute or (lambda iri: None)
    out = {e.iri for e in linked if _a_cue(e)}
    linked = [e for e in linked if e.iri not in out]

    def mention(e: LinkedEntity) -> str:
        return e.mention or (name(e.iri) if name else "")

    if words is None or spans is None:  # (the caller's, where it has them: expand's)
        words = _query_words(query)
        spans = {e.iri: _find_mention(words, mention(e)) for e in linked}
        others = places = None  # (the caller's go with its words and spans only)
    if others is None or places is None or out:  # (the caller's, of the same links: expand's)
        others = {e.iri: [sp for o in linked if o.iri != e.iri and (sp := spans[o.iri])]
                  for e in linked}
        # every place a node is named, not only its span (the first): one named again after
        # a cue is excluded all the same ("hp printer ink not hp", "samsung tv not samsung"),
        # and the places each excluded node is excluded at
        places = {e.iri: _mention_places(words, mention(e), spans[e.iri], others[e.iri])
                  for e in linked}
    out_at: dict[str, list[tuple[int, int]]] = {}
    for e in linked:
        brand = kind_of(e.iri) == "brand"
        # a cue that is a word of the node's own name ("not your mothers", "better not
        # younger", "musicians without borders": brands), or the "no" of a number read as a
        # size ("no 10" in "no 10 nail brush"), is no cue: only one before the mention
        # excludes it
        # ("no 10" read as a size: the number "No. 10"; "not 55 inch" excludes the size)
        p0 = (spans[e.iri] or (0, 0))[0]
        size = (e.label or "").lower() in _SIZE_LABELS and list(words[p0:p0 + 1]) == ["no"] \
            and bool(_SIZE_NUMBER.match(words[p0 + 1] if p0 + 1 < len(words) else ""))
        hit = [p for p in places[e.iri] if _negated(
            words, (p[0], p[0]) if size else _outer(words, p, name(e.iri) if name else ""),
            _NEGATIONS if brand else _VALUE_NEGATIONS, others[e.iri], maker=brand)]
        if hit:
            out_at[e.iri] = hit
    # a brand's product line right after the excluded brand is the rest of what the cue
    # excludes ("tablet not apple ipad": no iPad filter, the products ruled out), where the
    # query names the product searched elsewhere ("tablet") or the line's name holds the
    # brand's ("smartwatch other than apple watch"); not the only product it names ("-samsung
    # tv", "avoid samsung tvs": TVs, not Samsung's), nor one it names elsewhere too ("tablet
    # not samsung tablet": the tablets are searched)
    products = ("category", "product_type", "product")
    if line_of is not None:
        for e in linked:
            if e.iri in out_at or kind_of(e.iri) not in products:
                continue
            searched = any(o.iri != e.iri and o.iri not in out_at and kind_of(o.iri) in products
                           for o in linked)
            own = set(_query_words(name(e.iri) if name else ""))
            after = [p for p in places[e.iri] if any(
                p[0] == sp[1] and (searched or set(words[sp[0]:sp[1]]) & own)
                and line_of(e.iri, b)
                for b, at in out_at.items() if kind_of(b) == "brand" for sp in at)]
            if after and len(after) == len(places[e.iri]):
                out_at[e.iri] = after
    # what a cue excludes, it excludes of every item of a list of the same facet joined after
    # it ("not red or blue", "without black and white", "not samsung or lg"; not "65 inch tv
    # not samsung", nor the size in "tv not samsung and 65 inch", nor "blue" in "red or blue
    # case not red": the item it is joined to is not the excluded place of Red)
    commas = _commas(query) if commas is None else commas  # (the caller's: computed once)

    def facet(iri: str) -> tuple[str | None, str | None]:
        return kind_of(iri), attr_of(iri)

    def ends(sp: tuple[int, int]) -> int:  # (the joiner a mention took in left out: the
        b = sp[1]                           # tagger's span "not insignia or" in "tv not
        while b - 1 > sp[0] and words[b - 1] in _JOINERS:  # insignia or dynex")
            b -= 1
        return b

    for place, item in sorted(((p, e) for e in linked for p in places[e.iri]),
                              key=lambda x: x[0]):
        end = _joined_item(words, place[0], commas)
        if end is not None and place not in out_at.get(item.iri, ()) and any(
                facet(o.iri) == facet(item.iri)
                and any(ends(sp) == end for sp in out_at.get(o.iri, ())) for o in linked):
            out_at.setdefault(item.iri, []).append(place)
    if at is not None:
        at.update(out_at)
    return frozenset(out | set(out_at))


#: words that end the run of words a cue excludes: what follows them is said of the product
#: searched, not excluded ("tv not 4k for the bedroom", "laptop not gaming with 16gb")
_RUN_ENDS = frozenset({"for", "with", "w/", "that", "which", "under", "below", "but",
                       "please", "pls", "plz", "thanks"})
#: the most words of one excluded run (:func:`_excluded_spans`): a longer run is a phrase, no
#: feature's name
_MAX_RUN = 4
#: an amount: a word with a digit or opening with a currency sign
_AMOUNT = re.compile(r"^[$₹€£¥]|\d")


def _opens_a_price(words: Sequence[str], i: int) -> bool:
    """Whether ``words[i:]`` opens with a price bound word a negation turns into the other
    bound (:data:`fusion.patterns.NEGATABLE_BOUND`) and its amount ("over $500", "more than
    500", "at least 1k"): the price's, :func:`fusion.patterns.parse_price`, no words to
    exclude. "under"/"below" end every run (:data:`_RUN_ENDS`); "over" cannot ("headphones
    not over ear").

    >>> _opens_a_price("laptop not over $500".split(), 2), _opens_a_price("not over ear".split(), 1)
    (True, False)
    """
    return any(i + n < len(words) and NEGATABLE_BOUND.fullmatch(" ".join(words[i:i + n]))
               and _AMOUNT.search(words[i + n]) for n in (2, 1))


def _run_words(text: str) -> frozenset[str]:
    """:func:`_words` of ``text``, a plural number folded to the number ("2-in-1s": "1"), so
    that a run a cue excludes ("not 2 in 1") meets the name holding it.

    >>> sorted(_run_words("2-in-1s")) == sorted(_run_words("2 in 1"))
    True
    """
    return frozenset(re.sub(r"(?<=\d)s$", "", w) for w in _words(text))


def _excluded_spans(words: Sequence[str], commas: Collection[int],
                    taken: Sequence[tuple[int, int]],
                    brand: Callable[[str], bool] | None = None,
                    named: Callable[[Sequence[str], tuple[int, int]], bool] | None = None,
                    product: Callable[[Sequence[str], tuple[int, int]], bool] | None = None,
                    excluded: Sequence[tuple[int, int]] = (),
                    closes: Collection[int] = ()) -> list[tuple[int, int]]:
    """Each run of ``words`` a negation cue excludes, linked or not, as (start, end) among
    ``words``: the words right after a cue (:func:`_negated`: "tv not 4k", "headphones not
    wireless", "laptop not 2 in 1", "not for kids"), up to the end, a ",", a word of
    :data:`_RUN_ENDS`, another cue, or a mention the query does not exclude (``taken``: "not
    4k tv" excludes "4k"), or a word a closing bracket or quote follows (``closes``,
    :func:`_closes`: "tv -(samsung) 55 inch" excludes "samsung"), at most :data:`_MAX_RUN`
    words of it; each item of a list after
    the cue is a run of its own ("not red or blue"). A cue inside a mention of ``taken`` is
    none ("no 10" read as a size). Only runs with a content word (:func:`_run_words`). A name
    with a number (:func:`_a_numbered_name`) after the run's words ends it, a thing of the
    product searched ("laptop no touchscreen windows 11", "laptop without touchscreen windows
    11": "touchscreen"), unless those words are a brand's name (``brand``: the KG's brand
    names), whose model the name is ("laptop not hp pavilion 15", "tv no sony bravia 65").

    >>> _excluded_spans("tv not 4k for bedroom".split(), (), [(0, 1)])
    [(2, 3)]
    >>> _excluded_spans("case not red or blue".split(), (), [(0, 1)])
    [(2, 3), (4, 5)]
    >>> _excluded_spans("laptop no touchscreen windows 11".split(), (), [(0, 1)])
    [(2, 3)]
    >>> words = "laptop not hp pavilion 15".split()
    >>> hp = {"hp"}.__contains__
    >>> _excluded_spans(words, (), [(0, 1)]), _excluded_spans(words, (), [(0, 1)], hp)
    ([(2, 3)], [(2, 5)])

    A cue after a joiner opens the next item, no word of it ("tv not samsung and not lg",
    "phone no samsung and no apple": "lg", "apple"; a word before it too: "and also not lg"),
    and "either" closes a run ("laptop not dell but not hp either": "hp"). "non" before a colour
    excludes the colour (:func:`_a_non_colour`: "non white shirt": "white"), or the whole name an
    excluded link holds from the colour on (``excluded``: "non white noise machine", White Noise
    Machines). A run with nothing searched before it (the query opens with the cue: "not black phone
    case", "-samsung phone") is the colour or the brand that opens it (:func:`_excluded_head`, with
    ``product`` and the excluded links' places ``excluded``): the words after it name the product
    searched.

    >>> _excluded_spans("tv not samsung and not lg".split(), (), [(0, 1)])
    [(2, 3), (5, 6)]
    >>> _excluded_spans("not black phone case".split(), (), []), _excluded_spans(
    ...     "non white shirt".split(), (), [])
    ([(1, 2)], [(1, 2)])
    >>> _excluded_spans("tv minus samsung 55 inch".split(), (), [(0, 1)], closes={2})
    [(2, 3)]
    """
    def free(i: int) -> bool:
        return not any(a <= i < b for a, b in taken)

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        # "non" opens a run of what a product is free of only ("non gmo snacks": "gmo"; "non
        # stick pan" excludes nothing), that word, or two of an ingredient's name
        if i >= 1 and words[i - 1] == "non" and free(i) and free(i - 1):
            n = next((n for n in (2, 1) if i + n <= len(words) and all(
                free(k) for k in range(i, i + n)) and free_from_words(
                " ".join(words[i:i + n]))), 0)
            if not n and _a_non_colour(words, i - 1):  # "non white shirt": "white" only
                n = _colour_run(words, i)
                n = n if all(free(k) for k in range(i, i + n)) else 0
                # (but the whole name an excluded link holds from the colour on: "non white
                # noise machine", White Noise Machines excluded at "white noise machine")
                n = max([n, *(y - i for x, y in excluded if x <= i < y and y > i + n
                              and all(free(k) for k in range(i, y)))]) if n else 0
            if n:
                runs.append((i, i + n))
                i += n
                continue
        if not free(i) or words[i] in _RUN_ENDS or words[i] in _JOINERS \
                or (words[i] in _HEDGES and i >= 1 and words[i - 1] in _NEGATIONS) \
                or not _negated(words, (i, i + 1), _VALUE_NEGATIONS, taken):  # (a hedge,
            #                                       "not really", excludes nothing: _hedged)
            i += 1
            continue
        if _opens_a_price(words, i):  # "not over $500": the price's bound, nothing excluded
            i += 1
            while i < len(words) and free(i) and words[i] not in _RUN_ENDS \
                    and words[i] not in _NEGATIONS and _AMOUNT.search(words[i - 1]) is None:
                i += 1
            continue
        first = start = i
        n = 0  # (the run: n words from start)
        while i < len(words) and free(i) and words[i] not in _RUN_ENDS \
                and not (n and words[i] in _CUE_CLOSERS) \
                and not ((n or i > first) and words[i] in _NEGATIONS) \
                and not (not n and i > first and i + 1 < len(words)
                         and words[i + 1] in _NEGATIONS) \
                and not (n and _a_numbered_name(words, i) and not (
                    brand is not None and brand(" ".join(words[start:i])))):  # (another cue:
            #   a run of its own; a name with a number after the excluded words, a thing of
            #   the product searched, "laptop without touchscreen windows 11" excludes
            #   "touchscreen"; after a brand's name it is the brand's model: "laptop not hp
            #   pavilion 15", "laptop without dell xps 13")
            if words[i] in _JOINERS:  # the next item of the excluded list
                runs.append((start, start + n))
                start, n = i + 1, 0
            elif n < _MAX_RUN:
                n += 1
            i += 1
            if i - 1 in commas or i - 1 in closes:  # (what follows a "," may be said of the
                break  # product searched; a closing bracket or quote ends what it holds:
                #        "tv -(samsung) 55 inch": "samsung", :func:`_closes`)
        runs.append((start, start + n))  # (a cue after a joiner: the next item's, read
        #                                   as a cue of its own, "and not lg")
    runs = [(a, b) for a, b in runs if _run_words(" ".join(words[a:b]))]
    out: list[tuple[int, int]] = []
    for a, b in runs:
        # nothing searched before the run (the cue opens the query, or an excluded list
        # before it): the product searched is named after what it excludes
        if b - a >= 2 and all(words[k] in EXCLUSION_LEAD_WORDS or words[k] in FUNCTION_WORDS
                              or any(x <= k < y for x, y in out) for k in range(a)):
            b = a + (_excluded_head(words, (a, b), brand, named, product, excluded,
                                    before=b < len(words) and not free(b)) or b - a)
        out.append((a, b))
    return out


def _excluded_head(words: Sequence[str], run: tuple[int, int],
                   brand: Callable[[str], bool] | None,
                   named: Callable[[Sequence[str], tuple[int, int]], bool] | None,
                   product: Callable[[Sequence[str], tuple[int, int]], bool] | None = None,
                   excluded: Sequence[tuple[int, int]] = (), *, before: bool = False) -> int:
    """How many words opening a run of ``words`` a cue excludes, ``run``, with nothing
    searched before it, are what it excludes, the product searched named by the words after
    them: a colour (:func:`_colour_run`: "not black phone case", "not dark blue jeans"), or a
    brand's name (``brand``: "not samsung phone", "-samsung phone"); 0 when the run opens with
    neither, or when those words open a KG name with the words after them (``named``: "white"
    of "not white noise machine", "coffee" of "not coffee table": the whole run is one thing).
    Those words and the colour words after them up to such a name ("not red coffee table":
    "red") are the colour. The run stays whole where an excluded link's place (``excluded``)
    opens at the colour and goes past it ("not blue tooth speaker": Bluetooth), where a
    brand's name does (``brand``: "not green mountain coffee", the brand Green Mountain
    Coffee; with the product searched after it, whether the words at a span end with a KG
    category's name where ``product`` is given, that name is what it excludes), and where the
    run ends right before a mention the query searches (``before``: "not red bull energy
    drink" excludes "red bull", the words of the run no product); else the colour is what it
    excludes ("not grey couch": "grey", "not black phone case": "black").

    >>> _excluded_head("not black phone case".split(), (1, 4), None, None)
    1
    >>> _excluded_head("not samsung phone".split(), (1, 3), {"samsung"}.__contains__, None)
    1
    >>> name = lambda ws, sp: ws[sp[0]] == "coffee"
    >>> _excluded_head("not red coffee table".split(), (1, 4), None, name)
    1
    >>> _excluded_head("not coffee table".split(), (1, 3), {"coffee"}.__contains__, name)
    0
    >>> [_excluded_head("not red bull energy drink".split(), (1, 3), None, None, before=b)
    ...  for b in (True, False)]
    [0, 1]
    >>> case = lambda ws, sp: ws[sp[1] - 1] == "case"
    >>> _excluded_head("not green mountain coffee".split(), (1, 4),
    ...                {"green mountain coffee"}.__contains__, None, case)
    0
    """
    a, b = run

    def in_a_name(k: int, n: int = 1) -> bool:
        return named is not None and named(words, (k, k + n))

    n = min(_colour_run(words, a), b - a - 1)
    while n and not _names_a_colour(" ".join(words[a:a + n])):
        n -= 1
    if n:  # (the colour's words up to one that opens a name: "red coffee table": "red")
        n = next((k - a for k in range(a, a + n) if in_a_name(k)), n)
        if not n or not _names_a_colour(" ".join(words[a:a + n])):
            return 0
        if any(x <= a < y and y > a + n for x, y in excluded):
            return 0  # (an excluded link opens at the colour: "not blue tooth speaker")
        longer = next((k for k in (3, 2) if n < k <= b - a and brand is not None
                       and brand(" ".join(words[a:a + k]))), 0)
        if longer:  # (a brand: "not green mountain coffee")
            return longer if longer < b - a and (
                product is None or product(words, (a + longer, b))) else 0
        return 0 if before else n  # ("not red bull energy drink": the run is no colour)
    if brand is None:
        return 0
    n = next((n for n in (3, 2, 1) if n < b - a and brand(" ".join(words[a:a + n]))), 0)
    return n if n and not in_a_name(a, n) else 0


def _excluded_texts(query: str, words: Sequence[str], runs: Sequence[tuple[int, int]],
                    links: Mapping[str, Sequence[tuple[int, int]]],
                    no_cues: Collection[tuple[int, int]] = ()) -> list[Excluded]:
    """What ``query`` excludes, as :class:`Excluded` words of it in the order of the query:
    each run a cue excludes (``runs``: :func:`_excluded_spans` of its ``words``) and each
    place of an excluded link (``links``: the places :func:`excluded_links` excluded it at)
    that no run holds ("non samsung": "non" excludes brands only, so no run; "blue" of "not
    red, blue or green": a run ends at a ","). Each without the words that open it and name
    nothing of what is excluded: fillers ("isn't an ipad"), function words, a maker phrase
    ("not made by sony": "sony") and, in a link's place, the cue the tagger took into its
    span ("non samsung"); the run keeps its other words ("not made in china"). ``iri``: the
    one excluded link whose place holds the words. A run that starts in a span of
    ``no_cues`` (offsets into ``query``: a span whose cue the caller reads as a word of a
    name) is none; the excluded links it holds are.

    >>> q = "phone not from samsung or -lg"
    >>> words = _query_words(q)
    >>> [(x.text, x.iri) for x in _excluded_texts(q, words, [(2, 4)], {"s": [(3, 4)]})]
    [('samsung', 's')]
    >>> [(x.text, x.start) for x in _excluded_texts(q, words, [], {"lg": [(5, 7)]})]
    [('lg', 27)]
    """
    if not runs and not links:
        return []
    offsets = _query_word_offsets(query)
    if len(offsets) != len(words):  # (one reading of the text: never)
        logger.warning("the words of %r are not those of its offsets: no excluded words", query)
        return []
    runs = [(a, b) for a, b in runs if not any(x <= offsets[a][0] < y for x, y in no_cues)]

    def trim(a: int, b: int, cues: bool) -> tuple[int, int]:
        while b - a > 1 and (
                words[a] in _FILLERS or words[a] in _MAKER_WORDS or not _run_words(words[a])
                or words[a] == "even"
                or (cues and words[a] in _NEGATIONS)
                or (words[a] in _MADE_WORDS and words[a + 1] in _MAKER_WORDS)):
            a += 1
        while b - a > 1 and not _run_words(words[b - 1]):
            b -= 1
        return a, b

    found = {trim(a, b, False) for a, b in runs} | {
        trim(*p, True) for at in links.values() for p in at
        if not any(a < p[1] and p[0] < b for a, b in runs)}
    out: list[Excluded] = []
    for a, b in sorted(found):
        named = {iri for iri, at in links.items() for p in at if p[0] <= a and b <= p[1]}
        start, end = offsets[a][0], offsets[b - 1][1]
        free_from = free_from_words(" ".join(words[a:b]))
        out.append(Excluded(query[start:end], start, end,
                            next(iter(named)) if len(named) == 1 and not free_from else None,
                            free_from))
    return out


def _size_read(value: str, read: Sequence[str]) -> bool:
    """Whether a size value a link sets is one the size patterns read in the query (``read``,
    :func:`fusion.patterns.parse_sizes`): the same numbers ("55 inch" and '55"'), or a value
    that is no measure, a number and its unit ("queen", "XL", "A5": the patterns read only
    measures), but not one whose words are part of a longer size they read ("King" of
    "California King" in "california king sheets", "Queen" of "Full/Queen": another size).

    >>> _size_read("16 inch", []), _size_read("55 inch", ['55"']), _size_read("A5", [])
    (False, True, True)
    >>> _size_read("13.3 inch", ["13,3 inch"]), _size_read("4 inch", ["14 inch"])
    (True, False)
    >>> _size_read("King", ["California King"]), _size_read("King", ["Queen", "King"])
    (False, True)
    """
    if not value[:1].isdigit():
        key = set(re.findall(r"[^\W_]+", normalize_key(value)))
        return not any(key < set(re.findall(r"[^\W_]+", normalize_key(r))) for r in read)
    numbers = _SIZE_NUMBER.findall(value.replace(",", "."))
    return any(_SIZE_NUMBER.findall(r.replace(",", ".")) == numbers
                              for r in read)


def _a_garment_size(value: str, words: Sequence[str], span: tuple[int, int] | None) -> bool:
    """Whether a linked size value is a garment size written as a word
    (:data:`_GARMENT_SIZE`: "Small", "Large", "Extra Large") the query names for no clothing:
    it names none of the size patterns' clothing words (:data:`_CLOTHING_WORD`: "t shirt
    large", "women's dress small", "large hoodie" name one) and the word "size" is not next
    to its mention ("size large", "large size": a size asked for whatever the product). Such
    a size ("large breed dog food", "small vacuum", "kids bike small") is no filter, an UP
    boost: the same restriction as the letter sizes the patterns read only next to clothing
    ("xl dog bed" has none).

    >>> _a_garment_size("Large", "large breed dog food".split(), (0, 1))
    True
    >>> [_a_garment_size("Large", q.split(), (0, 1)) for q in ("large hoodie", "large size bin")]
    [False, False]
    >>> _a_garment_size("King", "king bed".split(), (0, 1))
    False
    """
    if not _GARMENT_SIZE.fullmatch(normalize_key(value).strip()):
        return False
    if _CLOTHING_WORD.search(" ".join(words)):
        return False
    return span is None or not any(words[i] in _SIZE_WORDS for i in range(
        max(0, span[0] - 1), min(len(words), span[1] + 1)))


def _a_stray_letter_size(value: str, words: Sequence[str],
                         span: tuple[int, int] | None, apparel: bool = False) -> bool:
    """Whether a linked size value is a letter size (:data:`_LETTER_SIZE_NAME`: "M", "L",
    "XL", "B") the query names beside no "size" and for nothing sold in letter sizes
    (:data:`_LETTER_SIZED_WORD`: clothing, footwear, gear): a lone letter after a product word
    is as often the start of the next word, a name's or a shape's ("tv m", "laptop m",
    "curtains for l", "king size b": the bed size's "size"). Such a link is no size at all,
    as the patterns read a single letter only next to "size" ("kurti size m") and one of
    several only next to clothing ("t shirt xxl"); "mens shirt l", "jacket size m" keep it,
    and so does a query that links clothing or footwear (``apparel``: :data:`_APPAREL_PATH`).

    >>> [_a_stray_letter_size("M", q.split(), (1, 2)) for q in ("tv m", "shirt m", "size m")]
    [True, False, False]
    >>> _a_stray_letter_size("B", "king size b".split(), (2, 3))
    True
    """
    if not _LETTER_SIZE_NAME.fullmatch(normalize_key(value).strip()):
        return False
    if apparel or _LETTER_SIZED_WORD.search(" ".join(words)):
        return False
    if span is None:
        return True
    return not any(words[i] in _SIZE_WORDS and not (i > 0 and words[i - 1] in _BED_SIZE_WORDS)
                   for i in range(max(0, span[0] - 1), min(len(words), span[1] + 1)))


def _colour_held(kg: _KG, value: str) -> str | None:
    """The KG's colour value named by the colour words of ``value``, a colour value that names
    no colour (:func:`_names_a_colour`: "striped blue", "yellow polkadot", "matte white"), in
    their order ("Blue", "Yellow", "White"); None when it holds no colour word or the KG has
    no such colour."""
    words = [w for w in normalize_key(value).split() if w in _COLOUR_WORDS]
    if not words:
        return None

    def build() -> dict[str, str]:
        return {normalize_key(str(d.get("label") or "")): str(d.get("label"))
                for _, d in _colour_nodes(kg)}

    return _cached(kg, "_kgqp_colour_names", (), build).get(" ".join(words))


def _colour_nodes(kg: _KG) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The KG's colour values, (IRI, attributes), cached per graph view: what the colour
    rules read (:func:`_colour_combinations`, :func:`_colour_held`)."""
    def build() -> tuple[tuple[str, dict[str, Any]], ...]:
        return tuple((n, d) for n, d in kg.g.nodes(data=True)
                     if d.get("kind") == "attribute_value"
                     and str(d.get("attribute") or "").lower() in _COLOUR_LABELS)

    return _cached(kg, "_kgqp_colour_nodes", (), build)


def _names_a_colour(value: str) -> bool:
    """Whether a colour value's name names a colour: every word of it is a colour word
    (:data:`_COLOUR_WORDS`), a colour's modifier (:data:`_COLOUR_MODIFIERS`) or "and" (the
    marks between them aside: "Black/White", "Blue+Pink+Green"), and one a colour word. A
    filter on a pattern, a finish or a theme the KG lists as a colour ("strip" for "striped",
    "floral", "dark" in "dark wash jeans", "marble") would remove the products of every colour
    that have it; such a value is an UP boost.

    >>> [_names_a_colour(v) for v in ("Navy", "dark purple", "Black/White", "Rose Gold")]
    [True, True, True, True]
    >>> [_names_a_colour(v) for v in ("strip", "dark", "cheetah print", "White13", "matte white")]
    [False, False, False, False, False]
    """
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", value).casefold())
    return any(w in _COLOUR_WORDS for w in words) and all(
        w in _COLOUR_WORDS or w in _COLOUR_MODIFIERS or w == "and" for w in words)


def _a_scent_or_flavour(value: str, words: Sequence[str], consumable: bool = False) -> bool:
    """Whether a colour value is one a query of ``words`` names as a scent or flavour: its
    colour words all name one too (:data:`_SCENT_COLOURS`: "lavender", "Peach", "Mint"; not
    "Mint Green", whose green is a colour) and the query names a consumable or a plant
    (:data:`_SCENTED`: "lavender body wash", "peach tea", "peach rings candy", "lavender
    candle"; :func:`_scented_word`: "lavender epsom salt", "peach ice cream", "orange
    marmalade"), or links one (``consumable``: the caller's reading of the KG, a food or care
    category: "lavender dryer sheets"). A filter on the colour would keep the
    lavender-coloured bottles only; the products that have colours keep it ("lavender
    dress", "peach dress", "mint green phone case").

    >>> _a_scent_or_flavour("lavender", "lavender body wash".split())
    True
    >>> [_a_scent_or_flavour(v, q.split()) for v, q in (
    ...     ("lavender", "lavender dress"), ("Mint Green", "mint green soap"), ("Red", "red tea"))]
    [False, False, False]
    """
    colours = [w for w in re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", value).casefold())
               if w in _COLOUR_WORDS]
    return bool(colours) and all(w in _SCENT_COLOURS for w in colours) \
        and (consumable or _scented_word(words))


@lru_cache(maxsize=1)
def _scented_folded() -> frozenset[str]:
    return frozenset(f for w in _SCENTED for f in _name_words(w))


def _scented_word(words: Sequence[str]) -> bool:
    """Whether ``words`` name a consumable a scent or flavour is sold in: a word of
    :data:`_SCENTED` or :data:`_FOOD_WORDS`, plural-folded or not ("salt" as "salts"), or two
    words of :data:`_SCENTED_PHRASES` ("ice cream", "dryer sheets", "hand cream")."""
    folded = [f for w in words for f in (_name_words(w) or (w,))]
    return any(w in _SCENTED for w in words) or any(
        w in _scented_folded() or w in _FOOD_WORDS for w in folded) or any(
        pair in _SCENTED_PHRASES for pair in pairwise(folded))


def _all_under(kg: _KG, iri: str, path: re.Pattern[str]) -> bool:
    """Whether every category a linked category or product type stands for
    (:func:`_own_categories`; one at least) has a path ``path`` finds."""
    cats = _own_categories(kg, iri)
    return bool(cats) and all(path.search(kg.path(c) or "") for c in cats)


def _food_category(kg: _KG, iri: str) -> bool:
    """Whether a linked category or product type is food or drink (:data:`_FOOD_PATH`: under
    Google's "Food, Beverages & Tobacco" but its tobacco, a pet's food or treats, baby food):
    every category it stands for is."""
    return _all_under(kg, iri, _FOOD_PATH)


def _care_category(kg: _KG, iri: str) -> bool:
    """Whether a linked category or product type is a care or household consumable (or
    more of the care department: :data:`_CARE_PATH`), each category it stands for."""
    return _all_under(kg, iri, _CARE_PATH)


def _food_words(kg: _KG) -> frozenset[str]:
    """The one-word names of the KG's food categories (:data:`_FOOD_PATH`), each part of a
    name joined by "&" or "," ("Sugar & Sweeteners": sugar), plural-folded ("Apples": apple),
    but those that name other products too (:data:`_NOT_FOOD_WORDS`: "water", "chips"), and
    :data:`_FOOD_WORDS`. Cached per graph view."""
    def build() -> frozenset[str]:
        out = set(_FOOD_WORDS)
        for _, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") != "category" \
                    or not _FOOD_PATH.search(str(attrs.get("path") or "")):
                continue
            keys = [_name_words(part) for part in re.split(
                r"\s*[&,]\s*|\s+and\s+", str(attrs.get("label") or ""))]
            if any(len(key) != 1 for key in keys):
                continue  # "Baby & Toddler Food": "baby" names no food
            out.update(key[0] for key in keys if key[0] not in _NOT_FOOD_WORDS
                       and key[0].isalpha() and key[0] not in _COLOUR_WORDS)
        return frozenset(out)

    return _cached(kg, "_kgqp_food_words", (), build)


def _a_consumable_colour(kg: _KG, words: Sequence[str], places: Sequence[tuple[int, int]],
                         colour_places: Collection[tuple[int, int]],
                         things: Sequence[str],
                         named: Collection[tuple[int, int]] = ()) -> bool:
    """Whether a linked colour of a query of ``words``, named at ``places``, is no colour of
    the product searched but a word of a food's or a care product's name: the query links
    no category or product type (``things``, those it does not exclude) but food and drink
    (:func:`_food_category`), names no clothing (:data:`_CLOTHING_WORD`), and either links
    one ("red apples", "white cheddar popcorn", "blue buffalo dog food", "cheese its
    crackers white cheddar") or holds a food word right after or before the colour word, no
    colour word itself (``colour_places``) nor a word of a brand or product the query links
    (``named``: "black apple iphone 13" is Apple's; :func:`_food_words`: "brown sugar 2 lb",
    "black pepper ground", "pink lemonade", "red wine vinegar", "ice tea green"; not "black
    diamond ring pear cut", "gold pouch for candies"); or a care
    product's word follows the colour word and the query links nothing but care products
    and food (:data:`_CARE_WORDS`: "crest 3d white toothpaste"). A food's colour names its
    variety or flavour; food, as toothpaste, has no colour facet to filter on. A colour on
    anything else stays a filter ("black coffee table", "white rice cooker": they link
    Coffee Tables, Rice Cookers).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("f", kind="category", label="Sugar & Sweeteners",
    ...            path="Food, Beverages & Tobacco > Food Items > Sugar & Sweeteners")
    >>> g.add_node("t", kind="category", label="Coffee Tables", path="Furniture > Tables")
    >>> kg = _KG(g)
    >>> _a_consumable_colour(kg, "brown sugar 2 lb".split(), [(0, 1)], [(0, 1)], [])
    True
    >>> _a_consumable_colour(kg, "red dress".split(), [(0, 1)], [(0, 1)], [])
    False
    >>> _a_consumable_colour(kg, "brown sugar coffee table".split(), [(0, 1)], [(0, 1)], ["t"])
    False
    >>> g.add_node("a", kind="category", label="Apples", path="Food, Beverages & Tobacco > Apples")
    >>> kg = _KG(g)
    >>> _a_consumable_colour(kg, "black apple iphone".split(), [(0, 1)], [(0, 1)], [], [(1, 2)])
    False
    """
    if _CLOTHING_WORD.search(" ".join(words)):
        return False  # "honey crop top yellow": clothing, whatever its name holds
    food = [_food_category(kg, t) for t in things]
    taken = {i for start, end in (*colour_places, *named) for i in range(start, end)}
    if not all(food):
        care = [f or _care_category(kg, t) for f, t in zip(food, things, strict=True)]
        return all(care) and bool(places) and all(
            (end < len(words) and _a_care_word(words[end])) or _a_care_head(words, end, taken)
            for _, end in places)
    brand_words = {i for start, end in named for i in range(start, end)}
    if food:
        return True
    known = _food_words(kg)
    return any(w in known for start, end in places for i in (start - 1, end)
               if 0 <= i < len(words) and i not in taken for w in _name_words(words[i])) \
        or (bool(places) and all(_a_care_head(words, end, taken, start - 1 in brand_words)
                                 for start, end in places))


#: the paths of fuels (Google's "Hardware > Fuel": propane, kerosene, heating oil; firewood,
#: charcoal briquettes, lighter fluid, lamp oil, gel fuel): a fuel has no colour of its own
#: that a shop's colour facet lists, so a colour word before one opens its maker's or its
#: line's name ("blue rhino propane": the brand Blue Rhino), not a colour to filter on; a
#: fuel's container or appliance is no fuel ("Fuel Containers & Tanks", "Charcoal Grills")
_FUEL_PATH = re.compile(
    r"^Hardware > Fuel(?: >|$)|> (?:Firewood & Fuel|Charcoal Briquettes|Lighter Fluid"
    r"|Oil Lamp Fuel|Cooking Gel Fuels)$", re.I)


def _a_fuel(kg: _KG, things: Sequence[str]) -> bool:
    """Whether the linked categories and product types ``things`` (one at least) are all fuels
    (:data:`_FUEL_PATH`): a colour on them names none of theirs ("blue rhino propane").

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("p", kind="category", label="Propane", path="Hardware > Fuel > Propane")
    >>> g.add_node("t", kind="category", label="Fuel Containers & Tanks",
    ...            path="Hardware > Fuel Containers & Tanks")
    >>> kg = _KG(g)
    >>> _a_fuel(kg, ["p"]), _a_fuel(kg, ["t"]), _a_fuel(kg, ["p", "t"]), _a_fuel(kg, [])
    (True, False, False, False)
    """
    return bool(things) and all(_all_under(kg, t, _FUEL_PATH) for t in things)


#: the metal tiers of a power supply's 80 Plus efficiency rating ("80+ gold", "850w
#: platinum"): a colour value named by these alone is that rating on a power supply
#: (:func:`_a_spec_colour`)
_EFFICIENCY_TIERS = frozenset({"bronze", "silver", "gold", "platinum", "titanium"})
#: the words that name a power supply or its efficiency rating ("psu", "80+", "80plus"; the
#: pairs of :data:`_PSU_PAIRS`: "power supply", "80 plus")
_PSU_WORDS = frozenset({"psu", "psus", "80+", "80plus"})
_PSU_PAIRS = frozenset({("power", "supply"), ("power", "supplies"), ("80", "plus")})
#: the paths of a computer's power supplies (Best Buy's "Power Supplies", Google's "Computer
#: Power Supplies")
_PSU_PATH = re.compile(r"> (?:Computer |VR-Ready )?Power Supplies$", re.I)
#: a power supply's wattage, alone ("750", "850w") or in a model code ("cx650", "rm1000x"):
#: 300 to 2000 watts, a multiple of 50 (a phone's 128, 256 or 512 GB is none)
_WATTAGE = re.compile(r"^[a-z]{0,3}(\d{3,4})(?:w|x|watts?)?$")
#: the words that name a keyboard: a colour right before "switch(es)" in a query holding one
#: names a key switch's type ("mechanical keyboard brown switches")
_KEYBOARD_WORDS = frozenset({"keyboard", "keyboards", "keycap", "keycaps", "mechanical"})
#: the makers of keyboard switches, whose switch types colours name ("cherry mx red",
#: "gateron yellow", "kailh box white"): a colour up to a word after one is a switch type
_KEY_SWITCH_MAKERS = (("cherry", "mx"), ("gateron",), ("kailh",), ("outemu",))
#: the paths of drives (hard drives, solid state drives): a drive maker that sells nothing
#: else names its lines by colours ("wd blue", "wd black": :func:`_a_spec_colour`)
_DRIVE_PATH = re.compile(r"Hard Drives?\b|Solid State Drives", re.I)
#: the paths of external drives, which come in colours (a colour a shop's facet lists: "seagate
#: black external hard drive" is a black drive, no line)
_EXTERNAL_DRIVE_PATH = re.compile(r"External Hard Drives|Portable (?:Hard|Solid State) Dri",
                                  re.I)


def _a_wattage(word: str) -> bool:
    """Whether ``word`` is a power supply's wattage (:data:`_WATTAGE`), alone or in a model
    code.

    >>> [_a_wattage(w) for w in ("750", "850w", "cx650", "rm1000x", "256", "1080p", "s21")]
    [True, True, True, True, False, False, False]
    """
    m = _WATTAGE.match(word)
    return m is not None and 300 <= int(m.group(1)) <= 2000 and int(m.group(1)) % 50 == 0


def _names_a_psu(words: Sequence[str]) -> bool:
    """Whether ``words`` name a power supply or its rating (:data:`_PSU_WORDS`,
    :data:`_PSU_PAIRS`)."""
    return any(w in _PSU_WORDS for w in words) or any(
        pair in _PSU_PAIRS for pair in pairwise(words))


def _a_spec_colour(kg: _KG, words: Sequence[str], value: str, place: tuple[int, int],
                   things: Sequence[str], brands: Collection[tuple[str, tuple[int, int]]]
                   ) -> str | None:
    """The spec a colour mention at ``place`` among ``words`` names, no colour of the product
    searched (None: none, the colour is a colour); the linked categories and product types
    ``things`` (not excluded) and the linked brands with their places ``brands`` are the
    query's:

    - ``a switch type``: a keyboard switch's, the colour right before "switch(es)" in a query
      that names a keyboard (:data:`_KEYBOARD_WORDS`: "mechanical keyboard brown switches",
      "blue switches keyboard"), or a colour up to a word after a switch maker's name
      (:data:`_KEY_SWITCH_MAKERS`: "cherry mx red keyboard", "gateron yellow switches",
      "kailh box white switches"); not "white switches", "leviton white switches" (a light
      switch's colour) nor "red nintendo switch";
    - ``an efficiency rating``: a power supply's 80 Plus tier, a metal colour
      (:data:`_EFFICIENCY_TIERS`) in a query that names a power supply or the rating
      (:func:`_names_a_psu`: "1000w psu 80+ gold", "750w gold psu") or links its category
      (:data:`_PSU_PATH`), or right after a wattage in a query that links no category or
      product type (:func:`_a_wattage`: "evga 750 gold", "corsair cx650 bronze"; not "silver
      1100w microwave");
    - ``a product line``: a drive line, the colour right after a brand the KG sells only
      drives under (:data:`_DRIVE_PATH`: "wd blue 1tb ssd", "wd purple 4tb": WD Blue, WD
      Purple), in a query that links no external drive (:data:`_EXTERNAL_DRIVE_PATH`); not
      "seagate black external hard drive" nor "seagate portable red" (a drive's colour).

    A filter on the colour would remove almost every product searched (a "Brown" keyboard
    filter keeps the brown keyboards, few of which have brown switches); it is an UP boost.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("wd", kind="brand", label="WD")
    >>> g.add_node("d", kind="category", label="Internal Hard Drives",
    ...            path="Computers > Hard Drives & Storage > Internal Hard Drives")
    >>> _ = g.add_edge("wd", "d", relation="sells_in")
    >>> kg = _KG(g)
    >>> spec = lambda q, at, value="Red", things=(), brands=(): _a_spec_colour(
    ...     kg, q.split(), value, at, things, brands)
    >>> spec("mechanical keyboard brown switches", (2, 3)), spec("cherry mx red keyboard", (2, 3))
    ('a switch type', 'a switch type')
    >>> spec("white switches", (0, 1)), spec("red keyboard", (0, 1))
    (None, None)
    >>> spec("1000w psu 80+ gold", (3, 4), "Gold"), spec("evga 750 gold", (2, 3), "Gold")
    ('an efficiency rating', 'an efficiency rating')
    >>> spec("silver 1100w microwave", (0, 1), "Silver", ["m"]), spec("black psu", (0, 1), "Black")
    (None, None)
    >>> spec("wd blue 1tb ssd", (1, 2), "Blue", brands=[("wd", (0, 1))])
    'a product line'
    >>> g.add_node("x", kind="category", label="External Hard Drives",
    ...            path="Computers > Hard Drives & Storage > External Hard Drives")
    >>> spec("wd blue external hard drive", (1, 2), "Blue", ["x"], [("wd", (0, 1))])
    """
    start, end = place
    after = words[end] if end < len(words) else None
    if after in ("switch", "switches") and end - start == 1 \
            and any(w in _KEYBOARD_WORDS for w in words):
        return "a switch type"
    if any(tuple(words[i:i + len(maker)]) == maker
           for maker in _KEY_SWITCH_MAKERS
           for i in range(max(0, start - len(maker) - 1), start - len(maker) + 1)):
        return "a switch type"
    tiers = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", value).casefold())
    if len(tiers) == 1 and tiers[0] in _EFFICIENCY_TIERS and (
            _names_a_psu(words) or any(_all_under(kg, t, _PSU_PATH) for t in things)
            or (not things and start > 0 and (_a_wattage(words[start - 1]) or (
                start > 1 and words[start - 1] in ("w", "watt", "watts")
                and _a_wattage(words[start - 2]))))):
        return "an efficiency rating"
    if end - start == 1 and not any(
            _EXTERNAL_DRIVE_PATH.search(kg.path(c) or kg.label(c))
            for t in things for c in _own_categories(kg, t)) and any(b_end == start and (
            cats := _brand_facts(kg, brand)[1]) and all(
                _DRIVE_PATH.search(kg.path(c) or kg.label(c)) for c in cats)
            for brand, (_, b_end) in brands):
        return "a product line"
    return None


def _a_care_word(word: str) -> bool:
    """Whether ``word`` is a care product's word (:data:`_CARE_WORDS`), plural-folded or not."""
    return any(w in _CARE_WORDS for w in (word, *_name_words(word)))


#: words after a product's name that end it ("lotion for dry skin", "shampoo with argan oil")
_NAME_ENDS = frozenset({"for", "with", "w/", "without", "in", "by", "from", "and", "or"})


def _a_care_head(words: Sequence[str], end: int, taken: Collection[int],
                 after_a_brand: bool = False) -> bool:
    """Whether the colour word ending at ``end`` opens a care product's name that a care word
    heads (:data:`_CARE_WORDS`) one word later (that word of letters, no colour word nor a
    word of another mention, ``taken``), or right after it where the colour follows a brand
    the query links (``after_a_brand``: the brand's line), the care word ending the name (the
    query, a number or a word of :data:`_NAME_ENDS` after it): "gold bond lotion" (a brand's
    or a line's name, "Gold Bond", of a product that has no colour facet), "victoria secret
    pink perfume"; not "white soap dish" (a dish), "white bar soap dish" nor "mint green soap"
    (a soap's colour, no name).

    >>> [_a_care_head(q.split(), 1, {0}) for q in (
    ...     "gold bond lotion", "gold bond lotion for dry skin", "white bar soap dish",
    ...     "white soap dish", "pink perfume")]
    [True, True, False, False, False]
    >>> _a_care_head("vs pink perfume".split(), 2, {0, 1}, True)
    True
    """
    at = next((i for i in (end, end + 1) if i < len(words) and _a_care_word(words[i])), None)
    if at is None or (at == end and not after_a_brand) or (at > end and not (
            words[end].isalpha() and end not in taken and words[end] not in _COLOUR_WORDS
            and words[end] not in _NAME_ENDS)):
        return False
    return at + 1 == len(words) or not words[at + 1].isalpha() or words[at + 1] in _NAME_ENDS


#: whom an audience word names a thing for, an age and, where the word says one, a sex (the
#: linker's reading of audiences, :func:`kg.link.contradicts_audience`, for the words a
#: query may hold unlinked: the tagger reads "kids", "newborn", "toddler", "youth" as a
#: ``department`` the default KG links nothing for); a possessive's "'s" dropped
_AUDIENCE = {
    **dict.fromkeys(("kid", "kids", "child", "children", "childrens", "newborn", "newborns",
                     "baby", "babies", "infant", "infants", "toddler", "toddlers", "youth",
                     "junior", "juniors", "teen", "teens", "teenager", "teenagers", "tween",
                     "tweens", "preschool", "preschooler", "preschoolers"), ("child", None)),
    **dict.fromkeys(("boy", "boys"), ("child", "male")),
    **dict.fromkeys(("girl", "girls"), ("child", "female")),
    **dict.fromkeys(("adult", "adults", "senior", "seniors"), ("adult", None)),
    **dict.fromkeys(("man", "men", "mens", "gentleman", "gentlemen"), ("adult", "male")),
    **dict.fromkeys(("woman", "women", "womens", "lady", "ladies"), ("adult", "female")),
}


def _audiences(words: Sequence[str]) -> set[tuple[str, str | None]]:
    """The audiences (:data:`_AUDIENCE`) the words ``words`` name, a possessive's "'s" (or
    "s'") dropped ("kid's", "women's"); "baby" before a colour word is a shade ("baby blue").

    >>> sorted(_audiences("newborn gloves".split())), sorted(_audiences("men's shirt".split()))
    ([('child', None)], [('adult', 'male')])
    >>> _audiences("baby blue dress".split())
    set()
    """
    out = set()
    for i, word in enumerate(words):
        w = re.sub(r"['’]s$|s['’]$", "", word)
        if w in ("baby", "babies") and i + 1 < len(words) and words[i + 1] in _COLOUR_WORDS:
            continue
        if w in _AUDIENCE:
            out.add(_AUDIENCE[w])
    return out


def _names_another_audience(value: str, query: Collection[tuple[str, str | None]]) -> bool:
    """Whether an attribute value (an expansion) names an audience (:func:`_audiences` of its
    name) none of the query's audiences ``query`` agrees with: another age ("Men" for
    "newborn gloves", "bike helmet for kids"; "Boy" for "mens shirt"), or a sex the query's
    audience does not say ("Boy" for "toddler sweater"; a value of both sexes, "Men and
    Women", agrees with either). A value that names no audience ("Unisex", "Cotton"), or a
    query that names none, is not judged.

    >>> _names_another_audience("Men", {("child", None)})
    True
    >>> men = {("adult", "male")}
    >>> [_names_another_audience(v, men) for v in ("Men and Women", "Boy", "Unisex")]
    [False, True, False]
    """
    named = _audiences(normalize_key(value).split())
    if not query or not named:
        return False
    sexes = {sex for _, sex in named if sex}
    return not any(age == q_age and (not sexes or q_sex in sexes)
                   for age, _ in named for q_age, q_sex in query)


#: the expansion kinds an audience in their name contradicts the query's by
#: (:func:`_narrows_audience`); a brand's name ("Baby Trend") says no audience, and a link's
#: own names (synonyms, aliases) name what the query does
_AUDIENCE_KINDS = frozenset({"child_category", "parent_category", "sibling_category",
                             "category", "attribute_value"})
#: the expansion kinds that say whom the product searched is for, so an audience in their name
#: narrows a query that names none: a value of it, a category it is a kind of (a sibling is
#: another product, a child one kind of it among others, "Kids' Tablets")
_NARROWING_KINDS = frozenset({"parent_category", "category", "attribute_value"})


def _narrows_audience(c: _Cand, query: Collection[tuple[str, str | None]]) -> bool:
    """Whether a KG candidate (no rule's) names an audience (:func:`_audiences` of its name)
    that contradicts or narrows the audiences ``query`` of what the query searches. Where the
    query names one, another that the query's does not agree with contradicts it
    (:func:`_names_another_audience`: "boys shoes" -> no "Girls' Shoes"; "simple woman t
    shirt" -> no parent "mens clothing"). Where it names none, an audience in a value or in a
    category the product is a kind of narrows it to that audience ("sandals" -> Flipkart's
    parent "womens footwear", "sweatshirt" -> the value "Men"); a sibling or child category
    of an audience is another product, or one kind among others ("drones" -> "Kids'
    Electronics", "tablets" -> "Kids' Tablets"), and stays.

    >>> cand = lambda term, kind: _Cand(term, kind, (), None, None, False)
    >>> _narrows_audience(cand("womens footwear", "parent_category"), set())
    True
    >>> _narrows_audience(cand("Kids' Tablets", "child_category"), set())
    False
    >>> _narrows_audience(cand("Girls' Shoes", "child_category"), {("child", "male")})
    True
    >>> _narrows_audience(cand("Men", "attribute_value"), {("adult", "male")})
    False
    """
    if c.rule is not None or c.kind not in _AUDIENCE_KINDS:
        return False
    if not _audiences(normalize_key(c.term).split()):
        return False
    if query:
        return _names_another_audience(c.term, query)
    return c.kind in _NARROWING_KINDS


#: the node kinds whose names hold a colour word as a word of the name, not the product's
#: colour (:func:`_in_a_name`)
_NAMED_KINDS = ("brand", "category", "product_type", "product")


def _name_words(text: str) -> tuple[str, ...]:
    """The content words of ``text``, each plural-folded (:func:`kg.link.word_order`, word by
    word: a word named twice stays twice, "white noise machine white" is no "White Noise
    Machines"; a fold is a key, no word: "noise" and "noises" are "noi").

    >>> _name_words("Black & White Laser Printers"), _name_words("white noise machine white")
    (('black', 'white', 'laser', 'printer'), ('white', 'noi', 'machine', 'white'))
    """
    return tuple(w for word in normalize_key(text).split() for w in word_order(word))


def _colour_named(kg: _KG) -> frozenset[tuple[str, ...]]:
    """The KG's names (and aliases) of brands, categories, product types and products that a
    colour word opens, of 2 to :data:`_MAX_BANNED_WORDS` words and naming no colour themselves
    ("White Noise Machines", "Blue Microphones", "Coffee Tables", "Cream Cheese", "Black &
    Decker"; not a shade such as "Navy Blue"), as their words (:func:`_name_words`: plurals
    folded, stop words dropped). A brand counts only when the KG sells something under it
    (:func:`_brand_facts`): a name list's brand is a string, no evidence that the words name
    it ("black diamond engagement ring", "pink princess dress", "blue diamond necklace" lost
    their colour filter to such names). Cached per graph view."""
    def build() -> frozenset[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for node, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") not in _NAMED_KINDS or (
                    attrs.get("kind") == "brand" and not _brand_facts(kg, node)[1]):
                continue
            for name in (attrs.get("label"), *(attrs.get("aliases") or ())):
                key = _name_words(str(name or ""))
                if 2 <= len(key) <= _MAX_BANNED_WORDS and key[0] in _COLOUR_WORDS \
                        and not _names_a_colour(str(name)):
                    out.add(key)
        return frozenset(out)

    return _cached(kg, "_kgqp_colour_named", (), build)


def _in_a_name(kg: _KG, words: Sequence[str], span: tuple[int, int] | None) -> bool:
    """Whether the colour mention at ``span`` is a word of a KG name that a run of the query's
    words makes up (:func:`_colour_named`: a colour word opens it, the words after the mention
    close it): "white noise machine" (White Noise Machines), "blue microphones yeti" (the brand
    Blue Microphones), "coffee table" (Coffee Tables), both colours of "black & white laser
    printer" (Black & White Laser Printers). The colour word is then a word of that name, not
    the colour of what is searched. A name the KG does not hold is not judged ("black tea",
    "white rice": the default KG holds no such name).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("c", kind="category", label="White Noise Machines")
    >>> kg = _KG(g)
    >>> _in_a_name(kg, "white noise machine".split(), (0, 1)), _in_a_name(kg, ["white"], (0, 1))
    (True, False)
    """
    if span is None:
        return False
    start, end = span
    names = _colour_named(kg)
    return bool(names) and any(
        _name_words(" ".join(words[first:stop])) in names
        for first in range(max(0, end - _MAX_BANNED_WORDS), start + 1)
        for stop in range(max(end, first + 2), min(first + _MAX_BANNED_WORDS, len(words)) + 1))


def _word_starts(query: str, spans: Collection[tuple[int, int]]) -> frozenset[int]:
    """The indexes of the words of ``query`` (:func:`_query_words`) that open one of ``spans``
    (code-point offsets into ``query``): the first word starting inside each.

    >>> sorted(_word_starts("white rodgers thermostat", [(6, 13)]))
    [1]
    """
    offsets = _query_word_offsets(query)
    return frozenset(i for start, end in spans
                     for i in [next((k for k, (a, _) in enumerate(offsets)
                                     if start <= a < end), None)]
                     if i is not None)


def _opens_an_unknown_brand(words: Sequence[str], place: tuple[int, int],
                            unknown_at: Collection[int]) -> bool:
    """Whether the colour mention at ``place`` among ``words`` opens a brand's name the KG does
    not know: a brand mention that links nothing (its first word's index in ``unknown_at``:
    :func:`expand`'s ``unknown_brands``) starts right after it, the colour a single colour
    word ("white rodgers thermostat": the tagger reads "rodgers" as a brand's name, and no
    brand of the KG is named so; the brand is White-Rodgers). A colour before a brand the KG
    knows is that brand's product's colour ("black under armour zip", "red nike running
    shoes"); so is one after it ("essie red nail polish").

    >>> _opens_an_unknown_brand("white rodgers thermostat".split(), (0, 1), {1})
    True
    >>> _opens_an_unknown_brand("white rodgers thermostat".split(), (0, 1), set())
    False
    >>> _opens_an_unknown_brand("essie red nail polish".split(), (1, 2), {0})
    False
    """
    start, end = place
    return end - start == 1 and end in unknown_at and words[start] in _COLOUR_WORDS


#: the marks between the colours of a combined colour's name ("Black/White", "Blue+Pink")
_COLOUR_MARKS = re.compile(r"\s*[/+&,]\s*|\s+and\s+", re.I)
#: words joining colours in a query ("black and white"; "or" is an alternative: both values)
_COLOUR_JOINERS = frozenset({"and", "&", "/", "+"})


def _colour_words(value: str) -> tuple[str, ...]:
    """The words of a colour value's name, case-folded ("Black/White" -> black, white)."""
    return tuple(re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", value).casefold()))


def _colour_combinations(kg: _KG) -> dict[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The KG's combined colours: the colour words of a colour value whose name (or an alias)
    joins colours with a mark or "and" ("Black/White", "Blue and White", "Black Red" alias
    "Black/Red"; not "navy blue", one colour), in order, -> its (IRI, name)s. Cached per graph
    view."""
    def build() -> dict[tuple[str, ...], tuple[tuple[str, str], ...]]:
        out: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for n, attrs in _colour_nodes(kg):
            if n in kg.unlinkable:
                continue
            name = kg.label(n)
            words = tuple(w for w in _colour_words(name) if w != "and")
            if len(words) > 1 and all(w in _COLOUR_WORDS for w in words) and any(
                    len(_COLOUR_MARKS.split(x.strip())) > 1
                    for x in (name, *(attrs.get("aliases") or ()))):
                out.setdefault(words, []).append((n, name))
        return {k: tuple(sorted(v)) for k, v in out.items()}

    return _cached(kg, "_kgqp_colour_combinations", (), build)


def _combined_colours(kg: _KG, colours: Sequence[tuple[str, str]],
                      spans: Mapping[str, tuple[int, int] | None], words: Sequence[str],
                      cfg: ExpansionConfig) -> tuple[list[tuple[str, str]], list[Boost]]:
    """The colour filter values ``colours`` (value, source), the colours the query joins
    ("black and white", "black & white": linked colours side by side with "and", "&", "/" or
    "+" between them) replaced by the KG's colour that combines them in that order
    (:func:`_colour_combinations`: "Black/White"), when it has one: colour filters match
    exactly, so Black OR White would leave out the products coloured "Black/White". Those
    colours become UP boosts (``link:<iri> (combined)``). "black or white" (an alternative)
    and colours the KG combines in no value ("brown and beige") stay as they are."""
    linked = sorted(((sp, v, src) for v, src in colours if src.startswith("link:")
                     and (sp := spans.get(src[5:])) is not None), key=lambda x: x[0])
    runs: list[list[tuple[tuple[int, int], str, str]]] = []
    for item in linked:
        last = runs[-1][-1][0] if runs else None
        if last is not None and item[0][0] == last[1] + 1 and words[last[1]] in _COLOUR_JOINERS:
            runs[-1].append(item)
        else:
            runs.append([item])
    out, boosts = list(colours), []
    for run in runs:
        # (a run another colour extends, no joiner between: a longer list, "red white and
        # blue", whose last two are no two-tone colour)
        if any(sp[1] == run[0][0][0] or sp[0] == run[-1][0][1] for sp, _, _ in linked):
            continue
        key = tuple(w for _, v, _ in run for w in _colour_words(v) if w != "and")
        hits = _colour_combinations(kg).get(key) if len(run) > 1 else None
        if not hits:
            continue
        at = min(i for i, x in enumerate(out) if x in {(v, src) for _, v, src in run})
        out = [x for x in out if x not in {(v, src) for _, v, src in run}]
        out[at:at] = [(name, f"link:{iri}") for iri, name in hits]
        boosts += [Boost(f"colour:{v}", cfg.brand_boost, f"{src} (combined)")
                   for _, v, src in run]
    return out, boosts


def _bare_number(value: str) -> bool:
    """Whether a size value's name is a bare number, no unit, no letter ("4", "15", "2-5",
    "1.14"): the default KG's size values include such names, which any number the tagger reads
    as a size links to ("galaxy watch 4", "razer blade 15", "trunk bike rack 4", "6' hdmi
    cable"). Which dimension it measures is unknown, so it is no size filter (nor boost).

    >>> [_bare_number(v) for v in ("4", "2-5", "1.14", "16 inch", '16"', "40mm", "M")]
    [True, True, True, False, False, False, False]
    """
    return _BARE_NUMBER.fullmatch(value.strip()) is not None


def _fold_value(value: str) -> str:
    """A filter or boost value case-folded, its spaces collapsed: "1TB" and "1tb", a rule's
    "samsung" and the KG's "Samsung" are one value."""
    return " ".join(value.casefold().split())


def _value_key(term: str) -> tuple[str, str]:
    """A boost's ``field:value`` (or a rule's filter on another field) as ``(field, value)``,
    the field lower-cased ("color" read as "colour", as the rules' filters are) and the value
    :func:`_fold_value`-ed; a term without a field: ``("", term)``.

    >>> _value_key("brand:Samsung") == _value_key("Brand: samsung"), _value_key("Color:Red")
    (True, ('colour', 'red'))
    """
    fld, sep, value = term.partition(":")
    if not sep:
        return "", _fold_value(term)
    fld = fld.strip().lower()
    return {"color": "colour"}.get(fld, fld), _fold_value(value)


def _as_used(applied: Sequence[AppliedRule], expansions: Sequence[Expansion],
             boosts: Sequence[Boost], sources: Sequence[FilterSource], out_rules: set[str],
             term_key: Callable[[str], str]) -> list[AppliedRule]:
    """The applied rules as the parse used them: one whose effect is not in the result is
    marked (:attr:`AppliedRule.dropped`) ``excluded`` (``out_rules``: the query excludes its
    term or value, "laptop not dell" with "laptop => UP(20): brand:Dell"), ``merged`` (the
    result holds its value from another source: a link's filter or a stronger boost), or
    ``dropped`` (the expansion limit). A ``DELETE`` is in ``rewritten``."""
    used = ({x.rule for x in expansions} | {b.rule for b in boosts}
            | {s.source.removeprefix("rule:") for s in sources})
    names = {term_key(x.term) for x in expansions}
    boosted = {(b.direction, _value_key(b.term)) for b in boosts}
    filtered = {_value_key(s.value if s.field == "other" else f"{s.field}:{s.value}")
                for s in sources}
    out: list[AppliedRule] = []
    for a in applied:
        s = str(a)
        if a.kind == "DELETE" or s in used:
            out.append(a)
            continue
        if a.kind == "SYNONYM":
            merged = term_key(a.arg) in names
        elif a.kind == "FILTER" and not a.negated:
            merged = _value_key(a.arg) in filtered
        else:  # UP, DOWN, a negated FILTER (a DOWN)
            merged = ("UP" if a.kind == "UP" else "DOWN", _value_key(a.arg)) in boosted
        why = "excluded" if s in out_rules else "merged" if merged else "dropped"
        out.append(replace(a, dropped=why))
    return out


def _one_per_value(boosts: Sequence[Boost]) -> list[Boost]:
    """One boost per direction and case-folded ``field:value`` (:func:`_value_key`): a link's
    and a rule's DOWN on Samsung ("phone not samsung" with "samsung => FILTER: brand:samsung")
    are one penalty, not two. The first's spelling (a link's: the KG's) with the strongest
    weight, and that boost's source.

    >>> _one_per_value([Boost("brand:Samsung", -10.0, "link:b (negated)"),
    ...                 Boost("brand:samsung", -10.0, "r:1: samsung => FILTER(1): brand:samsung"
    ...                       " (negated)")])
    [Boost(term='brand:Samsung', weight=-10.0, rule='link:b (negated)')]
    """
    kept: dict[tuple[str, tuple[str, str]], Boost] = {}
    for b in boosts:
        key = (b.direction, _value_key(b.term))
        first = kept.get(key)
        if first is None:
            kept[key] = b
        elif abs(b.weight) > abs(first.weight):
            kept[key] = Boost(first.term, b.weight, b.rule)
    return list(kept.values())


def _brand_role(words: Sequence[str], span: tuple[int, int] | None,
                others: Sequence[tuple[int, int]] = ()) -> str | None:
    """``"negated"`` ("not samsung", "anything but samsung", "other than samsung",
    :func:`_negated`; ``others``: the other mentions' spans), ``"fits"`` ("case for samsung",
    "compatible with lg") or None, from the words before the brand's ``span``. "for" after a
    search word is no fits word ("i'm looking for a samsung tv", "shopping for sony
    headphones": :data:`fusion.patterns.NOT_FITTED`, as for a fitted category): the brand is
    that of the product searched, unless an accessory word makes it the device the accessory
    fits ("looking for a samsung phone case": :func:`_names_a_device_it_fits`). After another
    word "for" stays a fits word, an UP boost, the safe reading of a purpose ("organic
    cleaning for tile": the floor's, not the tracker maker Tile).

    >>> _brand_role("case for samsung".split(), (2, 3))
    'fits'
    >>> _brand_role("i'm looking for a samsung tv".split(), (4, 5))
    """
    if span is None:
        return None
    if _negated(words, span, _NEGATIONS, others, maker=True):
        return "negated"
    j = _cue_position(words, span[0])
    if j < 0 or words[j] not in _FITS:
        return None
    k = j - 1  # the word before "for", fillers skipped
    while k >= 0 and words[k] in _FILLERS:
        k -= 1
    if words[j] == "for" and k >= 0 and words[k] in NOT_FITTED:
        return None  # ("looking for a samsung tv": the TV is searched)
    return "fits"


#: words saying who makes what is searched, anywhere in the query: "third party" (Best Buy's
#: own wording, "smartwatch bands fitbit third party"), "aftermarket": not the brand named, so
#: the brand is the device the product fits; "first party", "oem", "official": the brand named
#: makes it ("apple watch accessories apple first party")
_THIRD_PARTY = frozenset({("third", "party"), ("3rd", "party"), ("third-party",), ("3rd-party",),
                          ("thirdparty",), ("aftermarket",), ("after-market",)})
_FIRST_PARTY = frozenset({("first", "party"), ("1st", "party"), ("first-party",),
                          ("1st-party",), ("oem",), ("official",)})


def _party_cue(words: Sequence[str]) -> str | None:
    """``"third"`` where the query says a third party makes what it searches ("... third
    party", "3rd-party", "aftermarket"), ``"first"`` where it says the brand named does ("first
    party", "oem", "official"), else None (both: None).

    >>> [_party_cue(q.split()) for q in ("fitbit bands third party", "apple watch bands 1st party",
    ...                                  "aftermarket gopro mount", "a party speaker")]
    ['third', 'first', 'third', None]
    """
    found = {side for side, cues in (("third", _THIRD_PARTY), ("first", _FIRST_PARTY))
             for i in range(len(words)) for cue in cues
             if tuple(words[i:i + len(cue)]) == cue}
    return found.pop() if len(found) == 1 else None


#: words joining alternatives ("samsung or lg", "iphone vs samsung")
_ALTERNATIVES = frozenset({"or", "vs", "vs.", "versus", "nor"})


def _without_joiner(words: Sequence[str], span: tuple[int, int]) -> tuple[int, int]:
    """``span`` without an "or" / "vs" word the tagger took into it at either end ("or hp",
    "iphone or"), one word at least.

    >>> _without_joiner("iphone or hp".split(), (1, 3)), _without_joiner(["or"], (0, 1))
    ((2, 3), (0, 1))
    """
    at, end = span
    if words[at] in _ALTERNATIVES and at + 1 < end:
        at += 1
    if words[end - 1] in _ALTERNATIVES and end - 1 > at:
        end -= 1
    return at, end


def _alternative_sides(words: Sequence[str], span: tuple[int, int]
                       ) -> tuple[list[tuple[int, int]], bool]:
    """The other sides of the alternatives the mention at ``span`` is one side of (the runs of
    words between the "or" / "vs" words, as ``(start, end)``; none without such a word) and
    whether the mention is right next to one ("samsung or iphone", "iphone or samsung
    phone"). The tagger may take the "or" into the span ("or hp", "iphone or").

    >>> _alternative_sides("samsung phone or iphone".split(), (0, 1))
    ([(3, 4)], False)
    >>> _alternative_sides("iphone or samsung phone".split(), (2, 3))
    ([(0, 1)], True)
    """
    at, end = _without_joiner(words, span)
    cuts = [i for i, w in enumerate(words) if w in _ALTERNATIVES and not at <= i < end]
    bounds = [-1, *cuts, len(words)]
    sides = [(lo + 1, hi) for lo, hi in pairwise(bounds) if lo + 1 < hi]
    other = [(lo, hi) for lo, hi in sides if not (lo <= at and end <= hi)]
    adjacent = (at >= 1 and words[at - 1] in _ALTERNATIVES) or (
        end < len(words) and words[end] in _ALTERNATIVES)
    return other, adjacent


def _on_other_sides(words: Sequence[str], a: tuple[int, int] | None,
                    b: tuple[int, int] | None) -> bool:
    """Whether the mentions at ``a`` and ``b`` are on different sides of an alternative ("or",
    "vs", "difference between ... and ...": ``words`` as :func:`_compared` reads them).

    >>> _on_other_sides("fitbit vs garmin".split(), (0, 1), (2, 3))
    True
    >>> _on_other_sides("samsung zagg black or white".split(), (0, 1), (1, 2))
    False
    """
    if a is None or b is None:
        return False
    sides, _ = _alternative_sides(words, a)
    return any(lo < b[1] and b[0] < hi for lo, hi in sides)


def _an_alternative(words: Sequence[str], span: tuple[int, int] | None,
                    brands: Sequence[tuple[int, int]],
                    lines: Sequence[tuple[int, int]] = ()) -> bool | None:
    """Whether the brand at ``span`` is one side of an alternative ("or", "vs") whose other
    side names no brand: True ("iphone or samsung phone", "samsung phone or iphone": a filter
    on it would drop the iPhones); False when another side names a brand too ("samsung or lg
    tv", "lg tv or samsung tv", "apple iphone or samsung galaxy": both are filter values, ORed,
    where both filter); None when it is no such side ("samsung tv or monitor": Samsung's TVs or
    monitors). ``brands``: the spans of the linked brands; ``lines``: those of the linked
    categories and products that are another brand's product line (iPhone, Roku). A side of
    more words than the brand's ("samsung phone or ...") is an alternative to the brand only
    when the other side names a brand or such a line (a product, "or monitor", is a second
    product of the same brand); a brand right next to the "or" is one whatever the other
    side names ("samsung or iphone").

    >>> words = "iphone or samsung phone".split()
    >>> _an_alternative(words, (2, 3), [(2, 3)]), _an_alternative(words, (2, 3), [(0, 1), (2, 3)])
    (True, False)
    >>> _an_alternative("apple iphone or samsung galaxy".split(), (3, 4), [(0, 1), (3, 4)])
    False
    >>> _an_alternative("dell or hp laptop".split(), (1, 3), [(0, 1), (1, 3)])
    False
    >>> words = "samsung phone or iphone".split()
    >>> _an_alternative(words, (0, 1), [(0, 1)], [(3, 4)]), _an_alternative(words, (0, 1), [(0, 1)])
    (True, None)
    """
    if span is None:
        return None
    sides, adjacent = _alternative_sides(words, span)

    def names(spans: Sequence[tuple[int, int]]) -> bool:
        return any(a < hi and lo < b for lo, hi in sides for a, b in spans if (a, b) != span)

    if not sides:
        return None
    if names(brands):
        return False
    return True if adjacent or names(lines) else None


#: words that open a comparison of two things, whose joiner (:data:`_COMPARE_JOINERS`) is a
#: "vs": "difference between laptop and tablet", "compare dell with hp"
_COMPARE_WORDS = frozenset({"between", "compare", "comparing", "comparison"})
_COMPARE_JOINERS = frozenset({"and", "with", "to", "&"})


def _compared(words: Sequence[str]) -> list[str]:
    """``words`` as the alternatives read them: the first joiner after a comparison word a
    "vs", the words up to that comparison word none of either side ("").

    >>> _compared("difference between laptop and tablet".split())
    ['', '', 'laptop', 'vs', 'tablet']
    >>> _compared("laptop and tablet".split())
    ['laptop', 'and', 'tablet']
    """
    out = list(words)
    for i, word in enumerate(words):
        if word in _COMPARE_WORDS:
            for j in range(i + 2, len(words)):
                if words[j] in _ALTERNATIVES:
                    break
                if words[j] in _COMPARE_JOINERS:
                    out[:i + 1] = [""] * (i + 1)
                    out[j] = "vs"
                    break
            break
    return out


def _comparison_owners(kg: _KG, iri: str) -> frozenset[str]:
    """The brands (their :func:`kg.link.brand_key`) whose product line a linked category or product
    is, for a comparison: :func:`_line_owner`, else the grounded brand its name holds (Apple
    Watch: Apple's); none where none is known. (The brands sold in a category are no owner:
    a category a few brands sell in may be anyone's, "samsung tv or monitor".)"""
    owner = _line_owner(kg, iri)
    if owner is not None or kg.kind(iri) != "category":
        return frozenset({owner} if owner is not None else ())
    label = normalize_key(kg.label(iri)).split()
    brands = grounded_brands(kg.g)
    return frozenset(key for i in range(len(label)) for j in range(i + 1, len(label) + 1)
                     if (key := brand_key(" ".join(label[i:j]))) in brands)


def _a_line_of(kg: _KG, node: str, brand: str) -> bool:
    """Whether the linked category, product type or product ``node`` is a product line of the
    linked ``brand``: a product of it, a category whose name holds the brand's ("Apple
    Watch"), or one on whose path below its department the brand is sold (iPad, MacBook under
    MacBooks: Apple's ``sells_in``). The KG's ``sells_in`` edges are partial, so this is no
    proof the brand makes the line, only that "apple ipad" names one thing
    (:func:`excluded_links`' ``line_of``).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", kind="brand", label="Apple")
    >>> g.add_node("w", kind="category", label="Apple Watch", path="Wearables > Apple Watch")
    >>> g.add_node("t", kind="category", label="Tablets", path="Computers > Tablets")
    >>> kg = _KG(g)
    >>> _a_line_of(kg, "w", "a"), _a_line_of(kg, "t", "a")
    (True, False)
    """
    name = brand_key(_brand_facts(kg, brand)[0])
    if kg.kind(node) == "product":
        return any(brand_key(kg.label(b)) == name for b in kg.out(node, "has_brand"))
    label = normalize_key(kg.label(node)).split()
    if name and any(brand_key(" ".join(label[i:j])) == name
                    for i in range(len(label)) for j in range(i + 1, len(label) + 1)):
        return True
    sold = set(_brand_facts(kg, brand)[1])
    cats = _own_categories(kg, node) if kg.kind(node) in ("category", "product_type") \
        else frozenset()
    return any(up in sold for c in cats for up in _path_up(kg, c)
               if ">" in (kg.path(up) or ""))  # (not the department: "not samsung audio")


def _family_owners(kg: _KG, brand: str, cross: Callable[[str], bool]) -> frozenset[str]:
    """The grounded brands (their :func:`kg.link.brand_key`) whose product family the name of
    the linked ``brand`` is too: a category of the label space (not ``cross``) whose name holds
    the brand's name beside another grounded brand's ("galaxy", a car-cover brand the store
    sells nothing under, is Samsung's family Samsung Galaxy). A link by such a name names that
    family as much as the brand, so it does not rule the family's maker out of the expansions.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("s", kind="brand", label="Samsung")
    >>> g.add_node("x", kind="brand", label="Galaxy")
    >>> g.add_node("c", kind="category", label="Samsung Galaxy", path="Phones > Samsung Galaxy")
    >>> g.add_node("t", kind="category", label="TVs", path="TV > TVs")
    >>> _ = g.add_edge("s", "t", relation="sells_in")
    >>> sorted(_family_owners(_KG(g), "x", lambda c: False))
    ['samsung']
    """
    name = normalize_key(kg.label(brand))
    words = _words(name)
    if not words:
        return frozenset()
    index = _word_categories(kg)
    cats = frozenset.intersection(*(index.get(w, frozenset()) for w in words))
    own = brand_key(name)
    return frozenset(o for c in cats if not cross(c)
                     and f" {name} " in f" {normalize_key(kg.label(c))} "
                     for o in _comparison_owners(kg, c) if o != own)


def _non_brand(kg: _KG, e: LinkedEntity, linked: Sequence[LinkedEntity]) -> LinkedEntity:
    """The link ``e``, or, for a node other than a brand whose name is "non" and a grounded
    brand's name ("Non-apple") linked from the words "non" and that name ("non apple"), the
    link of that brand (same score, label and mention): the mention opens with the cue "non",
    so the expansion excludes the brand (a DOWN boost), as it does in "non samsung phone";
    "non-apple", one word typed, is those two words (:data:`_NON_WORD`). Not where the query
    links the brand already."""
    if kg.kind(e.iri) == "brand" or not e.mention:
        return e
    name = kg.label(e.iri).replace("-", " ").split()
    if len(name) < 2 or normalize_key(name[0]) != "non":
        return e  # (most links: no word of the mention read)
    mention = _query_words(e.mention)
    if mention[:1] != ["non"] or brand_key(" ".join(name[1:])) != brand_key(
            " ".join(mention[1:])):
        return e
    brand = grounded_brands(kg.g).get(brand_key(" ".join(name[1:])))
    if brand is None or any(o.iri == brand for o in linked):
        return e
    return LinkedEntity(brand, "brand", e.score, e.label, e.mention)


class _Exclusions(NamedTuple):
    """What a query's negation cues exclude, read once (:func:`_exclusions`)."""

    words: list[str]  # the query's words (:func:`_query_words`)
    spans: dict[str, tuple[int, int] | None]  # each link's mention among them
    commas: frozenset[int]  # (:func:`_commas`)
    others: dict[str, list[tuple[int, int]]]  # for each link, the other mentions' places
    places: list[list[tuple[int, int]]]  # every place each link is named at
    negated: frozenset[str]  # the links the query excludes
    negated_at: dict[str, list[tuple[int, int]]]  # where each is excluded
    runs: list[tuple[int, int]]  # the runs of words the cues exclude
    food_colours: frozenset[str]  # the excluded colours that are words of a food's name
    bare: frozenset[str]  # the excluded links that name nothing excluded (:func:`_too_bare`)


def _exclusions(g: _KG, query: str, linked: Sequence[LinkedEntity]) -> _Exclusions:
    """What the negation cues of ``query`` exclude of it, ``linked`` its links as
    :func:`expand` reads them: the query's words (marks glued to a word's edges dropped, as the
    parser trims its spans: "tv not samsung." names Samsung), each linked mention's place among
    them, the links the query excludes (:func:`excluded_links`: "not black", "speaker not
    headphones") and where, and each run of words a cue excludes, linked or not ("tv not 4k":
    :func:`_excluded_spans`)."""
    words = _query_words(query)
    spans = {e.iri: _find_mention(words, e.mention or g.label(e.iri)) for e in linked}
    commas = _commas(query)
    # the other mentions' places, for each linked mention, and every place each is named at
    # (:func:`_mention_places`: computed once, for the exclusions, the words they exclude and
    # the colour words of a name)
    others = {e.iri: [sp for o in linked if o.iri != e.iri and (sp := spans[o.iri])]
              for e in linked}
    places = [_mention_places(words, e.mention or g.label(e.iri), spans[e.iri], others[e.iri])
              for e in linked]
    negated_at: dict[str, list[tuple[int, int]]] = {}
    negated = excluded_links(query, linked, kind=g.kind, name=g.label, commas=commas,
                             words=words, spans=spans, others=others,
                             places={e.iri: at for e, at in zip(linked, places, strict=True)},
                             attribute=lambda iri: g.g.nodes[iri].get("attribute"),
                             line_of=lambda node, brand: _a_line_of(g, node, brand),
                             at=negated_at)
    brands = _brand_keys(g)
    # an excluded colour that is a word of a food's or a care product's name, as the colour
    # filter reads it (:func:`_a_consumable_colour`: "not green tea flavored", "candy not
    # pink lemonade"): the cue excludes that food, no colour of the products (the expansion
    # makes no DOWN boost of it), and a run it opens is the food's name, not the colour alone
    colour_links = [e for e in linked if g.kind(e.iri) == "attribute_value" and str(
        g.g.nodes[e.iri].get("attribute") or "").lower() in _COLOUR_LABELS]
    food_colours: frozenset[str] = frozenset()
    if any(e.iri in negated for e in colour_links):
        things = [e.iri for e in linked if e.iri not in negated
                  and g.kind(e.iri) in ("category", "product_type")]
        colour_places = [p for e, at in zip(linked, places, strict=True) if e in colour_links
                         for p in at]
        brand_places = [p for e, at in zip(linked, places, strict=True)
                        if g.kind(e.iri) in ("brand", "product") for p in at]
        food_colours = frozenset(
            e.iri for e in colour_links if e.iri in negated and negated_at.get(e.iri)
            and _a_consumable_colour(g, words, negated_at[e.iri], colour_places, things,
                                     brand_places))
    food_at = {k for iri in food_colours for p in negated_at[iri] for k in range(*p)}

    def named(ws: Sequence[str], span: tuple[int, int]) -> bool:
        """Whether the words at ``span`` open a KG name with the words after them: one a
        colour word opens (:func:`_in_a_name`, "white noise machine") or a category's
        ("coffee table", "kids shoes"), or a food's name an excluded colour opens
        (``food_colours``: "green tea")."""
        cats = _category_words(g)
        return span[0] in food_at or _in_a_name(g, ws, span) or any(
            _words(" ".join(ws[span[0]:c])) in cats
            for c in range(span[1] + 1, min(len(ws), span[0] + _MAX_BANNED_WORDS) + 1))

    def product(ws: Sequence[str], span: tuple[int, int]) -> bool:
        """Whether the words at ``span`` end with a KG category's name ("phone case",
        "jeans"; not "bull" of "red bull", nor "tea flavored")."""
        cats = _category_words(g)
        return any(_words(" ".join(ws[k:span[1]])) in cats for k in range(span[0], span[1]))

    # an excluded colour word opening a KG name with the words after it ("not coffee table",
    # "not white noise machine": the tagger linked the colour alone) excludes that name: the
    # mentions of its other words are the run's words
    colours = [p[1] - 1 for e in linked if e.iri in negated
               and str(g.g.nodes[e.iri].get("attribute") or "").lower() in _COLOUR_LABELS
               for p in negated_at.get(e.iri, ())]

    def of_a_name(p: tuple[int, int]) -> bool:
        """Whether a mention at ``p`` closes a KG name an excluded colour word opens."""
        return any(c + 1 == p[0] and (
            _name_words(" ".join(words[c:p[1]])) in _colour_named(g)
            or _words(" ".join(words[c:p[1]])) in _category_words(g)) for c in colours)

    # such a mention names what is excluded: its link is excluded there, the name's place
    # from the colour on ("not coffee table": Coffee Tables at "coffee table", no walk of its
    # tree, a DOWN boost)
    names = {e.iri: [(next(c for c in colours if c + 1 == p[0]), p[1]) for p in at]
             for e, at in zip(linked, places, strict=True)
             if e.iri not in negated and at and all(of_a_name(p) for p in at)}
    taken = [p for e, at in zip(linked, places, strict=True)
             if e.iri not in negated and e.iri not in names for p in at if not of_a_name(p)]
    # the brands a bracket or a quote after a "-" holds with an excluded link, nothing else
    # but joiners, are excluded too ("tv -(samsung lg)": Samsung and LG, no LG filter); a run
    # ends before each (``taken``), whose place the excluded words name
    held = [r for r in _minus_brackets(query)
            if any(r[0] <= x and y <= r[1] for at in negated_at.values() for x, y in at)]
    listed = {e.iri: at for e, at in zip(linked, places, strict=True)
              if e.iri not in negated and e.iri not in names and at and g.kind(e.iri) == "brand"
              and all(any(r0 <= p[0] and p[1] <= r1 for r0, r1 in held) for p in at)}
    if listed:
        cover = {k for at in (*negated_at.values(), *listed.values()) for p in at
                 for k in range(*p)}
        listed = {iri: at for iri, at in listed.items() if all(
            k in cover or words[k] in _JOINERS for r0, r1 in held
            if any(r0 <= p[0] and p[1] <= r1 for p in at) for k in range(r0, r1))}
    negated_at.update(names)
    negated_at.update(listed)
    negated = negated | frozenset(names) | frozenset(listed)
    runs = _excluded_spans(words, commas, taken,
        brand=lambda text: brand_key(text) in brands, named=named, product=product,
        excluded=[p for at in negated_at.values() for p in at], closes=_closes(query))
    bare = frozenset(iri for iri in negated if _too_bare(
        words, negated_at.get(iri, ()), g.g.nodes[iri].get("attribute")))
    return _Exclusions(words, spans, commas, others, places, negated, negated_at, runs,
                       food_colours, bare)


#: a clothing letter size, as the size patterns read one (:mod:`fusion.patterns`: "s", "m",
#: "xl", "xxs", "3xl")
_LETTER_SIZE = re.compile(r"x{0,3}[sl]|m|[2-5]xl")


def _too_bare(words: Sequence[str], at: Sequence[tuple[int, int]],
              attribute: str | None = None) -> bool:
    """Whether an excluded link, excluded at the places ``at`` among ``words`` (a value of
    the attribute ``attribute``), names nothing the query excludes: at each place, its words
    but the cue and fillers are one letter (:func:`one_letter`: "not w", "no b", "-l": as
    often a word being typed, "not whirlpool", as a one-letter brand or size; not a digit,
    "shoes not 9"), or, for a size, a clothing letter
    size (:data:`_LETTER_SIZE`) of several letters in a query naming no clothing (as the size
    patterns read them: "tv not xl", not "shirt not xl"); never a size with the word "size"
    beside it ("tv not size m"). It stays excluded (no filter, no UP boost), with no
    DOWN boost, and its excluded words name no node (two letters do: "tv not lg", "no ge").

    >>> _too_bare("refrigerator not w".split(), [(1, 3)]), _too_bare("tv not lg".split(), [(2, 3)])
    (True, False)
    >>> [_too_bare(q.split(), [(2, 3)], "size") for q in ("tv not xl", "shirt not xl")]
    [True, False]
    >>> _too_bare("shirt not size m".split(), [(3, 4)], "size")
    False
    """
    if not at:
        return False
    clothing = bool(_CLOTHING_WORD.search(" ".join(words)))
    for a, b in at:
        said = [w for w in words[a:b] if w not in _NEGATIONS and w not in _FILLERS
                and any(ch.isalnum() for ch in w)]
        size = str(attribute or "").lower() == "size"
        if len(said) != 1 or (size and any(w in _SIZE_WORDS
                                           for w in words[max(0, a - 1):b + 1])):
            return False  # (more words, or a size said: "not size m")
        if one_letter(said[0]):
            continue
        if not size or not _LETTER_SIZE.fullmatch(said[0]) or clothing:
            return False
    return True


def may_exclude(query: str) -> bool:
    """Whether ``query`` has a word that may open a negation (:data:`_OPENS_EXCLUSION`: "not",
    "no", "without", "-samsung"'s minus ...): without one, :func:`excluded_words` finds
    nothing, and a caller need not prepare its arguments.

    >>> may_exclude("tv not samsung"), may_exclude("tv -samsung"), may_exclude("samsung tv")
    (True, True, False)
    """
    return not _OPENS_EXCLUSION.isdisjoint(
        w.replace("\u2019", "'") for w in _query_words(query))


def excluded_words(kg: Any, query: str, linked: Sequence[LinkedEntity], *,
                   no_cues: Collection[tuple[int, int]] = ()) -> list[Excluded]:
    """The words of ``query`` its negation cues exclude, as :func:`expand` reads them
    (:attr:`ExpansionResult.excluded`, whatever the intent: ``iri`` set by the links alone),
    ``linked`` the query's links, on the KG ``kg`` (a :class:`kg.ProductGraph` or a networkx
    view); ``no_cues`` as :func:`expand`'s. Judged before the intent, which reads the query
    without them and their cues (``parser.pipeline.intent_text``). A query without a word that
    may open a negation (:data:`_OPENS_EXCLUSION`) has none (not read further).

    >>> from kg import Node, NodeKind, ProductGraph
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
    >>> [(x.text, x.start) for x in excluded_words(g, "tv not samsung", [LinkedEntity(
    ...     "https://kgqp.dev/id/brand/samsung", "brand", 0.9, "creator", "samsung")])]
    [('samsung', 7)]
    >>> [x.text for x in excluded_words(g, "tv sans 4k", [])]
    ['4k']
    """
    if not may_exclude(query):
        return []  # (most queries; "-samsung" reads "minus", a cue)
    g = _KG(as_networkx(kg), kg)
    linked = [e for e in linked if e.iri in g.g and e.iri not in g.unlinkable and not _a_cue(e)]
    linked = [_non_brand(g, e, linked) for e in linked]
    x = _exclusions(g, query, linked)
    return [replace(t, iri=None) if t.iri in x.bare else t
            for t in _excluded_texts(query, x.words, x.runs, x.negated_at, no_cues)]


def query_exclusions(kg: Any, query: str, linked: Sequence[LinkedEntity]) -> frozenset[str]:
    """The IRIs of the links ``linked`` that the query ``query`` excludes, judged as
    :func:`expand` judges them on the KG ``kg`` (a :class:`kg.ProductGraph` or a networkx
    view): :func:`excluded_links` with the nodes' kinds, names and attributes, a brand's line
    named right after the excluded brand ("tablet not apple ipad": iPad too, :func:`_a_line_of`)
    and a node named "non" + a brand's name read as that brand ("non apple" -> "Non-apple":
    :func:`_non_brand`). The parse's intent reads the links but these
    (:func:`parser.pipeline.intent_links`): the two stages must agree, or the intent is
    pulled toward what the expansion demotes.

    >>> from kg import Node, NodeKind, ProductGraph
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
    >>> sorted(query_exclusions(g, "phone not samsung", [LinkedEntity(
    ...     "https://kgqp.dev/id/brand/samsung", "brand", 0.9, "creator", "samsung")]))
    ['https://kgqp.dev/id/brand/samsung']
    """
    if not linked:
        return frozenset()
    g = _KG(as_networkx(kg), kg)
    reading = [(e, _non_brand(g, e, linked) if e.iri in g.g else e) for e in linked]
    read = [r for _, r in reading]
    link_kind = {r.iri: r.kind for r in read}
    out = excluded_links(
        query, read, kind=lambda iri: g.kind(iri) or link_kind.get(iri),
        name=lambda iri: g.label(iri) if iri in g.g else "",
        attribute=lambda iri: g.g.nodes[iri].get("attribute") if iri in g.g else None,
        line_of=lambda node, brand: _a_line_of(g, node, brand))
    return frozenset(e.iri for e, r in reading if r.iri in out)


def _brand_keys(kg: _KG) -> frozenset[str]:
    """The spelling-free keys (:func:`kg.link.brand_key`) of the KG's brand names, cached per graph
    view."""
    def build() -> frozenset[str]:
        return frozenset(brand_key(str(a.get("label") or "")) for _, a in kg.g.nodes(data=True)
                         if a.get("kind") == "brand" and a.get("label"))

    return _cached(kg, "_kgqp_brand_keys", (), build)


def _line_owner(kg: _KG, iri: str) -> str | None:
    """The brand (its :func:`kg.link.brand_key`) whose product line a linked category or product
    is, or None: a product's brand; a category named as a brand is ("Roku"), or one whose
    products and ``sells_in`` brands are all one brand, with a product of it there ("iPhone":
    Apple's). "Monitors", sold by many brands, is no line. Cached per graph view."""
    def build() -> tuple[str | None]:
        kind = kg.kind(iri)
        if kind == "product":
            made = {brand_key(kg.label(b)) for b in kg.out(iri, "has_brand")}
            return (next(iter(made)) if len(made) == 1 else None,)
        if kind != "category":
            return (None,)
        if brand_key(kg.label(iri)) in _brand_keys(kg):
            return (brand_key(kg.label(iri)),)
        makers = {brand_key(kg.label(b)) for p in _in_rel(kg, iri, "in_category")
                  for b in kg.out(p, "has_brand")}
        sellers = {brand_key(kg.label(b)) for b in _in_rel(kg, iri, "sells_in")}
        return (next(iter(makers)) if len(makers) == 1 and sellers <= makers else None,)

    return _cached(kg, "_kgqp_line_owner", (iri,), build)[0]


def _category_departments(kg: _KG) -> dict[tuple[str, ...], frozenset[str]]:
    """The words of each category name and alias (:func:`kg.link.word_order`: "Apples" and
    "apple" meet) -> the departments (the tops of the paths) of the categories of that name,
    cached per graph view."""
    def build() -> dict[tuple[str, ...], frozenset[str]]:
        out: dict[tuple[str, ...], set[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            top = kg.department(n) if attrs.get("kind") == "category" else None
            if top:
                for name in (attrs.get("label"), *(attrs.get("aliases") or ())):
                    key = word_order(normalize_key(str(name or "")))
                    if key:
                        out.setdefault(key, set()).add(top)
        return {k: frozenset(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_category_departments", (), build)


def _names_a_thing_beside(kg: _KG, words: Sequence[str], span: tuple[int, int] | None,
                          sold_in: Collection[str], beside: Sequence[tuple[str, tuple[int, int]]]
                          ) -> bool:
    """Whether a linked brand's mention at ``span`` reads as the name of a thing beside a
    category the query links next to it (``beside``: the linked categories and product types,
    with their spans): "apple juice", where "apple" also names the KG's category Apples,
    under Food, Beverages & Tobacco as Juice is, and Apple (``sold_in``: its categories,
    :func:`_brand_facts`) sells nothing in Juice nor in that department. The words name the
    fruit's juice, not the brand's products: a filter on Apple would keep iPhones and drop
    every juice. Each of the three is needed: a brand whose name names nothing else ("samsung
    television" links Google's Televisions, where the KG sells nothing at all), or one that
    sells in the department, keeps its filter; so does "apple pencil" (Google's Pencils: no
    category named "apple" is under Office Supplies), "apple tv" and "apple watch".

    The departments are the tops of the categories' own paths, so a category of another
    taxonomy (Google's, beside Best Buy's) is compared with the categories of that taxonomy."""
    if span is None or not beside:
        return False
    mention = word_order(normalize_key(" ".join(words[span[0]:span[1]])))
    named = _category_departments(kg).get(mention)
    if not named:
        return False
    sold_tops = {kg.department(c) for c in sold_in}
    for iri, (start, end) in beside:
        if end != span[0] and start != span[1]:
            continue  # not next to the brand
        for cat in _own_categories(kg, iri):
            top = kg.department(cat)
            if top and top in named and top not in sold_tops \
                    and not set(sold_in) & _family(kg, (cat,))[1]:
                return True
    return False


#: words after which an accessory is a part of the product searched or one it excludes, not
#: the product searched: "samsung tv with remote", "samsung phone without case", "apple iphone
#: no charger" (the determiners between them skipped: "with a remote")
_BUNDLE_WORDS = frozenset({"with", "w/", "including", "incl", "includes"}) | _VALUE_NEGATIONS
_DETERMINERS = frozenset({"a", "an", "the", "its", "their", "my", "any", "your"})
#: words after which a mention is a feature or a part of the product searched ("baby monitor
#: with camera", "tv with stand"), not a second product searched (:func:`_after_with`)
_WITH_WORDS = _BUNDLE_WORDS - _VALUE_NEGATIONS


def _after_with(words: Sequence[str], span: tuple[int, int] | None) -> bool:
    """Whether the mention at ``span`` follows "with" (or "including" ...; determiners
    skipped), or its span opens with it ("with camera"): a feature or a part of the product
    searched ("baby monitor with camera", "bird feeder with a camera"). Not after a fits
    phrase ("charger compatible with iphone", "works with alexa": the device an accessory
    fits).

    >>> _after_with("baby monitor with camera".split(), (2, 4))
    True
    >>> _after_with("bird feeder with a camera".split(), (4, 5))
    True
    >>> _after_with("charger compatible with iphone".split(), (3, 4))
    False
    """
    if span is None:
        return False
    at, end = span
    if words[at] in _WITH_WORDS and at + 1 < end:
        j = at
    else:
        j = at - 1
        while j >= 0 and words[j] in _DETERMINERS:
            j -= 1
        if j < 0 or words[j] not in _WITH_WORDS:
            return False
    return not (j >= 1 and words[j - 1] in _FITS)


#: words that say how an accessory works or is powered, not what it fits: they name no
#: device ("logitech wireless mouse", "samsung wireless charger" are the maker's own, as
#: "logitech mouse" and "samsung charger" are)
_FEATURE_WORDS = frozenset({"wireless", "wired", "cordless", "bluetooth", "rechargeable",
                            "portable", "universal"})


def _names_a_device_it_fits(words: Sequence[str], span: tuple[int, int] | None,
                            products: Sequence[tuple[int, int]] = (),
                            no_device: Collection[int] = (),
                            no_accessory: Collection[int] = ()) -> bool:
    """Whether the query, besides the brand's ``span``, holds an accessory word and a word that
    names the device the accessory is for: "samsung galaxy s21 case", "case samsung galaxy
    s21", "apple watch band"; not "samsung charger" (the brand's own charger), "belkin charger"
    or "samsung galaxy s21" (no accessory word). The device is read from the words, not from a
    link: the KG names few device models ("galaxy s21" links nothing); but a number ("hp 63
    ink": the cartridge's), a word of how the accessory works (:data:`_FEATURE_WORDS`:
    "logitech wireless mouse") and the words of a linked mention that names no device
    (``no_device``: a colour, a size, another brand, what the query excludes) name none. An
    accessory word after "with", "without", "no" ... is a part of the product searched or one
    it excludes, not the product searched: "samsung tv with remote", "samsung phone without
    case" ask for the maker's TV or phone; unless the query links it as a product
    (``products``: the spans of the linked categories and product types it does not exclude;
    "samsung tv with stand" links TV Stands); nor is one that names a kind of the product
    searched (``no_accessory``: "stand" of "kitchenaid stand mixer", a Stand Mixer). (The
    caller reads a last word typed short or misspelt as its accessory word:
    :func:`_typed_accessory`.)

    >>> _names_a_device_it_fits("samsung tv remote".split(), (0, 1))
    True
    >>> _names_a_device_it_fits("samsung tv with a remote".split(), (0, 1))
    False
    >>> _names_a_device_it_fits("samsung tv with stand".split(), (0, 1), [(2, 4)])
    True
    >>> [_names_a_device_it_fits(q.split(), (0, 1)) for q in ("hp 63 ink", "lg wireless mouse")]
    [False, False]
    """
    accessories, device = _accessory_reading(words, span, products, no_device, no_accessory)
    return bool(accessories) and device


def _accessory_reading(words: Sequence[str], span: tuple[int, int] | None,
                       products: Sequence[tuple[int, int]] = (),
                       no_device: Collection[int] = (),
                       no_accessory: Collection[int] = ()) -> tuple[tuple[str, ...], bool]:
    """The accessory words the query searches besides the brand's ``span`` (not after "with",
    "without" ...; not one of ``no_accessory``), and whether another of its words names a
    device: :func:`_names_a_device_it_fits`, whose arguments these are. "samsung case":
    (("case",), False), an accessory and no device (:func:`_makes_the_accessory` decides).

    >>> _accessory_reading("samsung case".split(), (0, 1))
    (('case',), False)
    >>> _accessory_reading("samsung galaxy case".split(), (0, 1))
    (('case',), True)
    >>> _accessory_reading("samsung phone without case".split(), (0, 1))
    ((), True)
    """
    if span is None:
        return (), False
    rest = [i for i in range(len(words)) if not span[0] <= i < span[1]]

    def sought(i: int) -> bool:  # not "with remote", "without case", "no charger"
        j = i - 1
        while j >= 0 and words[j] in _DETERMINERS:
            j -= 1
        return j < 0 or words[j] not in _BUNDLE_WORDS or any(a <= i < b for a, b in products)

    def device(i: int) -> bool:
        w = words[i]
        # (the word "brand" names no device: "samsung brand charger" asks for Samsung's
        # charger)
        return i not in no_device and w not in _ACCESSORY_WORDS and w not in _FILLERS \
            and w not in _FITS and w not in _FEATURE_WORDS \
            and w not in ("and", "or", "of", "to", "in", "on", "brand", "brands") \
            and _BARE_NUMBER.fullmatch(w) is None

    return tuple(words[i] for i in rest if words[i] in _ACCESSORY_WORDS
                 and i not in no_accessory and sought(i)), any(device(i) for i in rest)


def _makes_the_accessory(kg: _KG, brand: str, accessories: Collection[str]) -> bool:
    """Whether a device maker named with only accessory words ("samsung charger", "apple
    case", "canon ink") is read as the accessory's maker (a brand filter), not as the device
    it fits (a "fits" UP boost). The KG's products decide: in the categories named by one of
    the ``accessories`` words (:func:`_word_categories`: "Cell Phone Cases & Clips" for
    "case", "Mice" for "mouse"; and the categories below them), the brand's own products are
    at least as many as the other brands' that name it ("OtterBox - Defender Series Case for
    Samsung Galaxy S7": one for its device). Best Buy's cases, screen protectors and batteries
    naming Samsung or Apple are a third party's (the device), its Samsung chargers Samsung's
    (the maker). No such product known (Canon's ink, Apple's mice: the KG's products are
    mostly phone accessories): the maker, as before. Cached per graph view."""
    stems = frozenset(s for w in accessories for s in _words(w))

    def build() -> bool:
        node = brand_sales(kg.g, brand, spelled_alike=True)[0]
        name = _words(kg.label(node))
        index = _word_categories(kg)
        cats = {c for s in stems for c in index.get(s, ())}
        if not name or not cats:
            return True
        own = others = 0
        for p in {p for c in _family(kg, cats)[1] for p in kg.into(c, "in_category")}:
            makers = kg.out(p, "has_brand")
            if node in makers:
                own += 1
            elif makers and name <= _words(kg.label(p)):
                others += 1
        return own >= others

    return _cached(kg, "_kgqp_makes_the_accessory", (brand, tuple(sorted(stems))), build)


def _accessory_maker(kg: _KG, brand: str) -> bool:
    """Whether the brand makes accessories only: the KG sells it, and only in categories of
    accessories (each one's path names accessories, cases, protectors ...: ZAGG, Incipio,
    OtterBox; not Samsung, whose phones and TVs it sells too). Cached per graph view."""
    def build() -> bool:
        sold = brand_sales(kg.g, brand, spelled_alike=True)[1]
        return bool(sold) and all(_ACCESSORY.search(kg.path(c) or kg.label(c)) for c in sold)

    return _cached(kg, "_kgqp_accessory_maker", (brand,), build)


def _a_kind_of(kg: _KG, iri: str, mention: str) -> bool:
    """Whether the linked category or product type ``iri`` is a kind of what its mention's
    head word names, no accessory: a category above it names that head ("stand mixer" ->
    Stand Mixers, under Mixers & Mixer Accessories: a mixer; not "remote control" -> Remote
    Controls, under TV & Home Theater Accessories, nor "tv stand": its head is an accessory
    word)."""
    key = normalize_key(mention)
    heads = name_heads(key)
    last = _query_words(mention)[-1:]
    if not heads or not last or last[0] in _ACCESSORY_WORDS:
        return False
    return any(heads <= name_heads(normalize_key(kg.label(up)))
               for cat in _own_categories(kg, iri) for up in _path_up(kg, cat)[1:])


def _known_words(kg: _KG) -> Collection[str]:
    """The words of the KG's names (:func:`kg.link.word_set`): the KG's vocabulary
    (:attr:`kg.ProductGraph.vocabulary`), or, for a graph without one, the words of its node
    names and aliases (cached per graph view)."""
    counts = getattr(getattr(kg.source, "vocabulary", None), "counts", None)
    if counts is not None:
        return counts

    def build() -> frozenset[str]:
        return frozenset(w for _, a in kg.g.nodes(data=True)
                         for name in (a.get("label"), *(a.get("aliases") or ())) if name
                         for w in word_set(normalize_key(str(name))))

    return _cached(kg, "_kgqp_name_words", (), build)


def _typed_accessory(word: str, known: Callable[[], Collection[str]]) -> str | None:
    """The accessory word (:data:`fusion.patterns.ACCESSORY_WORDS`) that ``word``, a query's
    last word, stands for, where it is none as typed: the start of one, 2 letters or more
    ("ca", "remo": what a search-as-you-type client sends), or one edit (a letter added,
    dropped, changed, or two swapped; the first letter kept) from one of 4 letters or more
    ("cse", "batery", "protecter", "bnad"); the shortest such word. A stop word or a word of a
    KG name (``known()``: "card", "brand", "pro", "in", "glasses") is none, but for another
    spelling of the accessory word itself ("cas", "lense"). None otherwise. Such a query is
    read as the accessory query it may be ("samsung galaxy s21 cse": the maker is the device
    the case fits, an UP boost, not a filter): a boost is the safe reading of an uncertain
    query.

    >>> known = lambda: {"card", "pro", "cas", "lense"}
    >>> [_typed_accessory(w, known) for w in ("cse", "ca", "remot", "card", "pro", "and")]
    ['case', 'case', 'remote', None, None, None]
    >>> _typed_accessory("lense", known), _typed_accessory("cas", known)
    ('lens', 'case')
    """
    if word in _ACCESSORY_WORDS or len(word) < 2 or not word.isalpha() \
            or not word_set(normalize_key(word)):
        return None
    near = _near_accessories(word)
    if not near:
        return None
    words = known()
    if (word in words or any(w in words for w in word_set(normalize_key(word)))) \
            and not any(_words(a) == _words(word) for a in near):
        return None  # a word of its own ("card", "pro"), not another spelling of the accessory
    return near[0]


#: the accessory words by their first letter (:func:`_near_accessories`)
_ACCESSORIES_BY_LETTER = {letter: tuple(words) for letter, words in groupby(
    sorted(_ACCESSORY_WORDS), key=lambda w: w[0])}


@lru_cache(maxsize=65536)
def _near_accessories(word: str) -> tuple[str, ...]:
    """The accessory words ``word`` may stand for, shortest first: those it starts, and those of
    4 letters or more one edit from it with its first letter (:func:`_typed_accessory`)."""
    return tuple(a for _, a in sorted(
        (len(a), a) for a in _ACCESSORIES_BY_LETTER.get(word[0], ())
        if a.startswith(word) or (len(a) >= 4 and OSA.distance(word, a) == 1)))


def _own_categories(kg: _KG, iri: str) -> frozenset[str]:
    """The categories a linked category or product type stands for: itself, or the product
    type's ``type_in`` categories."""
    return frozenset({iri} if kg.kind(iri) == "category" else kg.out(iri, "type_in"))


def _family(kg: _KG, cats: Collection[str]) -> tuple[frozenset[str], frozenset[str],
                                                     tuple[frozenset[str], ...]]:
    """The ancestors (``parent`` edges up) and descendants of ``cats`` (itself included in
    both), and the content words of each descendant's name (:func:`_words`): what
    a device's category lies under and holds ("Xbox One" holds "Xbox One Controllers"). A
    descendant is one whose path lies under its parent's, what a filter on the path keeps
    (TVs' ``parent`` edge from "TV & Home Theater Accessories" puts no accessory under the path
    "TV & Home Theater > TVs"). Cached per graph view; a walk stops after 2,000 nodes."""
    def build() -> tuple[frozenset[str], frozenset[str], tuple[frozenset[str], ...]]:
        def walk(up: bool) -> set[str]:
            seen, todo = set(cats), sorted(cats, reverse=True)  # (IRI order: a walk cut
            while todo and len(seen) < 2000:  # at 2,000 keeps the same nodes in every process)
                n = todo.pop()
                for m in (kg.out(n, "parent") if up else kg.into(n, "parent")):
                    if m not in seen and (up or (kg.path(m) or "").startswith(
                            f"{kg.path(n)} >")):
                        seen.add(m)
                        todo.append(m)
            return seen
        down = walk(False)
        names = tuple(sorted({_words(kg.label(n)) for n in down}, key=sorted))
        return frozenset(walk(True)), frozenset(down), names

    return _cached(kg, "_kgqp_category_family", (tuple(sorted(cats)),), build)


def _category_words(kg: _KG) -> frozenset[frozenset[str]]:
    """The content words (:func:`_words`) of each KG category's name, cached per graph
    view."""
    def build() -> frozenset[frozenset[str]]:
        return frozenset(_words(str(a.get("label") or "")) for _, a in kg.g.nodes(data=True)
                         if a.get("kind") == "category" and a.get("label"))

    return _cached(kg, "_kgqp_category_words", (), build)


def _plain_word(word: str) -> bool:
    """Whether ``word`` may qualify an accessory between its device and its head word ("wall"
    of "tv wall mount"): a word of letters, no function word, cue or accessory word."""
    return word.isalpha() and word not in _FILLERS and word not in _JOINERS \
        and word not in _FITS and word not in _BUNDLE_WORDS and word not in _NEGATIONS \
        and word not in _ACCESSORY_WORDS and word not in ("of", "to", "in", "on", "by", "from")


def _fitted_devices(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                    spans: Mapping[str, tuple[int, int] | None]) -> frozenset[str]:
    """The linked categories and product types that name the device an accessory is for, not
    the product searched.

    The head of an English noun phrase is its last noun: a device right before another
    product names what that product is for ("tv remote control", "tv battery", "samsung tv
    screen protector", "macbook headset", "iphone 12 case": the next word, model numbers
    skipped, is an accessory word or starts a mention the tagger read as a product type), and
    so does a device after a fits word after a product ("soundbar for 55 inch tv", "earbuds
    for iphone"; the tagger may take the fits word into the device's span: "for tv" in
    "remote for tv"). Not a device: a category of accessories itself ("tv stands", "covers
    ipad cases"), one a product after it lies under ("macbook pro laptop"), one that holds the
    product, searched within it ("xbox one controller": Xbox One holds Xbox One Controllers,
    a name made of the device's words and accessory words; "Outdoor TV Mounts & Stands" holds
    no TV stand), and one no product follows ("samsung tv", "4k tv", "tv 65 inch", "shirts
    long sleeve"). Right after a device the KG holds accessories for (a category under it
    named by its words and "accessories": Fire TV Accessories), a mention tagged as a product
    type of another category is a product for it too ("fire tv games": the games are searched,
    and Fire TV's Accessories do not hold them; "xbox one games": Xbox One holds Xbox One
    Games); after any other category it is a noun compound ("soccer socks", "learning toys")."""
    def product_at(at: int, up: frozenset[str], *, fitted: bool = False, device: bool = False
                   ) -> list[tuple[frozenset[str], frozenset[str], bool]]:
        """What names a product at word ``at``, as (its categories, its words, whether it is
        an accessory): an accessory word, a head mention (one whose category the device lies
        under names the device again); ``device``: the device holds accessories of its own,
        so a mention tagged as a product type is one too."""
        found: list[tuple[frozenset[str], frozenset[str], bool]] = []
        if 0 <= at < len(words) and words[at] in _ACCESSORY_WORDS:
            found.append((frozenset(), _words(words[at]), True))
        for o in linked:
            osp = spans.get(o.iri)
            if osp is None or at not in (osp[0], osp[1] - 1) \
                    or kg.kind(o.iri) not in ("category", "product_type") \
                    or not (o.label is None or o.label in HEAD_LABELS):
                continue
            # right after a device, a product for it is an accessory (its category's name or
            # the mention's words), not any noun after a modifier ("soccer socks", "learning
            # toys": no device); before a fits word (``fitted``) any product is, and after a
            # device with accessories of its own a product type ("fire tv games")
            accessory = bool(_ACCESSORY.search(kg.label(o.iri))) or any(
                w in _ACCESSORY_WORDS or w in _PERIPHERAL_WORDS
                for w in (o.mention or "").lower().split())
            if accessory or fitted or (device and o.label is not None):
                cats = _own_categories(kg, o.iri)
                if cats and not cats & up:  # (not "laptop" in "macbook pro laptop")
                    found.append((cats, _words(o.mention or kg.label(o.iri)), accessory))
        return found

    out: set[str] = set()
    for e in linked:
        sp = spans.get(e.iri)
        own = _own_categories(kg, e.iri) if kg.kind(e.iri) in ("category", "product_type") \
            else frozenset()
        if sp is None or not own or _ACCESSORY.search(kg.label(e.iri)):
            continue
        start, end = sp
        # the next word, model numbers skipped (only: "luggage business cases" are luggage)
        after = next((i for i in range(end, len(words)) if not _DIGIT.search(words[i])),
                     len(words))
        # or the accessory word that closes the noun phrase after it, one or two plain words
        # (no mention's) qualifying the accessory, where the KG names such accessories of
        # the device (a category of the device's and the accessory's words: TV Mounts): "tv
        # wall mount", "tv floor stand", "lg tv ceiling mount"; not "tv with remote", "tv and
        # soundbar", "luggage business cases", "appliances top mount refrigerators", nor
        # after a run that ends with a function word, "tv with wall mount"
        # (:func:`_names_the_device` tries runs)
        for k in range(after + 1, min(after + 3, len(words)) if _words(words[end - 1]) else 0):
            if words[after] in _ACCESSORY_WORDS or not _plain_word(words[k - 1]) or any(
                    (osp := spans.get(o.iri)) is not None and osp[0] <= k - 1 < osp[1]
                    for o in linked):
                break
            if words[k] in _ACCESSORY_WORDS:
                named = _words(" ".join(words[start:end])) | _words(words[k])
                if any(named <= ws for ws in _category_words(kg)):
                    after = k
                break
        # the fits word before the device, or the span's own first word: the tagger may take
        # it into the span ("for tv" in "remote for tv", linked to TVs)
        fits_at = start if 0 < start < end - 1 and words[start] in _FITS else next(
            (i for i in range(start - 1, 0, -1) if words[i] in _FITS), None)
        if fits_at is None and not (after < len(words) and words[after] in _ACCESSORY_WORDS) \
                and not any((osp := spans.get(o.iri)) is not None and after in (osp[0], osp[1] - 1)
                            for o in linked):
            continue  # no product after it, no fits word before it (most queries)
        up, down, names = _family(kg, own)
        device_words = _words(f"{e.mention or ''} {kg.label(e.iri)}")
        # a device the KG holds accessories for: "Fire TV Accessories" under Fire TV
        device = any("accessory" in ws and ws - {"accessory"} <= device_words and len(ws) > 1
                     for ws in names)
        products = product_at(after, up, device=device)
        if fits_at is not None:  # the product before the fits word, fillers skipped
            before = fits_at - 1
            while before > 0 and words[before] in _FILLERS:
                before -= 1
            products += product_at(before, up, fitted=True)
        # held: the product's category is under the device's path, or a category there is
        # named by the device's and the product's words ("Xbox One Headsets", "Xbox One
        # Games") or, for an accessory, holds the device's accessories ("Xbox One
        # Accessories", "Apple Watch Accessories"; they hold no game: "fire tv games")
        held = any(cats & down or any(
            ws & (stems | ({"accessory"} if accessory else set()))
            and ws <= device_words | (_ACCESSORY_STEMS if accessory else set()) | stems
            for ws in names) for cats, stems, accessory in products)
        # a fits word after a search word fits nothing ("looking for a tv", "price for iphone
        # 13": the tv is the product searched)
        searched = fits_at is not None and words[fits_at - 1] in NOT_FITTED
        if (products or (fits_at is not None and not searched)) and not held:
            out.add(e.iri)
    return frozenset(out)


def _word_categories(kg: _KG) -> Mapping[str, frozenset[str]]:
    """Each content word of the linkable KG categories' names (:func:`_words`: plurals folded)
    -> the categories whose name holds it: the categories that hold every word of a product
    named in a query are the intersection of its words'. Cached per graph view."""
    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") != "category" or not kg.department(n) or n in kg.unlinkable:
                continue
            for name in (attrs.get("label"), *(attrs.get("aliases") or ())):
                for w in _words(str(name or "")):
                    out.setdefault(w, set()).add(n)
        return {k: frozenset(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_word_categories", (), build)


def _names_the_device(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                      spans: Mapping[str, tuple[int, int] | None], cat: str) -> bool:
    """Whether the query's words name category ``cat`` (its name, or a part of it: "washers"
    of Washers & Dryers) as the device an accessory is for (:func:`_fitted_devices`), linked
    or not: "tv cable", "lg tv remote", "refrigerator cover" (an intent that follows the
    device word)."""
    parts = {_words(p) for p in _NAME_PARTS.split(normalize_key(kg.label(cat)))}
    parts.discard(frozenset())
    # a run of the query's words names a part only if the whole query holds the part's words
    # (most queries name no part: skip the runs)
    every = _words(" ".join(words))
    if not any(p <= every for p in parts):
        return False
    for i in range(len(words)):
        for j in range(i + 1, min(i + _MAX_BANNED_WORDS, len(words)) + 1):
            if _words(" ".join(words[i:j])) in parts:
                named = LinkedEntity(cat, "category", 1.0, None, " ".join(words[i:j]))
                if cat in _fitted_devices(kg, words, [named, *linked], {**spans, cat: (i, j)}):
                    return True
    return False


def _accessories(cands: Sequence[_Cand]) -> tuple[_Cand, ...]:
    """The accessory categories among a device's (or its maker's) expansions ("iPhone
    Accessories", not "iPhone SE"): what an accessory query may be offered of them."""
    return tuple(c for c in cands if c.kind in _CATEGORY_KINDS and _ACCESSORY.search(c.term))


_NAME_PARTS = NAME_PARTS  # (kg.link's: what joins the parts of a category's name)


def _names_it(kg: _KG, iri: str, mention: Collection[str], head: str,
              query: frozenset[str], named_head: bool = False) -> bool | None:
    """Whether a category's names are the mention's words with nothing the query lacks:
    True when a name, or a part of a name that holds the mention's ``head`` ("Wine
    Refrigerators & Coolers" names "coolers"), holds only words of the ``query``
    ("tv" -> TVs, "case" in "apple watch case" -> Apple Watch Cases); False when a name holds
    every word of the ``mention`` and more the query lacks (the linker's ``subset`` match:
    "color printer" -> Color Laser Printers, narrower than what is searched); None
    otherwise (a typo, a spacing variant: the link is the judge). ``named_head``: a whole
    name must hold the ``head`` too. Words are :func:`_words`' (plural-folded, stop words
    dropped)."""
    narrower = False
    attrs = kg.g.nodes[iri]
    for name in (kg.label(iri), *(attrs.get("aliases") or ())):
        key = normalize_key(str(name))
        words = _words(key)
        if (words <= query and (head in words or not named_head)) or any(
                head in (ws := _words(part)) and ws <= query
                for part in _NAME_PARTS.split(key)):
            return True
        narrower |= bool(mention) and words >= set(mention)
    return False if narrower else None


def _named_ancestor(kg: _KG, iri: str, head: str, query: frozenset[str]) -> str | None:
    """The nearest category above ``iri`` on its path whose name the query's words make up
    and that names the mention's ``head`` ("color printer" -> Color Laser Printers -> Laser
    Printers -> All Printers): what a link narrower than the query may filter on."""
    node: str | None = iri
    while node is not None:  # up the path: the parent whose path the node's lies under
        path = kg.path(node) or ""
        node = max((p for p in kg.out(node, "parent") if kg.path(p)
                    and path.startswith(f"{kg.path(p)} >")),
                   key=lambda p: len(kg.path(p) or ""), default=None)
        if node is not None and node not in kg.unlinkable \
                and _names_it(kg, node, (), head, query, named_head=True):
            return node
    return None


def _joined(words: Sequence[str], commas: Collection[int], a: tuple[int, int] | None,
            b: tuple[int, int] | None) -> bool:
    """Whether the mentions at spans ``a`` and ``b`` are items of one list or alternative,
    side by side with a joiner ("or", "and", "vs", "&", ",": :func:`_commas`) between them,
    inside one span or not ("laptop or tablet"; the tagger's "ipod nano or" + "ipod").

    >>> _joined("laptop or tablet".split(), (), (0, 1), (2, 3))
    True
    >>> _joined("laptop tablet".split(), (), (0, 1), (1, 2))
    False
    """
    if a is None or b is None or a == b:
        return False
    (_, end), (start, _) = sorted((a, b))
    joiners = _JOINERS | _ALTERNATIVES
    return (start == end + 1 and words[end] in joiners) or (start == end and (
        end - 1 in commas or words[end - 1] in joiners or words[start] in joiners))


def _path_up(kg: _KG, iri: str) -> list[str]:
    """``iri`` and the categories above it on its path, nearest first (each step the parent
    whose path the node's lies under, as :func:`_named_ancestor` walks)."""
    chain = [iri]
    while True:
        path = kg.path(chain[-1]) or ""
        node = max((p for p in kg.out(chain[-1], "parent") if kg.path(p)
                    and path.startswith(f"{kg.path(p)} >")),
                   key=lambda p: len(kg.path(p) or ""), default=None)
        if node is None or node in chain:
            return chain
        chain.append(node)


#: words that join two things compared as a "vs" does, after "compared" or "comparable"
#: ("macbook compared to xps", "ipad compared with surface")
_COMPARED_TO = frozenset({"compared", "comparable", "comparing"})


def _compared_to(words: Sequence[str]) -> list[str]:
    """``words`` (as :func:`_compared` reads them) with "compared to" / "compared with" read as
    a "vs" (the joiner dropped: ""), for the category filter's sides of a comparison.

    >>> _compared_to("macbook compared to xps".split())
    ['macbook', 'vs', '', 'xps']
    >>> _compared_to("laptop and tablet".split())
    ['laptop', 'and', 'tablet']
    """
    out = list(words)
    for i in range(len(out) - 1):
        if out[i] in _COMPARED_TO and out[i + 1] in ("to", "with", "against"):
            out[i:i + 2] = ["vs", ""]
    return out


#: words a side of an alternative may hold that name no product of its own: a unit or size
#: ("tv 55 or 65 inch"), a comparative or a stand-in ("65 inch or larger", "or similar"), a
#: condition ("new or used"), a price or quality ("cheap"), a question's words ("ipad vs
#: surface which is better")
_NO_SIDE_WORDS = frozenset({
    "inch", "inches", "in", "ft", "feet", "foot", "gb", "tb", "mb", "mah", "watt", "watts", "w",
    "hz", "cm", "mm", "oz", "lb", "lbs", "pack", "pk", "count", "ct", "size", "sized",
    "better", "best", "bigger", "biggest", "larger", "largest", "smaller", "smallest",
    "cheaper", "cheapest", "newer", "newest", "older", "higher", "lower", "faster", "lighter",
    "more", "less", "above", "below", "over", "under", "up", "similar", "equivalent", "alike",
    "comparable", "other", "others", "something", "anything", "else", "same", "whichever",
    "which", "what", "is", "are", "one", "ones", "difference", "differences", "review",
    "reviews", "price", "prices", "deal", "deals", "new", "used", "refurbished", "renewed",
    "open", "box", "not", "both", "either", "neither", "then", "than", "for", "to", "of",
    "cheap", "budget", "affordable", "good", "top", "premium", "quality"})


def _side_word(word: str) -> bool:
    """Whether a word of a side of an alternative, linked to nothing, may name a product: a word
    that starts with a letter ("xps", "surface", "ps4"; not "65", "16gb", "4k"), no function
    word, joiner, unit, comparative (:data:`_NO_SIDE_WORDS`) or colour.

    >>> [_side_word(w) for w in ("surface", "ps4", "65", "inch", "larger", "the", "white")]
    [True, True, False, False, False, False, False]
    """
    w = word.strip(".,;:!?\"'()")
    return bool(w) and w[0].isalpha() and w not in _FILLERS and w not in _JOINERS \
        and w not in _ALTERNATIVES and w not in _COMPARE_WORDS and w not in _COMPARE_JOINERS \
        and w not in _NO_SIDE_WORDS and bool(_words(w)) and not _names_a_colour(w)


def _side_of(words: Sequence[str], span: tuple[int, int]) -> tuple[int, int]:
    """The side of an alternative (the run of words between "or" / "vs" words,
    :func:`_alternative_sides`) that the mention at ``span`` is on, the tagger's "or" in the
    span aside ("ipad versus").

    >>> _side_of("gas or electric dryer".split(), (3, 4))
    (2, 4)
    """
    at, end = _without_joiner(words, span)
    lo = max((i + 1 for i in range(at) if words[i] in _ALTERNATIVES), default=0)
    hi = next((i for i in range(end, len(words)) if words[i] in _ALTERNATIVES), len(words))
    return lo, hi


def _both_sides(kg: _KG, e: LinkedEntity, target: str | None, words: Sequence[str],
                places: Mapping[str, Sequence[tuple[int, int]]],
                products: Sequence[tuple[str, tuple[int, int]]],
                targets: Mapping[str, str | None], below: Callable[[str], bool],
                brand: Callable[[str], bool]) -> str | None:
    """The category filter a link to category ``target`` (at its first place in ``places``)
    may set when the query compares it with something else ("A vs B", "A or B", "A versus
    B", "A compared to B": ``words`` as :func:`_compared_to` reads them): both sides are
    searched, so the filter must hold what each names. Each other side:

    - holds a linked product (``products``: iri and place; not excluded): held when a
      category of its own may filter too (``targets``: each linked category's filter; the
      nearest category above both is then the filter, :func:`_category_filter`) or lies
      under ``target`` ("samsung tablet vs ipad"); otherwise (the other side's link sets no
      filter: "chromecast vs roku" links Google Chromecast by a name narrower than the query,
      outside the filter's reach; "router vs modem" links another catalogue's Modems) no
      finer filter than the department: None;
    - shares the mention's head word ("gas or electric dryer", "inkjet vs laser printer",
      "samsung or lg tv": the side before it holds no product and the mention's side words
      before its head): the filter is the nearest category above ``target`` named by the head
      and by none of those words (Dryers, All Printers), below the department (``below``),
      else None; a ``target`` whose name holds none of them stays (TVs);
    - names something linked to nothing ("macbook vs xps", "ipad or surface", "xbox one vs
      ps4": words that may name a product, :func:`_side_word`, no grounded brand's,
      ``brand``): the KG lacks it, so no finer filter than the department, unless a category
      under ``target`` is named by them ("headphones vs earbuds": Earbud & In-Ear Headphones
      under Headphones);
    - names, by a word linked or not, a category of the department (``below``) outside
      ``target`` ("roku or apple tv": the brand link "roku" is the name of Roku, and "apple
      tv" links TVs): None;
    - names only brands, sizes or values ("samsung vs lg tv", "tv 55 or 65 inch"): stays.
    """
    at = (places.get(e.iri) or [None])[0]
    if target is None or at is None or not any(w in _ALTERNATIVES for w in words):
        return target
    own = _side_of(words, at)
    mine = {i for sp in places.get(e.iri) or () for i in range(*sp)}
    linked_at = {i for sps in places.values() for sp in sps for i in range(*sp)}
    sides, _ = _alternative_sides(words, at)
    for lo, hi in sides:
        held = [iri for iri, (a, b) in products if iri != e.iri and a < hi and lo < b]
        if held:
            if not any(targets.get(iri) is not None or any(
                    target in _path_up(kg, c) for c in (
                        kg.out(iri, "in_category") if kg.kind(iri) == "product"
                        else _own_categories(kg, iri))) for iri in held):
                return None
            continue
        # a word of the side, linked or not, that is the name of a category of the
        # department outside ``target`` ("roku or apple tv": "roku" linked as a brand, the
        # name of Roku, under Streaming Media Players; "apple tv" links TVs)
        index = _word_categories(kg)
        if any(target not in _path_up(kg, c) for i in range(lo, hi) if i not in mine
               and _side_word(words[i]) and (ws := _words(words[i]))
               for c in frozenset.intersection(*(index.get(w, frozenset()) for w in ws))
               if _words(kg.label(c)) == ws and below(c)):
            return None
        # a side of brands only ("samsung vs kingston memory card", "dell or hp gaming
        # laptop"): the same product of another maker, the category stays
        said = [w for w in words[lo:hi] if _side_word(w)]
        if said and all(brand(w) for w in said):
            continue
        # the words of the mention's side before its head, no brand's
        head_at = at[1] - 1 - (words[at[1] - 1] in _ALTERNATIVES)
        mods = _words(" ".join(w for w in words[own[0]:head_at] if not brand(w)))
        if hi <= own[0] and mods:  # ("gas or electric dryer": a side sharing the head)
            if not _words(kg.label(target)) & mods:
                continue
            head = _words(words[head_at])
            return next((c for c in _path_up(kg, target)[1:] if c not in kg.unlinkable
                         and head <= (ws := _words(kg.label(c))) and not ws & mods
                         and below(c)), None)
        free = [w for i in range(lo, hi) if i not in linked_at and i not in mine
                and _side_word(w := words[i]) and not brand(w)]
        if free and not _named_under(kg, target, free):
            return None
    return target


def _named_under(kg: _KG, target: str, free: Sequence[str]) -> bool:
    """Whether the words ``free`` of a side of an alternative name a category under (or at)
    ``target``: a part of its name (:data:`_NAME_PARTS`) holds all their words and no word
    but theirs and ``target``'s, numbers and units aside ("earbuds" under Headphones: Earbud
    & In-Ear Headphones; "mount" at TV Stands, Mounts & Furniture; "pro" of "ipad air or
    ipad pro" under iPad: iPad Pro 12.9-inch; not "surface pro" under iPad, nor "freezer"
    under Refrigerators: Top-Freezer Refrigerators names a refrigerator)."""
    own = _words(" ".join(free))
    said = own | _words(kg.label(target))
    return bool(own) and any(
        own <= ws <= said for c in _family(kg, frozenset({target}))[1]
        for part in _NAME_PARTS.split(normalize_key(kg.label(c)))
        if (ws := frozenset(w for w in _words(part)
                            if not _DIGIT.search(w) and w not in _NO_SIDE_WORDS)))


#: words that make the product they open a toy version of it ("toy microwave", "pretend washer
#: and dryer", "play kitchen"): the first words of the KG's toy categories' names (of the
#: categories named "Toy ...", 26 of 28 lie under a category named for toys, Google's Toy
#: Kitchens, Toy Cars; all 12 named "Play ...", Play Vehicles, Play Food; 6 of the 7 named
#: "Pretend ...", Pretend Housekeeping, Pretend Electronics)
_TOY_WORDS = frozenset({"toy", "toys", "pretend", "play"})
#: words that may come before the toy word of a toy version ("kids toy tablet", "kids play
#: kitchen"); alone they make no toy ("kids headphones", "kids tablet": devices for children)
_TOY_OPENERS = frozenset({"kid", "kids", "kid's", "kids'", "child", "childs", "child's",
                          "children", "children's", "childrens", "toddler", "toddlers",
                          "a", "an", "my"})
#: the words (:func:`_words`) of a category name that holds toys ("Toys, Games & Drones",
#: "Video Games > Toys & Kids' Electronics", Google's "Toys & Games > Toys > Pretend Play")
_TOY_NAME = _words("toy toys")


def _toy_version(words: Sequence[str], linked_at: Sequence[tuple[int, int]]) -> int | None:
    """The place in ``words`` of the first word of the product the query asks a toy version
    of, or None: the query opens with toy words (:data:`_TOY_WORDS`, after words such as
    "kids", :data:`_TOY_OPENERS`) that modify words after them ("toy microwave", "pretend
    washer and dryer for kids", "kids play kitchen"). Not where the last toy word is the
    query's last, or before no product ("kids toys", "dog toy", "toys for 3 year olds",
    "toys to life": toys searched), nor where a linked name (its place in
    ``linked_at``) holds it and the word after it ("toy story", "play station", "toy chest":
    a title, a console, furniture the KG names so).

    >>> _toy_version("toy microwave".split(), [(0, 1), (1, 2)])
    1
    >>> _toy_version("kids pretend play kitchen".split(), [])
    3
    >>> [_toy_version(q.split(), [(0, 2)]) for q in ("toy story 3", "play station 4")]
    [None, None]
    >>> [_toy_version(q.split(), []) for q in ("kids toys", "dog toy", "toys to life",
    ...                                        "toys 3-5 years", "voip pure play hardware")]
    [None, None, None, None, None]
    """
    i = 0
    while i < len(words) and words[i] in _TOY_OPENERS:
        i += 1
    at = i
    while i < len(words) and words[i] in _TOY_WORDS:
        i += 1
    if i == at or i >= len(words) or not words[i][:1].isalpha() or words[i] in FUNCTION_WORDS \
            or any(a < i < b for a, b in linked_at):
        return None
    return i


def _holds_toys(name: str) -> bool:
    """Whether a category path or department label names a category that holds toys
    (:data:`_TOY_NAME`)."""
    return bool(_TOY_NAME & _words(name))


def _category_filter(kg: _KG, links: Sequence[tuple[LinkedEntity, str | None, bool]],
                     words: Sequence[str], below: Callable[[str], bool],
                     ) -> tuple[str, str] | None:
    """The category filter value of the linked categories ``links`` (each: the link, the
    category it may filter on in the trusted department or None, whether the intent agrees
    with it) and its source ``link:<iri>``, or None (the department is the filter).

    None unless the intent agrees with one of them; then the first it agrees with (the best
    link), but for a category read from words of another's name only, neither above the
    other ("pci express graphics cards": every word of PCI Graphics Cards is one of PCI
    Express Graphics Cards', which the query names; the better-scored link, "graphics cards"
    -> PCI Graphics Cards, is the subset one), which names nothing of its own. When the query
    names two or more, none of them above the other on its path ("laptop or tablet", "pizza
    ovens toaster ovens", "heater air conditioner combo"; one above the other, "xbox one
    controller", keeps the deepest the intent agrees with), the filter, one value, holds them
    all: the nearest category above them when ``below`` says it is below the department
    (Toaster & Pizza Ovens), else None: the department (Laptops and Tablets). ``words``: the
    query's words."""
    agreed = [(e, t) for e, t, a in links if t is not None and a]
    if not agreed:
        return None
    targets = list(dict.fromkeys(t for _, t, _ in links if t is not None))
    pick, source = agreed[0][1], agreed[0][0]
    if len(targets) > 1:
        counts = Counter(x for w in words for x in _words(w))
        names = {t: _words(kg.label(t)) for t in targets}
        chains = {t: _path_up(kg, t) for t in targets}

        def absorbed(a: str, b: str) -> bool:
            """Whether the query holds ``a``'s name's words only as words of ``b``'s name."""
            return names[a] <= names[b] and bool(names[b]) and names[b] <= counts.keys() \
                and (names[a] != names[b] or targets.index(b) < targets.index(a)) \
                and not Counter(names[a]) <= counts - Counter(names[b])

        kept = [t for t in targets if not any(
            o != t and t not in chains[o] and o not in chains[t] and absorbed(t, o)
            for o in targets)] or [pick]
        deepest = max(kept, key=lambda t: len(chains[t]))
        if not all(t in chains[deepest] for t in kept):  # not one above the other
            common = next((c for c in chains[kept[0]] if c not in kg.unlinkable
                           and all(c in chains[o] for o in kept[1:])), None)
            if common is None or not below(common):
                return None
            pick = common
        else:  # one above the other: the deepest the intent agrees with, the finer filter
            # ("xbox one controller": Xbox One Controllers under Xbox One; "macbook pro
            # laptop": MacBook Pro under Laptops), not the better-scored link: the two scores
            # are often within a point of each other (the linker's composed reading of "xbox
            # one controller" scores 0.926, Xbox One 0.927)
            on_path = [(e, t) for e, t in agreed if t in kept]
            if on_path:
                source, pick = max(on_path, key=lambda et: len(chains[et[1]]))
    return str(kg.path(pick) or kg.label(pick)), f"link:{source.iri}"


def _in_store_trees(kg: _KG, cat: str, trees: Collection[str]) -> bool:
    """Whether the category ``cat``, which the label space places in no department, is of the
    store's tree or of another catalogue's branch the store's departments place categories in
    (``trees``: its taxonomy, or its taxonomy and top level, "google > Electronics")."""
    taxonomy = _taxonomy(cat)
    top = str(kg.path(cat) or "").split(">")[0].strip()
    return taxonomy in trees or f"{taxonomy} > {top}" in trees


def _named_elsewhere(kg: _KG, linked: Sequence[LinkedEntity], words: Sequence[str],
                     spans: Mapping[str, tuple[int, int] | None], hard_dept: str,
                     dept: Callable[[str], str | None], skip: Collection[str],
                     searched_skip: Collection[str], labels: Collection[str] = (),
                     store_trees: Callable[[], Collection[str]] = frozenset) -> bool:
    """Whether the product the query searches is a linked category outside the trusted
    intent's department ``hard_dept`` that the department has no namesake of: the intent's
    department is then no hard filter (a suggestion only). The intent picks among namesakes
    ("keyboards" links Musical Instruments' Keyboards, Computers & Tablets holds Computer
    Keyboards: the filter stays); it does not overrule a name its department lacks: "coffee
    table" links Coffee Tables (Furniture & Decor), and Appliances, the intent's department at
    0.83, holds no table; "free standing lighted mirror" links Mirrors (Health, Fitness &
    Beauty), which Cameras & Camcorders does not hold. So does a category of another taxonomy,
    which names no store department ("waffle blanket": Google's Blankets, no blanket in
    Appliances; "kitchen towels", Google's Kitchen Towels): a kind of product the KG knows and
    the department sells none of.

    Never where a link (not in ``skip``: excluded, a namesake of excluded words) is in the
    department (a category, or a product or product type of a category there: it is the finer
    filter, or the intent judges it: "iphone case" links iPhone in Cell Phones; or a brand a
    lvl1 label of it in ``labels`` names: "bissell upright vacuums" links BISSELL, Name
    Brands holds "Name Brands > BISSELL"), nor where the word before a searched mention
    heads a category of the department or a lvl1 label of it (a compound's modifier naming
    the department's product: "laptop cooler", Computers & Tablets' Laptops; the linked
    Coolers are Sports'), nor where a
    searched link is a category the label space does not place of the store's own tree
    ("Connected Home & Housewares > Connected Home > Smart Lighting > Smart Light Strips" for
    Smart Home), or of a top level of another catalogue that overlaps the store's, where it
    places some ("television" links Google's Electronics > Video > Televisions; the store's
    TVs name no television): nothing says it lies elsewhere (``store_trees()``:
    :func:`_label_trees`). Another catalogue's other top levels name no store department
    (Google's Home & Garden, Furniture, Food, Flipkart's): the rule judges their categories
    as it judges the store's other departments'.

    The searched links: categories tagged as a product searched (a head label, or no label),
    not in ``searched_skip`` (``skip``, a feature after "with", the device an accessory
    fits), at a known place in ``words``. A namesake in the department: a category of the
    store's there (``dept`` places it in the label space), or a lvl1 label of it in
    ``labels``, with a part headed by the mention's last word ("Camera Backpacks" for
    "transparent backpack", "Computer Accessories" for "keyboard accessories"; not "Table &
    Portable Fans" for "small kitchen table": fans)."""
    own = _lvl1_names(labels, hard_dept)
    for e in linked:
        if e.iri in skip:
            continue
        kind = kg.kind(e.iri)
        cats = [e.iri] if kind == "category" else kg.out(e.iri, "type_in") \
            if kind == "product_type" else kg.out(e.iri, "in_category") \
            if kind == "product" else []
        if any(dept(c) == hard_dept for c in cats) or (kind == "brand" and normalize_key(
                kg.label(e.iri)) in own):
            return False
    searched = [(e, sp) for e in linked if kg.kind(e.iri) == "category"
                and e.iri not in searched_skip
                and (sp := spans.get(e.iri)) is not None and sp[1] > sp[0]
                and (e.label is None or e.label in HEAD_LABELS)]
    if not searched or any(dept(e.iri) is None and _in_store_trees(kg, e.iri, store_trees())
                           for e, _ in searched):
        return False
    index = _word_categories(kg)
    names = _part_headed

    def heads_one(word: str) -> bool:
        """Whether ``word`` heads a category of the department or a lvl1 label of it."""
        head = name_heads(normalize_key(word))
        if not head:
            return False
        return any(dept(c) == hard_dept and names(normalize_key(kg.label(c)), head)
                   for k in _words(word) for c in index.get(k, ())) or any(
            names(lab, head) for lab in own)

    # (the word before a product searched, a compound's modifier, that names a product of
    # the department says what the searched one is for: "laptop cooler", Laptops; the linked
    # Coolers are Sports'. Not a word further off: "toy story pencils", a title's "toy")
    inside = {i for _e, (start, end) in searched for i in range(start, end)}
    if any(start > 0 and start - 1 not in inside and heads_one(words[start - 1])
           for _e, (start, _) in searched):
        return False
    for _e, (start, end) in searched:
        head = name_heads(normalize_key(words[end - 1]))
        if not head:
            return False
        # (a collective head, "dining set", names the kind by the word before it: a namesake
        # is a set sharing that word or a category a part of whose name that word heads,
        # "cookware set": Cookware, Bakeware & Cutlery; Appliances' Fondue Sets hold no
        # dining sets)
        kind = _words(words[end - 2]) if end - start > 1 and normalize_key(
            words[end - 1]) in _COLLECTIVE else frozenset()
        kind_head = name_heads(normalize_key(words[end - 2])) if kind else frozenset()
        cands = {c for w in _words(words[end - 1]) | kind for c in index.get(w, ())}
        if any(dept(c) == hard_dept and _a_namesake(normalize_key(kg.label(c)), head, kind,
                                                    kind_head) for c in cands) \
                or any(_a_namesake(lab, head, kind, kind_head) for lab in own):
            return False
    return True


def _a_namesake(name: str, head: frozenset[str], kind: frozenset[str] = frozenset(),
                kind_head: frozenset[str] = frozenset()) -> bool:
    """Whether the normalised category name ``name`` names the product a mention headed by
    ``head`` searches (:func:`_part_headed`); for a collective head (a set: ``kind``, the
    words of the word before it, and ``kind_head``, its heads), a set of that kind ("Cookware
    Sets") or a name a part of which that word heads ("Cookware, Bakeware & Cutlery")."""
    if not kind:
        return _part_headed(name, head)
    return (_part_headed(name, head) and bool(kind & _words(name))) or any(
        kind_head & name_heads(part.split()[-1])
        for part in _NAME_PARTS.split(name) if part.split())


#: last words that name a collection of the product the word before names ("tool set",
#: "5 piece dining set", "first aid kit"): :func:`_named_elsewhere` judges such a searched
#: category by both words
_COLLECTIVE = frozenset({"set", "sets", "kit", "kits", "combo", "combos", "bundle",
                         "bundles"})


def _part_headed(name: str, head: frozenset[str]) -> bool:
    """Whether a part of the normalised category name ``name`` is headed by ``head``: its
    last part, one of two words or more, or a plural word (a category names its kinds in the
    plural: a singular word before another part shares its head, "Table & Portable Fans" are
    fans, "TV & Home Theater Accessories"; "Massagers & Spa" holds massagers)."""
    parts = [p.split() for p in _NAME_PARTS.split(name) if p.split()]
    return any(bool(head & name_heads(p[-1])) for i, p in enumerate(parts)
               if len(p) > 1 or i == len(parts) - 1 or p[-1].endswith("s"))


def _headed_elsewhere(kg: _KG, linked: Sequence[LinkedEntity], words: Sequence[str],
                      hard_dept: str, dept: Callable[[str], str | None],
                      skip: Collection[str], labels: Collection[str] = (),
                      store_trees: Callable[[], Collection[str]] = frozenset) -> bool:
    """Whether a query that links no product names one by its last word that only categories
    outside the trusted intent's department ``hard_dept`` are headed by, its other words
    naming nothing of the department: the department is then no hard filter (as
    :func:`_named_elsewhere` for a linked one). "puppy food", "hamster food": the categories
    headed by "food" are Google's Dog Food and Bird Food and the store's Pet Food & Treats,
    none in Appliances (its Food Processors are processors), and no category of Appliances
    holds "puppy" or "hamster"; "peanut butter": Google's Apple Butter.

    Never where the query links anything (not in ``skip``: a category, product type or
    product is judged by its link; a brand, colour or size, "amazon black", "kate spade",
    "40 inch", says what the store sells, the last word no product), follows a number
    (a unit: "40 inch"), is one word (the
    store's own one-word queries, "chocolate", "kitchen", "cookies", are what its intent
    model was trained on), or another word of it is a word of
    a category of the department ("appliances food", "food waste": Food Processors; "tv
    home"); nor where the word heads no category ("lego spiderman"), a category in the
    department or a lvl1 label of it in ``labels`` ("Cleaners & Detergents" keeps Appliances
    for "laundry detergent"), where it heads one category only (a name's last word need not
    be its kind: Google's Shovels & Spades for "kate spade", Skin Care Extractors for
    "bissell extractors"; unless another word of the query is a word of a name above it
    on its path: "garden planters", Google's Lawn & Garden > ... > Pots & Planters), or a
    category the label space does not place in a catalogue
    it overlaps (``store_trees()``, :func:`_label_trees`: Google's Electronics holds its
    Subwoofers; nothing says they lie elsewhere)."""
    if len(words) < 2 or any(e.iri not in skip for e in linked):
        return False
    last = normalize_key(words[-1])
    head = name_heads(last)
    if not head or not any(ch.isalpha() for ch in last) or not words[-2].isalpha():
        return False  # (after a number, a unit: "40 inch")
    index = _word_categories(kg)
    if any(dept(c) == hard_dept for w in words[:-1] for k in _words(w)
           for c in index.get(k, ())):
        return False
    cands = [c for w in _words(words[-1]) for c in index.get(w, ())
             if _part_headed(normalize_key(kg.label(c)), head)]
    # (one category only counts where another word of the query names one above it: "garden
    # planters", Google's Lawn & Garden > ... > Pots & Planters; not "kate spade")
    above = {k for c in cands for part in str(kg.path(c) or "").split(">")[:-1]
             for k in _words(part)}
    if not cands or (len(cands) < 2 and not any(
            _words(w) & above for w in words[:-1])) or any(
            dept(c) == hard_dept or (
                dept(c) is None and _in_store_trees(kg, c, store_trees())) for c in cands):
        return False
    return not any(_part_headed(name, head) for name in _lvl1_names(labels, hard_dept))


def _lvl1_names(labels: Collection[str], dept: str) -> list[str]:
    """The normalised last parts of the labels of ``labels`` below the department ``dept``
    ("Name Brands > BISSELL": "bissell" for "Name Brands")."""
    return [normalize_key(lab.split(SEP)[-1]) for lab in labels
            if SEP in lab and lab.split(SEP)[0] == dept]


#: the cosine to its nearest training query from which the intent model has seen a query
#: (:attr:`fusion.types.Intent.familiarity`): the store's own query, :func:`_remembered`
_REMEMBERED_AT = 0.99


def _remembered(intent: Intent) -> bool:
    """Whether ``intent``'s query is one its model was trained on (its query memory holds it:
    a cosine of :data:`_REMEMBERED_AT` or more to its nearest training query): where the
    store's own searchers of it went, which a KG link does not overrule ("cookies" at Best
    Buy is Appliances, its gold Mixers; the KG links Google's Cookies). Only the memory's
    own queries: "yogurt" (0.93 to "yogurt yogurt") is judged by its link. False without a
    query memory."""
    return intent.familiarity is not None and intent.familiarity >= _REMEMBERED_AT


def _below(score: float, threshold: float) -> float:
    """``score`` rounded to 6 places, capped below ``threshold`` (a soft signal never at a
    hard filter's level: a score at or over it is the largest 6-place value under it; a
    threshold of 0 or less caps nothing)."""
    out = round(score, 6)
    if threshold <= 0 or out < threshold:
        return out
    return max(math.floor(threshold * 1e6 - 1) / 1e6, 0.0)


def _label_trees(kg: _KG, taxonomy: TaxonomyAlignment | None,
                 dept: Callable[[str], str | None]) -> frozenset[str]:
    """What the label space ``taxonomy`` places of each IRI catalogue (:func:`_taxonomy`):
    the catalogues most of whose categories it places in a department, the store's tree
    ("bestbuy": 2,494 of 3,243 in the default KG), and ``catalogue > top`` for each top
    level of another catalogue it places some categories under (Google's "Electronics",
    whose Audio the store's Audio places; not its "Home & Garden" nor "Furniture"),
    memoised with the graph view for this label space."""
    memo = kg.g.graph.get("_kgqp_label_trees")
    if memo is None or memo[0] is not taxonomy:
        placed: Counter[str] = Counter()
        total: Counter[str] = Counter()
        tops: set[str] = set()
        for n, a in kg.g.nodes(data=True):
            if a.get("kind") == "category":
                t = _taxonomy(n)
                total[t] += 1
                if dept(n) is not None:
                    placed[t] += 1
                    tops.add(f"{t} > {str(a.get('path') or '').split('>')[0].strip()}")
        trees = frozenset(t for t, k in placed.items() if 2 * k > total[t]) | tops
        memo = kg.g.graph["_kgqp_label_trees"] = (taxonomy, trees)
    return memo[1]


def _an_origin(mention: str) -> bool:
    """Whether a mention says where a product is made, not who makes it: "made in china",
    "manufactured in the usa" (a word of :data:`_MADE_WORDS`, then "in"). A name list's brand
    of that name ("Made In China") is no brand of the product.

    >>> _an_origin("made in china"), _an_origin("made by sony"), _an_origin("madein")
    (True, False, False)
    """
    words = _query_words(mention)
    return len(words) > 2 and words[0] in _MADE_WORDS and words[1] == "in"


def _taxonomy(iri: str) -> str:
    """The catalogue a category's IRI names (``.../category/{source}/{id or path}``, the
    scheme of the KG's loaders: "bestbuy", "google", "flipkart"). A category made without a
    source segment (``.../category/tvs``, by ``POST /kg/update`` or in code) is a catalogue of
    its own: it is compared with no other."""
    return iri.rsplit("/category/", 1)[-1].split("/", 1)[0]


def _a_namesake_beside(kg: _KG, excluded: str, searched: Collection[str]) -> bool:
    """Whether a category the query excludes is a namesake of the words the cue excludes,
    far from what it searches, in the searched categories' own taxonomy: some category
    searched is of the excluded one's catalogue (:func:`_taxonomy`), and the excluded one
    lies neither under the parent of any (its siblings and theirs: "headphones not over
    ear") nor above one. "laundry detergent without dyes" -> Craft Dyes (Arts &
    Entertainment), "cat food without fish" -> Fish Food (Fish Supplies, beside Cat
    Supplies), "dog food without grain" -> Grains, Rice & Cereal: the products searched are
    in none of them, so a DOWN boost on one demotes nothing searched. Categories of other
    catalogues are not compared ("belt without buckle": Flipkart's belts, Google's Belt
    Buckles)."""
    same = [c for c in searched if _taxonomy(c) == _taxonomy(excluded)]
    if not same:
        return False
    path = kg.path(excluded) or ""
    for c in same:
        chain = _path_up(kg, c)
        scope = chain[1] if len(chain) > 1 else c
        if excluded in chain or excluded == scope \
                or path.startswith(f"{kg.path(scope) or ''} >"):
            return False
    return True


#: what joins the things one category's name holds: "Sofas & Sectionals", "Mattresses & Box
#: Springs", "Tables, Chairs and Benches", "Washers/Dryers"
_NAME_JOINS = re.compile(r"\s*(?:&|,|/|\+|\band\b)\s*", re.IGNORECASE)


def _name_parts(label: str) -> frozenset[frozenset[str]]:
    """The things a category's name holds, each as its content words (:func:`_words`):
    "Headboards & Bed Frames" -> {headboard}, {bed, frame}.

    >>> sorted(sorted(p) for p in _name_parts("Headboards & Bed Frames"))
    [['bed', 'frame'], ['headboard']]
    """
    return frozenset(ws for part in _NAME_JOINS.split(label) if (ws := _words(part)))


def _holds_the_searched(kg: _KG, excluded: str,
                        searched: Collection[tuple[str, frozenset[str]]],
                        said: Collection[str] = ()) -> bool:
    """Whether a category the query excludes is, holds, or (by its name) also holds a product
    the query searches, so a DOWN boost on it would demote what is searched. ``searched``: the
    categories of the query's linked products (not excluded), each with the words of the
    mention that links it; ``said``: the excluded words (both as :func:`_words`). The excluded
    category is a searched one or lies above one on its path ("sofa not sectional" -> Sofas &
    Sectionals, the parent of Sofas), or is named as one above it is (another taxonomy's:
    "sanding block not tool" -> the store's Tools, Google's Sanding Blocks under Google's
    Tools), or one thing its name holds is what a searched category is, in any taxonomy: a
    thing of that category's name that its mention names, or its whole name, and that no
    excluded word names ("mattress not box spring": the store's Mattresses & Box Springs,
    Google's Mattresses linked; "bed frame no headboard": Headboards & Bed Frames, a child of
    Beds & Bed Frames). A child that names only what is excluded keeps its
    DOWN boost ("grill not smoker": Smokers, under Grills; so would Smokers beside a searched
    "Grills & Smokers"), and so does one that shares with it another thing of its name only
    ("storage hook not umbrella stand": Umbrella Stands & Racks, under Storage Hooks &
    Racks)."""
    parts = _name_parts(kg.label(excluded))
    for c, mention in searched:
        chain = _path_up(kg, c)
        if excluded in chain or any(_name_parts(kg.label(up)) == parts for up in chain[1:]):
            return True
        own = _name_parts(kg.label(c))
        if any(not p <= set(said) and (len(own) == 1 or p <= mention) for p in parts & own):
            return True
    return False


def _derived(graph: Any) -> tuple[nx.MultiDiGraph, _Derived]:
    """A registered view of a ``kg.ProductGraph``: the expansion's per-graph data (popularity,
    non-linkable nodes, categories by path) of its networkx view, computed while a commit
    brings the views forward (the first parse after a commit does not pay for it)."""
    g = as_networkx(graph)
    return g, _Derived.build(g, graph)


def _update_derived(graph: Any, old: tuple[nx.MultiDiGraph, _Derived], changes: Any,
                    ) -> tuple[nx.MultiDiGraph, _Derived] | None:
    g = as_networkx(graph)
    new = old[1].updated(old[0], g, graph, changes)
    return None if new is None else (g, new)


def _category_alignment(kg: _KG, taxonomy: TaxonomyAlignment | None,
                        ) -> dict[str, tuple[str | None, str | None]]:
    """The graph view's memo of categories' (department, lvl1 label) under ``taxonomy`` (one
    label space per view: another one replaces it)."""
    memo = kg.g.graph.get("_kgqp_category_alignment")
    if memo is None or memo[0] is not taxonomy:
        memo = kg.g.graph["_kgqp_category_alignment"] = (taxonomy, {})
    return memo[1]


def _term_keys(kg: _KG) -> Any:
    """``compact_key(normalize_key(term))``, memoised with the graph view (terms are KG names
    and rule synonyms; bounded)."""
    memo = kg.g.graph.setdefault("_kgqp_term_keys", {})

    def key(term: str) -> str:
        k = memo.get(term)
        if k is None:
            if len(memo) > 65536:
                memo.clear()
            k = memo[term] = compact_key(normalize_key(term))
        return k

    return key


def _most_common_two_hop(kg: _KG, node: str, first: str, second: str,
                         k: int) -> list[tuple[str, str]]:
    """The ``k`` nodes most often reached from ``node`` by a ``first`` edge into it (up to 300
    middle nodes, e.g. its products) then a ``second`` edge out, each with a middle node."""
    counts: Counter[str] = Counter()
    via: dict[str, str] = {}
    for mid in kg.into(node, first)[:300]:
        for end in kg.out(mid, second):
            counts[end] += 1
            via.setdefault(end, mid)
    return [(end, via[end]) for end, _n in sorted(counts.items(),
                                                  key=lambda x: (-x[1], x[0]))[:k]]


#: attribute values that name nothing without their attribute ("Yes" of a Flipkart product's
#: "waterproof", "No" of its "hooded"): as an expansion term a search engine matches any text
#: with the word, so a category's common values leave them out
_BARE_ANSWERS = frozenset({"yes", "no", "true", "false", "y", "n", "na", "n/a", "none"})


def _category_walk(kg: _KG, cat: str, walk: int, fanout: bool) -> tuple[_Cand, ...]:
    """A category's children, parent, siblings, brands and common attribute values (most
    popular first, ``walk`` per relation; no bare answer, :data:`_BARE_ANSWERS`, nor bare
    number, :func:`_bare_number`), cached per graph view."""
    def build() -> tuple[_Cand, ...]:
        out: list[_Cand] = []
        for child in kg.into(cat, "parent")[:walk]:
            out.append(_Cand(kg.label(child), "child_category", ((child, "parent", cat),), child,
                             child, fanout))
        for p in kg.out(cat, "parent"):
            out.append(_Cand(kg.label(p), "parent_category", ((cat, "parent", p),), p, p, fanout))
            for sib in [s for s in kg.into(p, "parent") if s != cat][:walk]:
                out.append(_Cand(kg.label(sib), "sibling_category",
                                 ((cat, "parent", p), (sib, "parent", p)), sib, sib, fanout))
        for b in kg.into(cat, "sells_in")[:walk]:
            out.append(_Cand(kg.label(b), "brand", ((b, "sells_in", cat),), b, cat, fanout))
        for v, prod in _most_common_two_hop(kg, cat, "in_category", "has_value", walk):
            if normalize_key(kg.label(v)) in _BARE_ANSWERS or _bare_number(kg.label(v)):
                continue  # ("Yes", "No", a belt's "34": a value that names nothing without
                #          its attribute)
            out.append(_Cand(kg.label(v), "attribute_value",
                             ((prod, "in_category", cat), (prod, "has_value", v)), v, cat,
                             fanout))
        return tuple(out)

    return _cached(kg, "_kgqp_category_walks", (cat, walk, fanout), build)


def _a_narrower_unsaid(kg: _KG, c: _Cand, query: Collection[str]) -> bool:
    """Whether a tree neighbour ``c`` of a linked category is the kind of it for (or of)
    another product that the query does not name, where the linked category is a generic
    accessory, part or consumable (every word of its name one of
    :data:`fusion.patterns.ACCESSORY_WORDS`: Batteries, Battery Chargers, Adapters; not
    toys, hats, whose neighbours are kinds of them, nor Cell Phone Accessories, which names
    its device). A child or sibling whose name has, besides the linked category's words (it
    shares one), words that name a KG category of their own (a device: "UPS", "Camera",
    "E-Book Reader"), none of them the query's (``query``, :func:`_words`): which device's
    the query does not say ("battery" links Google's Batteries: Camera, E-Book Reader, UPS
    Batteries, the sibling UPS; "camera battery" keeps Camera Batteries). A parent that is
    the accessories of such a device ("battery charger" links Flipkart's Battery Chargers
    under Camera Accessories: a power tool's charger is none). A neighbour whose other words name no
    product ("General Purpose Batteries", "QLED TVs") is a kind of what is searched, and one
    sharing no word with it another product ("UPS", "heels" beside sandals): not judged."""
    if c.iri is None:
        return False
    linked = c.provenance[0][2] if c.kind == "child_category" else c.provenance[0][0]
    label = kg.label(c.iri)
    own = _words(kg.label(linked))
    if not own or not own <= _ACCESSORY_STEMS:
        return False  # (a product of its own: "toys" -> Sports Toys, "hats" -> Clothing
        #              Accessories are kinds of it; or one naming its device: "Cell Phone
        #              Accessories", "TV Mounts")
    if c.kind == "parent_category" and "accessor" not in label.casefold():
        return False
    if c.kind != "parent_category" and not own & _words(label):
        return False  # (another product, "UPS" beside Batteries, "heels" beside sandals)
    own |= _ACCESSORY_STEMS
    extra = [w for w in word_order(normalize_key(label)) if w not in own]
    if not extra or set(extra) & set(query):
        return False
    names = _category_words(kg)
    return any(frozenset(extra[i:j]) in names
               for i in range(len(extra)) for j in range(i + 1, min(i + 3, len(extra)) + 1))


#: the words that, after a product line's word, name one generation or model of the line
#: ("xbox one", "xbox series x", "iphone se", "macbook air", "galaxy note"): as a number does
#: ("iphone 15", "xbox 360"; :func:`_generations`)
_GENERATION_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight",
                               "nine", "ten", "series", "pro", "plus", "max", "mini", "air",
                               "ultra", "lite", "se", "xl", "note", "edge"})
#: a generation number: digits, a decimal, or either with one letter ("6s", "5c", "12.9");
#: no resolution nor scan ("4k", "1080p")
_GENERATION_NUMBER = re.compile(r"^\d+(?:\.\d+)?[a-jl-oq-z]?$")
#: a line's word and its number written as one word ("ps5", "ddr4", "cat6", "rx580"): the
#: line's letters (two or more) and the number
_GLUED_GENERATION = re.compile(r"^([a-z]{2,})(\d+[a-jl-oq-z]?)$")
#: a unit after a number: the number is a size, a capacity or a length, no generation ("tv 55
#: inch", "iphone 128 gb")
_AFTER_A_SIZE = frozenset({"in", "inch", "inches", "ft", "feet", "foot", "gb", "tb", "mb",
                           "hz", "w", "watt", "watts", "mm", "cm", "m", "oz", "lb", "lbs",
                           "pack", "pc", "pcs", "piece", "pieces", "count", "ct", "mah", "v"})
_NAME_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def _generations(text: str) -> dict[str, frozenset[str]]:
    """The generations ``text`` names, by line: the word of a line (two or more letters, no
    function word) and the number or generation word after it (:data:`_GENERATION_WORDS`;
    no number a unit follows: a size), or the two written as one word ("ps5": ``ps``, ``5``).

    >>> sorted((k, sorted(v)) for k, v in _generations("xbox series x controller").items())
    [('xbox', ['series'])]
    >>> sorted((k, sorted(v)) for k, v in _generations("PS4 Consoles").items())
    [('ps', ['4'])]
    >>> sorted((k, sorted(v)) for k, v in _generations("iPhone 6 Plus").items())
    [('iphone', ['6'])]
    >>> _generations("tv 55 inch"), _generations("2-in-1s"), _generations("4k tv")
    ({}, {}, {})
    """
    tokens = _NAME_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
    out: dict[str, set[str]] = {}
    for i, t in enumerate(tokens):
        if (m := _GLUED_GENERATION.match(t)) is not None and m.group(1) not in FUNCTION_WORDS:
            out.setdefault(m.group(1), set()).add(m.group(2))
        if i + 1 >= len(tokens) or not t.isalpha() or len(t) < 2 or t in FUNCTION_WORDS:
            continue
        nxt = tokens[i + 1]
        if nxt in _GENERATION_WORDS or (_GENERATION_NUMBER.match(nxt) and (
                i + 2 >= len(tokens) or tokens[i + 2] not in _AFTER_A_SIZE)):
            out.setdefault(t, set()).add(nxt)
    return {k: frozenset(v) for k, v in out.items()}


def _same_line(a: str, b: str) -> bool:
    """Whether two line words name one line: equal, or the shorter (two or three letters) the
    longer's initials, its first letter and the rest in order ("ps" of "playstation")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if not 2 <= len(short) <= 3 or len(long_) < 6 or short[0] != long_[0]:
        return False
    rest = iter(long_[1:])
    return all(ch in rest for ch in short[1:])


def _another_generation(name: str, query: Mapping[str, frozenset[str]]) -> bool:
    """Whether the name of a candidate names another generation of a line whose generation the
    query names (``query``: :func:`_generations` of its text): "PS4 Consoles", "PlayStation 3"
    for "ps5 console", "iPhone 6", "iPhone SE" for "iphone 15", "Xbox One Games" for "xbox
    series x controller". A name that names the query's generation too ("Apple iMac, Mini &
    Mac Pro" for "mac mini"), a variant of it (:func:`_generation_base`: "iPhone 6s Cases" for
    "iphone 6 case"), or no generation of the line ("PlayStation Network", "iPhone
    Accessories"), is no other generation.

    >>> q = _generations("ps5 console")
    >>> [_another_generation(n, q) for n in ("PS4 Games", "PlayStation 3", "PlayStation Network")]
    [True, True, False]
    >>> _another_generation("Apple iMac, Mini & Mac Pro", _generations("mac mini m2"))
    False
    """
    if not query:
        return False
    own = _generations(name)
    if not own:
        return False
    tokens = {_generation_base(t)
              for t in _NAME_TOKEN.findall(unicodedata.normalize("NFKC", name).casefold())}
    for line, gens in own.items():
        gens = {_generation_base(x) for x in gens}
        for q_line, q_gens in query.items():
            q_gens = {_generation_base(x) for x in q_gens}
            if _same_line(line, q_line) and not gens & q_gens and not q_gens & tokens:
                return True
    return False


def _generation_base(gen: str) -> str:
    """A generation number without its letter: "6s" is a variant of the 6 ("iPhone 6s Cases"
    fit an iPhone 6, "iphone 5s" keeps iPhone 5c Cases); a word stays."""
    return gen[:-1] if len(gen) > 1 and gen[-1].isalpha() and gen[-2].isdigit() else gen


#: the words of a category that names the parts a store sells of a device ("Computer Cards &
#: Components", "Virtual Reality-Ready Components"): the categories under it are parts
_COMPONENT_WORDS = frozenset({"component", "components"})


def _component_categories(kg: _KG) -> tuple[tuple[str, frozenset[str]], ...]:
    """The categories under a category of parts (:data:`_COMPONENT_WORDS` in a name above them
    on their path: "GPUs/Video Graphics Cards", "CPUs / Processors", "Memory (RAM)" under
    "Computer Cards & Components"), each with the other words of that name (:func:`_words`:
    the device the parts are of, "computer"), cached per graph view."""
    def build() -> tuple[tuple[str, frozenset[str]], ...]:
        out = []
        component = frozenset().union(*(_words(w) for w in _COMPONENT_WORDS))
        for n, d in kg.g.nodes(data=True):
            if d.get("kind") != "category":
                continue
            for p in str(d.get("path") or "").split(">")[:-1]:
                if _COMPONENT_WORDS & set(normalize_key(p).split()):
                    out.append((n, _words(p) - component))
                    break
        return tuple(sorted(out, key=lambda x: x[0]))

    return _cached(kg, "_kgqp_component_categories", (), build)


def _initials(kg: _KG) -> Mapping[str, frozenset[str]]:
    """The categories by the initials of their names of three or more words ("ssd": Solid
    State Drives), cached per graph view."""
    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for n, d in kg.g.nodes(data=True):
            if d.get("kind") != "category":
                continue
            ws = [w for w in normalize_key(str(d.get("label") or "")).split()
                  if w not in FUNCTION_WORDS and w.isalpha()]
            if len(ws) >= 3 and len(ws) == len(normalize_key(str(d.get("label") or "")).split()):
                out.setdefault("".join(w[0] for w in ws), set()).add(n)
        return {k: frozenset(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_category_initials", (), build)


def _names_a_part(kg: _KG, dept: Callable[[str], str | None], cat: str,
                  words: Sequence[str], linked: Collection[str]) -> bool:
    """Whether a query searches a part of the device its intent's category ``cat`` holds,
    and names no such device: a word of it (``words``, those it does not exclude) or a
    category it links (``linked``) is the head of a part's category in ``cat``'s department
    and taxonomy whose parts name a word of ``cat``'s path (:func:`_component_categories`:
    Computer Cards & Components for Computers & Tablets > Laptops; not the store's Wireless &
    Multiroom Components for its Audio, nor Google's Audio Components, speakers and
    amplifiers, whole devices): "processor", "cpu", "ram", "motherboard"; no accessory
    word, "case", "mount"), or a word is the initials of a category so headed ("ssd": Solid
    State Drives, headed "drives" as Optical Drives are), while no word is one of ``cat``'s
    name nor the head of a category below it ("i7 processor", "8gb ram", "ssd 1tb" at the
    intent's Laptops: no All Laptops, MacBooks; "rtx 4060 laptop", "macbook ssd" name one).
    A category of parts itself (the intent's Motherboards, Hard Drives & Storage) is no
    device."""
    d = dept(cat)
    if d is None:
        return False
    device_path = _words(str(kg.path(cat) or kg.label(cat)))
    tree = _taxonomy(cat)
    parts = [c for c, of in _component_categories(kg)
             if of & device_path and _taxonomy(c) == tree and dept(c) == d]
    heads = frozenset().union(*(name_heads(normalize_key(kg.label(c))) for c in parts)) \
        - _ACCESSORY_STEMS
    heads = frozenset(h for h in heads if h not in FUNCTION_WORDS and h.isalpha())
    if not heads or name_heads(normalize_key(kg.label(cat))) & heads:
        return False
    initials = _initials(kg)
    if not (any(name_heads(w) & heads for w in words) or any(
            name_heads(normalize_key(kg.label(c))) & heads for c in linked) or any(
            dept(c) == d and name_heads(normalize_key(kg.label(c))) & heads
            for w in words for c in initials.get(w, ()))):
        return False  # (no part named: most queries, read before the device's tree)
    device = set(_words(kg.label(cat)))
    stack, seen = [cat], {cat}
    while stack and len(seen) < 400:
        for child in kg.into(stack.pop(), "parent"):
            if child not in seen:
                seen.add(child)
                stack.append(child)
                device |= name_heads(normalize_key(kg.label(child)))
    said = set()
    for w in words:
        said |= _words(w)
    return not said & device


#: words of a query that name a TV (a display technology; the KG links none): a brand's
#: ``sells_in`` category they fit holds TVs (:func:`_unit_fits`)
_TV_WORDS = frozenset({"qled", "oled", "uhd", "nanocell", "4k", "8k", "hdr", "neo-qled",
                       "mini-led", "miniled"})
#: the words (:func:`_words`) of the categories each kind of unit fits: a screen of 50 inches
#: or more is a TV's, one of 32 to 49 a TV's or monitor's, a smaller one a monitor's,
#: laptop's or tablet's (or a small TV's); a number of bytes a storage device's or memory's
_FITS_TV = _words("tv television")
_FITS_LARGE = _words("tv television monitor")
_FITS_SCREEN = _words("tv monitor laptop tablet")
_FITS_STORAGE = _words("storage drive ssd memory flash")
_INCH_SIZE = re.compile(r'^(\d+(?:\.\d+)?)\s*(?:"|in|inch|inches)$')
_BYTE_SIZE = re.compile(r"^\d+(?:\.\d+)?\s*(?:gb|tb)$")
_TV_SIZE = re.compile(r"^\d{2}$")


#: words that name a product line's variant more than a product ("pro" of "samsung 990 pro",
#: "airpods pro"; KG categories are headed by them: Mac Pro, iPhone 6 Plus): no word naming
#: the product searched (:func:`_model_words`)
_LINE_WORDS = frozenset({"pro", "plus", "max", "mini", "air", "ultra", "lite", "se", "edge",
                         "note", "one", "series", "go", "neo", "prime", "xl", "elite", "sport",
                         "classic", "new", "black", "extreme"})


def _model_words(kg: _KG, words: Sequence[str], taken: Collection[int]
                 ) -> tuple[list[int], list[int]]:
    """The positions of the query's words that name a model or product line the KG does not
    link ("xps" and "13" of "dell xps 13", "wh-1000xm5", "qled", "bravia" and "65"), and of
    those that name a kind of product a KG category is named by ("iphone" of "apple iphone 7
    plus", "camera" of "canon eos r6 mirrorless camera body"), among the words no linked
    mention, read size or price holds (``taken``; no function word, cue, filler or single
    letter, "kitchenaid c" typed ahead): a model
    word has a digit, or is of letters and no word of a KG category's name; a word of a
    category's name names a product unless it names a line's variant (:data:`_LINE_WORDS`:
    "pro", "plus"). A query of a brand and such words ("samsung deals", "usb and samsung")
    names no model."""
    index = _word_categories(kg)
    model, named = [], []
    for i, w in enumerate(words):
        if i in taken or (len(w) < 2 and not w.isdigit()) or w in _FILLERS \
                or w in _JOINERS or w in _FITS or w in _NEGATIONS or w in FUNCTION_WORDS \
                or w == _MINUS_CUE:
            continue
        ws = _words(w)
        if any(ch.isdigit() for ch in w) or (any(ch.isalpha() for ch in w) and ws
                                              and not any(x in index for x in ws)):
            model.append(i)
        elif ws and w not in _LINE_WORDS:
            named.append(i)
    return model, named


def _unit_fits(words: Sequence[str], model: Collection[int], sizes: Sequence[str]
               ) -> frozenset[str]:
    """The category words (:func:`_words`) that the query's units and display words fit: a
    read size in inches (``sizes``; 50 or more: a TV's, "55in"; 32 to 49 a TV's or
    monitor's; less: a monitor's, laptop's, tablet's or TV's), a bare two-digit number 32 to
    99 among the ``model`` words, read so ("sony bravia 65": the TV's size, which the patterns
    read as no size; "dell ultrasharp 32": a monitor's), a display word ("qled": a TV) or a
    number of bytes ("2tb": storage, memory). Empty: nothing in the query fits a category."""
    out: set[str] = set()
    for s in sizes:
        v = normalize_key(s).replace(" ", "")
        if (m := _INCH_SIZE.match(v)) is not None:
            inches = float(m.group(1))
            out |= _FITS_TV if inches >= 50 else _FITS_LARGE if inches >= 32 else _FITS_SCREEN
        elif _BYTE_SIZE.match(v):
            out |= _FITS_STORAGE
    for i in model:
        w = words[i]
        if w in _TV_WORDS or (_TV_SIZE.match(w) and 50 <= int(w) <= 99):
            out |= _FITS_TV
        elif _TV_SIZE.match(w) and 32 <= int(w) <= 49:
            out |= _FITS_LARGE
    return frozenset(out)


def _is_variant(alias: str, name: str, typo_distance: int) -> bool:
    """``alias`` only respells ``name``: same letters up to case, spacing and punctuation, or
    within ``typo_distance`` edits (one for names under 8 characters)."""
    from rapidfuzz.distance import OSA

    a, b = compact_key(normalize_key(alias)), compact_key(normalize_key(name))
    if a == b:
        return True
    limit = typo_distance if min(len(a), len(b)) >= 8 else min(typo_distance, 1)
    if OSA.distance(a, b, score_cutoff=limit) <= limit:
        return True
    # the letters as written too: the plural fold can move a typo's ending away from the
    # name's ("nkie" folds to "nky" as "hoodie" does, "nike" stays)
    a, b = ("".join(filter(str.isalnum, normalize_key(t))) for t in (alias, name))
    return OSA.distance(a, b, score_cutoff=limit) <= limit


#: the last word of a store's page of a brand, no name of it ("Dyson Brand Store", "Fitbit
#: Health & Fitness Products"; plural-folded, :func:`kg.link.word_order`)
_PAGE_WORDS = frozenset({"store", "shop", "product"})


def _names_a_page(kg: _KG, alias: str, name: str) -> bool:
    """Whether a brand's ``alias`` names a page of the brand, not the brand: its ``name``
    followed by words that name a KG category (a category's name, or the end of the words
    does: "Dell Computers", "Nikon Cameras", "Shutterfly Photobook and Gift Cards") or a store
    page ("Dyson Brand Store", "Fitbit Health & Fitness Products"): the 18 Best Buy brand-store
    names the default KG keeps as aliases of its brands. As an expansion such a name adds
    another department's words to the search ("computers" to "dell monitor"). Another name of
    the brand ("Hewlett-Packard" for HP, a company's "Nike Inc. Sportswear") is no page."""
    own = word_order(normalize_key(name))
    words = word_order(normalize_key(alias))
    if not own or not set(own) < set(words):
        return False
    extra = tuple(w for w in words if w not in own)
    categories = _category_departments(kg)
    return extra[-1] in _PAGE_WORDS or any(extra[i:] in categories for i in range(len(extra)))


def _entity_walk(kg: _KG, iri: str, walk: int, typo_distance: int,
                 ) -> tuple[tuple[_Cand, ...], tuple[tuple[str, str], ...]]:
    """A linked node's candidates and the filter values it sets (``(field, value)``: brand,
    colour, size), cached per graph view."""
    def build() -> tuple[tuple[_Cand, ...], tuple[tuple[str, str], ...]]:
        cands: list[_Cand] = []
        facets: list[tuple[str, str]] = []
        kind, attrs, name = kg.kind(iri), kg.g.nodes[iri], kg.label(iri)
        for other in kg.out(iri, "synonym"):
            cands.append(_Cand(kg.label(other), "synonym", ((iri, "synonym", other),), other,
                               None, False))
        for other in kg.into(iri, "synonym"):
            cands.append(_Cand(kg.label(other), "synonym", ((other, "synonym", iri),), other,
                               None, False))
        for alias in sorted(attrs.get("aliases") or []):
            if not _is_variant(alias, name, typo_distance) \
                    and not (kind == "brand" and _names_a_page(kg, alias, name)):
                cands.append(_Cand(alias, "alias", ((iri, "alias", alias),), iri, None, False))
        if kind == "brand":
            facets.append(("brand", name))
            for cat in kg.out(iri, "sells_in")[:walk]:
                cands.append(_Cand(kg.label(cat), "category", ((iri, "sells_in", cat),), cat,
                                   cat, True))
        elif kind == "category":
            cands += _category_walk(kg, iri, walk, fanout=False)
        elif kind == "product_type":
            for cat in kg.out(iri, "type_in")[:walk]:
                cands.append(_Cand(kg.label(cat), "category", ((iri, "type_in", cat),), cat,
                                   cat, True))
        elif kind == "product":
            for cat in kg.out(iri, "in_category")[:walk]:
                cands.append(_Cand(kg.label(cat), "category", ((iri, "in_category", cat),), cat,
                                   cat, False))
            for b in kg.out(iri, "has_brand")[:walk]:
                cands.append(_Cand(kg.label(b), "brand", ((iri, "has_brand", b),), b, None,
                                   False))
        elif kind == "attribute_value":
            for cat, prod in _most_common_two_hop(kg, iri, "has_value", "in_category", walk):
                cands.append(_Cand(kg.label(cat), "category",
                                   ((prod, "has_value", iri), (prod, "in_category", cat)), cat,
                                   cat, True))
            attr = attrs.get("attribute")
            if attr in ("color", "colour"):
                facets.append(("colour", name))
            elif attr == "size":
                facets.append(("size", name))
        return tuple(cands), tuple(facets)

    return _cached(kg, "_kgqp_entity_walks", (iri, walk, typo_distance), build)


class _Similarity:
    """Cosine similarity of a node's GNN embedding to the link-weighted mean of the linked
    nodes' embeddings, mapped to [0, 1] (0.5 when either is unknown)."""

    def __init__(self, embeddings: Any, linked: Sequence[LinkedEntity]) -> None:
        self.emb = embeddings
        self.query: np.ndarray | None = None
        if embeddings is None:
            return
        self.unit = embeddings.unit()
        rows = [(embeddings.row(e.iri), e.score) for e in linked]
        rows = [(r, w) for r, w in rows if r is not None and w > 0]
        if rows:
            q = sum(self.unit[r] * w for r, w in rows)
            norm = float(np.linalg.norm(q))
            self.query = q / norm if norm > 0 else None

    def __call__(self, iri: str | None) -> float:
        if self.query is None or iri is None:
            return 0.5
        r = self.emb.row(iri)
        return 0.5 if r is None else 0.5 * (1.0 + float(self.unit[r] @ self.query))


def expand(
    kg: Any,
    linked: Sequence[LinkedEntity],
    intent: Intent | None = None,
    *,
    query: str = "",
    rules: RuleSet | RulesFile | None = None,
    config: ExpansionConfig | None = None,
    thresholds: Thresholds | None = None,
    embeddings: Any = None,
    departments: Collection[str] | TaxonomyAlignment | None = None,
    limit: int | None = None,
    outside: bool | None = None,
    no_cues: Collection[tuple[int, int]] = (),
    unknown_brands: Collection[tuple[int, int]] = (),
) -> ExpansionResult:
    """Expand a query's linked entities (and its intent category) through the KG and rules.

    Args:
        kg: ``kg.ProductGraph`` or networkx graph.
        linked: the query's linked entities (their ``score`` scales their expansions).
        intent: the predicted intent: its distribution ranks and gates the expansions, its
            category is expanded (scaled by its probability) and filtered on when trusted.
        query: the query text (for price/size patterns, which read it NFKC-normalised, and
            rules, and to tell a query outside the KG: :func:`kg.link.outside_kg`).
        rules: a :class:`RuleSet` or a :class:`RulesFile` (re-read when edited).
        config: :class:`ExpansionConfig` (weights, per-kind limits, relevance mix).
        thresholds: :class:`Thresholds` (when a category becomes a hard filter).
        embeddings: GNN node embeddings (``fusion.gnn.NodeEmbeddings``) for the similarity
            term; without them it is neutral.
        departments: the intent label space's departments (a category in none is
            cross-taxonomy), as names or as a :class:`fusion.context.TaxonomyAlignment` (which
            also places categories whose path re-roots or skips levels of the label space);
            None: every taxonomy counts as the intent's.
        limit: keep only the best ``limit`` expansions (None: all kept by the per-kind limits).
        outside: whether the query is outside the KG (:func:`kg.link.outside_kg`), when the
            caller has judged it already; None: judged here from ``query`` (not judged when
            ``query`` is empty).
        no_cues: spans of ``query`` (code-point offsets) where the caller reads a negation
            cue as a word of a name ("feathers" of the title "woody allen without feathers",
            tagged so; "touch" after the "no" opening "no touch thermometer"): a run a cue
            excludes that starts in one is no :attr:`ExpansionResult.excluded` words (the
            expansion still keeps its words out of the expansions' names).
        unknown_brands: spans of ``query`` (code-point offsets) the tagger reads as a brand's
            name (``creator``, ``brand``) that link nothing in the KG: a colour word right
            before one opens that brand's name, no filter (:func:`_opens_an_unknown_brand`).

    Returns:
        An :class:`ExpansionResult`; expansions ranked by score, one per name.
    """
    cfg = config or ExpansionConfig()
    th = thresholds or Thresholds()
    g = _KG(as_networkx(kg), kg)
    view = getattr(kg, "view", None)
    if callable(view):  # the derived data is computed by each KG commit, not by a parse
        graph, derived = view(_DERIVED_VIEW, _derived, update=_update_derived)
        if graph is g.g:  # (a commit in another thread may have swapped the views meanwhile)
            g.g.graph["_kgqp_derived"] = derived
    unlinkable = g.unlinkable
    taxonomy = departments if isinstance(departments, TaxonomyAlignment) or departments is None \
        else TaxonomyAlignment((), tuple(departments))
    depts = taxonomy.departments if taxonomy is not None else None

    # per category: (department in the intent's label space, or the tree's top level without
    # one; its lvl1 label), memoised with the graph view for this label space
    aligned = _category_alignment(g, taxonomy)

    def align(cat: str) -> tuple[str | None, str | None]:
        hit = aligned.get(cat)
        if hit is None:
            path = g.path(cat)
            if taxonomy is not None:
                hit = (taxonomy.department(path), taxonomy.label(path))
            else:
                hit = (g.department(cat), SEP.join(x.strip() for x in path.split(">")[:2])
                       if path else None)
            aligned[cat] = hit
        return hit

    def dept(cat: str) -> str | None:
        return align(cat)[0]

    def lvl1(cat: str) -> str | None:
        """The category's lvl1 label; without labels to align to, its path's first two
        levels."""
        label = align(cat)[1]
        if label is None and taxonomy is not None and not taxonomy.labels:
            path = g.path(cat)
            label = SEP.join(x.strip() for x in path.split(">")[:2]) if path else None
        return label
    # (a cue the linker took for a value, "no" -> the size "No" in "no pink dress", is a cue)
    linked = [e for e in linked if e.iri in g.g and e.iri not in unlinkable and not _a_cue(e)]
    # a node named "non" and a brand's name, linked from "non" and that name ("non apple" ->
    # the Flipkart sample's product type "Non-apple"), is the brand excluded, as "non samsung"
    linked = [_non_brand(g, e, linked) for e in linked]
    # the intent distribution, as far as it is known (top-k lvl1, best lvl0)
    p1: dict[str, float] = dict(intent.top_k) if intent is not None else {}
    p0: Counter[str] = Counter()
    for lab, p in p1.items():
        p0[lab.split(SEP)[0]] += p
    if intent is not None:
        p0[intent.lvl0] = max(p0[intent.lvl0], intent.lvl0_score)
    linked_cats = [e for e in linked if g.kind(e.iri) == "category"]
    allowed = {d for d, p in p0.items() if p >= cfg.min_department_prob}

    def cross(cat: str) -> bool:
        d = dept(cat)
        return depts is not None and (d is None or d not in depts)

    scored: list[tuple[float, _Cand]] = []
    # the query's words, each linked mention's place among them, the links the query
    # excludes ("not black", "speaker not headphones": DOWN boosts, and no part of what the
    # expansions are ranked by) and the runs of words its cues exclude (:func:`_exclusions`)
    read_out = _exclusions(g, query, linked)
    words, spans, commas = read_out.words, read_out.spans, read_out.commas
    others, places = read_out.others, read_out.places
    negated_at, negated = read_out.negated_at, set(read_out.negated)
    # the words opening a brand's name the KG does not know ("rodgers" of "white rodgers
    # thermostat": :func:`_opens_an_unknown_brand`)
    unknown_brand_at = _word_starts(query, unknown_brands) if unknown_brands else frozenset()
    # the excluded links each of whose excluded places names what the products wanted are
    # free of ("tea no caffeine" -> the brand "caffeine", "non gmo" -> the brand "G-MOS":
    # :func:`free_from_words`): no DOWN boost, a namesake of the words (below)
    free_from = {iri for iri, at in negated_at.items()
                 if at and all(free_from_words(" ".join(words[a:b])) for a, b in at)}
    # the links after "with" ("baby monitor with camera"): a feature or part of the product
    # searched, no product searched: no fan-out of their own, no category filter, and their
    # department is not one the query is about. (An accessory linked there may be what is
    # searched, as the brand rules read it: "samsung tv with stand" links TV Stands.)
    featured = {e.iri for e in linked if g.kind(e.iri) != "brand"
                and _after_with(words, spans[e.iri]) and not _ACCESSORY.search(g.label(e.iri))
                and not any(w in _ACCESSORY_WORDS or w in _PERIPHERAL_WORDS
                            for w in _query_words(e.mention or ""))}
    allowed |= {d for e in linked_cats if e.iri not in featured and (d := dept(e.iri))}
    sim = _Similarity(embeddings, [e for e in linked if e.iri not in negated])
    pop = g.popularity
    mix = (cfg.intent_weight, cfg.similarity_weight, cfg.popularity_weight)

    def relevance(c: _Cand) -> float:
        if c.kind in ("synonym", "alias"):
            return 1.0  # the linked node's own names
        if c.category is None or intent is None:
            agree = 0.5
        else:
            d, lvl1 = align(c.category)
            agree = 0.5 * p0.get(d or "", 0.0) + 0.5 * p1.get(lvl1 or "", 0.0)
        return (mix[0] * agree + mix[1] * sim(c.iri) + mix[2] * pop.get(c.iri or "", 0.0)) \
            / sum(mix)

    brand_spans = [sp for e in linked if g.kind(e.iri) == "brand" and (sp := spans[e.iri])]
    # the words each cue excludes, linked or not ("tv not 4k" links nothing; "headphones not
    # wireless" links a microphones category): no expansion's name holds them (below), as
    # none names a negated mention
    excluded_runs = list(read_out.runs)
    excluded_words = [_run_words(" ".join(words[a:b])) for a, b in excluded_runs]
    # the words the accessory rules read: a last word typed short or misspelt ("samsung galaxy
    # s21 cse", "lg tv remot", type-ahead "...s21 ca") read as the accessory word it may be
    typed = _typed_accessory(words[-1], lambda: _known_words(g)) if words else None
    acc_words = [*words[:-1], typed] if typed is not None else words
    # the linked categories that name the device an accessory is for ("tv" in "tv battery",
    # "soundbar for 55 inch tv"): what is searched is another product, so no filter, and of
    # their expansions only their accessory categories; an intent that only follows the device
    # word (TVs for "tv battery", "tv cable") is no judge of the searched product's lvl1
    # category, and of its category's neighbourhood only the accessory categories are walked
    # (no device named as a modifier of another product, "microwave popcorn": the noun phrase
    # after a device runs through bounds, prices and brand lines, "tv under fifty bucks",
    # "apple watch nike plus", and lost right filters on the store's own queries)
    fitted = _fitted_devices(g, acc_words, linked, spans)
    # the words that name no device an accessory fits: those of a linked colour, size or other
    # value, of a brand, of what the query excludes; and the accessory words that name a kind
    # of the linked product searched, no accessory ("stand" of "stand mixer")
    no_device = frozenset(i for e in linked if (sp := spans[e.iri]) is not None and (
        e.iri in negated or g.kind(e.iri) not in ("category", "product_type", "product"))
        for i in range(*sp))
    no_accessory = frozenset(
        i for e in linked if e.iri not in negated and (sp := spans[e.iri]) is not None
        and g.kind(e.iri) in ("category", "product_type")
        and any(w in _ACCESSORY_WORDS for w in acc_words[sp[0]:sp[1] - 1])
        and _a_kind_of(g, e.iri, " ".join(words[sp[0]:sp[1]]))
        for i in range(sp[0], sp[1] - 1) if acc_words[i] in _ACCESSORY_WORDS)
    follows_device = False
    if intent is not None and intent.category not in {
            lvl1(e.iri) for e in linked_cats if e.iri not in fitted}:
        intent_cat = intent.category_iri or g.category_by_path(intent.category)
        follows_device = intent.category in {
            lvl1(c) for d in fitted for c in _own_categories(g, d)} or (
            intent_cat is not None and intent_cat in g.g
            and _names_the_device(g, acc_words, linked, spans, intent_cat))
    query_words = _words(query)
    # attributes the query's own linked values set ("for men": ideal_for): another value of
    # one ("women", "girl") contradicts the query, and an engine ORing expansions would show it
    # (a value naming the set one more finely stays: "genuine leather" for "leather")
    fixed: dict[str, list[str]] = {}
    for e in linked:
        if g.kind(e.iri) == "attribute_value" and e.iri not in negated:
            attr = g.g.nodes[e.iri].get("attribute") or ""
            if attr == "size" and _bare_number(g.label(e.iri)):
                continue  # a bare number ("galaxy watch 4") sets no size
            fixed.setdefault(attr, []).append(e.iri)

    def excluded(text: str, start: int, cues: frozenset[str] = _NEGATIONS) -> bool:
        """Whether the words of ``text`` before the character offset ``start`` exclude what
        follows (:func:`_negated`, the words linked as another mention no cue): a rule's input
        ("not refurbished", "non-refurbished"), a size pattern ("tv not 65 inch")."""
        head = text[:start]
        # ("tv -(65 inch)": a "-" before a bracket or a quote, whatever opens the group)
        opened = head.rstrip("".join(_OPENING_MARKS))
        group = len(opened) < len(head) and opened.endswith("-")
        head = opened if group else head
        cut = head.rstrip("-\u2010")  # ("non-refurbished": the cue "non")
        before = _query_words(cut)
        if head.endswith("-") and len(cut) == len(head) - 1 and (not cut or cut[-1].isspace()) \
                and (group or text[start:start + 1].isalpha()):
            before.append(_MINUS_CUE)  # "tv -refurbished": the search box's exclusion
        others = [sp for e in linked
                  if (sp := _find_mention(before, e.mention or g.label(e.iri)))]
        return _negated(before, (len(before), len(before)), cues, others)

    # the audiences the query names (not those it excludes: "watch not for men"), linked or
    # not ("newborn", "for kids", "youth": the tagger's ``department``, linked to nothing): an
    # expanded value of another audience contradicts the query ("newborn gloves": no Men)
    audience = _audiences(words)
    if audience:  # (most queries name none)
        audience = _audiences([w for i, w in enumerate(words)
                               if not _negated(words, (i, i + 1), _VALUE_NEGATIONS)])

    def contradicts(iri: str) -> bool:
        if audience and _names_another_audience(g.label(iri), audience):
            return True
        set_ = fixed.get(g.g.nodes[iri].get("attribute") or "")
        if not set_ or iri in set_:
            return False
        name = set(normalize_key(g.label(iri)).split())
        return not any(set(normalize_key(g.label(v)).split()) <= name for v in set_)

    # the store departments of the products the query links (its categories and product types
    # not excluded, no feature after "with"), and a trusted intent's (a generic word's link,
    # "apple accessories" -> Two-Way Radios > Accessories, beside Cell Phones): a brand's
    # ``sells_in`` fan-out stays in them
    product_depts = {d for e in linked if e.iri not in negated and e.iri not in featured
                       and g.kind(e.iri) in ("category", "product_type")
                       for c in ([e.iri] if g.kind(e.iri) == "category"
                                 else g.out(e.iri, "type_in"))
                       if not cross(c) and (d := dept(c))}

    # a query that names a brand and a model or line of it the KG does not link ("dell xps
    # 13", "sony wh-1000xm5", "samsung 55in qled", :func:`_model_words`): which of the brand's
    # many families it is the KG cannot say. Where the query links no product (a category or
    # product type, whose departments bound a brand's fan-out as for any brand: "samsung
    # galaxy s7 edge"), the brand's ``sells_in`` fan-out keeps only the categories the rest of
    # the query supports: those its units or display words fit (:func:`_unit_fits`: "55in",
    # "65", "qled" -> TVs, "2tb" -> storage) and those a word of it heads ("apple iphone 7
    # plus": iPhone), else none (not even where a brand's ``sells_in`` categories are one
    # family's: those edges are partial, Acer's only one is All Unlocked Cell Phones). Where
    # it links no product, or the model is the device an accessory fits ("charger for dell
    # xps"), and no word of it heads the intent's category ("canon eos r6 mirrorless camera
    # body": Digital Cameras), the intent's category is walked only as sure as a hard filter
    # (``thresholds.hard_filter``: the intent of such a query, its model unknown to the KG, is
    # right about half the time between ``thresholds.intent`` and it), and not into its
    # siblings (other families by definition: a model is one product)
    # the patterns read the query as typed, NFKC-normalised (the rules keep numbers as typed:
    # "10²"): a DELETE takes words out of the text searched ("and", "to", "dollars"), never a
    # price bound or size the user asked for ("tv between 500 and 800" with "and => DELETE");
    # each size with where it was read (a value is not always the text's, "55 inch" of "55
    # or 65 inch", '50"' of '50′′')
    text = " ".join(unicodedata.normalize("NFKC", query).split())
    price_min, price_max = parse_price(text)
    read_at = find_sizes(text)
    model: list[int] = []
    product_heads: frozenset[str] = frozenset()  # (the heads of the words naming a product)
    unit_fits: frozenset[str] = frozenset()
    linked_product = bool(product_depts)
    if words and any(g.kind(e.iri) == "brand" and e.iri not in negated for e in linked):
        sizes = read_at if text == " ".join(query.split()) else []
        taken = {i for sps in places for a, b in sps for i in range(a, b)}
        taken |= {i for sp in spans.values() if sp is not None for i in range(*sp)}
        for size in sizes:
            taken |= set(range(len(_query_words(text[:size.start])),
                               len(_query_words(text[:size.end]))))
        model, named_at = _model_words(g, words, taken)
        product_heads = frozenset().union(*(name_heads(words[i]) for i in named_at))
        if model and (price_min, price_max) != (None, None):
            model = [i for i in model if not words[i].lstrip("$").replace(".", "").isdigit()]
        unit_fits = _unit_fits(words, model, [size.value for size in sizes])
    # the audiences of what the query searches: those its words name and those its linked
    # categories and product types name ("baby monitor", "kids tablets" linking Kids' Tablets);
    # a query that names audiences only to exclude them ("gloves not for kids") is not judged
    # narrowed by another one ("Men")
    searched_for = audience | {
        a for e in linked if e.iri not in negated and g.kind(e.iri) in ("category", "product_type")
        for a in _audiences(normalize_key(g.label(e.iri)).split())}
    audience_judged = bool(searched_for) or not _audiences(words)
    # the categories the query's brands (not excluded) are sold in: their ``sells_in``
    # categories and their products' (or those of the sold brand one is spelt like), as
    # :func:`_brand_facts` reads them for the brand filter
    brands_sold = {c for e in linked if e.iri not in negated and g.kind(e.iri) == "brand"
                   for c in _brand_facts(g, e.iri)[1]}
    # the words the query says, with those of the categories its brands are sold in: a
    # device a brand makes is named by the brand ("canon battery": Canon sells Digital
    # Cameras, so Camera Batteries are no other device's; "makita 18v battery": no camera)
    brand_said: list[frozenset[str]] = []

    def said_words() -> frozenset[str]:
        """The query's words and those of its brands' categories, read once, when a generic
        accessory's neighbour asks (most queries have none)."""
        if not brand_said:
            brand_said.append(frozenset(query_words) | {w for c in brands_sold
                                                         for w in _words(g.label(c))})
        return brand_said[0]

    def asked_for(value: str) -> bool:
        """Whether the query asks for a category's common attribute ``value``: it sets a
        value of that attribute (one naming it more finely stays, :func:`contradicts`:
        "leather belt" -> Genuine Leather), or it names an audience the value names ("mens
        gloves" -> Men). A colour or material of the category's products the query names none
        of ("curtains" -> Multicolor, "bike helmet" -> Black) narrows it to what it did not
        ask for, and an engine ORing expansions would rank any product of that colour up."""
        if (g.g.nodes[value].get("attribute") or "") in fixed:
            return True
        label = g.label(value)
        return bool(audience) and bool(_audiences(normalize_key(label).split())) \
            and not _names_another_audience(label, audience)

    # the linked categories of the label space the query names as products (not excluded, no
    # feature after "with"): a list of products names several ("graphics tablets mice", read
    # as mice for graphics tablets too)
    listed = {e.iri for e in linked_cats if e.iri not in negated and e.iri not in featured
              and not cross(e.iri)}

    def points_there(c: _Cand) -> bool:
        """Whether the query's brand or intent points to a tree neighbour ``c`` of a linked
        category the query's words do not name: a brand of the query sold in it, or an
        intent at least as sure as its lvl1 suggestion's threshold (``thresholds.intent``)
        whose lvl1 category is its, or, in a list of products, another linked product's
        while it gives ``c``'s, the linked category's own, some probability (0.05)."""
        if c.iri in brands_sold:
            return True
        if intent is None or intent.score < th.intent or outside or c.iri is None \
                or cross(c.iri):
            return False
        if lvl1(c.iri) == intent.category:
            return True
        # a list of products ("graphics tablets mice"): the intent follows one of them, the
        # others keep their own neighbours, in their own lvl1 category (which the intent
        # gives some probability: "Gaming Mice" beside the intent's Graphics Tablets)
        walked = c.provenance[0][2] if c.kind == "child_category" else c.provenance[0][0]
        return walked in listed and walked not in fitted and lvl1(c.iri) == lvl1(walked) \
            and p1.get(lvl1(c.iri) or "", 0.0) >= 0.05 \
            and any(o != walked and lvl1(o) == intent.category for o in listed)

    # the generations of product lines the query names ("ps5", "iphone 15", "xbox series x"):
    # a candidate naming another generation of such a line is another product ("PS4 Games",
    # "iPhone 6", "Xbox 360"; :func:`_another_generation`)
    generations = _generations(text)

    def add(cands: Sequence[_Cand], base: float) -> None:
        fanned: Counter[tuple[str, str]] = Counter()
        for c in cands:
            if c.iri in unlinkable or (c.category is not None and c.category in unlinkable):
                continue
            if generations and c.kind not in ("synonym", "alias") \
                    and _another_generation(c.term, generations):
                continue  # "ps5 console": no PS4 Consoles, PlayStation 3; "iphone 15": no
                #           iPhone 6, iPhone SE (the line's own PlayStation Network stays)
            if c.kind != "alias" and c.iri is not None and not g.named(c.iri):
                continue  # a node without a name: its term would be its IRI
            if c.kind == "attribute_value" and c.iri is not None and contradicts(c.iri):
                continue
            if audience_judged and _narrows_audience(c, searched_for):
                continue  # "sandals": no "womens footwear", "sweatshirt": no "Men"
            if c.kind == "attribute_value" and c.iri is not None and not asked_for(c.iri):
                continue  # "curtains": no Multicolor, "pillow no feathers": no White, Cotton
            # (the query's words first: its brands' categories are read only for a
            # neighbour those leave unsaid)
            if not c.fanout and c.kind in _TREE_KINDS and _a_narrower_unsaid(
                    g, c, query_words) and _a_narrower_unsaid(g, c, said_words()) \
                    and not points_there(c):
                continue  # "makita 18v battery": no Camera Batteries, UPS Batteries
            if c.kind in _TREE_KINDS and c.category is not None and taxonomy is not None:
                walked = c.provenance[0][2] if c.kind == "child_category" else c.provenance[0][0]
                src = dept(walked)
                if src is not None and dept(c.category) != src:
                    continue  # tree walks stay in their department (no store root, no other
                    #          departments as "siblings" of a department)
            if c.fanout and c.category is not None:
                sold = c.kind == "category" and c.provenance[0][1] == "sells_in"
                if product_depts and sold and dept(c.category) not in product_depts:
                    continue  # a brand's other departments, where the query's linked product
                    #          is not ("apple mice": no iPhone cases)
                fits = False
                if model and sold and not linked_product:
                    label = g.label(c.category)
                    if not unit_fits & _words(label) \
                            and not product_heads & name_heads(normalize_key(label)):
                        continue  # "sony wh-1000xm5": no PlayStation 4; "samsung 55in
                        #          qled": no Refrigerators (see ``model``)
                    fits = True  # ("sony bravia 65": TVs, whatever the intent's guess)
                if cross(c.category):
                    continue  # cross-taxonomy only as tree neighbours of a linked category
                if fits:
                    pass
                elif allowed and dept(c.category) not in allowed:
                    continue  # no fan-out into unrelated departments
                if not allowed and not fits:  # nothing says which department: the most
                    key = (c.provenance[0][0], c.kind)  # popular one only
                    if fanned[key] >= 1:
                        continue
                    fanned[key] += 1
            w = cfg.weights[c.kind] * base * relevance(c)
            if w > 0:
                scored.append((min(w, 1.0), c))

    # expansions, filters and their sources
    facets: dict[str, list[tuple[str, str]]] = {"brand": [], "category": [], "colour": [],
                                                "size": []}
    suggestions: list[CategorySuggestion] = []
    # a query outside the KG: its intent is the text model's guess, a suggestion only (judged
    # only when the caller gives the query's text)
    if outside is None:
        outside = bool(query.strip()) and outside_kg(kg, query, linked)
    hard_dept = intent.lvl0 if intent is not None and intent.lvl0_score >= th.hard_filter \
        and not outside else None
    if hard_dept is not None and product_depts:
        product_depts.add(hard_dept)
    # the departments the query is about: the trusted intent's and its linked categories'
    # (those it does not exclude); an excluded category in none of them is a namesake in
    # another department ("headphones not wireless" -> Musical Instruments > ... > Wireless,
    # "laptop without windows" -> Building Materials > Windows), not what the user excluded.
    # None is judged without the label space's departments (every taxonomy counts as the
    # intent's), nor where nothing trusted says what is searched; where a linked category
    # searched is outside it, an excluded category of its taxonomy far from it is a namesake
    # (:func:`_a_namesake_beside`: "cat food without fish" -> Fish Food; "belt without buckle",
    # Flipkart's belts and Google's Belt Buckles, is not judged)
    searched_depts = [dept(e.iri) for e in linked_cats if e.iri not in negated]
    about = set() if depts is None or None in searched_depts else {
        d for d in (hard_dept, *searched_depts) if d}
    # the words of the categories the query names (its intent, its linked categories): a size
    # value among them is part of such a name ("small" in "small kitchen appliances")
    named = set(normalize_key(intent.category.split(SEP)[-1]).split()) if intent else set()
    for e in linked:
        if g.kind(e.iri) == "category":
            named.update(normalize_key(g.label(e.iri)).split())
    # brand links: a hard filter only for a grounded brand the query asks for; a brand the
    # query excludes is a DOWN boost, and one it may only name as the device an accessory fits
    # (or one the KG sells nothing under) an UP boost
    link_boosts: list[Boost] = []
    # the linked categories and products that are a brand's product line ("iphone": Apple's),
    # with that brand: another brand's line on the other side of an "or" makes a brand an
    # alternative ("samsung phone or iphone")
    # (the words as the alternatives read them: "difference between laptop and tablet",
    # "compare x with y" are alternatives as "laptop vs tablet")
    alt_words = _compared(words)
    compared = any(w in _ALTERNATIVES for w in alt_words)
    lines = [(sp, owners) for e in linked if e.iri not in negated
             and (sp := spans[e.iri]) is not None and (owners := _comparison_owners(g, e.iri))
             ] if compared else []
    linked_at = {i for e in linked if (sp := spans[e.iri]) is not None for i in range(*sp)}

    def side_names(side: tuple[int, int], what: str, but: Collection[str] = ()) -> bool:
        """Whether the words of an alternative's ``side`` that no mention links name a
        grounded brand (``what`` "brand": "dell laptop vs hp laptop", "vs hp" linking
        nothing) or a KG category ("category": "laptop" of "difference between laptop and
        tablet"; not one of the words ``but``, the category's own: "dell laptop vs hp
        laptop")."""
        free = [alt_words[i] for i in range(*side) if i not in linked_at and alt_words[i]
                and alt_words[i] not in _ALTERNATIVES and alt_words[i] not in _FILLERS]
        if what == "brand":
            return any(brand_key(w) in grounded_brands(g.g) for w in free)
        return any((ws := _words(w)) and ws in _category_words(g) and not ws <= set(but)
                   for w in free)
    # the query's products besides a brand: the linked categories and product types it
    # searches (tagged as a product or a product's name; not excluded, no feature after
    # "with", no device an accessory is for)
    searched = [(e, sp) for e in linked if (sp := spans[e.iri]) is not None
                and g.kind(e.iri) in ("category", "product_type")
                and e.iri not in negated and e.iri not in featured and e.iri not in fitted
                and (e.label is None or e.label in HEAD_LABELS or e.label == "product_name")]
    # an intent this sure is one to keep a brand filter by, the query unfamiliar to the intent
    # model or not ("asus notebook", Laptops at 0.93; ``unfamiliar`` marks a low probability
    # as no judge)
    sure = intent is not None and intent.score >= th.intent and not outside

    def sold_where_searched(span: tuple[int, int] | None, sold_in: Collection[str]) -> bool:
        """Whether a grounded brand (at ``span``, sold in ``sold_in``) may be sold where the
        query searches, so a filter on it keeps what is searched. Not where (and only where) the
        query links a product (a linked mention, not the brand's) the store sells no kind of: no
        category of its label space holds every word of the mention ("sauce", "cheddar
        cheese", "energy drink"), the KG's categories of that name (another taxonomy's) lie in
        departments the brand sells nothing in, and a sure intent's department is none
        the brand sells in either ("samsung television" links Google's Televisions, but its
        intent is TV & Home Theater, where Samsung sells). Otherwise it may: the KG's
        ``sells_in``/``has_brand`` edges are too partial to judge a department by, so a query
        that links no product ("fitbit versa", "jbl flip 5", "amazon echo": the intent or a
        free word's namesake would drop right filters on the store's own brands), or whose
        product the store holds ("vizio 50 inch tv"), or whose sure intent lies where the brand
        sells ("asus notebook": Laptops), keeps the filter."""
        sells_intent = sure and any(dept(c) == intent.lvl0 for c in sold_in if not cross(c))
        products = [(e, sp) for e, sp in searched
                    if span is None or sp[1] <= span[0] or span[1] <= sp[0]]
        if not products or sells_intent:
            return True
        index = _word_categories(g)

        def store(text: str) -> list[str]:
            """The categories of the store (the label space) named by every word of ``text``
            and headed by its last one ("baby food": Baby Food Makers holds both words, but
            heads makers)."""
            ws, head = _words(text), name_heads(normalize_key(text.split()[-1] if text else ""))
            return [c for c in (frozenset.intersection(*(index.get(w, frozenset()) for w in ws))
                                if ws and head else ())
                    if not cross(c) and head & name_heads(normalize_key(g.label(c)))]

        named = [" ".join(words[sp[0]:sp[1]]) for _, sp in products]
        cats = {c for e, _ in products for c in _own_categories(g, e.iri)}
        if any(store(text) for text in named) or not cats or not all(cross(c) for c in cats):
            return True
        tops = {g.department(c) for c in sold_in}
        return any(g.department(c) in tops for c in cats)

    # the brands each brand filter is an alternative to ("samsung or lg tv"), and the role of
    # each linked brand (None: a filter): a brand filter is one only where they all are
    alternatives: dict[str, list[str]] = {}
    brand_roles: dict[str, str | None] = {}
    # each linked category (not excluded): the category it may filter on in the trusted
    # department (None: none), and whether the intent agrees with it
    cat_links: list[tuple[LinkedEntity, str | None, bool]] = []
    # the links that name no node the query is about, excluded or not: a place of origin, a
    # namesake category (no ``iri`` of the words the query excludes: "cat food without fish"
    # excludes fish, not the fish's Fish Food)
    namesakes: set[str] = set()
    # the categories of the devices the query links (not excluded): a brand sold in one of
    # them, by a product of its (``has_brand`` + ``in_category``) as much as a ``sells_in``
    # edge, makes that device ("plexo tv remote": Plexo's only link to TVs is a TV of its)
    linked_devices = {c for e in linked if e.iri not in negated
                      and g.kind(e.iri) in ("category", "product_type")
                      for c in _own_categories(g, e.iri) if not _ACCESSORY.search(g.label(c))}

    def makes_the_device(brand: str) -> bool:
        """Whether the brand makes devices (a ``sells_in`` category that is no accessory's),
        or one of the devices the query links."""
        _, sold_in, devices = _brand_facts(g, brand)
        return devices or any(c in linked_devices for c in sold_in)

    # the taxonomies (IRI catalogues, :func:`_taxonomy`) of the store's tree beside a trusted
    # intent: its category's, its department's, a linked category's placed in the label space;
    # another one's linked categories expand by their names only (below)
    store_trees = set() if hard_dept is None or intent is None else {
        _taxonomy(c) for c in (intent.category_iri, g.category_by_path(intent.category),
                               g.category_by_path(hard_dept), *(e.iri for e in linked_cats))
        if c is not None and c in g.g and g.kind(c) == "category" and not cross(c)}
    # who the query says makes what it searches: a third party (the brands it names are the
    # devices that fits, UP boosts), or the brand named (no accessory reads it as the device)
    party = _party_cue(words)
    # the spans of the linked categories and product types the query does not exclude
    searched_spans = [sp for e in linked if e.iri not in negated and (sp := spans[e.iri])
                      and g.kind(e.iri) in ("category", "product_type")]
    # a toy version of a device ("toy microwave", "toy blender", "pretend washer and dryer for
    # kids"): the place of the device's first word (:func:`_toy_version`); the device's
    # products are not what is searched, so its walk and the intent's expand nothing (below)
    toy_at = _toy_version(words, [sp for e in linked if (sp := spans[e.iri]) is not None])

    def toy_device(e: LinkedEntity) -> bool:
        """Whether the linked ``e`` is the device the query asks a toy version of: a
        category, product type or product named right after the toy words whose categories
        hold no toys ("toy drone": Toys, Games & Drones is walked; :func:`_holds_toys`)."""
        sp = spans[e.iri]
        if toy_at is None or sp is None or sp[0] != toy_at \
                or g.kind(e.iri) not in ("category", "product_type", "product"):
            return False
        cats = g.out(e.iri, "in_category") if g.kind(e.iri) == "product" \
            else _own_categories(g, e.iri)
        return not _holds_toys(g.label(e.iri)) and not any(
            _holds_toys(str(g.path(c) or g.label(c))) for c in cats)

    for ent, ent_places in zip(linked, places, strict=True):
        if ent.iri in free_from:
            namesakes.add(ent.iri)
            continue  # "tea no caffeine": what the tea is free of, no brand "caffeine" to
            #           demote (the excluded words are ``free_from``)
        if ent.iri in read_out.bare:
            namesakes.add(ent.iri)
            continue  # "refrigerator not w", "tv not xl": one letter, a letter size without
            #           "size", names nothing to demote (:func:`_too_bare`)
        if g.kind(ent.iri) == "brand" and _an_origin(ent.mention or ""):
            namesakes.add(ent.iri)
            continue  # "made in china": where the product is made, no brand to filter on,
            #           boost or exclude (a name list's brand "Made In China")
        base = max(min(ent.score, 1.0), 1e-3)
        cands, ent_facets = _entity_walk(g, ent.iri, cfg.walk, cfg.typo_distance)
        span = spans[ent.iri]
        role = "negated" if ent.iri in negated else (
            _brand_role(words, _outer(words, span, g.label(ent.iri)), others[ent.iri])
            or _hedged(words, span) if g.kind(ent.iri) == "brand" else None)
        if role is None and g.kind(ent.iri) == "brand" and party == "third":
            role = "fits"  # "smartwatch bands fitbit third party": not made by Fitbit
        if role is None and g.kind(ent.iri) == "brand" and party != "first" \
                and makes_the_device(ent.iri) \
                and _names_a_device_it_fits(acc_words, span, searched_spans, no_device,
                                            no_accessory):
            role = "fits"  # "samsung galaxy s21 case": Samsung makes few of its cases
        if role is None and g.kind(ent.iri) == "brand" and party != "first" \
                and makes_the_device(ent.iri) and not _accessory_maker(g, ent.iri) \
                and not {"brand", "brands"} & set(words) and (
                    # "samsung case", "apple chargers", "google accessories": only accessory
                    # words beside the brand, accessories the KG does not read it the maker of
                    ((reading := _accessory_reading(words, span, searched_spans, no_device,
                                                    no_accessory))[0] and not reading[1]
                     and not _makes_the_accessory(g, ent.iri, reading[0]))
                    # "samsung zagg": an accessory maker names the product, and the brand that
                    # makes devices the device it fits
                    # (not on two sides of an alternative, "fitbit vs garmin", "lg or dynex
                    # tv": the KG's sells_in edges of a device maker can be accessories only;
                    # an "or" elsewhere, "samsung zagg black or white", parts nothing)
                    or any(o.iri != ent.iri and o.iri not in negated
                           and g.kind(o.iri) == "brand" and _accessory_maker(g, o.iri)
                           and (_read_as_brand(o.label)
                                or o.score >= cfg.brand_filter_min_link)
                           and not _on_other_sides(alt_words, span, spans.get(o.iri))
                           for o in linked)):
            role = "fits"
        if ent.iri in fitted or role == "fits":  # the device an accessory is for, its
            cands = _accessories(cands)  # maker: only their accessory categories
        if store_trees and g.kind(ent.iri) == "category" and cross(ent.iri) \
                and _taxonomy(ent.iri) not in store_trees:
            # another taxonomy's category beside a trusted intent in the store's tree: the
            # store's tree has the concept (the intent's category is walked below); that
            # category's neighbours, brands and values are another shop's ("nintendo switch
            # games" -> Google's Games: Bingo Sets; "top load washer" -> Google's hardware
            # Washers: Rivets), only its own names expand
            cands = tuple(c for c in cands if c.kind in ("synonym", "alias"))
        if toy_device(ent):
            cands = ()  # "toy microwave": no Countertop Microwaves, LG, Amana
        if role != "negated" and ent.iri not in featured:
            add(cands, base)  # (an excluded node adds nothing: "phone not samsung"; nor does
            #                  a feature of the product searched: "baby monitor with camera")
        for field_, value in ent_facets:
            if field_ == "size" and _bare_number(value):
                continue  # "galaxy watch 4", "razer blade 15": a model, a count or another
                #           dimension as much as a size: no size filter, nor boost
            if role == "negated" and field_ == "colour" and span is not None and all(
                    _in_a_name(g, words, (place[1] - 1, place[1])) for place in ent_places):
                continue  # an excluded colour word opening a KG name ("not coffee table",
                #           "not white noise machine"): that name's word, no colour excluded
            if role == "negated" and field_ == "colour" and ent.iri in read_out.food_colours:
                continue  # a word of the food's name the query excludes ("not green tea
                #           flavored"): no colour the products are not of
            if role == "negated" and field_ != "brand":  # "phone case not black"
                link_boosts.append(Boost(f"{field_}:{value}", -cfg.brand_boost,
                                         f"link:{ent.iri} (negated)"))
                continue
            if field_ == "colour" and ent.label is not None \
                    and ent.label.lower() not in _COLOUR_LABELS:
                continue  # a colour value linked from a word the tagger did not read as a
                #           colour ("soft" in "cinnamon candy balls soft"): no colour filter
            if field_ == "colour" and span is not None and unknown_brand_at and all(
                    _opens_an_unknown_brand(words, place, unknown_brand_at)
                    for place in ent_places or [span]):
                # the colour word opens a brand's name the KG does not know, the tagger
                # reading the words right after it as a brand's ("white rodgers thermostat":
                # White-Rodgers): a word of that name, not the product's colour; a soft
                # signal at most
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (in a name)"))
                continue
            if field_ == "colour" and span is not None and all(
                    _in_a_name(g, words, place) for place in ent_places):
                # the colour word opens a KG name with the words after it ("white noise
                # machine", "blue microphones yeti", "coffee table"): a word of that thing's
                # name, not its colour; a soft signal at most
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (in a name)"))
                continue
            if field_ == "colour" and not _names_a_colour(value):
                # a pattern, finish or theme the KG lists as a colour ("striped" -> "strip",
                # "floral", "dark" in "dark wash jeans"): a filter on it would remove every
                # product whose colour facet names its colour; a soft signal only, and the
                # colour it holds, where the KG has that colour, the filter ("striped blue"
                # -> Blue, "matte white" -> White)
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (not a colour)"))
                held = _colour_held(g, value)
                if held is not None:
                    facets["colour"].append((held, f"link:{ent.iri} (its colour)"))
                continue
            things = [e.iri for e in linked if e.iri not in negated
                      and g.kind(e.iri) in ("category", "product_type")] \
                if field_ == "colour" else []
            if field_ == "colour" and _a_scent_or_flavour(value, words, bool(things) and all(
                    _food_category(g, t) or _care_category(g, t) for t in things)):
                # a colour word that names a scent or flavour too, on a consumable ("lavender
                # body wash", "peach tea", "lavender dryer sheets"): a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a scent or flavour)"))
                continue
            if field_ == "colour" and _a_consumable_colour(
                    g, words, ent_places or ([span] if span else []), [
                        sp for e, sps in zip(linked, places, strict=True)
                        if g.kind(e.iri) == "attribute_value"
                        and str(g.g.nodes[e.iri].get("attribute") or "").lower()
                        in _COLOUR_LABELS for sp in sps], things,
                    [sp for e, sps in zip(linked, places, strict=True)
                     if g.kind(e.iri) in ("brand", "product") for sp in sps]):
                # a food's colour ("brown sugar", "pink lemonade", "red apples") or a care
                # product's ("crest 3d white toothpaste"): its variety, flavour or line, no
                # colour facet of the product; a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a consumable)"))
                continue
            if field_ == "colour" and _a_fuel(g, things):
                # a fuel's colour ("blue rhino propane"): a fuel has no colour facet; the
                # colour word opens its maker's name (Blue Rhino); a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a fuel)"))
                continue
            if field_ == "colour" and (specs := {_a_spec_colour(
                    g, words, value, place, things, [
                        (e.iri, sp) for e, sps in zip(linked, places, strict=True)
                        if e.iri not in negated and g.kind(e.iri) == "brand" for sp in sps])
                    for place in ent_places or ([span] if span else [])}) \
                    and None not in specs:
                # a colour that names a spec: a keyboard switch's type ("mechanical keyboard
                # brown switches"), a power supply's efficiency rating ("1000w psu 80+
                # gold"), a drive line ("wd blue 1tb ssd"): a filter would remove almost every
                # product searched; a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} ({min(specs)})"))
                continue
            if field_ == "size" and ent.label is not None \
                    and ent.label.lower() not in _SIZE_LABELS and not (
                        ent.label.lower() == "shape" and normalize_key(value) in _BED_SIZES):
                continue  # a size value linked from a word the tagger did not read as a size
                #           ("double" [shape] in "double stroller", "free weights", "standard
                #           toothbrush", "handheld" [modifier]): no size filter; but a bed
                #           size read as a shape, as QueryNER's annotators tag "king" ("king
                #           duvet"), is one
            if field_ == "size" and set(normalize_key(value).split()) <= named:
                continue
            if field_ == "size" and span is not None and span[0] > 0 \
                    and words[span[0] - 1] in BED_SIZE_PREFIXES \
                    and normalize_key(value) in ("king", "queen"):
                continue  # "california king", "split king": another bed size (the patterns
                #           read it beside bedding, "California King"), no King
            if field_ == "size" and all(_a_stray_letter_size(value, words, place, any(
                    _all_under(g, e.iri, _APPAREL_PATH) for e in linked if e.iri not in negated
                    and g.kind(e.iri) in ("category", "product_type")))
                                        for place in ent_places or [span]):
                continue  # "tv m", "curtains for l", "king size b": a letter that begins a
                #           word or names a model or a shape, no size: no filter, nor boost
            if field_ == "size" and all(_a_garment_size(value, words, place)
                                        for place in ent_places or [span]):
                # a garment size of no clothing ("large breed dog food", "small vacuum"):
                # most products have no such size facet; a soft signal only
                link_boosts.append(Boost(f"size:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (not clothing)"))
                continue
            if field_ == "brand":
                value, sold_in, _ = _brand_facts(g, ent.iri)
                alternative = _an_alternative(alt_words, span, brand_spans, [
                    sp for sp, owners in lines if brand_key(value) not in owners])
                if alternative is None and compared and span is not None and any(
                        side_names(side, "brand")
                        for side in _alternative_sides(alt_words, span)[0]):
                    alternative = True  # the other side's brand links nothing: no filter on
                    #                     one side only ("dell laptop vs hp laptop")
                if role is None and not _read_as_brand(ent.label) \
                        and ent.score < cfg.brand_filter_min_link and alternative is None:
                    role = "unsure"  # "galaxy" [product_name] -> a car-cover brand "Galaxy"
                if role is None and any(not cross(c) for c in sold_in) \
                        and _names_a_thing_beside(g, words, span, sold_in, [
                            (e.iri, sp) for e in linked if e.iri not in negated
                            and g.kind(e.iri) in ("category", "product_type")
                            and (sp := spans[e.iri]) is not None]):
                    role = "unsure"  # "apple juice": the fruit's (Apples, beside Juice in
                    #                  Food), in a department where Apple sells nothing
                if role is None and alternative:
                    role = "alternative"  # "iphone or samsung phone": Samsung or an iPhone
                if role is None and any(not cross(c) for c in sold_in) \
                        and not sold_where_searched(span, sold_in):
                    role = "other department"  # "apple sauce", "sharp cheddar cheese": a
                    #                            namesake, or another product of the brand's
                if role is None and any(not cross(c) for c in sold_in):  # the KG sells it
                    facets["brand"].append((value, f"link:{ent.iri}"))
                    if alternative is False and span is not None:
                        sides = _alternative_sides(words, span)[0]
                        alternatives[ent.iri] = [o.iri for o in linked if o.iri != ent.iri and (
                            osp := spans[o.iri]) is not None and g.kind(o.iri) == "brand"
                            and any(osp[0] < hi and lo < osp[1] for lo, hi in sides)]
                    brand_roles[ent.iri] = None
                else:
                    brand_roles[ent.iri] = role or "ungrounded"
                    weight = -cfg.brand_boost if role == "negated" else cfg.brand_boost
                    link_boosts.append(Boost(f"brand:{value}", weight,
                                             f"link:{ent.iri} ({role or 'ungrounded'})"))
                continue
            facets[field_].append((value, f"link:{ent.iri}"))
        if g.kind(ent.iri) == "category" and role == "negated":  # "laptop not gaming"
            if _holds_the_searched(g, ent.iri, {
                    (c, _words(e.mention or g.label(e.iri))) for e in linked
                    if e.iri not in negated | featured | fitted
                    and g.kind(e.iri) in ("category", "product_type")
                    for c in _own_categories(g, e.iri)}, _words(ent.mention or "")):
                namesakes.add(ent.iri)
                continue  # ("sofa not sectional" -> Sofas & Sectionals: every sofa demoted;
                #            the words are excluded, the ``excluded`` runs, no node of them)
            if about and dept(ent.iri) not in about:
                namesakes.add(ent.iri)
                continue  # (a namesake in another department: see ``about``)
            if depts is not None and not about and _a_namesake_beside(g, ent.iri, [
                    e.iri for e in linked_cats if e.iri not in negated]):
                namesakes.add(ent.iri)
                continue  # ("cat food without fish" -> Fish Food, where no cat food is)
            link_boosts.append(Boost(f"category:{g.path(ent.iri) or g.label(ent.iri)}",
                                     -cfg.brand_boost, f"link:{ent.iri} (negated)"))
        elif g.kind(ent.iri) == "category":
            path = str(g.path(ent.iri) or g.label(ent.iri))
            # the filter a link may set: none for the device an accessory is for; for a link
            # by a name with words the query lacks (the linker's subset match: "color
            # printer" -> Color Laser Printers), narrower than what is searched, the nearest
            # category above it on its path that the query's words name (All Printers), else
            # none (a word of its department's name narrows nothing: "phone headset" -> Cell
            # Phone Headsets, in Cell Phones)
            target: str | None = ent.iri if ent.iri not in fitted | featured else None
            mention = list(word_order(normalize_key(ent.mention or "")))
            said = query_words | _words(dept(ent.iri) or "")  # (mention None: not known)
            if target is not None and mention and _names_it(
                    g, ent.iri, mention, mention[-1], said) is False:
                target = _named_ancestor(g, ent.iri, mention[-1], said)
            # a filter only in the trusted department, and only where the link and the intent
            # agree on the lvl1 category (``agrees``): "iphone case" links iPhone, but its
            # intent (Cell Phone Accessories) says the phones are not what is searched, so the
            # department is the filter (an intent that follows a device word does not judge:
            # "tv remote control")
            in_dept = target is not None and hard_dept is not None and intent is not None \
                and dept(target) == hard_dept
            agrees = in_dept and intent is not None \
                and (lvl1(target) == intent.category or follows_device)
            cat_links.append((ent, target if in_dept else None, agrees))
            suggestions.append(CategorySuggestion(path, round(base, 6), f"link:{ent.iri}"))
    # two brands the query offers as alternatives filter only together ("samsung or lg tv"):
    # where the other is no filter ("samsung tv or tcl": TCL, a brand the KG sells nothing
    # under, is a boost), a filter on one would drop the other's products; an excluded brand
    # is no alternative ("samsung or lg but not sony")
    for iri, others_ in alternatives.items():
        if any(brand_roles.get(o, "ungrounded") not in (None, "negated") for o in others_):
            value = next(v for v, src in facets["brand"] if src == f"link:{iri}")
            facets["brand"] = [(v, src) for v, src in facets["brand"] if src != f"link:{iri}"]
            link_boosts.append(Boost(f"brand:{value}", cfg.brand_boost,
                                     f"link:{iri} (alternative)"))
    # one category filter value (an engine ANDs fields, so two values of one query would be
    # an alternative, not what it asks): the linked category (or the category above it that
    # the query names) the intent agrees with; when the query names two in the department
    # ("laptop or tablet", "pizza ovens toaster ovens"), the category that holds both, else
    # the department (below). Every linked category is a suggestion (the filter's dropped).
    # One the intent does not agree with is a second category named only when the query
    # joins it to another ("laptop or tablet": the intent names one of the two) or when the
    # tagger read it as a product searched (a head label) and the intent gives its lvl1
    # category some probability ("heater air conditioner combo": Heaters); else the intent
    # says it is not what is searched ("galaxy case": the phones; "roku tv": Roku, a modifier)
    cat_spans = [spans[e.iri] for e, t, _ in cat_links if t is not None]
    cat_links = [(e, t if t is None or a or any(
        _joined(words, commas, spans[e.iri], o) for o in cat_spans) or (
            (e.label is None or e.label in HEAD_LABELS)
            and p1.get(lvl1(t) or "", 0.0) >= 0.05) else None, a)
        for e, t, a in cat_links]
    # a category one side of an alternative names, that no other side's product is in, holds
    # one side only: no filter ("difference between laptop and tablet", "laptop" linking
    # nothing; "apple watch or fitbit": Apple's line beside another brand): the department
    products_at = [(e.iri, sp) for e in linked if e.iri not in negated and (
        sp := spans[e.iri]) is not None and g.kind(e.iri) in ("category", "product_type",
                                                             "product")]

    # (the sides of a comparison as the category filter reads them: "compared to" a "vs" too)
    vs_words = _compared_to(alt_words)
    versus = any(w in _ALTERNATIVES for w in vs_words)

    def one_side(e: LinkedEntity) -> bool:
        span = spans[e.iri]
        if not versus or span is None:
            return False
        sides, _ = _alternative_sides(vs_words, span)
        line = bool(_comparison_owners(g, e.iri))  # (Apple Watch: Apple's)
        own = _words(e.mention or "") | _words(g.label(e.iri))
        up = set(_path_up(g, e.iri)) - {e.iri}
        # (a category above it on another side holds both: "samsung tablet vs ipad", Tablets)
        return any(any(iri in up and lo < b and a < hi for iri, (a, b) in products_at)
                   for lo, hi in sides) or any(
            not any(iri != e.iri and lo < b and a < hi for iri, (a, b) in products_at)
            and (side_names((lo, hi), "category", own) or (line and (side_names(
                (lo, hi), "brand") or any(lo < b and a < hi for a, b in brand_spans))))
            for lo, hi in sides)

    cat_links = [(e, None if t is not None and one_side(e) else t, a) for e, t, a in cat_links]

    def below_dept(c: str) -> bool:
        """Whether category ``c`` is below the trusted department (a finer filter)."""
        return dept(c) == hard_dept and (SEP in (lvl1(c) or "") or any(
            normalize_key(p) == normalize_key(hard_dept or "")
            for p in str(g.path(c) or "").split(">")[:-1]))

    # both sides of a comparison are searched ("macbook vs xps", "chromecast vs roku", "ipad or
    # surface"): a filter holds what each side names, else the department (:func:`_both_sides`)
    if versus and any(t is not None for _, t, _ in cat_links):
        targets = {e.iri: t for e, t, _ in cat_links}
        place_of = {e.iri: at for e, at in zip(linked, places, strict=True)}
        brands = grounded_brands(g.g)
        cat_links = [(e, _both_sides(g, e, t, vs_words, place_of, products_at, targets,
                                     below_dept, lambda w: brand_key(w) in brands), a)
                     for e, t, a in cat_links]
    # a toy version of a device ("toy microwave", "pretend washer and dryer for kids", "toy
    # blender"): the device's category, or its department, is no filter (the real device's
    # products are not what is searched), unless it holds toys ("toy drone": Toys, Games &
    # Drones; the intent's "Video Games > Toys to Life"): the linked category that names the
    # device right after the toy words, and the department a word there names a category of
    # (:func:`_toy_version`, ``toy_at`` above)
    if toy_at is not None:
        cat_links = [(e, None if t is not None and not _holds_toys(str(g.path(t) or g.label(t)))
                      and (sp := spans[e.iri]) is not None and sp[0] == toy_at else t, a)
                     for e, t, a in cat_links]
    toy_dept = toy_at is not None and hard_dept is not None and intent is not None \
        and not _holds_toys(hard_dept) and not _holds_toys(intent.category) \
        and any(dept(c) == hard_dept for w in _words(words[toy_at])
                for c in _word_categories(g).get(w, ()))
    picked = _category_filter(g, cat_links, words, below_dept)
    if picked is not None:
        facets["category"].append(picked)
    # colours the query joins ("black and white sneakers") that the KG names as one colour
    # ("Black/White"): that colour is the filter, each of them an UP boost
    combined, joined_boosts = _combined_colours(g, facets["colour"], spans, words, cfg)
    facets["colour"] = combined
    link_boosts += joined_boosts
    if intent is not None:
        # (a product the query searches that the department has no namesake of, linked
        # outside it: the department is a suggestion, :func:`_named_elsewhere`, and the
        # intent's category no walk: "milk" links Google's Milk, the intent's Small Kitchen
        # Appliances would expand into Coffee, Tea & Espresso and Kitchen Gadgets)
        # (or a query that links nothing, sets no other filter, "40 inch", and names a product
        # by a word only other departments' categories are headed by: "puppy food",
        # :func:`_headed_elsewhere`)
        own_labels = {*(taxonomy.labels if taxonomy is not None else ()), *p1}
        trees = lambda: _label_trees(g, taxonomy, dept)  # noqa: E731
        elsewhere = hard_dept is not None and not facets["category"] and not _remembered(
            intent) and (_named_elsewhere(
            g, linked, words, spans, hard_dept, dept, negated | namesakes,
            negated | featured | fitted | namesakes, own_labels, trees) or (
            not any(facets.values()) and _headed_elsewhere(
                g, linked, words, hard_dept, dept, negated | namesakes, own_labels, trees)))
        cat = intent.category_iri or g.category_by_path(intent.category)
        model_walk = bool(model) and (not linked_product or "fits" in brand_roles.values()) \
            and not product_heads & name_heads(normalize_key(intent.category.split(SEP)[-1]))
        # (nor is it walked where the product the query searches lies outside the intent's
        # department, as the department filter judges it, ``elsewhere``, a department below
        # the hard filter's threshold too: "dog food no chicken" at Appliances 0.71 links
        # Google's Dog Food, and expands no Coffee, Tea & Espresso, Insignia)
        # (nor where the query asks a toy version of a device, "toy blender": the intent's
        # Small Kitchen Appliances would expand into Specialty Appliances, Insignia; unless its
        # category holds toys, :func:`_holds_toys`)
        if cat is not None and cat in g.g and cat not in {e.iri for e in linked} \
                and cat not in unlinkable and intent.score >= th.intent and not outside \
                and not elsewhere and intent.lvl0_score >= cfg.walk_min_department_prob \
                and (toy_at is None or _holds_toys(intent.category)) \
                and not (hard_dept is None and not _remembered(intent) and (_named_elsewhere(
                    g, linked, words, spans, intent.lvl0, dept, negated | namesakes,
                    negated | featured | fitted | namesakes, own_labels, trees) or (
                    not any(facets.values()) and _headed_elsewhere(
                        g, linked, words, intent.lvl0, dept, negated | namesakes, own_labels,
                        trees)))) \
                and (not model_walk or intent.score >= max(th.intent, th.hard_filter)) \
                and not _names_a_part(g, dept, cat, [
                    w for i, w in enumerate(words)
                    if not any(a <= i < b for a, b in excluded_runs)], {
                    e.iri for e in linked_cats if e.iri not in negated}):
            # (nor where the query searches a part of the intent's device and names no such
            # device: "i7 processor", "8gb ram" at Laptops expand no All Laptops, MacBooks)
            walked = _category_walk(g, cat, cfg.walk, fanout=True)
            if model_walk:  # (a model: one product, its intent's siblings other families)
                walked = tuple(c for c in walked if c.kind != "sibling_category")
            add(_accessories(walked) if follows_device else walked, max(intent.score, 1e-3))
        if hard_dept is not None and not facets["category"] and not elsewhere and not toy_dept:
            # (a linked category in the department is the finer filter: every one above is
            # in it; its KG path may be written from another root than the department's
            # label, "Connected Home & Housewares > Office Electronics > ...", so the two are
            # not compared as strings: one field, one form per query)
            facets["category"].append((hard_dept, "intent"))
        hard = {v for v, _ in facets["category"]}
        for lab, p in intent.top_k or ((intent.category, intent.score),):
            if lab not in hard and p >= 0.05:
                suggestions.append(CategorySuggestion(lab, round(p, 6), "intent"))
        if hard_dept is None or elsewhere or (toy_dept and not facets["category"]):
            # (a department that is no filter never weighs as one: its score is capped below
            # ``hard_filter``, where the query is outside the KG or the intent model's depth,
            # "spoons for baby self feeding" at Appliances 0.98, or searches a product linked
            # elsewhere, "milk" at 0.86, or a toy version of its device, "toy blender":
            # :func:`_below`)
            suggestions.append(CategorySuggestion(
                intent.lvl0, _below(intent.lvl0_score, th.hard_filter), "intent-department"))

    rule_res = None
    rule_boosts: list[Boost] = []
    out_rules: set[str] = set()  # applied rules whose effect the query's exclusions drop
    if rules is not None:
        rule_set = rules.current() if isinstance(rules, RulesFile) else rules
        # (a rule whose input the query excludes is not applied as written: "not refurbished")
        rule_res = rule_set.apply(query, excluded=excluded)
        # (nor is a rule's synonym the query excludes: "headphones not earbuds" is no query
        # for earbuds, whatever "headphones => SYNONYM earbuds" says)
        key_of = _term_keys(g)
        negated_names = {key_of(g.label(iri)) for iri in negated}

        def excludes(term: str) -> bool:
            """Whether the query excludes ``term``: it names a negated mention or its words
            are in one ("not notebook"), or a cue is before them ("not earbuds")."""
            sp = _find_mention(words, term)
            if sp is None:
                return key_of(term) in negated_names
            within = {e.iri: (o := spans[e.iri]) is not None and o[0] <= sp[0] and sp[1] <= o[1]
                      for e in linked}
            return key_of(term) in negated_names or any(
                within[iri] for iri in negated) or _negated(words, sp, _NEGATIONS, [
                    o for e in linked if (o := spans[e.iri]) is not None and not within[e.iri]])

        for syn in rule_res.synonyms:
            if excludes(syn.term):
                out_rules.add(str(syn.rule))
                continue
            c = _Cand(syn.term, "synonym", (), None, None, False, str(syn.rule))
            scored.append((min(syn.weight, 1.0), c))
        # (nor is a rule's UP on a word the query excludes: "phone not samsung" with "phone
        # => UP: samsung"; one on a field's value the query excludes is dropped below)
        rule_boosts = [Boost(b.term, b.weight, str(b.rule)) for b in rule_res.boosts]
        out_rules |= {b.rule for b in rule_boosts
                      if b.weight > 0 and ":" not in b.term and excludes(b.term)}
        rule_boosts = [b for b in rule_boosts if b.rule not in out_rules]
    rewritten = rule_res.query if rule_res is not None else query
    # (the price bounds and sizes the patterns read in ``text``: above)
    read = [size.value for size in read_at]
    # a size the link sets with a number: only where the patterns read that number as the
    # product's size ("case for 16 inch macbook pro" links "16 inch", the size of the device
    # the case fits, which the patterns read as no size, like "tv stand for 65 inch tv")
    facets["size"] = [(v, src) for v, src in facets["size"]
                      if not src.startswith("link:") or _size_read(v, read)]
    # a size the query excludes is a DOWN boost ("not 65 inch"), and so is every size of a
    # list it excludes ("without 64gb or 128gb", "not 55 or 65 inch")
    text_words = words if text == query else _query_words(text)
    text_commas = commas if text == query else _commas(text)
    text_others = [sp for e in linked
                   if (sp := _find_mention(text_words, e.mention or g.label(e.iri)))]
    items: dict[int, bool] = {}  # the end (a word position) of each size read: excluded?
    out_sizes: list[str] = []
    for v, found, end in read_at:
        out = excluded(text, found, _VALUE_NEGATIONS) or _joined_to_excluded(
            text_words, len(_query_words(text[:found])), text_commas, items,
            _VALUE_NEGATIONS, text_others)
        items[len(_query_words(text[:end]))] = out
        if not out:
            facets["size"].append((v, "pattern"))
            continue
        out_sizes.append(v)
        if not any(b.weight < 0 and b.term.casefold() == f"size:{v}".casefold()
                     for b in link_boosts):  # (once: "not 16 inch" may be linked too)
            link_boosts.append(Boost(f"size:{v}", -cfg.brand_boost, PATTERN_NEGATED))
    # a size that is no filter, a hint only ("nike running shoes uk 9": "UK 9", "jeans 32x30":
    # "32x30"; fusion.patterns.size_hints): an UP boost, a DOWN one where the query excludes it
    for v, found, _end in size_hints(text):
        out = excluded(text, found, _VALUE_NEGATIONS)
        term = f"size:{v}"
        if not any(b.term.casefold() == term.casefold() for b in link_boosts):
            link_boosts.append(Boost(term, -cfg.brand_boost if out else cfg.brand_boost,
                                     PATTERN_NEGATED if out else PATTERN_HINT))
    # (a size linked as one item of such a list, the list's cue before another item, is none)
    facets["size"] = [(v, src) for v, src in facets["size"]
                      if not (src.startswith("link:") and v[:1].isdigit()
                              and _size_read(v, out_sizes))]
    other: list[tuple[str, str]] = []
    for f in rule_res.filters if rule_res is not None else []:
        fld, _, val = f.term.partition(":")
        fld = {"color": "colour"}.get(fld.strip().lower(), fld.strip().lower())
        if fld in facets:
            facets[fld].append((val.strip(), f"rule:{f.rule}"))
        else:
            other.append((f.term, f"rule:{f.rule}"))
    for f in rule_res.negated_filters if rule_res is not None else []:
        # a FILTER the query excludes ("not refurbished laptop"): a DOWN boost, as a link's
        fld, _, val = f.term.partition(":")
        fld = {"color": "colour"}.get(fld.strip().lower(), fld.strip().lower())
        term = f"{fld}:{val.strip()}" if fld in facets else f.term
        rule_boosts.append(Boost(term, -cfg.brand_boost, str(f.rule)))
        # its value after "non", which no run holds ("non refurbished laptop": "non" makes
        # no run, as it makes compounds, "non stick"), is excluded words too
        sp = _find_mention(words, val.strip())
        if sp is not None and _negated(words, sp, _NEGATIONS) and not any(
                a < sp[1] and sp[0] < b for a, b in excluded_runs):
            excluded_runs.append(sp)
    # a value the query excludes ("samsung tv not samsung", "55 inch tv not 55 inch", "otter
    # box iphone case not otterbox": two brand nodes, one sold name) is no filter: an engine
    # cannot AND a filter with its exclusion, and the exclusion wins (its DOWN boost stays);
    # nor does a rule's UP on it apply ("laptop not dell" with "laptop => UP(20): brand:Dell"
    # would promote the brand the user ruled out, as a rule's synonym the query excludes),
    # nor any other UP on it (a second node of its name, "(fits)" or "(ungrounded)")
    out_values = {_value_key(b.term) for b in [*link_boosts, *rule_boosts]
                  if b.weight < 0 and (b.rule == PATTERN_NEGATED
                                       or (b.rule or "").endswith("(negated)"))}
    if out_values:
        out_rules |= {src.removeprefix("rule:") for fld in facets for v, src in facets[fld]
                      if (fld, _fold_value(v)) in out_values}
        out_rules |= {src.removeprefix("rule:") for t, src in other
                      if _value_key(t) in out_values}
        out_rules |= {b.rule or "" for b in rule_boosts
                      if b.weight >= 0 and _value_key(b.term) in out_values}
        for fld in facets:
            facets[fld] = [(v, src) for v, src in facets[fld]
                           if (fld, _fold_value(v)) not in out_values]
        other = [(t, src) for t, src in other if _value_key(t) not in out_values]
        link_boosts, rule_boosts = ([b for b in boosts if b.weight < 0
                                     or _value_key(b.term) not in out_values]
                                    for boosts in (link_boosts, rule_boosts))

    # one entry per name (its best kind), never a respelling of the query or a linked name
    term_key = _term_keys(g)
    texts = {normalize_key(rewritten), normalize_key(query)}
    banned = {compact_key(t) for t in texts}
    banned |= {term_key(g.label(e.iri)) for e in linked}
    # a name that only respells some of the query's words ("wooden" -> the alias "Wooden" of
    # Wood): no rewrite; a category of that name still is (it names a node: "headphones" in
    # "sony headphones" -> the category Headphones)
    respelt = {k for t in texts for k in compact_runs(t, _MAX_BANNED_WORDS)}
    # a brand filter (a linked brand, a rule's FILTER) makes other brands contradictions
    brand_filtered = bool(facets["brand"])
    # a brand the query names as the maker of what it searches, a filter or not (a boost: the
    # KG sells nothing under it, "ryobi"; an alternative): another brand contradicts it
    # (not one the store sells nothing under whose name is another brand's product family:
    # "galaxy", a car-cover brand, and Samsung Galaxy; the family's makers stay, the other
    # brands do not: :func:`_family_owners`)
    families = {iri: owners for iri, role in brand_roles.items() if role == "ungrounded"
                and (owners := _family_owners(g, iri, cross))}
    brand_named = any(role in (None, "alternative") or (
        role == "ungrounded" and iri not in families) for iri, role in brand_roles.items())
    family_makers = frozenset().union(*families.values())
    brand_values = {_fold_value(v) for v, _ in facets["brand"]}
    # the kinds of thing the query excludes ("pc headset without microphone": microphones):
    # no category of that kind is an expansion, whichever node names it ("Computer Microphones")
    # (not a kind the query searches too: "tv not smart tv" still expands TVs)
    def heads(iris: Collection[str]) -> frozenset[str]:
        return frozenset().union(*(name_heads(normalize_key(g.label(iri))) for iri in iris
                                   if g.kind(iri) in ("category", "product_type")))

    excluded_heads = heads(negated) - heads([e.iri for e in linked if e.iri not in negated])
    best: dict[str, tuple[float, _Cand]] = {}
    for w, c in scored:
        key = term_key(c.term)
        if not key or (c.rule is None and (key in banned or (
                key in respelt and c.kind not in _CATEGORY_KINDS))):
            continue
        if excluded_heads and c.rule is None and c.kind in _CATEGORY_KINDS \
                and name_heads(normalize_key(c.term)) & excluded_heads:
            continue
        if any(run <= _run_words(c.term) for run in excluded_words):
            continue  # "tv not 4k": no "4K Ultra HD TVs"; "headphones not wireless": no
            #           "Wireless Headphones" (a rule's synonym neither: it is no less said)
        if c.kind == "brand" and c.rule is None and (brand_filtered or brand_named or (
                family_makers and brand_key(c.term) not in family_makers)):
            continue  # "samsung tv" filtered on Samsung: LG or Sony would only be removed;
            #           "ryobi battery charger" (Ryobi a boost): no Uniross
        if c.kind == "alias" and c.rule is None and c.iri is not None \
                and g.kind(c.iri) == "brand" \
                and _fold_value(_brand_facts(g, c.iri)[0]) in brand_values:
            continue  # another name of a filtered brand: every filtered document is its
        kept = best.get(key)
        if kept is None or kept[0] < w:
            best[key] = (w, c)
    ordered = sorted(best.values(), key=lambda x: (-x[0], x[1].kind, x[1].term))
    per_kind: Counter[str] = Counter()
    ranked: list[Expansion] = []
    for w, c in ordered:
        if c.rule is None and per_kind[c.kind] >= cfg.limits[c.kind]:
            continue
        per_kind[c.kind] += 1
        ranked.append(Expansion(c.term, c.kind, round(w, 6), c.provenance, c.iri, c.rule))
        if limit is not None and len(ranked) >= limit:
            break
    # an expansion naming a hard category filter's value ("ring light for iphone": the filter
    # Cell Phones, and Cell Phones as the parent of iPhone) adds a should clause that every
    # filtered document matches: dropped (no other expansion takes its place)
    filtered = {_fold_value(v) for v, _ in facets["category"]}
    if filtered:
        ranked = [x for x in ranked if x.rule is not None or not (
            _fold_value(x.term) in filtered
            or (x.iri is not None and _fold_value(g.path(x.iri) or "") in filtered))]

    def uniq(xs: list[tuple[str, str]]) -> tuple[str, ...]:
        # one value per case-folded value, the first's spelling (a link's is the KG's):
        # "1TB 1tb ssd" is one size, a rule's "brand:samsung" no second Samsung
        out: dict[str, str] = {}
        for v, _ in xs:
            out.setdefault(_fold_value(v), v)
        return tuple(out.values())

    sources: list[FilterSource] = []
    seen: set[tuple[str, str]] = set()
    for fld, values in [*facets.items(), ("other", other)]:
        for v, src in values:
            if (fld, _fold_value(v)) not in seen:
                seen.add((fld, _fold_value(v)))
                sources.append(FilterSource(fld, v, src))
    if price_min is not None:
        sources.append(FilterSource("price_min", f"{price_min:g}", "pattern"))
    if price_max is not None:
        sources.append(FilterSource("price_max", f"{price_max:g}", "pattern"))
    filters = Filters(brand=uniq(facets["brand"]), category=uniq(facets["category"]),
                      colour=uniq(facets["colour"]), size=uniq(facets["size"]),
                      price_min=price_min, price_max=price_max, other=uniq(other))
    hard_cats = set(filters.category)
    suggestions = list({s.category: s for s in reversed(suggestions)
                        if s.category not in hard_cats}.values())[::-1]
    boosts = _one_per_value(link_boosts + rule_boosts)
    return ExpansionResult(
        expansions=ranked,
        filters=filters,
        query=rewritten,
        boosts=boosts,
        applied=_as_used(rule_res.applied, ranked, boosts, sources, out_rules, term_key)
        if rule_res else [],
        suggestions=suggestions,
        filter_sources=sources,
        # (the words an engine leaves out: the same as the expansions are kept from)
        excluded=[replace(x, iri=None) if x.iri in namesakes else x
                  for x in _excluded_texts(query, words, excluded_runs, negated_at, no_cues)],
    )


class QueryExpander:
    """:func:`expand` bound to a KG, an (optional, hot-reloaded) rules file, the expansion
    settings, the confidence thresholds and (optionally) GNN node embeddings.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("b", kind="brand", label="Samsung")
        >>> g.add_node("c", kind="category", label="TVs", path="TV > TVs")
        >>> _ = g.add_edge("b", "c", relation="sells_in")
        >>> QueryExpander(g).expand("samsung", entities=[("samsung", "creator", "b")]).filters.brand
        ('Samsung',)
        >>> QueryExpander(g).expand("tv not samsung", entities=[("samsung", "creator", "b")]
        ...                         ).boosts
        [Boost(term='brand:Samsung', weight=-10.0, rule='link:b (negated)')]
    """

    def __init__(
        self, kg: Any, *, rules: str | Path | RuleSet | RulesFile | None = None,
        config: ExpansionConfig | None = None, thresholds: Thresholds | None = None,
        embeddings: Any = None,
        departments: Collection[str] | TaxonomyAlignment | None = None,
    ) -> None:
        self.kg = kg
        self.rules: RuleSet | RulesFile | None = (
            RulesFile(rules) if isinstance(rules, str | Path) else rules
        )
        self.config = config or ExpansionConfig()
        self.thresholds = thresholds or Thresholds()
        self.embeddings = embeddings
        self.departments = departments

    def expand(
        self,
        query: str,
        *,
        entities: Sequence[tuple[str, str, str | None]] = (),
        linked: Sequence[LinkedEntity] = (),
        intent: Intent | None = None,
        limit: int | None = None,
        embeddings: Any = None,
        departments: Collection[str] | TaxonomyAlignment | None = None,
        outside: bool | None = None,
        no_cues: Collection[tuple[int, int]] = (),
        unknown_brands: Collection[tuple[int, int]] = (),
    ) -> ExpansionResult:
        """Expand ``query``; ``entities`` are parser spans ``(text, label, kg iri or None)``;
        ``limit`` keeps the best expansions only; ``embeddings`` / ``departments`` override
        the bound ones (the parser passes its fusion model's); ``outside``, ``no_cues`` and
        ``unknown_brands``: see :func:`expand`."""
        g = as_networkx(self.kg)
        ents = list(linked)
        for text, label, iri in entities:
            if iri and iri in g and g.nodes[iri].get("kind"):
                ents.append(LinkedEntity(iri, g.nodes[iri]["kind"], 1.0, label, text))
        return expand(
            self.kg, ents, intent, query=query, rules=self.rules, config=self.config,
            thresholds=self.thresholds,
            embeddings=embeddings if embeddings is not None else self.embeddings,
            departments=departments if departments is not None else self.departments,
            limit=limit, outside=outside, no_cues=no_cues, unknown_brands=unknown_brands,
        )
