"""Entity linking: map a mention (a tagged span of a query) to ranked KG nodes, or to NIL.

Candidates come from the KG's one name index (:class:`kg.index.AliasIndex`, normalised with
:func:`kg.index.normalize_key`), cheapest generator first; a later generator runs only when the
earlier ones found nothing. A word joining alternatives at the mention's edge is skipped first
("or lg" in "samsung or lg tv" is linked as "lg": :meth:`EntityLinker.mention_core`), and a
clipped compound ending the mention is read in full ("remote" is "remote control", when the
mention as written names no linkable node: :data:`_CLIPPED`).

1. ``exact`` / ``alias``: the mention's key is a node's name or alias;
   Also, always: the key without a leading function word ("for girls" -> "Girl"), and
   ``query``: names made of the mention's words and other words of the query ("case" in
   "apple watch case" -> "Apple Watch Cases");
2. ``plural``: a singular/plural or possessive variant of the key is ("tv" -> "TVs",
   "men's" -> "Men"), tried also when the exact name is only a node the label cannot link or
   a value of the catalogue's ``type`` spec ("ring" is the Type "Ring" and "rings" too);
   ``compact``: the key without spaces and punctuation is ("play stations" -> "PlayStation");
   ``subset``: a name holds every content word of the mention (plural-folded) and at most two
   more ("wine coolers" -> "Wine Refrigerators & Coolers", "headphones" -> "All Headphones"),
   but no attribute value whose name a one-word mention only heads ("size" is no "Free
   Size");
   these word and letter matches (and ``query``) keep the mention's numbers as written: "2.5"
   is no "2-5" and "11/4" no "1.14" (:func:`_same_numbers`), and its model names: an "s"
   glued to a digit is no plural ("iphone6s" is "iPhone 6s", no "iPhone 6"), a "+" ending a
   word is "plus" ("iphone 6+" is "iPhone 6 Plus");
3. ``fuzzy``: the whole key is one edit (insertion, deletion, substitution, transposition) from a
   whole name of at least ``fuzzy_min_chars`` characters ("samsnug" -> "Samsung"), with the
   same numbers and words with a digit ("iphone 5" is no typo of "iPhone 5s"). A word shared
   with a longer name is never a candidate: "apple juice" does not link to Apple. With a
   WordPiece vocabulary (:attr:`LinkerConfig.
   word_pieces`, the tagger's ``vocab.txt``) a mention whose every word is one piece of it is a
   real word, no typo ("lightning" is no "Lighting", "stafford" no "Stanford"), and a mention
   spelt in whole words of it is no typo of a name it spells in more pieces ("airpods" = air
   ##pods is no "Airpots" = air ##pot ##s: :func:`_no_correction`);
4. ``head`` (off by default: it lowered cross-validated accuracy): for product-type labels
   only, the last word of a multi-word mention ("running shoes" -> "Shoes"), a broader node
   the model may accept or reject.

Nodes marked non-linkable in the KG (:data:`LINKABLE` ``false``: promotion, content and genre
categories, see :mod:`kg.hygiene`) are never candidates. A category whose path names an
audience the query rules out ("... > for boys > sports shoes" for "sports shoes for women":
:func:`contradicts_audience`) is never the link, and counts as nothing found for the
generators. Among the candidates of a name, one whose path is for an audience or a use the
query does not name (pets, cars, men, school: :func:`_narrowing`) loses to one for none
("shampoo" is no pets' shampoo: :meth:`EntityLinker._prefer_general`), and a pack word after
a quantity or before "of" ("dog food 40 lb bag", "bag of rice": :func:`_packaging`) links
nothing.

Copies of a category (one name on one path, as a catalogue loaded with its own ``source`` and a
tree like Flipkart's makes) are one candidate: the one in the intent's label space
(:attr:`EntityLinker.label_space`, which a parser sets), then the better match, then the higher
prior (more products), then the first IRI; the others would have made the name ambiguous
("pillow covers": NIL). When the best candidate is a category outside the label space and the
query does not tell it apart from one of its name in it, those outside it are no candidates
(:meth:`EntityLinker._ranked`): a store's "Home > Kitchen > Cookware > Pressure Cookers" with
products does not displace Best Buy's Pressure Cookers.

Before these, a run of the query's words that ends with the mention and whose whole text names
a category (plural/singular aside) is read as the span the tagger cut short: "case" in "ipad
case" links iPad Cases, "speaker" in "portable speaker" Portable Speakers, scored as that run
would be, when it links; the mention's own names ("Cases", "Speakers") are then no candidates
(:meth:`EntityLinker.link`).

Each candidate gets a feature vector (:data:`FEATURES`: how it matched, whole-string similarity,
type compatibility of its kind with the tagger label, log prior, context overlap of the other
query words with its category path (stop words dropped, audience words folded: the "men" of
"jeans for men" is the "mens" of "Mens Clothing", never the "womens" of "Womens Clothing":
:func:`context_words`), ambiguity, kind) and a score ``P(correct)`` from a small
logistic model (:class:`LinkWeights`, JSON, fitted on hand-judged gold by
:func:`kg.link_eval.fit_weights` / ``kgqp kg link-fit``). The best type-compatible candidate is
the link unless its score is below ``nil_threshold`` (fitted with the weights); then the result
is NIL. A mention tagged as a product type that is only a brand's name, no category's or
product type's, is scored as a brand ("whirlpool", "keurig": :meth:`EntityLinker._reading`).

The tagger-label -> node-kind map is :attr:`LinkerConfig.label_kinds`, loadable from JSON
(:meth:`LinkerConfig.from_json`) so a bundle manifest or the CLI can set it.

Example:
    >>> from kg import ProductGraph, Node, NodeKind
    >>> g = ProductGraph.in_memory()
    >>> with g.transaction() as tx:
    ...     tx.add_node(Node(kind=NodeKind.BRAND, key="samsung", label="Samsung"))
    >>> linker = EntityLinker(g)
    >>> result = linker.link("samsng", label="creator")
    >>> result.best.label, result.best.match_type, result.nil
    ('Samsung', 'fuzzy', False)
    >>> linker.link("samsung galaxy", label="creator").nil  # a shared word is not a link
    True
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import operator
import os
import re
import threading
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rapidfuzz.distance import OSA

from kg.index import AliasIndex, Candidate, normalize_key
from kg.schema import KGQP

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from kg.query import QueryResult

__all__ = [
    "DEFAULT_LABEL_KINDS",
    "FEATURES",
    "FUNCTION_WORDS",
    "LINKABLE",
    "NAME_PARTS",
    "EntityLinker",
    "LinkCandidate",
    "LinkGraph",
    "LinkResult",
    "LinkWeights",
    "LinkerConfig",
    "QueryContext",
    "Vocabulary",
    "WordPieces",
    "brand_categories",
    "brand_key",
    "brand_label",
    "brand_sales",
    "fits_cue_end",
    "fitted_name",
    "grounded_brands",
    "outside_kg",
    "unlinkable_iris",
]

log = logging.getLogger(__name__)

#: ``kgqp:linkable`` (xsd:boolean). A node with ``kgqp:linkable false`` stays in the KG (its
#: edges, paths and names are kept) but is never a link candidate: promotion pages ("Mdot ...",
#: "HP Promotions"), content categories and music genres ("Pop", "Blues") that would otherwise
#: match ordinary query words. Fusion should exclude such nodes from intent labels and
#: expansions too. Written by :func:`kg.hygiene.apply_hygiene`.
LINKABLE = KGQP + "linkable"

#: Tagger label -> node kinds (``kind`` or ``kind:attribute``) a mention with that label may link
#: to, in order of preference. Labels mapped to ``()`` (price, quantity, ...) are never linked.
#: QueryNER labels and the Chinese e-commerce labels (HP brand, HC product) are included.
DEFAULT_LABEL_KINDS: dict[str, tuple[str, ...]] = {
    "creator": ("brand",),
    "brand": ("brand",),
    "HP": ("brand",),
    "core_product_type": ("product_type", "category"),
    "product_type": ("product_type", "category"),
    "HC": ("product_type", "category"),
    "product_name": ("product", "product_type", "category", "brand"),
    "department": ("attribute_value:ideal_for", "category"),
    "category": ("category",),
    "color": ("attribute_value:color",),
    "material": ("attribute_value:material",),
    "UoM": ("attribute_value:size",),
    "size": ("attribute_value:size",),
    "modifier": ("attribute_value", "product_type", "category"),
    "shape": ("attribute_value",),
    "occasion": ("attribute_value:occasion", "category"),
    "content": (),
    "condition": (),
    "quantity": (),
    "price": (),
    "origin": (),
    "time": (),
    "product_number": (),
}

#: Labels whose multi-word mentions may fall back to their last word (``head`` candidates).
HEAD_LABELS = frozenset({"core_product_type", "product_type", "HC"})
#: Labels of a span naming one product or title, no kind ("maverick" of "top gun maverick
#: 4k"): its one word links no proper name it is only the head of (:func:`_proper_name`)
_TITLE_LABELS = frozenset({"product_name", "content"})

_KINDS = ("brand", "category", "product_type", "attribute_value", "product")
#: Tagger label -> label group; each group has its own bias feature (``label_GROUP``), so the
#: scorer learns how often each kind of mention is linkable (most colours are, most shapes and
#: modifiers are not) instead of one NIL rate for all. A label outside the map gets none.
LABEL_GROUPS: dict[str, str] = {
    "creator": "brand", "brand": "brand", "HP": "brand",
    "core_product_type": "type", "product_type": "type", "HC": "type", "category": "type",
    "product_name": "name",
    "color": "attribute", "material": "attribute", "UoM": "attribute", "size": "attribute",
    "department": "audience",
    "occasion": "activity",
    "modifier": "modifier", "shape": "modifier",
}
_LABEL_GROUPS = ("brand", "type", "name", "attribute", "audience", "activity", "modifier")
#: Names of the candidate features, in the order of :attr:`LinkWeights.coef`.
FEATURES: tuple[str, ...] = (
    "bias", "exact", "alias", "plural", "compact", "subset", "query", "fuzzy", "head", "similarity",
    "type", "kind_rank",
    "prior", "context", "ambiguity", "short", "multiword", "top_similarity", "top_context",
    "top_prior", "log_candidates", "head_match", "extra_words", "extra_in_query",
    *(f"kind_{k}" for k in _KINDS),
    *(f"label_{g}" for g in _LABEL_GROUPS),
)
_F = {name: i for i, name in enumerate(FEATURES)}
#: node kind -> the index of its ``kind_`` feature (a :class:`kg.NodeKind` is its value)
_KIND_FEATURES = {k: _F[f"kind_{k}"] for k in _KINDS}
#: match type -> the index of its feature (a typo is read as the name it corrects)
_MATCH_FEATURES = {mt: _F["alias" if mt == "fuzzy" else mt]
                   for mt in ("exact", "alias", "plural", "compact", "subset", "query", "fuzzy",
                              "head")}
#: the indexes of the features :meth:`EntityLinker._features` sets for each candidate
(_F_SIMILARITY, _F_TYPE, _F_KIND_RANK, _F_PRIOR, _F_CONTEXT, _F_TOP_SIMILARITY, _F_TOP_CONTEXT,
 _F_TOP_PRIOR, _F_HEAD_MATCH, _F_EXTRA_WORDS, _F_EXTRA_IN_QUERY) = (_F[name] for name in (
    "similarity", "type", "kind_rank", "prior", "context", "top_similarity", "top_context",
    "top_prior", "head_match", "extra_words", "extra_in_query"))

_WORD = re.compile(r"\w+", re.UNICODE)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
#: Words ignored when comparing the word sets of a mention and a name.
_STOP = frozenset({"all", "and", "&", "for", "of", "the", "with", "a", "an", "other", "s"})
#: Function words a mention may start with that do not change what it names ("for men").
_LEADING_FUNCTION_WORDS = re.compile(r"^(?:(?:for|with|the|a|an|in|by|from|of)\s+)+")
#: Function words at a mention's edges that the tagger takes into a product's span in a
#: sentence ("to tv" in "how to connect ps4 to tv", "for my ipad", "vacuum is" in "which
#: vacuum is best for pet hair"): leading, those of :data:`_LEADING_FUNCTION_WORDS` and a
#: "to", a possessive or a demonstrative, stripped when the mention as written names nothing
#: (:meth:`EntityLinker.generate`); trailing, a verb or a preposition, when the mention has
#: no candidate as written (:meth:`EntityLinker.link`). Names hold them ("This Is Us", "To
#: Kill a Mockingbird", "Made for iPad"): the whole mention is tried first.
_SENTENCE_LEADING_WORDS = re.compile(
    r"^(?:(?:for|with|the|a|an|in|by|from|of|to|my|your|our|this|that)\s+)+")
_SENTENCE_TRAILING_WORDS = re.compile(r"(?:\s+(?:is|are|was|were|for|with))+$", re.IGNORECASE)
#: A compatibility cue at a mention's start ("for", "fits", "compatible with", "works with",
#: "made for") and the fillers after it ("for my samsung"): what follows is the device an
#: accessory fits, not the searched thing (:func:`fits_cue_end`). The cue words and fillers
#: of fusion.expand's "fits" rule, which makes such a brand an UP boost, not a filter.
_FITS_WITH_WORDS = ("compatible", "compatibility", "works")  # (before "with" or "for")
#: the words of a compatibility cue (fusion.expand's "fits" rule reads them too)
FITS_WORDS = frozenset({"for", "fits", *_FITS_WITH_WORDS})
_FITS_FILLER_WORDS = ("my", "the", "a", "an", "any", "your")
_FITS_CUE = re.compile(
    rf"^(?:made\s+)?(?:for|fits|(?:{'|'.join(_FITS_WITH_WORDS)})(?:\s+(?:with|for))?)\s+"
    rf"(?:(?:{'|'.join(_FITS_FILLER_WORDS)})\s+)*(?=\w)(?!(?:with|for)\b)", re.IGNORECASE)
#: Words that join alternatives, at a mention's edge: a tagger span that took the word between
#: two names ("or lg" in "samsung or lg tv", "iphone or", "vs lg") names what the rest names
#: (see :meth:`EntityLinker.mention_core`). "and" and "&" are not here: they are stop words
#: (:data:`_STOP`), so "and lg" already names LG, and "ipod and" in "ipod and mp3 players" the
#: category "iPod and MP3 Players" the query composes (read as "ipod", it was iPods).
_EDGE_CONJUNCTIONS = re.compile(
    r"^(?:(?:or|nor|vs|vs\.|versus|not|no|without|except|(?:anything|everything)\s+but"
    r"|other\s+than)\s+)+|(?:\s+(?:or|nor|vs|vs\.|versus))+$", re.IGNORECASE)
#: Irregular plurals of product words, folded to their singular (see :func:`_stem`); "-ves"
#: is not a rule of its own ("drives", "sleeves", "gloves" are regular)
_IRREGULAR_PLURALS = {
    "mice": "mouse", "knives": "knife", "shelves": "shelf", "leaves": "leaf", "halves": "half",
    "scarves": "scarf", "loaves": "loaf", "calves": "calf", "wolves": "wolf", "feet": "foot",
    "teeth": "tooth", "geese": "goose", "children": "child", "wives": "wife", "hooves": "hoof",
    "thieves": "thief",
}
_IRREGULAR_SINGULARS = {v: k for k, v in _IRREGULAR_PLURALS.items()}
#: The "-ves" plurals of :data:`_IRREGULAR_PLURALS`, which also end compounds ("bookshelves",
#: "penknives", "timberwolves", "housewives"): :func:`_stem` folds such an ending as it folds
#: the word
_VES_ENDINGS = tuple(sorted((w for w in _IRREGULAR_PLURALS if w.endswith("ves")), key=len,
                            reverse=True))
#: Endings after which a plural adds "-es" ("brushes", "watches", "boxes", "glasses",
#: "quizzes"), and a singular may end in an "e" of its own ("cases", "niches", "sizes"):
#: :func:`_stem` drops both, so that "case" and "cases", "brush" and "brushes" fold alike
_SIBILANT_END = re.compile(r"(?:[sxz]|ch|sh)$")
#: A three-letter plural is folded when its first two letters are among these (see _stem).
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
_SUBSET_MAX_EXTRA = 2  # a name may have at most this many words the mention lacks
#: A name composed of the mention and other words of the query (``query``: "case" in "case
#: for iphone 6 plus" -> "iPhone 6 Plus Cases") may have up to this many words the mention
#: lacks when those words are a run of the query (:func:`_qualifier_run`): a device's model
#: name of three or four words ("iphone 6s plus", "galaxy s6 edge")
_QUALIFIER_MAX_EXTRA = 4
_SUBSET_MIN_CHARS = 2  # a one-letter mention ("x") names no longer name ("Mortal Kombat X")
_DIGITS = re.compile(r"\d+")
#: A number as written: digit runs joined by a decimal point, a decimal or thousands comma or a
#: fraction slash ("2.5", "1,000", "11/4"); a dash or a space separates numbers ("2-5" is two)
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
_THOUSANDS = re.compile(r",(?=\d{3}(?!\d))")
#: A "+" ending a word ("6+", "s8+", "applecare+"): a model's "Plus", the word "plus" to word
#: and space-less matching (:func:`word_order`, :func:`compact_key`), which dropped it as
#: punctuation: "iphone 6+" was "iphone 6" and linked iPhone 6. A "+" between words
#: ("blue+pink", "dvd+r") or standing alone joins them, as before.
_MODEL_PLUS = re.compile(r"(?<=\w)\+(?!\w)")
#: A word with a digit, the letters and "+" glued to it included ("5s", "s8+", "un55mu8000"):
#: a model or a size, which a one-edit typo must leave as it is (see EntityLinker._one_edit)
_MODEL_WORD = re.compile(r"[\w+]*\d[\w+]*")
_SUBSET_MAX_WORDS = 6
#: The most entries a per-node-table memo of a pure function of the table (and of a mention or
#: a node) holds before it starts afresh (:meth:`EntityLinker.namesakes` ...)
_MEMO_MAX = 65536
_T = TypeVar("_T")
#: Audience words as the context overlap compares them (:func:`context_words`): a query's
#: "men", "mens" or "men's" is the path word "mens" of "Clothing > Mens Clothing > Jeans",
#: "girl" the "girls" of "Girls Wear". Whole words only: "men" never matches "womens".
_AUDIENCE_WORDS = {"mens": "men", "womens": "women", "boy": "boys", "girl": "girls",
                   "kid": "kids", "babies": "baby"}
#: Whom each audience word (as :func:`context_words` folds it) names a thing for: an age and,
#: where the word says one, a sex. Two audiences agree when their ages are the same and their
#: sexes do not differ: "kids" agrees with "boys" and "girls", "women" with none of "men",
#: "boys", "girls", "kids" or "baby" (see :func:`contradicts_audience`).
_AUDIENCES: dict[str, tuple[str, str | None]] = {
    "men": ("adult", "male"), "women": ("adult", "female"), "boys": ("child", "male"),
    "girls": ("child", "female"), "kids": ("child", None), "baby": ("child", None)}


def _agree(a: str, b: str) -> bool:
    (age_a, sex_a), (age_b, sex_b) = _AUDIENCES[a], _AUDIENCES[b]
    return age_a == age_b and (sex_a is None or sex_b is None or sex_a == sex_b)


def contradicts_audience(query: frozenset[str], path: frozenset[str]) -> bool:
    """Whether a category path names a thing for an audience the query rules out: the query
    names an audience, and the path one that agrees with none of the query's (both word sets
    as :func:`context_words` gives them). "footwear > kids infant footwear > for boys > sports
    shoes" is no link of "sports shoes for women", "clothing > kids clothing > girls wear >
    jeans" none of "boys jeans"; a path that names no audience contradicts none.

    >>> women, boys = context_words("sports shoes for women"), context_words("boys jeans")
    >>> contradicts_audience(women, context_words("footwear > kids infant footwear > for boys"))
    True
    >>> contradicts_audience(boys, context_words("clothing > kids clothing > boys wear > jeans"))
    False
    >>> contradicts_audience(boys, context_words("clothing > mens clothing > jeans"))
    True
    >>> contradicts_audience(context_words("kids shoes"), context_words("footwear > for girls"))
    False
    """
    mine = [w for w in query if w in _AUDIENCES]
    if not mine:
        return False
    return any(not any(_agree(w, q) for q in mine) for w in path if w in _AUDIENCES)


#: Words that narrow what a category is for to an audience or a use, each with the group it
#: names: the audiences of :data:`_AUDIENCES` (as :func:`context_words` folds them; a toddler
#: or an infant is a baby), pets, vehicles and school. A segment of a category path that
#: opens with one ("Pet Supplies", "Car Audio", "Mens Clothing", "Kids' Electronics",
#: "School Supplies", "Baby & Toddler", "for boys") files its products for that audience or
#: use (:func:`_narrowing`); one that opens with the product ("Office & School Supplies",
#: "Toys & Kids' Electronics", "Hot Dog Grillers") does not.
_NARROWING: dict[str, str] = {
    **{w: w for w in _AUDIENCES},
    **dict.fromkeys(("toddler", "toddlers", "infant", "infants", "newborn", "newborns"), "baby"),
    **dict.fromkeys(("pet", "pets", "dog", "dogs", "puppy", "puppies", "cat", "cats", "kitten",
                     "kittens"), "pet"),
    **dict.fromkeys(("car", "cars", "auto", "automotive", "vehicle", "vehicles", "motorcycle",
                     "motorcycles", "motorbike", "motorbikes", "truck", "trucks"), "vehicle"),
    **dict.fromkeys(("school", "college"), "school"),
    **dict.fromkeys(("ipad", "tablet"), "tablet"),
    "camcorder": "camcorder",
}
#: The groups of :data:`_NARROWING` that name a device whose accessories a path files: a
#: category of the mention's name for one the query does not name is no link even where no
#: other category reads the mention, when its name is one word, the bare kind of thing
#: (:meth:`EntityLinker._prefer_general`); a name of several words is the thing whatever
#: device it is filed under ("Stylus Pens", "Keyboard Folios" stay links, the store's before
#: another catalogue's namesake). Best Buy's one category named "Cases" is the tablets'
#: ("Computers & Tablets > iPad & Tablet Accessories > Cases, Covers & Keyboard Folios >
#: Cases"): "case" in "loldoll case", "iphone blue case" or "laptop case" is none of it ("ipad
#: case", "case for ipad", "kindle case" are); its one "Lenses" is the camcorders' ("Cameras &
#: Camcorders > Camcorder Accessories > Camcorder Lenses & Filters > Lenses"): "lens" in "sony
#: e mount lens" is none of it.
_DEVICE_GROUPS = frozenset({"tablet", "camcorder"})
#: Words after a vehicle word that make a path segment a department of goods a vehicle
#: carries, no narrowing (:func:`_narrowing`): Best Buy's own "Car Electronics & GPS" and its
#: "Car Safety & Convenience" file the store's radar detectors, breathalyzers and GPS cases,
#: which a query names without the car; read as for vehicles, they lost to Google's
#: namesakes outside the store's categories. "Car Audio", "Car Speakers" and Google's
#: "Vehicle Safety & Security" (below "Vehicles & Parts") still narrow.
_CARRIED_GOODS = frozenset({"electronics", "safety"})
#: The query words that name a group of :data:`_NARROWING`: its words and a few that open no
#: path segment ("kitty", "suv", "student"; "bride", "maternity" and "ladies" name the women
#: of "clothing > womens clothing > sports gym wear > swimsuits")
_NARROWING_CUES: dict[str, str] = {
    **_NARROWING, "kitty": "pet", "canine": "pet", "feline": "pet", "suv": "vehicle",
    "jeep": "vehicle", "student": "school", "students": "school", "ipads": "tablet",
    "tablets": "tablet", "tab": "tablet", "tabs": "tablet", "kindle": "tablet",
    "camcorders": "camcorder",
    **dict.fromkeys(("woman", "lady", "ladies", "bride", "brides", "bridal", "bridesmaid",
                     "bridesmaids", "maternity"), "women")}


@lru_cache(maxsize=65536)
def _narrowing(path: str) -> frozenset[str]:
    """The groups of :data:`_NARROWING` (an audience, pets, vehicles, school) a category path
    files its products for: those named by the first word of one of its segments (stop words
    dropped, audience words folded as :func:`context_words` folds them).

    >>> sorted(_narrowing("pet supplies > grooming > skin coat care > shampoo"))
    ['pet']
    >>> sorted(_narrowing("Clothing > Kids Clothing > Girls Wear > Jeans"))
    ['girls', 'kids']
    >>> sorted(_narrowing("Connected Home & Housewares > Office & School Supplies > Pens"))
    []
    >>> sorted(_narrowing("Car Electronics & GPS > Car Safety & Convenience > Radar Detectors"))
    []
    >>> sorted(_narrowing("Car Electronics & GPS > Car Audio > Car Speakers"))
    ['vehicle']
    """
    out = set()
    for segment in normalize_key(path).split(">"):
        words = [w for w in _WORD.findall(segment) if w not in _STOP]
        first = words[0] if words else None
        group = _NARROWING.get(_AUDIENCE_WORDS.get(first, first)) if first else None
        if group == "vehicle" and _CARRIED_GOODS.intersection(words):
            continue  # a department of goods carried in a vehicle (:data:`_CARRIED_GOODS`)
        if group is not None:
            out.add(group)
    return frozenset(out)


def _unsupported(narrowing: frozenset[str], query: frozenset[str]) -> frozenset[str]:
    """The groups of ``narrowing`` (:func:`_narrowing`) the query does not name: the query's
    words (``query``, as :func:`context_words` gives them) hold no word of the group
    (:data:`_NARROWING_CUES`: "dog" names the pets of "pet supplies > ... > shampoo"), or,
    for an audience, none that agrees with it (:func:`_agree`: "kids" names the girls' jeans).

    >>> _unsupported(frozenset({"pet"}), frozenset({"dog", "shampoo"}))
    frozenset()
    >>> sorted(_unsupported(frozenset({"pet", "girls"}), frozenset({"kids", "shampoo"})))
    ['pet']
    """
    if not narrowing:  # (most paths: no group, nothing to read of the query)
        return frozenset()
    named = {_NARROWING_CUES[w] for w in query if w in _NARROWING_CUES}
    audiences = [g for g in named if g in _AUDIENCES]
    return frozenset(g for g in narrowing if not (
        any(_agree(g, a) for a in audiences) if g in _AUDIENCES else g in named))


@lru_cache(maxsize=262144)  # a name's words repeat across the KG: index builds call it ~30k times
def _stem(word: str) -> str:
    """A word's number folded: a singular and its plural give the same key, which need not
    be a word (it is compared, never shown). ``batteries`` -> ``battery``, ``laptops`` ->
    ``laptop``, ``knives`` -> ``knife`` and ``bookshelves`` -> ``bookshelf`` (a short list of
    irregular plurals, :data:`_IRREGULAR_PLURALS`, also at the end of a compound; ``mice``
    is ``mouse``, which folds as below).

    After a sibilant (s, x, z, ch, sh: :data:`_SIBILANT_END`) a plural's "-es" and a
    singular's final "e" are both dropped, as is then a last single "s": ``toothbrush`` and
    ``toothbrushes`` -> ``toothbrush``, ``case`` and ``cases`` -> ``cas``, ``horse`` and
    ``horses`` -> ``hor``, ``lens`` and ``lenses`` -> ``len``, ``glass`` and ``glasses`` ->
    ``glass``; so are "-oe"/"-oes" (``shoe``, ``shoes`` -> ``sho``; ``potato``, ``potatoes``
    -> ``potato``) and "-ie"/"-ies" read as "-y" (``hoodie``, ``hoodies`` -> ``hoody``).
    Before, "toothbrushes" folded to "toothbrushe" and "cases" to "cas", and a singular
    mention found its plural name with another head and an extra word.

    A three-letter word is folded only when its first two letters are consonants, as in the
    plural of an abbreviation (``pcs``, ``cds``; ``gas``, ``yes`` and ``3ds`` stay), and a
    word of three letters keeps its "e", which its plural keeps too (``axe``, ``axes``). An
    "s" glued to a digit is part of a model name, no plural: ``iphone6s`` stays (folded, it
    was ``iphone6``, and "iphone6s" linked iPhone 6 as well as iPhone 6s).

    >>> [_stem(w) for w in ("batteries", "boxes", "laptops", "tvs", "gas", "3ds", "glass")]
    ['battery', 'box', 'laptop', 'tv', 'gas', '3ds', 'glass']
    >>> [_stem(w) for w in ("mice", "knives", "drives", "iphone6s", "galaxys10s")]
    ['mou', 'knife', 'drive', 'iphone6s', 'galaxys10s']
    >>> [_stem(w) for w in ("toothbrushes", "watches", "cases", "case", "lenses", "lens")]
    ['toothbrush', 'watch', 'cas', 'cas', 'len', 'len']
    """
    word = _IRREGULAR_PLURALS.get(word, word)
    if word.endswith("ves"):
        for ending in _VES_ENDINGS:
            if word.endswith(ending):
                word = word[: -len(ending)] + _IRREGULAR_PLURALS[ending]
                break
    if word[-2:-1].isdigit():  # ("6s", "iphone6s": a model, not a plural)
        return word
    n = len(word)
    if n == 3 and word[2] == "s" and word[0] in _CONSONANTS and word[1] in _CONSONANTS:
        return word[:2]
    if n > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if n > 3 and word.endswith("ie"):  # ("hoodie" as "hoodies" folds)
        return word[:-2] + "y"
    if n > 4 and word.endswith("oes"):  # ("shoes", "potatoes"; "toes" is "toe")
        return word[:-2]
    if n > 3 and word.endswith("oe"):  # ("shoe" as "shoes" folds)
        return word[:-1]
    if n > 4 and word.endswith("es") and _SIBILANT_END.search(word, 0, n - 2):
        word = word[:-2]
    elif n > 3 and word.endswith("e") and _SIBILANT_END.search(word, 0, n - 1):
        word = word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def context_words(key: str) -> frozenset[str]:
    """The words of a normalised text (a query, a category path) as the linker's context
    overlap compares them: stop words and a possessive's "s" dropped, audience words folded
    (:data:`_AUDIENCE_WORDS`), so "jeans for men" and "men's jeans" share "men" with the path
    "clothing > mens clothing > jeans" and nothing with "clothing > womens clothing > jeans".

    >>> sorted(context_words("jeans for men")), sorted(context_words("women's dress"))
    (['jeans', 'men'], ['dress', 'women'])
    >>> sorted(context_words("clothing > kids clothing > girls wear > jeans"))
    ['clothing', 'girls', 'jeans', 'kids', 'wear']
    """
    return frozenset(_AUDIENCE_WORDS.get(w, w) for w in _WORD.findall(key) if w not in _STOP)


@lru_cache(maxsize=65536)
def word_set(key: str) -> frozenset[str]:
    """The content words of a normalised name, plural-folded ("All Wine Coolers" ->
    {"wine", "cooler"}).

    >>> sorted(word_set("wine refrigerators & coolers"))
    ['cooler', 'refrigerator', 'wine']
    """
    return frozenset(word_order(key))


@lru_cache(maxsize=65536)
def word_order(key: str) -> tuple[str, ...]:
    """The content words of a normalised name, plural-folded, each once, in the order they
    first occur: names with the same order name the same thing ("all printers" and "printers"),
    "box tools" and "tool boxes" do not.

    >>> word_order("tv mounts tv mounts"), word_order("all tv mounts")
    (('tv', 'mount'), ('tv', 'mount'))
    >>> word_order("iphone 6s+") == word_order("iphone 6s plus"), word_order("blue+pink")
    (True, ('blue', 'pink'))
    """
    return tuple(dict.fromkeys(_stem(w) for w in _WORD.findall(_MODEL_PLUS.sub(" plus", key))
                               if w not in _STOP))


#: English function words (determiners, pronouns, prepositions, conjunctions, auxiliaries):
#: no word of a query that :meth:`Vocabulary.knows`, though KG names hold them ("by" is in
#: 60 names of the default KG, "Shop by Brand"; "some" in "Some By Mi"), so that a query of
#: nothing else ("by", "some", "for her") is outside the KG. For this test only: the
#: linker's word matching (:data:`_STOP`, :func:`word_set`) keeps them. Words that also name
#: things are left out ("can", "will", "may", "one", "down", "plus").
FUNCTION_WORDS = _STOP | frozenset({
    "this", "that", "these", "those", "some", "any", "every", "each", "either", "neither",
    "no", "both", "another", "such", "what", "which", "whatever", "whichever", "whose",
    "much", "many", "few", "several", "more", "most",
    "my", "your", "his", "her", "its", "our", "their",
    "i", "me", "you", "he", "him", "she", "it", "we", "us", "they", "them", "myself",
    "yourself", "himself", "herself", "itself", "ourselves", "yourselves", "themselves",
    "mine", "yours", "hers", "ours", "theirs", "who", "whom", "someone", "somebody",
    "something", "anyone", "anybody", "anything", "everyone", "everybody", "everything",
    "nobody", "nothing", "none",
    "about", "above", "across", "after", "against", "along", "among", "around", "at",
    "before", "behind", "below", "beneath", "beside", "besides", "between", "beyond", "by",
    "during", "except", "from", "in", "into", "near", "off", "on", "onto", "out", "over",
    "per", "since", "through", "throughout", "till", "to", "toward", "towards", "under",
    "underneath", "until", "unto", "up", "upon", "via", "within", "without",
    "or", "but", "nor", "so", "yet", "if", "because", "as", "than", "then", "though",
    "although", "unless", "whether", "while", "when", "where", "whereas",
    "am", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have",
    "has", "had", "having", "shall", "should", "would", "could", "might", "must", "ought",
    "not", "how", "why", "there", "here", "very", "too", "also", "just",
})


@dataclass(frozen=True)
class Vocabulary:
    """The content words of the KG's names and aliases (:func:`word_set`: plural-folded, stop
    words dropped), each with the number of index keys that hold it: what the KG can say
    anything about. A query none of whose content words is here (and that links nothing) is
    outside the KG (:func:`outside_kg`), e.g. a string of random letters, or a query of
    function words only ("by", "some": :data:`FUNCTION_WORDS`, which KG names hold too).
    Built from the KG's name index (:attr:`kg.ProductGraph.vocabulary`, a view brought
    forward by each commit with :meth:`updated`).

    >>> from kg.schema import NodeKind
    >>> tv = Candidate("https://x/tv", NodeKind.CATEGORY, "TVs", None, None, "TVs")
    >>> shop = Candidate("https://x/s", NodeKind.CATEGORY, "Shop by Brand", None, None,
    ...                  "Shop by Brand")
    >>> voc = Vocabulary.of_index(AliasIndex([tv, shop], version=1))
    >>> voc.knows("samsung tv"), voc.knows("qzxv wplk"), voc.knows("for the")
    (True, False, False)
    >>> voc.knows("shop"), voc.knows("by"), voc.knows("by tv")
    (True, False, True)
    """

    counts: Mapping[str, int]

    @classmethod
    def of_index(cls, index: AliasIndex) -> Vocabulary:
        """The words of every key of ``index``."""
        counts: dict[str, int] = {}
        for key in index.keys():  # noqa: SIM118 (an AliasIndex, not a dict)
            for w in word_set(key):
                counts[w] = counts.get(w, 0) + 1
        return cls(counts)

    def knows(self, text: str) -> bool:
        """Whether any content word of ``text`` (normalised here, then as :func:`word_set`
        reads it; a function word is none, :data:`FUNCTION_WORDS`) is a word of a KG name."""
        words = _WORD.findall(_MODEL_PLUS.sub(" plus", normalize_key(text)))
        return any(_stem(w) in self.counts for w in words if w not in FUNCTION_WORDS)

    def __len__(self) -> int:
        return len(self.counts)

    def updated(self, before: AliasIndex, after: AliasIndex) -> Vocabulary | None:
        """This vocabulary (of ``before``) brought forward to ``after``, an index
        :meth:`AliasIndex.updated` made from ``before``; ``None`` when ``after`` was not
        (rebuild it with :meth:`of_index`). This vocabulary is left as it is."""
        if after.changed_since is None or after.changed_since[0] != before.version:
            return None
        counts = dict(self.counts)
        for key in after.changed_since[1]:
            was, now = bool(before.candidates(key)), bool(after.candidates(key))
            if was == now:
                continue
            for w in word_set(key):
                n = counts.get(w, 0) + (1 if now else -1)
                if n > 0:
                    counts[w] = n
                else:
                    counts.pop(w, None)
        return Vocabulary(counts)


@dataclass(frozen=True)
class WordPieces:
    """A WordPiece vocabulary (a BERT-style ``vocab.txt``: one token a line, ``##`` marking a
    word's continuation pieces), read as word frequencies: the vocabulary holds the frequent
    words whole and splits rarer ones, so a word that is one piece ("lightning", "stafford") is
    a word of the language, no typo of a name one edit away (see :meth:`EntityLinker.generate`);
    a typo is split ("refridgerator" = ref ##ridge ##rator). Comparing the piece counts of
    rarer words says too little on its own: "airpods" (air ##pods) has fewer pieces than
    "airpots", but so has the typo "maybellie" (maybe ##llie) than "maybelline", and "raquets"
    than "racquets". It says enough of a word spelt in whole words ("air" and "pods" are
    words of the vocabulary; "llie" is a fragment): such a compound is a typo only of a name
    spelt in no more pieces, as "labtop" (lab ##top) of "laptop" (see :func:`_no_correction`).
    The tagger ships one (``tagger/vocab.txt``): :attr:`LinkerConfig.word_pieces`.

    >>> wp = WordPieces(frozenset({"air", "##pod", "##pods", "##pot", "##s", "light", "pods"}))
    >>> wp.pieces("airpods"), wp.pieces("airpots"), wp.pieces("light"), wp.pieces("qx")
    (2, 3, 1, 0)
    >>> wp.split("airpods"), wp.split("qx")
    (('air', 'pods'), ())
    """

    tokens: frozenset[str]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> WordPieces:
        """The tokens of a ``vocab.txt`` (``ValueError`` when it cannot be read)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"Cannot read the WordPiece vocabulary {path}: {e}") from None
        return cls(frozenset(t for t in text.splitlines() if t and not t.startswith("[")))

    def pieces(self, word: str) -> int:
        """The number of pieces of ``word`` (lower-case, no spaces) by WordPiece's greedy
        longest-match; 0 when the vocabulary cannot spell it (BERT's ``[UNK]``: unknown, not
        one piece)."""
        return len(self.split(word))

    def split(self, word: str) -> tuple[str, ...]:
        """The pieces of ``word`` (lower-case, no spaces) by WordPiece's greedy longest-match,
        without their ``##``; ``()`` when the vocabulary cannot spell it."""
        out: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.tokens:
                    break
                end -= 1
            if end == start:
                return ()
            out.append(word[start:end])
            start = end
        return tuple(out)


@lru_cache(maxsize=8)
def _word_pieces(path: str) -> WordPieces:
    return WordPieces.from_file(path)


def fits_cue_end(mention: str) -> int:
    """Where the words a compatibility cue at the start of ``mention`` introduces begin: the
    device an accessory fits ("for samsung" -> 4, "compatible with my lg" -> 19); 0 without
    such a cue, or with nothing after it.

    >>> [fits_cue_end(m) for m in ("for samsung", "compatible with my lg", "fits", "forge",
    ...                            "compatible with")]
    [4, 19, 0, 0, 0]
    """
    m = _FITS_CUE.match(mention)
    return m.end() if m else 0


def brand_label(label_kinds: Mapping[str, Sequence[str]]) -> str | None:
    """The first tagger label of ``label_kinds`` that links to brands only (``creator`` in the
    default map): the label a mention is linked under when read as a brand; None if none.

    >>> brand_label(DEFAULT_LABEL_KINDS), brand_label({"color": ["attribute_value:color"]})
    ('creator', None)
    """
    return next((lab for lab, kinds in label_kinds.items()
                 if kinds and all(k == "brand" for k in kinds)), None)


def outside_kg(kg: Any, query: str, linked: Sequence[Any]) -> bool:
    """Whether ``query`` is outside what ``kg`` knows: it links nothing (``linked`` is empty)
    and none of its content words is a word of a KG name (``kg.vocabulary``, a
    :class:`Vocabulary`; a function word is no content word: "by" is outside, though KG
    names hold it, "Shop by Brand", and got a hard Appliances filter from the text model).
    Such a query gets no hard category filter and no expansions from its intent
    (:func:`fusion.expand.expand`), and the parser marks its intent not confident. A graph
    without a vocabulary (networkx) knows every query.

    >>> from kg import Node, NodeKind, ProductGraph
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    >>> outside_kg(g, "qzxv wplk", []), outside_kg(g, "lg qzxv", [])
    (True, False)
    """
    vocabulary = getattr(kg, "vocabulary", None)
    return not linked and vocabulary is not None and not vocabulary.knows(query)


#: what joins the parts of a category's name ("Washers & Dryers", "Mice, Keyboards + Combos",
#: "Cables and Adapters"): each part names a kind of its own (:func:`name_heads`)
NAME_PARTS = re.compile(r"\s*(?:&|,|/|\band\b|\+)\s*")


@lru_cache(maxsize=65536)
def name_heads(key: str) -> frozenset[str]:
    """The head words (last content word, plural-folded) of each part of a normalised name:
    what kind of thing the name denotes ("candy & chocolate" names candy and chocolate,
    "subwoofer speakers" names speakers).

    >>> sorted(name_heads("cpu fans & heatsinks")), sorted(name_heads("subwoofer speakers"))
    (['fan', 'heatsink'], ['speaker'])
    """
    heads = set()
    for part in NAME_PARTS.split(key):
        words = [w for w in _WORD.findall(part) if w not in _STOP]
        if words:
            heads.add(_stem(words[-1]))
    return frozenset(heads)


#: Words naming a package: after a quantity with a unit ("dog food 40 lb bag", "potting soil
#: 2 cubic ft bag", "coke 12 oz cans") or before "of" ("bag of rice", "box of tissues") the
#: one a product comes in, no product searched (:func:`_packaging`). The default KG's only
#: "bag" is Flipkart's fashion bags, and "N lb bag" expanded rice and dog food into hand bags
#: and luggage. A compound ("laptop bag", "tote bag", "water bottle") is no such word.
_PACK_WORDS = frozenset({"bag", "bags", "box", "boxes", "pack", "packs", "case", "cases",
                         "bottle", "bottles", "jar", "jars", "can", "cans"})
#: A quantity with a unit of mass, volume or count ending a text: "40 lb", "30-lb", "2 cubic
#: ft", "12 fl oz", "24 count", "2l"; the unit is group ``unit`` (no bare "g" nor "pc": "5g
#: case" and "3060 pc case" name a phone's network and a computer)
_QUANTITY_END = re.compile(
    r"\d(?:[\d.,/]*\d)?\s*-?\s*(?P<unit>lbs?|pounds?|oz|ounces?|fl\.?\s*oz|kgs?|kilos?"
    r"|kilograms?|gms?|grams?|ml|l|ltrs?|liters?|litres?|gal|gallons?|qts?|quarts?|pints?"
    r"|(?:cubic|cu\.?)\s*(?:ft|feet|foot|yards?|yds?)|count|ct|pieces?)\.?\s+$")
#: Units of a bag's own capacity: a bag is sold by the litre ("hiking 40 l bag", "duffel bag
#: 40 l"), the goods packed in one by mass, count or cubic feet
_BAG_CAPACITY = re.compile(r"l|ltrs?|liters?|litres?")


def _packaging(key: str, query: str, brand_words: Collection[str] = ()) -> bool:
    """Whether the mention ``key`` (normalised) names the package a product of the query
    ``query`` (normalised) comes in, wherever the query writes it: a word of
    :data:`_PACK_WORDS` before "of", or after a quantity with a unit (:data:`_QUANTITY_END`;
    for a bag, no capacity in litres: :data:`_BAG_CAPACITY`) that follows what is packed
    (a word that is no function word nor one of ``brand_words``, the words of the brands the
    query names: "16 oz bottle" alone and "hydro flask 32 oz bottle" search a bottle).

    >>> [_packaging("bag", q) for q in ("dog food 40 lb bag", "rice 20-lb bag", "bag of rice",
    ...                                 "hiking 40 l bag", "laptop bag", "40 lb bag")]
    [True, True, True, False, False, False]
    >>> _packaging("bottles", "water 16 oz bottles"), _packaging("case", "iphone 5g case")
    (True, False)
    >>> _packaging("bottle", "hydro flask 32 oz bottle", {"hydro", "flask"})
    False
    """
    if key not in _PACK_WORDS:
        return False
    places = [(m.start(), m.end()) for m in re.finditer(
        rf"(?<!\S){re.escape(key)}(?!\S)", query)]
    for start, end in places:
        quantity = _QUANTITY_END.search(query, 0, start)
        if quantity is not None and any(
                w not in FUNCTION_WORDS and w not in brand_words
                for w in _WORD.findall(query[:quantity.start()])) \
                and not (key.startswith("bag") and _BAG_CAPACITY.fullmatch(quantity["unit"])):
            continue
        if not query.startswith(" of ", end) and query[end:] != " of":
            return False
    return bool(places)


#: Clipped compounds of product search: a word that, as the last word (the head) of a
#: mention, stands for the compound the KG names in full. "remote" is a remote control: the
#: default KG names "Remote Controls" and "Universal Remote Controls", and "remote"/"Remotes"
#: only as lexicon-only product types (no link targets), so a bare "remote", read as the head
#: noun it is not, matched only names it heads ("Drone Remotes", "Game Remotes") among some
#: 25 subset names, all NIL, and "universal remote" reached "Universal Remote Controls" only
#: as a subset name with another head (see :func:`_unclipped`). The KG has no word to tell:
#: a lexical fact, as the irregular plurals are. "glasses" is eyeglasses: its plural fold
#: "glass" matched the building material Glass (Hardware > Building Materials), so "blue
#: light glasses", "burberry glasses" and "reading glasses" expanded to Door Hardware and
#: Doors; names holding the plural ("Wine Glasses", "3D Glasses", "Smart Glasses") name a
#: linkable node as written and stay, and the singular "glass" is the material.
_CLIPPED = {"remote": "remote control", "remotes": "remote controls",
            "glasses": "eyeglasses"}


def _unclipped(key: str) -> str:
    """``key`` (normalised) with a clipped compound at its end read in full
    (:data:`_CLIPPED`); a word before another one is no head ("remote start" stays).

    >>> _unclipped("remote"), _unclipped("universal remotes"), _unclipped("remote start")
    ('remote control', 'universal remote controls', 'remote start')
    >>> _unclipped("glasses"), _unclipped("reading glasses"), _unclipped("glass")
    ('eyeglasses', 'reading eyeglasses', 'glass')
    """
    head, sep, last = key.rpartition(" ")
    full = _CLIPPED.get(last)
    return f"{head}{sep}{full}" if full else key


@lru_cache(maxsize=65536)  # (a mention's key, read by every scoring of its candidates)
def _last_head(key: str) -> str:
    """The head word of a mention (normalised): the last content word of its last part,
    plural-folded ("2/5" -> "5", "usb cables" -> "cable"; "" without one). Not a pick from
    :func:`name_heads`' set, whose order changed with the process's hash seed."""
    for part in reversed(NAME_PARTS.split(key.rsplit(" ", 1)[-1])):
        words = [w for w in _WORD.findall(part) if w not in _STOP]
        if words:
            return _stem(words[-1])
    return ""


@lru_cache(maxsize=65536)
def _numbers(key: str) -> tuple[str, ...]:
    """The numbers of a normalised key as written, in order (a thousands comma dropped): what
    word and compact matching must keep. :func:`word_set` and :func:`compact_key` split "2.5"
    and "2-5" into the same words, and merge "11/4" and "1.14" into the same letters, but a
    decimal, a range and a fraction are different numbers ("2.5" inch is no "2-5" years).

    >>> _numbers("2.5 ssd"), _numbers("2-5"), _numbers("11/4 belt"), _numbers("1,000 pcs")
    (('2.5',), ('2', '5'), ('11/4',), ('1000',))
    """
    return tuple(_THOUSANDS.sub("", n) for n in _NUMBER.findall(key))


def _same_numbers(key: str, name: str, context: str | None = None) -> bool:
    """Whether the name ``name``, matched by words or letters, keeps the numbers of the mention
    ``key`` as written: each of the mention's numbers is one of the name's, and no other number
    of the name is made of the digits of the mention or of the query (``context``, normalised:
    :attr:`QueryContext.key`) split otherwise. "2.5" is no "2-5", "11/4" no "1.14", "4 uk" no
    "4.5 UK", and in "2.5 ssd enclosure" "ssd" is no "2-5 SSD"; "ps 4" is "PS4", and "galaxy
    watch" may be "Galaxy Watch 4" (a number the query does not write).

    >>> _same_numbers("2.5", "2-5"), _same_numbers("11/4", "1.14"), _same_numbers("ps 4", "ps4")
    (False, False, True)
    >>> _same_numbers("ssd", "2-5 ssd", "2.5 ssd"), _same_numbers("ssd", "2-5 ssd", "ssd")
    (False, True)
    """
    written_name = _numbers(name)
    if not written_name:  # (most names: the mention's numbers must be none)
        return not _numbers(key)
    mine, theirs = set(_numbers(key)), set(written_name)
    if not mine <= theirs:
        return False
    if theirs <= mine:
        return True
    text = f"{key} {context}" if context else key
    written, digits = set(_numbers(text)), set(_DIGITS.findall(text))
    return not any(n not in written and set(_DIGITS.findall(n)) <= digits for n in theirs)


def query_order(key: str) -> tuple[str, ...]:
    """The content words of a normalised query, plural-folded, in order, repeats kept (the
    words :func:`word_order` reads, a "+" ending a word as "plus"): what a run of the query's
    words is compared in (:func:`_qualifier_run`).

    >>> query_order("case for the iphone 6+"), query_order("cases for iphone 6s plus")
    (('cas', 'iphone', '6', 'plu'), ('cas', 'iphone', '6s', 'plu'))
    """
    return tuple(_stem(w) for w in _WORD.findall(_MODEL_PLUS.sub(" plus", key))
                 if w not in _STOP)


def _qualifier_run(name: str, mine: Collection[str], query: Sequence[str]) -> bool:
    """Whether the words of the name ``name`` (an index key) that the mention lacks (its
    content words ``mine``, :func:`word_set`), in the name's order, are a run of the query's
    words ``query`` (:func:`query_order`): the device phrase the query names, whole, as the
    name qualifies its kind ("iphone 6 plus" of "iPhone 6 Plus Cases" in "case for iphone 6
    plus"; not in "iphone 6 case plus screen protector").

    >>> _qualifier_run("iphone 6 plus cases", {"cas"}, query_order("case for iphone 6 plus"))
    True
    >>> _qualifier_run("iphone 6 plus cases", {"cas"},
    ...                query_order("iphone 6 case plus screen protector"))
    False
    """
    words = tuple(w for w in word_order(name) if w not in mine)
    n = len(words)
    return n > 0 and any(tuple(query[i:i + n]) == words for i in range(len(query) - n + 1))


#: Words of a compatibility cue (:data:`_FITS_CUE`) that end it, those before its "with",
#: and the fillers after it, as :func:`_stem` folds them ("fits" -> "fit", "works" -> "work")
_FITS_CUE_ENDS = frozenset({"for", "fit"})
_FITS_WITH = frozenset(_stem(w) for w in _FITS_WITH_WORDS)
_FITS_FILLERS = frozenset(_stem(w) for w in _FITS_FILLER_WORDS)


def _fitted_run(qualifier: Sequence[str], mention: Sequence[str], query: str) -> bool:
    """Whether the words ``qualifier`` (plural-folded, as :func:`word_order` gives them)
    are a run of the normalised query ``query`` after a compatibility cue ("for", "fits",
    "compatible with" and fillers: :data:`_FITS_CUE`) that follows the mention's words
    ``mention``: the device the accessory is for.

    >>> _fitted_run(("ipad", "air", "2"), ("cas",), "case for the ipad air 2")
    True
    >>> _fitted_run(("ipad", "air", "2"), ("cas",), "ipad air 2 case")
    False
    >>> _fitted_run(("home",), ("camera",), "cameras home security")
    False
    >>> _fitted_run(("strap",), ("bag",), "bag with strap")
    False
    >>> _fitted_run(("iphone",), ("cas",), "cases compatible with iphone")
    True
    """
    m, n = len(qualifier), len(mention)
    if not m or not n:
        return False
    words = [_stem(w) for w in _WORD.findall(_MODEL_PLUS.sub(" plus", query))]
    ends = [j for j in range(n, len(words) + 1) if tuple(words[j - n:j]) == tuple(mention)]
    for i in range(len(words) - m + 1):
        if tuple(words[i:i + m]) != tuple(qualifier):
            continue
        j = i - 1
        while j >= 0 and words[j] in _FITS_FILLERS:
            j -= 1
        if j >= 0 and words[j] == "with":  # ("compatible with", "works with" only)
            j = j - 1 if j and words[j - 1] in _FITS_WITH else -1
        elif j >= 0 and words[j] not in _FITS_CUE_ENDS:
            j = -1
        if j >= 0 and any(e <= j for e in ends):
            return True
    return False


def fitted_name(name: str, key: str, query: str,
                 implied: Collection[str] = frozenset()) -> bool:
    """Whether the name ``name`` (an index key), or a part of it (:data:`NAME_PARTS`),
    names the mention (``key``, its words last) after words that the normalised query
    ``query`` says, after the mention, it fits (:func:`_fitted_run`; a brand the query's
    product line implies, ``implied``, is none of them): "ipad air 2 cases" for "case" in
    "case for ipad air 2", "laptop chargers & adapters" (its part "laptop chargers") for
    "charger" in "charger for laptop".

    >>> fitted_name("laptop chargers & adapters", "charger", "charger for laptop")
    True
    >>> fitted_name("laptop chargers & adapters", "adapter", "adapter for laptop")
    True
    >>> fitted_name("laptop chargers & adapters", "charger", "laptop charger")
    False
    """
    order = word_order(key)
    n = len(order)
    if not n:
        return False
    parts = [word_order(p) for p in NAME_PARTS.split(name)]
    # (a bare head after the first part takes that part's qualifier: "laptop adapters" of
    # "laptop chargers & adapters")
    for words in {word_order(name), *parts, *(
            (*parts[0][:-1], *p) for p in parts[1:] if p == order and len(parts[0]) > 1)}:
        if len(words) > n and words[-n:] == order and _fitted_run(
                tuple(w for w in words[:-n] if w not in implied), order, query):
            return True
    return False


def _fitted_child(name: str, path: str, key: str, query: str,
                  implied: Collection[str] = frozenset()) -> bool:
    """Whether the category named ``name`` (an index key), at ``path``, lies right under a
    category whose name holds the mention's words (``key``) and names it as the device the
    normalised query ``query`` says, after the mention, the mention fits (:func:`_fitted_run`),
    followed by words of that parent's name: "Laptop Memory" under "Memory (RAM)" for "ram"
    in "ram for laptop" (the parent names the part twice; the child, the device's, by one
    name only).

    >>> _fitted_child("laptop memory", "Computers & Tablets > Memory (RAM) > Laptop Memory",
    ...               "ram", "ram for laptop")
    True
    >>> _fitted_child("laptop memory", "Computers & Tablets > Memory (RAM) > Laptop Memory",
    ...               "ram", "laptop ram")
    False
    """
    segments = path.split(">")
    order = word_order(key)
    if len(segments) < 2 or not order:
        return False
    parent = frozenset(word_order(normalize_key(segments[-2])))
    if not set(order) <= parent:
        return False
    words = word_order(name)
    return any(not set(words[:k]) & parent and set(words[k:]) <= parent and _fitted_run(
        tuple(w for w in words[:k] if w not in implied), order, query)
        for k in range(1, len(words)))


def _other_model(name: str, query: Sequence[str]) -> bool:
    """Whether the name ``name`` (an index key), composed of a mention and other words of
    the query (``query``: :func:`query_order`), puts a number of the query after a word of
    its own where the query puts it after a word the name lacks: a model number of another
    model line ("iPad 4 Cases" in "case for ipad mini 4", whose "4" follows "mini"; not
    "iPad mini Cases", nor "iPhone 6 Cases" in "case for iphone 6", nor "55 Inch TVs" in
    "samsung 55 inch tv", whose "55" follows no word of its own).

    >>> q = query_order("case for ipad mini 4")
    >>> _other_model("ipad 4 cases", q), _other_model("ipad mini cases", q)
    (True, False)
    >>> _other_model("ipad 4 cases", query_order("case for ipad 4"))
    False
    >>> _other_model("55 inch tvs", query_order("samsung 55 inch tv"))
    False
    """
    order = word_order(name)
    words = frozenset(order)
    for i, w in enumerate(order):
        if i == 0 or not w.isdigit():
            continue
        at = [j for j, q in enumerate(query) if q == w]
        if at and all(j and query[j - 1] not in words for j in at):
            return True
    return False


#: Words that join two words of a query as a pair or alternatives ("tilt and swivel",
#: "black or white"): a name composed with one of them alone is narrower than the query
#: (:func:`joined_pairs`)
_PAIR_JOINERS = frozenset({"and", "or"})


@lru_cache(maxsize=4096)
def joined_pairs(query: str) -> tuple[tuple[str, str], ...]:
    """The pairs of content words (plural-folded: :func:`_stem`) that the normalised query
    ``query`` joins by "and" or "or" (:data:`_PAIR_JOINERS`), each pair both ways round:
    "tilt and swivel" joins ("tilt", "swivel") and ("swivel", "tilt").

    >>> joined_pairs("tv wall mount tilt and swivel")
    (('tilt', 'swivel'), ('swivel', 'tilt'))
    >>> joined_pairs("mount for tv and")
    ()
    """
    words = _WORD.findall(query)
    out: list[tuple[str, str]] = []
    for i in range(1, len(words) - 1):
        a, b = words[i - 1], words[i + 1]
        if words[i] in _PAIR_JOINERS and a not in _STOP and b not in _STOP:
            out += [(_stem(a), _stem(b)), (_stem(b), _stem(a))]
    return tuple(out)


def _lacks_a_joined_word(words: Collection[str], mine: Collection[str],
                         pairs: Sequence[tuple[str, str]]) -> bool:
    """Whether a name of the content words ``words`` (plural-folded), composed of a mention
    (its words ``mine``) and other words of the query, holds one of those other words where
    the query joins it to another word (``pairs``: :func:`joined_pairs`) that the name lacks:
    "Tilt TV Mounts" for "mount" in "tv wall mount tilt and swivel" (a mount that tilts and
    swivels is a full-motion one: the name composed with "tilt" alone is narrower than the
    query). A name that holds both words ("Washers & Dryers" for "washer and dryer"), or
    the mention's own word of a pair, is no such name.

    >>> pairs = joined_pairs("tv wall mount tilt and swivel")
    >>> _lacks_a_joined_word({"tilt", "tv", "mount"}, {"mount"}, pairs)
    True
    >>> _lacks_a_joined_word({"tv", "mount"}, {"mount"}, pairs)
    False
    """
    return any(a in words and a not in mine and b not in words for a, b in pairs)


#: A product line's word implies its brand when at least this many KG names hold the word
#: (each right after the brand's word: :func:`implied_brand`)
_LINE_MIN_NAMES = 2


def implied_brand(table: Any, word: str,
                  sold: Callable[[str], Collection[str]] | None = None) -> str | None:
    """The brand (its name's one word, plural-folded as :func:`word_order` reads it) that the
    query word ``word`` (plural-folded) names a product line of, read from the KG's names
    (``table``, the linker's node table: its names by word): every category name holding
    the word (at least :data:`_LINE_MIN_NAMES`) puts it right after the same word, and that
    word is a brand's name ("galaxy": every category is "Samsung Galaxy ...", so "samsung";
    a product's or another brand's name, "Galaxy Car Cover for Micra", "Jewels Galaxy", is no
    product line's). A word some category holds without the brand before it ("iphone" of
    "iPhone 6 Cases", "tvs" of "4K Ultra HD TVs") or that opens a category's name implies
    none. Cached per table."""
    cache = table.__dict__.setdefault("lines", {})  # (a table pickled before it was kept)
    if word in cache:
        return cache[word]
    before: set[str | None] = set()
    names: list[str] = []  # (the category names holding the word, read until two words
    #                         come before it: then it implies none, whatever the others are)
    for name in (name for keys in table.by_word.get(word, {}).values() for name in keys
                 if any(c.kind == "category" for c in table.index.candidates(name))):
        names.append(name)
        order = word_order(name)
        before.update(order[i - 1] if i else None for i, w in enumerate(order) if w == word)
        if len(before) > 1:
            break
    brand = next(iter(before)) if len(before) == 1 and len(names) >= _LINE_MIN_NAMES \
        else None
    if brand is not None:
        cats = {c.iri for name in names for c in table.index.candidates(name)
                if c.kind == "category"}
        # a brand's name that sells in a category of the line ("Samsung", its Galaxy
        # phones); no word that only spells a brand's name too ("Deep" of "Deep Fryers",
        # "North" of "North Carolina Tar Heels")
        if not any(c.kind == "brand" and (sold is None or cats & set(sold(c.iri)))
                   for c in table.index.candidates(brand)):
            brand = None
    cache[word] = brand
    return brand


def _proper_name(table: Any, name: str, head: str, ctx: QueryContext | None) -> bool:
    """Whether the name ``name`` (an index key) that a one-word mention of a product's or a
    title's name (:data:`_TITLE_LABELS`; its head ``head``, plural-folded) is the head of,
    and more, is a proper name the mention's word is only a part of: a category's name, no
    other category's name holds the word (it names no kind: "Dallas Mavericks", a team, for
    "maverick"; not "All Desktops" for "desktops", nor "CPU Fans & Heatsinks" for
    "heatsink": Gaming Desktops, "Fans, Heatsinks & Cooling" hold them too), no other word of
    the name is a brand's ("Google Chromecast" is Google's Chromecast), and the query
    (``ctx``) holds none of them ("top gun maverick 4k"; "dallas mavericks jersey" names the
    team)."""
    if _last_head(name) != head or not all(
            c.kind == "category" for c in table.index.candidates(name)):
        return False  # (a brand's name, "Nature's Path", is left to the scorer)
    others = table.words.get(name, frozenset()) - {head}
    if ctx is not None and others & (ctx.stems | frozenset(ctx.order())):
        return False
    if any(c.kind == "brand" for w in others for c in table.index.candidates(w)):
        return False  # (a brand's product: "Google Chromecast" for "chromecast")
    return not any(other != name
                   and any(c.kind == "category" for c in table.index.candidates(other))
                   for keys in table.by_word.get(head, {}).values() for other in keys)


def _implied_at_front(name: str, implied: Collection[str]) -> bool:
    """Whether no brand word of ``implied`` (:func:`implied_brand`) stands in the name
    ``name`` (an index key) after its first word: the KG's names put a brand before its
    product line ("samsung galaxy s6 cases"), so a name holding it elsewhere is no name of
    the line ("galaxy cases by samsung"); a name without it passes (the caller composes the
    brand in front).

    >>> _implied_at_front("samsung galaxy s6 cases", {"samsung"})
    True
    >>> _implied_at_front("galaxy cases by samsung", {"samsung"})
    False
    """
    return not any(w in implied for w in word_order(name)[1:])


def compact_key(key: str) -> str:
    """A key without spaces and punctuation, last word plural-folded: "play stations" and
    "PlayStation" meet. A "+" ending a word is kept as "plus" ("iphone 6+" is iPhone 6 Plus,
    no iPhone 6: :data:`_MODEL_PLUS`), and an "s" after a digit is no plural ("iphone 6 s" is
    "iphone6s": :func:`_stem`).

    >>> compact_key("play stations"), compact_key("wi-fi"), compact_key("iphone 6 s")
    ('playstation', 'wifi', 'iphone6s')
    >>> compact_key("iphone 6+") == compact_key("iphone 6 plus") != compact_key("iphone 6")
    True
    """
    return _stem(_NOT_WORD.sub("", _MODEL_PLUS.sub("plus", key)))


def compact_runs(key: str, longest: int) -> set[str]:
    """:func:`compact_key` of every run of one to ``longest`` words of the normalised text
    ``key``, each word's letters read once (a run's letters are its words' joined: the
    "+" and punctuation rules read no further than a word's edge).

    >>> runs = ("play", "stations", "6+", "play stations", "stations 6+")
    >>> compact_runs("play stations 6+", 2) == {compact_key(r) for r in runs}
    True
    """
    letters = [_NOT_WORD.sub("", _MODEL_PLUS.sub("plus", w)) for w in key.split()]
    return {_stem("".join(letters[i:j])) for i in range(len(letters))
            for j in range(i + 1, min(i + longest, len(letters)) + 1)}


@dataclass(frozen=True, slots=True)
class QueryContext:
    """The query a mention is linked in (``context`` of :meth:`EntityLinker.link`), read once
    for all its mentions: a parse links two or three spans of one query, and each link call
    read the query's words again in every step (candidates, composed names, features, the
    query's brands). Make one with :meth:`of` and pass it as ``context``; a string is read
    into one by each call.

    >>> q = QueryContext.of("Jeans for Men")
    >>> q.key, sorted(q.words), q.tokens
    ('jeans for men', ['jeans', 'men'], ('jeans', 'for', 'men'))
    """

    #: the query as given
    text: str
    #: normalised (:func:`kg.index.normalize_key`)
    key: str
    #: its words as the context overlap compares them (:func:`context_words`)
    words: frozenset[str]
    #: its words plural-folded (:func:`_stem`), stop words dropped: what composed names of
    #: the mention and other query words may hold (:meth:`EntityLinker.generate`)
    stems: frozenset[str]
    #: its words split at spaces (runs of the query: :meth:`EntityLinker._composed_run`)
    tokens: tuple[str, ...]
    #: node table -> the brands the query names, by run of its words (filled by
    #: :meth:`EntityLinker._query_brands`: they depend on the KG version)
    brand_runs: dict[Any, tuple[tuple[int, int, tuple[str, ...]], ...]] = field(
        default_factory=dict, compare=False, repr=False)
    #: its content words in order (:func:`query_order` of :attr:`key`), read once for all its
    #: mentions (None: not read; :meth:`order` reads it)
    content_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, text: str, read: str | None = None) -> QueryContext:
        """The context of the query ``text``, its words those of ``read`` (default: ``text``):
        the parser reads a query without the words it excludes ("not gaming laptop": "
        gaming" is no context of "laptop", :meth:`parser.linking.SpanLinker.link_spans`).

        >>> q = QueryContext.of("not gaming laptop", "           laptop")
        >>> q.text, q.tokens
        ('not gaming laptop', ('laptop',))
        """
        key = normalize_key(text if read is None else read)
        return cls(text, key, context_words(key),
                   frozenset(_stem(w) for w in _WORD.findall(key) if w not in _STOP),
                   tuple(key.split()), content_order=query_order(key))

    def order(self) -> tuple[str, ...]:
        """:func:`query_order` of the query (:attr:`content_order`, or read now)."""
        order = self.content_order
        return order if order is not None else query_order(self.key)


def _query_context(context: str | QueryContext | None) -> QueryContext | None:
    """``context`` as a :class:`QueryContext`; None for no query (None or an empty one)."""
    if isinstance(context, QueryContext):
        return context if context.text else None
    return QueryContext.of(context) if context else None


_DEFAULT_WEIGHTS_PATH = Path(__file__).with_name("link_weights.json")


class LinkGraph(Protocol):
    """What the linker reads from a KG (:class:`kg.ProductGraph` satisfies it)."""

    @property
    def version(self) -> int: ...

    @property
    def alias_index(self) -> AliasIndex: ...

    def to_networkx(self) -> nx.MultiDiGraph: ...

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> QueryResult: ...


@dataclass(frozen=True, slots=True)
class LinkWeights:
    """Coefficients of the candidate scorer (a logistic model over :data:`FEATURES`) and the
    NIL threshold on its probability. Saved and loaded as JSON, never pickled.

    Example:
        >>> w = LinkWeights.default()
        >>> len(w.coef) == len(FEATURES), 0.0 < w.threshold < 1.0
        (True, True)
        >>> LinkWeights.from_dict(w.to_dict()) == w
        True
    """

    coef: tuple[float, ...]
    threshold: float = 0.5
    features: tuple[str, ...] = FEATURES
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if tuple(self.features) != FEATURES:
            raise ValueError(
                f"These link weights were fitted for features {list(self.features)}, but this "
                f"kgqp computes {list(FEATURES)}; refit them with `kgqp kg link-fit`.")
        if len(self.coef) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} coefficients, got {len(self.coef)}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": [round(c, 6) for c in self.coef],
                "threshold": round(self.threshold, 6), "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LinkWeights:
        if not isinstance(d, Mapping) or "coef" not in d:
            raise ValueError("link weights must be a JSON object with 'coef' (and 'features', "
                             "'threshold'); write one with `kgqp kg link-fit`")
        return cls(coef=tuple(float(c) for c in d["coef"]),
                   threshold=float(d.get("threshold", 0.5)),
                   features=tuple(d.get("features", FEATURES)), meta=dict(d.get("meta") or {}))

    def save(self, path: str | os.PathLike[str]) -> None:
        from kg.io import atomic_write_json

        atomic_write_json(Path(path), self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LinkWeights:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"Cannot read link weights from {path}: {e}") from None
        return cls.from_dict(data)

    @classmethod
    def default(cls) -> LinkWeights:
        """The shipped weights (``kg/link_weights.json``), or hand-set ones if it is absent."""
        return _default_weights()


_HAND_SET = {  # used only when kg/link_weights.json is missing
    "bias": -2.0, "exact": 2.5, "alias": 2.0, "plural": 1.5, "fuzzy": 0.5, "head": -1.0,
    "compact": 1.0, "subset": -0.5, "similarity": 1.0, "type": 2.5, "kind_rank": 0.5,
    "prior": 0.5, "context": 1.0,
    "ambiguity": 0.5, "short": -0.5,
}


def hand_set_weights() -> LinkWeights:
    """The hand-set weights, used when ``kg/link_weights.json`` is missing."""
    return LinkWeights(tuple(_HAND_SET.get(f, 0.0) for f in FEATURES), 0.5,
                       meta={"fitted_on": "hand-set"})


@lru_cache(maxsize=1)
def _default_weights() -> LinkWeights:
    if _DEFAULT_WEIGHTS_PATH.is_file():
        try:
            return LinkWeights.load(_DEFAULT_WEIGHTS_PATH)
        except ValueError as e:
            log.warning("%s; using hand-set link weights", e)
    return hand_set_weights()


@dataclass(frozen=True, slots=True)
class LinkerConfig:
    """Settings of :class:`EntityLinker`: the label -> kinds map, the scorer and NIL threshold.

    ``nil_threshold=None`` takes the threshold fitted with ``weights``; ``weights=None`` the
    shipped ones (:meth:`LinkWeights.default`).

    Example:
        >>> LinkerConfig(nil_threshold=0.6).nil_threshold
        0.6
        >>> cfg = LinkerConfig.from_json({"label_kinds": {"creator": ["brand"]}})
        >>> cfg.label_kinds["creator"], "color" in cfg.label_kinds
        (('brand',), False)
    """

    label_kinds: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_LABEL_KINDS)
    )
    weights: LinkWeights | None = None
    nil_threshold: float | None = None
    max_candidates: int = 10
    max_mention_chars: int = 256
    fuzzy_min_chars: int = 6
    fuzzy_max_chars: int = 32
    head_fallback: bool = False
    #: a WordPiece ``vocab.txt`` (the tagger's): a mention it reads as a real word is no typo
    #: (:class:`WordPieces`); None: every one-edit match is a typo candidate
    word_pieces: str | None = None

    def __post_init__(self) -> None:
        if self.weights is None:
            object.__setattr__(self, "weights", LinkWeights.default())
        if self.nil_threshold is None:
            object.__setattr__(self, "nil_threshold", self.weights.threshold)  # type: ignore[union-attr]
        if not 0.0 <= self.nil_threshold <= 1.0:  # type: ignore[operator]
            raise ValueError(f"nil_threshold must be in [0, 1], got {self.nil_threshold}")
        if self.max_candidates < 1:
            raise ValueError("max_candidates must be >= 1")
        kinds = {}
        for label, specs in self.label_kinds.items():
            if isinstance(specs, str) or not all(isinstance(s, str) for s in specs):
                raise TypeError(f"label_kinds[{label!r}] must be a list of kind names "
                                f"('brand', 'attribute_value:color', ...), got {specs!r}")
            for s in specs:
                if s.partition(":")[0] not in _KINDS:
                    raise ValueError(f"label_kinds[{label!r}]: unknown kind {s!r}; kinds are "
                                     f"{', '.join(_KINDS)} (optionally 'attribute_value:NAME')")
            kinds[label] = tuple(specs)
        object.__setattr__(self, "label_kinds", kinds)

    @property
    def link_weights(self) -> LinkWeights:
        assert self.weights is not None
        return self.weights

    def to_dict(self) -> dict[str, Any]:
        return {"label_kinds": {k: list(v) for k, v in self.label_kinds.items()},
                "weights": self.link_weights.to_dict(), "nil_threshold": self.nil_threshold,
                "max_candidates": self.max_candidates, "fuzzy_min_chars": self.fuzzy_min_chars,
                "head_fallback": self.head_fallback, "word_pieces": self.word_pieces}

    @classmethod
    def from_json(cls, source: str | os.PathLike[str] | Mapping[str, Any]) -> LinkerConfig:
        """A config from a JSON file or an already parsed object.

        Keys: ``label_kinds`` (label -> list of kinds; replaces the default map),
        ``weights`` (an object as written by ``kgqp kg link-fit``, or a path to one, relative
        to the file), ``nil_threshold``, ``max_candidates``, ``fuzzy_min_chars``,
        ``head_fallback``, ``word_pieces`` (a WordPiece ``vocab.txt``, relative to the file).
        """
        base = Path(".")
        if isinstance(source, Mapping):
            data: Any = source
        else:
            base = Path(source).parent
            try:
                data = json.loads(Path(source).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as e:
                raise ValueError(f"Cannot read the linker config {source}: {e}") from None
        if not isinstance(data, Mapping):
            raise ValueError("A linker config is a JSON object, e.g. "
                             '{"label_kinds": {"creator": ["brand"]}}')
        allowed = {"label_kinds", "weights", "nil_threshold", "max_candidates", "fuzzy_min_chars",
                   "fuzzy_max_chars", "head_fallback", "max_mention_chars", "word_pieces"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"Unknown linker config key(s) {unknown}; valid: {sorted(allowed)}")
        kw: dict[str, Any] = {k: data[k] for k in allowed - {"label_kinds", "weights"} if k in data}
        if "label_kinds" in data:
            kw["label_kinds"] = {str(k): tuple(v) for k, v in data["label_kinds"].items()}
        if data.get("word_pieces") is not None:
            kw["word_pieces"] = str(base / str(data["word_pieces"]))
        w = data.get("weights")
        if isinstance(w, str):
            kw["weights"] = LinkWeights.load(base / w)
        elif w is not None:
            kw["weights"] = LinkWeights.from_dict(w)
        return cls(**kw)


@dataclass(frozen=True, slots=True)
class LinkCandidate:
    """One ranked KG node for a mention; ``score`` is the model's P(correct link)."""

    iri: str
    kind: str
    label: str
    score: float
    match_type: str  # "exact" | "alias" (normalised, alias, plural) | "fuzzy" | "head"
    matched_alias: str
    similarity: float
    type_compatibility: float
    prior: float
    context: float
    attribute: str | None = None
    features: tuple[float, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "iri": self.iri, "kind": self.kind, "label": self.label, "attribute": self.attribute,
            "score": round(self.score, 4), "match_type": self.match_type,
            "matched_alias": self.matched_alias,
            "features": {"similarity": round(self.similarity, 4),
                         "type": self.type_compatibility, "prior": round(self.prior, 4),
                         "context": round(self.context, 4)},
        }


@dataclass(frozen=True, slots=True)
class LinkResult:
    """Ranked candidates for a mention and the NIL decision (``best`` is None when NIL)."""

    mention: str
    label: str | None
    candidates: tuple[LinkCandidate, ...]
    nil: bool

    @property
    def best(self) -> LinkCandidate | None:
        return None if self.nil or not self.candidates else self.candidates[0]

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        cands = self.candidates if limit is None else self.candidates[: max(limit, 0)]
        return {"mention": self.mention, "label": self.label, "nil": self.nil,
                "best": self.best.to_dict() if self.best else None,
                "candidates": [c.to_dict() for c in cands]}


@lru_cache(maxsize=65536)  # (a mention's key and the KG's names, read by several steps)
def number_variants(key: str) -> tuple[str, ...]:
    """Singular/plural and possessive variants of the last word of a normalised key.

    >>> number_variants("tv"), number_variants("men's")[:2], number_variants("gaming mouse")[0]
    (('tvs', 'tves'), ('men', 'mens'), 'gaming mice')
    """
    out: list[str] = []
    for poss in ("'s", "’s", "s'", "s’"):
        if key.endswith(poss) and len(key) > len(poss) + 1:
            stem = key[: -len(poss)] + ("s" if poss[0] == "s" else "")
            out += [stem, stem + "s"] if poss[0] != "s" else [stem, stem[:-1]]
    if not key[-1:].isalpha():
        return tuple(dict.fromkeys(out))
    head, _, last = key.rpartition(" ")
    irregular = _IRREGULAR_PLURALS.get(last) or _IRREGULAR_SINGULARS.get(last)
    if irregular:  # "mouse" <-> "mice", "wireless mouse" <-> "wireless mice"
        out.append(f"{head} {irregular}" if head else irregular)
    if not (key.endswith("s") and len(key) > 3):
        out += [key + "s", key + "es"]
    if key.endswith("ies") and len(key) > 4:
        out.append(key[:-3] + "y")
    if key.endswith("es") and len(key) > 3:
        out.append(key[:-2])
    if key.endswith("s") and len(key) > 2:
        out.append(key[:-1])
    if key.endswith("y") and len(key) > 2:
        out.append(key[:-1] + "ies")
    return tuple(dict.fromkeys(v for v in out if v != key))


def _real_words(pieces: WordPieces, key: str) -> bool:
    """Whether every word of ``key`` is one word piece: a word of the vocabulary, such as
    "lightning" or "stafford", is no typo ("Lighting", "Stanford" are other things)."""
    words = _WORD.findall(key)
    return bool(words) and all(pieces.pieces(w) == 1 for w in words)


#: The shortest piece of a word :func:`_no_correction` reads as a word of its own: "air" and
#: "pods" are, "s", "ra" ("raquets" = ra ##quet ##s) are fragments.
_MIN_WORD_PIECE = 3


def _no_correction(pieces: WordPieces, key: str, name: str) -> bool:
    """Whether the name ``name``, one edit from the mention ``key``, is no correction of it:
    the mention is spelt in whole words of the vocabulary (each word one piece, or pieces that
    are words of at least :data:`_MIN_WORD_PIECE` letters themselves: "airpods" = air ##pods)
    and the name in more pieces ("airpots" = air ##pot ##s). A typo is rarer than the word it
    misspells, and the vocabulary spells a rarer word in more pieces, but a piece count says so
    only of words: the pieces of a typo ("maybellie" = maybe ##llie, of Maybelline) or of a
    rare name ("raquets" = ra ##quet ##s, of Racquets) are fragments whatever their number.
    A compound of words corrected into a name spelt in no more pieces stays a typo ("labtop" =
    lab ##top, of "laptop")."""
    def whole_words(word: str) -> bool:
        split = pieces.split(word)
        return len(split) == 1 or (bool(split) and all(
            len(p) >= _MIN_WORD_PIECE and p in pieces.tokens for p in split))

    def count(text: str) -> int:
        ns = [pieces.pieces(w) for w in _WORD.findall(text)]
        return 0 if 0 in ns else sum(ns)

    words = _WORD.findall(key)
    if not words or not all(whole_words(w) for w in words):
        return False
    mine, theirs = count(key), count(name)
    return 0 < mine < theirs


def _deletes(s: str) -> set[str]:
    return {s[:i] + s[i + 1:] for i in range(len(s))}


def _popularity(data: Mapping[str, Any]) -> float | None:
    """A node's popularity for its prior: a finite number >= 0 (a negative one counts as 0);
    ``None`` when it has none, or a value that is no finite number (NaN or inf stored in a KG
    before popularity was checked): such a value must not become the normaliser of every
    other node's prior."""
    pop = data.get("popularity")
    if not pop or isinstance(pop, bool):
        return None
    try:
        p = float(pop)
    except (TypeError, ValueError, OverflowError):
        return None
    return max(p, 0.0) if math.isfinite(p) else None


def _max_pop(pops: Mapping[str, float]) -> float:
    """The normaliser of popularity priors: the largest finite popularity (1.0 if none is
    above 0)."""
    return max(pops.values(), default=1.0) or 1.0


def _table_memo(table: _NodeTable, memo_name: str, key: Hashable,
                compute: Callable[..., _T], *args: Any, limit: int = _MEMO_MAX) -> _T:
    """``compute(*args)``, a pure function of the node table ``table`` and ``key``, kept in the
    table's memo ``memo_name`` under ``key`` (a KG commit makes a new table: an empty memo); a
    memo of ``limit`` entries starts afresh."""
    memo = table.__dict__.get(memo_name)
    if memo is None:
        memo = table.__dict__[memo_name] = {}
    got = memo.get(key)
    if got is None:
        if len(memo) >= limit:
            memo.clear()
        got = memo[key] = compute(*args)
    return got


def _coordinated_pairs(table: _NodeTable) -> frozenset[frozenset[str]]:
    """The pairs of head words that head two parts of one category's name
    (:meth:`EntityLinker.coordinated`), read once per node table."""
    pairs = table.__dict__.get("coordinated")  # (a table pickled before it was kept)
    if pairs is None:
        found: set[frozenset[str]] = set()
        for path in set(table.paths.values()):
            heads = sorted(name_heads(normalize_key(path.rsplit(">", 1)[-1])))
            found.update(frozenset(p) for p in itertools.combinations(heads, 2))
        pairs = table.__dict__["coordinated"] = frozenset(found)
    return pairs


def _whole_table_memos(table: _NodeTable) -> _NodeTable:
    """``table`` with its memos of the whole table filled (the words no department owns,
    :meth:`EntityLinker.common_words`; the coordinated head words, :func:`_coordinated_pairs`),
    20-60 ms each on a 2-core machine: called where a KG commit brings the node table forward,
    so that no parse after it pays for them."""
    EntityLinker._common_words(table)
    _coordinated_pairs(table)
    return table


def _subset_names(table: _NodeTable, key: str) -> tuple[
        str | None, tuple[tuple[str, int, float, str, tuple[Candidate, ...]], ...]]:
    """The names of ``table`` that hold every content word of the mention ``key`` and at most
    :data:`_SUBSET_MAX_EXTRA` more, in the order :meth:`EntityLinker.generate` reads them
    (by size; of the rarest word's names), what it adds of each: ``(name, size, similarity,
    match type, its linkable candidates)``; and the
    mention's head word where it is one word (None otherwise). A pure function of the table
    and the key, kept per node table (:data:`_MEMO_MAX` keys at most).

    Same content words in the same order ("printers" -> "All Printers", a repeated
    "keyboards keyboards" -> "Keyboards"; not "box tools" -> "Tool Boxes") name the node
    itself: an ``alias`` match; else a ``subset`` one. A one-word mention that is the head of
    a longer value's name names the kind of value it is ("size" every size, "Free Size" one
    of them; "mix", "Cotton Mix"), no value: such a name's attribute values are left out
    ("kurti m size" filtered on M and Free Size)."""
    return _table_memo(table, "subsets", key, _read_subset_names, table, key)


def _read_subset_names(table: _NodeTable, key: str) -> tuple[
        str | None, tuple[tuple[str, int, float, str, tuple[Candidate, ...]], ...]]:
    """:func:`_subset_names`, read from the table."""
    ws, order = word_set(key), word_order(key)
    sizes = range(len(ws), len(ws) + _SUBSET_MAX_EXTRA + 1)
    postings = [table.by_word.get(w, {}) for w in sorted(ws)]
    generic = _last_head(key) if len(_WORD.findall(key)) == 1 else None
    rows = []
    if ws and all(postings):
        rarest = min(postings, key=lambda p: sum(len(p.get(n, ())) for n in sizes))
        words_of, unlinkable, index = table.words, table.unlinkable, table.index
        for n in sizes:
            sim = len(ws) / n
            for name in rarest.get(n, ()):
                if words_of[name] >= ws:
                    same = n == len(ws) and word_order(name) == order
                    values = not (n > 1 and generic is not None and generic in name_heads(name))
                    rows.append((name, n, sim, "alias" if same else "subset", tuple(
                        c for c in index.candidates(name) if c.iri not in unlinkable
                        and (values or c.kind != "attribute_value"))))
    return generic, tuple(rows)


def _category_names(table: _NodeTable, word: str) -> tuple[
        tuple[int, tuple[tuple[str, frozenset[str], bool, tuple[str, ...], list[str]], ...]],
        ...]:
    """The names of ``table`` holding the word ``word`` (its :attr:`_NodeTable.by_word`
    postings) that name a linkable category, by size (content words), smallest first, each
    ``(name, its words, whether it has several parts (:data:`NAME_PARTS`), its word order,
    the categories' IRIs)``: what :meth:`EntityLinker._fitted_parts` reads of a device
    word's names. A pure function of the table and the word, kept per node table
    (:data:`_MEMO_MAX` words at most)."""
    return _table_memo(table, "category_names", word, _read_category_names, table, word)


def _read_category_names(table: _NodeTable, word: str) -> tuple[
        tuple[int, tuple[tuple[str, frozenset[str], bool, tuple[str, ...], list[str]], ...]],
        ...]:
    """:func:`_category_names`, read from the table."""
    out = []
    for size, names in sorted(table.by_word.get(word, {}).items()):
        rows = []
        for name in names:
            cats = [c.iri for c in table.index.candidates(name)
                    if c.kind == "category" and c.iri not in table.unlinkable]
            if cats:
                rows.append((name, table.words[name], len(NAME_PARTS.split(name)) > 1,
                             word_order(name), cats))
        out.append((size, tuple(rows)))
    return tuple(out)


class _NodeTable:
    """Per-KG-version features of nodes the index names: prior, context words, linkable."""

    def __init__(self, graph: LinkGraph, index: AliasIndex, *, fuzzy_min: int,
                 fuzzy_max: int) -> None:
        self.version = index.version
        self.index = index
        self.fuzzy = (fuzzy_min, fuzzy_max)
        nxg = graph.to_networkx()
        self.degrees: dict[str, int] = dict(nxg.degree())
        self.pops: dict[str, float] = {n: p for n, d in nxg.nodes(data=True)
                                       if (p := _popularity(d)) is not None}
        self.paths: dict[str, str] = {n: d["path"] for n, d in nxg.nodes(data=True)
                                      if d.get("path")}
        self._set_priors(nxg)
        self.context: dict[str, frozenset[str]] = {}
        path_words: dict[str, frozenset[str]] = {}  # a category path's words, once per path
        for iri, data in nxg.nodes(data=True):
            words = self._context_words(nxg, iri, data, path_words)
            if words:
                self.context[iri] = words
        self.unlinkable: frozenset[str] = unlinkable_iris(graph)
        #: brand -> (the categories it is sold in and their ancestors, their departments),
        #: filled as queries name brands (:meth:`EntityLinker._sold_in`)
        self.sold: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        #: category -> the words of the names below it (:meth:`EntityLinker._below_names`),
        #: filled as queries need them
        self.below: dict[str, tuple[frozenset[str], ...]] = {}
        #: word -> the brand it names a product line of, or None (:func:`implied_brand`)
        self.lines: dict[str, str | None] = {}
        #: a mention's word order -> the categories that may restate their department before
        #: it (:func:`_restatements`), filled as mentions need them
        self.restated: dict[tuple[str, ...], tuple[tuple[str, Candidate], ...]] = {}
        #: a one-edit deletion of a key -> the keys it comes from: tuples (a tuple of strings
        #: leaves the garbage collector's tracking, a list never does; the default KG has
        #: ~340k of them, a third of the objects a full collection walked)
        self.by_delete: dict[str, tuple[str, ...]] = {}
        self.by_compact: dict[str, list[str]] = {}
        self.by_word: dict[str, dict[int, list[str]]] = {}  # word -> name size -> names
        self.words: dict[str, frozenset[str]] = {}
        for key in index.keys():  # noqa: SIM118 (AliasIndex is no dict)
            self._add_key(key)

    def _set_priors(self, nxg: Any) -> None:
        #: the priors' normalisers
        self.max_deg = max(self.degrees.values(), default=1) or 1
        self.max_pop = _max_pop(self.pops)
        self.prior: dict[str, float] = {
            iri: self._prior(data, self.degrees.get(iri, 0)) for iri, data in nxg.nodes(data=True)}

    def _prior(self, data: Mapping[str, Any], degree: int) -> float:
        pop = data.get("popularity")
        if pop:
            p = _popularity(data)
            if p is None:  # not a finite number (NaN, inf, text in an old KG): no prior
                return 0.0
            p = math.log1p(p) / math.log1p(self.max_pop)
        else:
            p = math.log1p(degree) / math.log1p(self.max_deg)
        return min(p, 1.0)

    def _context_words(self, nxg: Any, iri: str, data: Mapping[str, Any],
                       path_words: dict[str, frozenset[str]]) -> frozenset[str] | None:
        def words_of(path: str) -> frozenset[str]:
            w = path_words.get(path)
            if w is None:
                w = path_words[path] = context_words(normalize_key(path))
            return w

        words: set[str] = set()
        if iri in self.paths:
            words.update(words_of(self.paths[iri]))
        elif data.get("kind") in ("product", "product_type", "brand"):
            # the category paths it is filed / sold in (first few)
            for _, target, rel in list(nxg.out_edges(iri, keys=True))[:20]:
                if rel in ("in_category", "type_in", "sells_in") and target in self.paths:
                    words.update(words_of(self.paths[target]))
        return frozenset(words) if words else None

    def _add_key(self, key: str) -> None:
        fuzzy_min, fuzzy_max = self.fuzzy
        if fuzzy_min <= len(key) <= fuzzy_max:
            for d in _deletes(key):
                self.by_delete[d] = (*self.by_delete.get(d, ()), key)
        ck = compact_key(key)
        if len(ck) >= 3:
            self.by_compact.setdefault(ck, []).append(key)
        ws = word_set(key)
        if ws and len(ws) <= _SUBSET_MAX_WORDS:
            self.words[key] = ws
            for w in ws:
                self.by_word.setdefault(w, {}).setdefault(len(ws), []).append(key)

    def updated(self, graph: Any, index: AliasIndex, changes: Any) -> _NodeTable | None:
        """The table for ``index`` (the alias index ``changes`` brought forward from this
        table's), or ``None`` when it must be rebuilt: the change moves a category path (the
        context words of everything filed under it), or the index was rebuilt. This table is
        left as it is (other threads read it meanwhile)."""
        since = getattr(index, "changed_since", None)
        if since is None or since[0] != self.index.version:
            return None
        nxg = graph.to_networkx()
        touched = [n for n in changes.nodes if n in nxg or n in self.prior]
        for n in touched:
            if (nxg.nodes[n] if n in nxg else {}).get("path") != self.paths.get(n):
                return None
        new = object.__new__(_NodeTable)
        new.version, new.index, new.fuzzy, new.paths = index.version, index, self.fuzzy, \
            self.paths
        new.degrees, new.pops = dict(self.degrees), dict(self.pops)
        for n in touched:
            new.degrees.pop(n, None)
            new.pops.pop(n, None)
            if n in nxg:
                new.degrees[n] = nxg.degree(n)
                p = _popularity(nxg.nodes[n])
                if p is not None:
                    new.pops[n] = p
        new.context = dict(self.context)
        if (max(new.degrees.values(), default=1) or 1) != self.max_deg or \
                _max_pop(new.pops) != self.max_pop:
            new._set_priors(nxg)  # a normaliser moved: every prior does
        else:
            new.max_deg, new.max_pop, new.prior = self.max_deg, self.max_pop, dict(self.prior)
        path_words: dict[str, frozenset[str]] = {}
        for n in touched:
            new.prior.pop(n, None)
            new.context.pop(n, None)
            if n in nxg:
                data = nxg.nodes[n]
                new.prior[n] = new._prior(data, new.degrees[n])
                words = new._context_words(nxg, n, data, path_words)
                if words:
                    new.context[n] = words
        new.unlinkable = unlinkable_iris(graph)
        new.sold = {}  # (a brand's edges may have changed: read again when asked)
        new.below = {}  # (so may the categories below one)
        new.__dict__.pop("common", None)  # (and the departments' paths: read again)
        new.__dict__.pop("lines", None)  # (and the brands product lines imply)
        new.__dict__.pop("restated", None)  # (and the names restating a department)
        # the key tables: copied; a list or inner dict is copied before it changes
        new.by_delete, new.by_compact = dict(self.by_delete), dict(self.by_compact)
        new.by_word, new.words = dict(self.by_word), dict(self.words)
        gone = [k for k in since[1] if self.index.candidates(k) and not index.candidates(k)]
        came = [k for k in since[1] if index.candidates(k) and not self.index.candidates(k)]
        for key in gone:
            new._remove_key(key)
        if came:
            by_delete, by_compact, by_word = new.by_delete, new.by_compact, new.by_word
            new.by_delete, new.by_compact, new.by_word = {}, {}, {}
            for key in came:
                new._add_key(key)
            for d, keys in new.by_delete.items():
                by_delete[d] = (*by_delete.get(d, ()), *keys)
            for ck, keys in new.by_compact.items():
                by_compact[ck] = [*by_compact.get(ck, ()), *keys]
            for w, sizes in new.by_word.items():
                inner = dict(by_word.get(w, {}))
                for size, keys in sizes.items():
                    inner[size] = [*inner.get(size, ()), *keys]
                by_word[w] = inner
            new.by_delete, new.by_compact, new.by_word = by_delete, by_compact, by_word
        return new

    def _remove_key(self, key: str) -> None:
        """Drop ``key`` from the key tables (copying what changes: see :meth:`updated`)."""
        fuzzy_min, fuzzy_max = self.fuzzy
        if fuzzy_min <= len(key) <= fuzzy_max:
            for d in _deletes(key):
                rest = tuple(k for k in self.by_delete.get(d, ()) if k != key)
                if rest:
                    self.by_delete[d] = rest
                else:
                    self.by_delete.pop(d, None)
        ck = compact_key(key)
        rest = [k for k in self.by_compact.get(ck, ()) if k != key]
        if rest:
            self.by_compact[ck] = rest
        else:
            self.by_compact.pop(ck, None)
        ws = self.words.pop(key, None)
        for w in ws or ():
            inner = dict(self.by_word.get(w, {}))
            rest = [k for k in inner.get(len(ws), ()) if k != key]
            if rest:
                inner[len(ws)] = rest
            else:
                inner.pop(len(ws), None)
            if inner:
                self.by_word[w] = inner
            else:
                self.by_word.pop(w, None)


@lru_cache(maxsize=65536)
def _name_orders(name: str) -> frozenset[tuple[str, ...]]:
    """The content words (:func:`word_order`) of the name ``name`` and of each part of it
    (:data:`NAME_PARTS`): the mentions that name it ("washers & dryers" is named by
    "washer" and "dryer" as by "washers & dryers"; "washer accessories" by neither).

    >>> sorted(_name_orders("Washers & Dryers"))
    [('dryer',), ('washer',), ('washer', 'dryer')]
    """
    key = normalize_key(name)
    return frozenset({word_order(key), *(word_order(p) for p in NAME_PARTS.split(key))})


@lru_cache(maxsize=256)
def _kind_specs(allowed: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """A label's kinds (:attr:`LinkerConfig.label_kinds`: ``kind`` or ``kind:attribute``) as
    ``(kind, attribute)`` pairs ("": any attribute), read once per label, not per candidate.

    >>> _kind_specs(("attribute_value:color", "category"))
    (('attribute_value', 'color'), ('category', ''))
    """
    return tuple((k, attribute) for k, _, attribute in (s.partition(":") for s in allowed))


def _name_keys(generated: Sequence[tuple[Candidate, str, float]]) -> list[tuple[Any, ...]]:
    """Per candidate of ``generated``, its kind, attribute and name key: the part of
    :meth:`EntityLinker._same_names`'s key that needs no query (candidates that differ in it
    are never copies of one another)."""
    return [(c.kind, c.attribute, _alias_key(c.label or c.matched_alias))
            for c, _, _ in generated]


@lru_cache(maxsize=65536)  # (the KG's names, read for each candidate of each mention)
def _alias_key(name: str) -> str:
    """The index key (:func:`kg.index.normalize_key`) of a candidate's matched name."""
    return normalize_key(name)


#: The most word orders :func:`_restatements` keeps per node table (then it starts again)
_RESTATEMENTS_MAX = 8192


def _restatements(table: _NodeTable, order: tuple[str, ...]
                  ) -> tuple[tuple[str, Candidate], ...]:
    """The categories of ``table`` whose name may restate their department before the words
    ``order`` (a mention's :func:`word_order`), read from the KG alone
    (:meth:`EntityLinker._add_qualified` then reads the query): ``(extra, candidate)`` for
    each linkable category, three levels deep or more, of a name of one part (no
    :data:`NAME_PARTS`) whose words are one word ``extra`` and then ``order``, ``extra`` no
    brand's name and a word of the category's department ("computer" of "Computer
    Keyboards", Computers & Tablets > ... > Computer Keyboards for ("keyboard",)). In the
    order the names were scanned (the rarest word's names), cached per table and order."""
    return _table_memo(table, "restated", order, _read_restatements, table, order,
                       limit=_RESTATEMENTS_MAX)


def _read_restatements(table: _NodeTable, order: tuple[str, ...]
                       ) -> tuple[tuple[str, Candidate], ...]:
    """:func:`_restatements`, read from the table."""
    ws = frozenset(order)
    found: list[tuple[str, Candidate]] = []
    rarest = min((table.by_word.get(w, {}).get(len(ws) + 1, ()) for w in ws), key=len) \
        if ws else ()
    for name in rarest:
        if word_order(name)[1:] != order:
            continue  # (most names: not the mention's words after one more, checked below)
        words = table.words.get(name, frozenset())
        extra = next(iter(words - ws), None)
        if not ws < words or word_order(name) != (extra, *order) \
                or len(NAME_PARTS.split(name)) > 1 or any(
                    c.kind == "brand" for c in table.index.candidates(extra or "")):
            continue
        for c in table.index.candidates(name):
            path = table.paths.get(c.iri)
            segments = path.split(">") if path else ()
            if c.kind != "category" or len(segments) < 3 or c.iri in table.unlinkable \
                    or extra not in {_stem(w) for w in context_words(normalize_key(
                        segments[0]))}:
                continue
            found.append((extra, c))
    return tuple(found)


@lru_cache(maxsize=65536)  # (the KG's names, read by :meth:`EntityLinker.namesakes`)
def _part_heads(name: str) -> tuple[tuple[str, bool, tuple[str, ...] | None], ...]:
    """For each part (:data:`NAME_PARTS`) of the name ``name`` (an index key) that has
    content words: its last word plural-folded (:func:`_stem`), whether the fold changed it
    (written in the plural), and, for a part of two or more words, all of them folded."""
    parts = [[w for w in _WORD.findall(p) if w not in _STOP] for p in NAME_PARTS.split(name)]
    return tuple((_stem(p[-1]), _stem(p[-1]) != p[-1], tuple(map(_stem, p)) if len(p) > 1
                  else None) for p in parts if p)


@lru_cache(maxsize=65536)  # (read for each candidate by several steps of a link)
def _alias_order(name: str) -> tuple[str, ...]:
    """:func:`word_order` of a candidate's matched name's index key (:func:`_alias_key`)."""
    return word_order(_alias_key(name))


def _department(table: _NodeTable, iri: str) -> str | None:
    """The department (the first category of the path, case-folded) of the category ``iri``
    of ``table``; None for a node without a path."""
    path = table.paths.get(iri)
    return path.split(">", 1)[0].strip().casefold() if path else None


def unlinkable_iris(graph: Any) -> frozenset[str]:
    """The nodes marked ``kgqp:linkable false`` (never a link, never an expansion). Of a
    ``kg.ProductGraph``: a registered view (``"kg.unlinkable"``), queried once per version and
    kept by commits that do not touch ``kgqp:linkable``; of any other graph, queried now."""
    view = getattr(graph, "view", None)
    if callable(view):
        return view("kg.unlinkable", _query_unlinkable, update=_update_unlinkable)
    return _query_unlinkable(graph)


def _query_unlinkable(graph: Any) -> frozenset[str]:
    return frozenset(str(r["s"]) for r in graph.query(
        f"SELECT ?s WHERE {{ ?s <{LINKABLE}> ?v FILTER(?v = false) }}").rows)


def _update_unlinkable(graph: Any, old: frozenset[str], changes: Any) -> frozenset[str]:
    # removing a node removes its kgqp:linkable triple too: that is a change to the predicate
    return _query_unlinkable(graph) if LINKABLE in changes.predicates else old


def brand_key(name: str) -> str:
    """A brand name's spelling-free key: case, spaces, punctuation and "&" / "and" folded
    ("Black & Decker" = "black and decker", "otter box" = "OtterBox").

    >>> brand_key("Black & Decker") == brand_key("black and decker"), brand_key("Otter Box")
    (True, 'otterbox')
    """
    return compact_key(normalize_key(name.replace("&", " and ")))


def _networkx(graph: Any) -> Any:
    """The networkx view of ``graph`` (:meth:`kg.ProductGraph.to_networkx`, a view per KG
    version), or ``graph`` itself when it is a networkx graph."""
    to_networkx = getattr(graph, "to_networkx", None)
    return to_networkx() if to_networkx is not None else graph


def _typed(nxg: Any, iri: str) -> bool:
    """Whether ``iri`` is a node of ``nxg`` with a kind: no end of a dangling edge (an IRI
    that is no node of the KG, which networkx adds without attributes)."""
    return iri in nxg and bool(nxg.nodes[iri].get("kind"))


def _label(nxg: Any, iri: str) -> str:
    return str(nxg.nodes[iri].get("label") or iri)


def grounded_brands(graph: Any) -> Mapping[str, str]:
    """Spelling-free key (:func:`brand_key`) -> the brand node of that name the KG sells the
    most under (``sells_in`` edges and products), of the brands it sells anything under: the
    brand a node spelt like it and sold under nothing stands for ("otter box": OtterBox).
    ``graph``: a :class:`kg.ProductGraph` or its networkx view; built once per KG version
    (kept with the version's networkx view; treat it as read-only)."""
    nxg = _networkx(graph)
    table = nxg.graph.get("_kgqp_grounded_brands")
    if table is None:
        best: dict[str, tuple[int, str]] = {}
        for n, kind in nxg.nodes(data="kind"):
            if kind != "brand":
                continue
            degree = sum(1 for _, _, r in nxg.out_edges(n, data="relation") if r == "sells_in")
            degree += sum(1 for u, _, r in nxg.in_edges(n, data="relation")
                          if r == "has_brand" and _typed(nxg, u))
            if degree:
                key = brand_key(_label(nxg, n))
                if key not in best or best[key][0] < degree:
                    best[key] = (degree, n)
        table = nxg.graph["_kgqp_grounded_brands"] = {k: n for k, (_, n) in best.items()}
    return table


def _sold_categories(nxg: Any, brand: str) -> tuple[str, ...]:
    """The categories the brand node ``brand`` itself is sold in, in IRI order: its
    ``sells_in`` categories and those of its products (``has_brand``); a dangling edge's end
    is none (:func:`_typed`)."""
    if brand not in nxg:
        return ()
    cats = {t for _, t, r in nxg.out_edges(brand, data="relation")
            if r == "sells_in" and _typed(nxg, t)}
    for product, _, r in nxg.in_edges(brand, data="relation"):
        if r == "has_brand" and _typed(nxg, product):
            cats.update(t for _, t, rel in nxg.out_edges(product, data="relation")
                        if rel == "in_category" and _typed(nxg, t))
    return tuple(sorted(cats))


def brand_sales(graph: Any, brand: str, *, spelled_alike: bool = False
                ) -> tuple[str, tuple[str, ...]]:
    """The brand node whose categories are those of the brand ``brand``, and those categories
    (:func:`brand_categories`): ``brand`` itself, or, ``spelled_alike``, for a brand the KG
    sells nothing under, the brand spelt like it that it does (:func:`grounded_brands`:
    "otter box", OtterBox), where there is one. Cached per KG version (with the version's
    networkx view: a commit reaches the next call)."""
    nxg = _networkx(graph)
    cache = nxg.graph.setdefault("_kgqp_brand_sales", {})
    if brand not in nxg:  # (no node: nothing sold, and nothing cached for it)
        return brand, ()
    sales = cache.get((brand, spelled_alike))
    if sales is None:
        sales = (brand, _sold_categories(nxg, brand))
        if spelled_alike and not sales[1] and brand in nxg:
            twin = grounded_brands(nxg).get(brand_key(_label(nxg, brand)))
            if twin is not None and twin != brand:
                sales = (twin, _sold_categories(nxg, twin))
        cache[(brand, spelled_alike)] = sales
    return sales


def brand_categories(graph: Any, brand: str, *, spelled_alike: bool = False
                     ) -> tuple[str, ...]:
    """The categories the brand ``brand`` of ``graph`` (a :class:`kg.ProductGraph` or its
    networkx view) is sold in, in IRI order: its ``sells_in`` categories and its products'
    (``in_category``; an edge to an IRI that is no node of the KG is none); empty for a brand
    the KG sells nothing under. ``spelled_alike``: for such a brand, those of the brand spelt
    like it that the KG sells under ("otter box": OtterBox's, :func:`brand_sales`), as the
    expansion reads a linked brand (:func:`fusion.expand.brand_categories`); the linker reads
    a brand's own (:meth:`EntityLinker._sold_in`). Cached per KG version.

    >>> from kg import Edge, Node, NodeKind, ProductGraph, Relation
    >>> g = ProductGraph.in_memory()
    >>> tvs, otter = Node(NodeKind.CATEGORY, "tvs", "TVs"), Node(NodeKind.BRAND, "ob", "OtterBox")
    >>> _ = g.add_records([tvs, otter, Node(NodeKind.BRAND, "o-b", "otter box"),
    ...                    Edge(otter.iri, Relation.SELLS_IN, tvs.iri)], progress=False)
    >>> o_b = "https://kgqp.dev/id/brand/o-b"
    >>> brand_categories(g, o_b), brand_categories(g, o_b, spelled_alike=True)
    ((), ('https://kgqp.dev/id/category/tvs',))
    """
    return brand_sales(graph, brand, spelled_alike=spelled_alike)[1]


class _PinnedTable:
    """:meth:`EntityLinker.pinned`'s context manager (a class: cheaper than a generator's)."""

    __slots__ = ("linker", "pinned")

    def __init__(self, linker: EntityLinker) -> None:
        self.linker = linker
        self.pinned = False

    def __enter__(self) -> EntityLinker:
        local = self.linker._pinned
        if getattr(local, "table", None) is None:
            local.table = self.linker.table
            self.pinned = True
        return self.linker

    def __exit__(self, *exc: object) -> None:
        if self.pinned:
            self.linker._pinned.table = None
            self.pinned = False


class EntityLinker:
    """Links mentions to KG nodes; see the module docstring for candidates and scoring.

    Args:
        graph: the KG (any :class:`LinkGraph`, e.g. :class:`kg.ProductGraph`); the linker reads
            its alias index and rebuilds its node table when ``graph.version`` changes.
        config: the label -> kinds map, the scorer weights, the NIL threshold.

    Example:
        >>> from kg import ProductGraph, Node, NodeKind
        >>> g = ProductGraph.in_memory()
        >>> _ = g.add_records([Node(NodeKind.ATTRIBUTE_VALUE, "color/red", "Red",
        ...                         attribute="color")], progress=False)
        >>> linker = EntityLinker(g)
        >>> linker.link("red", label="color").best.label, linker.link("red", label="creator").nil
        ('Red', True)
    """

    def __init__(self, graph: LinkGraph, config: LinkerConfig | None = None, *,
                 label_space: Callable[[str], bool] | None = None) -> None:
        self.graph = graph
        self.config = config or LinkerConfig()
        #: whether a category path falls in the intent's label space (the store's own tree
        #: the intent model is trained on; e.g. a bound
        #: :meth:`fusion.context.TaxonomyAlignment.department`): of the categories of one
        #: name that the query does not tell apart, one in it is the link
        #: (:meth:`_one_per_name`); None: no category is preferred so
        self.label_space = label_space
        self._table: _NodeTable | None = None
        #: the table one :meth:`link` call reads, pinned for the call in this thread: its
        #: steps ask for :attr:`table` several times, and each ask checks the KG's version
        #: (about 8 us); one call reads one version anyway
        self._pinned = threading.local()
        self._coef = self.config.link_weights.coef
        self._brand_only = brand_label(self.config.label_kinds)

    def __getstate__(self) -> dict[str, Any]:  # (a thread-local does not pickle)
        state = dict(self.__dict__)
        state.pop("_pinned", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pinned = threading.local()
        self.__dict__.setdefault("label_space", None)  # (a linker pickled before it was kept)
        if "_brand_only" not in state:  # (a linker pickled before it was kept)
            self._brand_only = brand_label(self.config.label_kinds)

    @property
    def brand_only_label(self) -> str | None:
        """The label this linker reads a mention as a brand under: :func:`brand_label` of its
        config's map (read once, not for each mention)."""
        return self._brand_only

    @property
    def table(self) -> _NodeTable:
        pinned = getattr(self._pinned, "table", None)
        if pinned is not None:  # (inside a :meth:`link` call of this thread)
            return pinned
        fmin, fmax = self.config.fuzzy_min_chars, self.config.fuzzy_max_chars

        # (with the tables of the whole node table: a commit builds them, not the next parse)
        def build(graph: Any) -> _NodeTable:
            return _whole_table_memos(
                _NodeTable(graph, graph.alias_index, fuzzy_min=fmin, fuzzy_max=fmax))

        def update(graph: Any, old: _NodeTable, changes: Any) -> _NodeTable | None:
            new = old.updated(graph, graph.alias_index, changes)
            return None if new is None else _whole_table_memos(new)

        view = getattr(self.graph, "view", None)
        if callable(view):  # the graph's derived-view registry: brought forward by each commit
            return view(f"link.table/{fmin}-{fmax}", build, update=update)
        table = self._table
        if table is None or table.version != self.graph.version:
            table = self._table = build(self.graph)
        return table

    def _allowed(self, label: str | None) -> tuple[str, ...] | None:
        if label is None:
            return None
        kinds = self.config.label_kinds.get(label)
        if kinds is None:
            valid = ", ".join(sorted(self.config.label_kinds))
            raise ValueError(
                f"Unknown label {label!r} for linking; known labels: {valid}. "
                "Pass label=None to link without a type constraint, or add the label to "
                "LinkerConfig.label_kinds."
            )
        return kinds

    @staticmethod
    def _type_rank(cand: Candidate, allowed: tuple[str, ...] | None) -> tuple[float, float]:
        """(type compatibility, preference of the kind among the allowed ones)."""
        if allowed is None:
            return 0.5, 0.5
        for i, (k, attribute) in enumerate(_kind_specs(tuple(allowed))):
            if cand.kind == k and (not attribute or cand.attribute == attribute):
                return 1.0, 1.0 - i / len(allowed)
        return 0.0, 0.0

    def mention_core(self, mention: str) -> str:
        """``mention`` without the words joining alternatives at its edges ("or", "nor", "vs",
        "versus") and a negation cue at its start ("not", "no", "without", "except", "anything
        but", "other than"), as it is linked: the tagger's span "or lg" in "samsung or lg tv"
        names LG, "iphone or" in "iphone or samsung phone" the iPhone, "anything but lg" LG
        (which the expansion then excludes). A mention that is a KG name as written ("Or
        Guys", "VS International") and one that is nothing but such words stay as they are.

        >>> from kg import ProductGraph
        >>> linker = EntityLinker(ProductGraph.in_memory())
        >>> [linker.mention_core(m) for m in ("or lg", "iphone or", "Sony vs.", "vs", "and lg",
        ...                                   "anything but lg", "not")]
        ['lg', 'iphone', 'Sony', 'vs', 'and lg', 'lg', 'not']
        """
        core = _EDGE_CONJUNCTIONS.sub("", mention.strip())
        if core == mention.strip() or not core or self.table.index.candidates(
                normalize_key(mention)):
            return mention
        return core

    def _key(self, core: str) -> str:
        """The key the mention :meth:`mention_core` ``core`` is linked by: normalised, a clipped
        compound at its end read in full ("remote" is "remote control": :data:`_CLIPPED`)
        unless the mention as written names a linkable node."""
        key = normalize_key(core)
        full = _unclipped(key)
        if full == key or any(c.iri not in self.table.unlinkable
                              for k in {key, _LEADING_FUNCTION_WORDS.sub("", key)}
                              for c in self.table.index.candidates(k)):
            return key  # (also after a leading function word: "for wine glasses")
        return full

    @staticmethod
    def _ruled_out(table: _NodeTable, query: frozenset[str]) -> Callable[[str], bool]:
        """Whether a node of ``table`` is ruled out as a link of a mention by the audience
        its query names (``query``: the words of the query and the mention, as
        :func:`context_words` gives them): a category whose own path names another
        (:func:`contradicts_audience`: "sports shoes for women" links no "... > for boys >
        sports shoes", "boys jeans" no "... > girls wear > jeans"). The context overlap only
        rewarded a path naming the query's audience, so where no path did, the boys' sports
        shoes and the girls' jeans won on their prior. A brand's or a product's context
        words are those of every category it is filed or sold in, which may name several
        audiences: no such node is ruled out."""
        if query.isdisjoint(_AUDIENCES):
            return lambda iri: False
        return lambda iri: iri in table.paths and contradicts_audience(
            query, table.context.get(iri, frozenset()))

    @staticmethod
    def _names_a_kind(found: Mapping[str, tuple[Candidate, str, float]],
                      allowed: tuple[str, ...] | None, ruled_out: Callable[[str], bool]
                      ) -> bool:
        """Whether the candidates ``found`` for a mention's key hold a node its label links
        (``allowed``: the label's kinds; None, any) and the query's audience does not rule
        out (``ruled_out``), other than a value of the catalogue's ``type`` spec. Such a
        value (:mod:`kg.loaders.catalog`: "Ring", the Type of the products filed under
        "Rings") names the kind of product that the category or product type of the
        mention's other number names; matched alone, it hid that category from the singular
        ("ring", "necklace", "bracelet" linked nothing, "rings" the category)."""
        return any(EntityLinker._type_rank(c, allowed)[0] > 0 and not ruled_out(c.iri) and not (
            c.kind == "attribute_value" and c.attribute == "type")
            for c, _, _ in found.values())

    def generate(self, mention: str, label: str | None = None,
                 context: str | QueryContext | None = None
                 ) -> list[tuple[Candidate, str, float]]:
        """Candidate nodes for ``mention`` in the query ``context`` (its text or its
        :class:`QueryContext`): ``(candidate, match_type, similarity)``, before scoring
        (non-linkable nodes left out; the mention is read as :meth:`mention_core`, a clipped
        compound at its end in full: :meth:`_key`). A category whose path names an audience
        the query rules out (:meth:`_ruled_out`) is kept, to be scored as never the link, but
        counts as nothing found: the next generator runs ("tshirts" in "tshirts for women":
        the men's "tshirts", then the women's "polos tshirts")."""
        core = self.mention_core(mention)
        return self._generate(core, self._key(core), label, _query_context(context))

    def _generate(self, mention: str, key: str, label: str | None, ctx: QueryContext | None
                  ) -> list[tuple[Candidate, str, float]]:
        """:meth:`generate` of the mention read as ``mention`` (its :meth:`mention_core`) and
        ``key`` (its :meth:`_key`) in the query ``ctx``."""
        table = self.table
        index = table.index
        context = ctx.key if ctx is not None else None  # (as the number test reads it)
        found: dict[str, tuple[Candidate, str, float]] = {}
        query_words = context_words(key) | (ctx.words if ctx is not None else frozenset())
        ruled_out = self._ruled_out(table, query_words)

        if query_words.isdisjoint(_AUDIENCES):
            def none_left() -> bool:  # nothing found (no audience: :meth:`_ruled_out` rules
                return not found      # out nothing, most queries)
        else:
            def none_left() -> bool:  # nothing found that the query's audience leaves
                return all(ruled_out(iri) for iri in found)

        unlinkable = table.unlinkable

        def add(k: str, match_type: str, sim: float, values: bool = True) -> None:
            for c in index.candidates(k):
                iri = c.iri
                if iri in unlinkable or (not values and (c.kind == "attribute_value")):
                    continue
                mt = match_type
                # exact: the stored name as the mention writes it, case aside ("Basketball" and
                # "basketball" got two decisions: the fitted weight of exact is below alias's)
                if mt == "exact" and c.matched_alias.casefold() != mention.strip().casefold():
                    mt = "alias"
                before = found.get(iri)
                if before is None or before[2] < sim:
                    found[iri] = (c, mt, sim)

        add(key, "exact", 1.0)
        if not self._names_a_kind(found, self.config.label_kinds.get(label)
                                  if label is not None else None, ruled_out):
            # also when the exact name is only a node the label cannot link (the brand
            # "Ring" for a product type) or a catalogue's Type value: "ring" is "Rings" too
            for v in number_variants(key):
                add(v, "plural", 0.95)
        restated = self._add_qualified(key, ctx, found) if ctx is not None else set()
        core = _LEADING_FUNCTION_WORDS.sub("", key)
        if core and core != key:  # "for girls" also means "girls", "for photography" Photography
            before = len(found)
            add(core, "alias", 0.95)
            if len(found) == before:
                for v in number_variants(core):
                    add(v, "plural", 0.9)
        if ctx is not None:
            # the mention's name composed with other words of the query: "case" in "apple watch
            # case" -> "Apple Watch Cases", "accessories" in "xbox one accessories"; also when
            # the mention alone names nothing ("knives" in "kitchen knives", "storage" in
            # "garage storage")
            ws = word_set(key)
            qorder = ctx.order()  # (with a "+" ending a word read as "plus": "6+")
            qs = ws | ctx.stems | frozenset(qorder)
            # the brand a product line's word of the query implies, the query not naming it
            # ("galaxy": Samsung, of "Samsung Galaxy S6 edge Cases" for "case for galaxy s6
            # edge"): a name may hold it, and it counts as the mention's own word in the
            # device phrase's run (:meth:`_implied_brands`); not the mention's own line word
            # (the span "galaxy note 4" of "galaxy note 4 case" links its phone, as before)
            implied = self._implied_brands(table, [w for w in qorder if w not in ws], qs)
            qs |= implied
            mine = ws | implied
            postings = [table.by_word.get(w, {}) for w in sorted(ws)]  # (sets: sorted, so ties
            # break the same way in every process, whatever its hash seed)
            if ws and len(qs) > len(ws) and all(postings):
                # (a name of more words, up to :data:`_QUALIFIER_MAX_EXTRA` more than the
                # mention's, only when they are a run of the query: :func:`_qualifier_run`)
                most = len(ws) + _SUBSET_MAX_EXTRA
                sizes = range(len(ws) + 1, min(len(qs), len(ws) + _QUALIFIER_MAX_EXTRA) + 1)
                composed: list[str] = []
                pairs = joined_pairs(ctx.key)
                # scan the shorter of: the rarest mention word's names, the names of the
                # query's other words (a composed name has at least one of them)
                rarest = min(postings, key=lambda p: sum(len(p.get(n, ())) for n in sizes))
                others = [table.by_word.get(w, {}) for w in sorted(qs - ws)]
                scan = [rarest] if (sum(len(rarest.get(n, ())) for n in sizes) <= sum(
                    len(p.get(n, ())) for p in others for n in sizes)) else others
                words_of = table.words
                for n in sizes:
                    for posting in scan:
                        for name in posting.get(n, ()):
                            if ws <= words_of[name] <= qs \
                                    and _same_numbers(key, name, context) and (
                                        n <= most or _qualifier_run(name, mine, qorder)) \
                                    and not _other_model(name, qorder) \
                                    and not _lacks_a_joined_word(table.words[name], ws,
                                                                 pairs) and (
                                        not implied or _implied_at_front(name, implied)):
                                add(name, "query", len(ws) / n)
                                composed.append(name)
                # (names with a part so composed, where no whole name is one that
                # found a category: :meth:`_fitted_parts`)
                if not any(c.kind == "category" and mt == "query"
                           and _alias_key(c.matched_alias) in composed
                           and fitted_name(_alias_key(c.matched_alias), key, ctx.key, implied)
                           for c, mt, _ in found.values()):
                    parts = self._fitted_parts(table, key, ctx.key, qs - ws, implied)
                    for name, said in parts:
                        add(name, "query", said)
                        composed.append(name)
                else:
                    parts = []
                self._prefer_qualified(table, mine, qorder, composed, found)
                self._prefer_fitted(table, key, ctx.key, composed, found, implied,
                                    [name for name, _ in parts])
        bare = _SENTENCE_LEADING_WORDS.sub("", key)
        if none_left() and bare not in (key, core) and any(
                w not in FUNCTION_WORDS for w in _WORD.findall(bare)):
            # the mention as written names nothing: without the function words a sentence
            # puts before a noun ("to tv", "for my ipad"), as without a leading "for" above
            add(bare, "alias", 0.95)
            if none_left():
                for v in number_variants(bare):
                    add(v, "plural", 0.9)
        if none_left():
            ck = compact_key(key)
            for name in table.by_compact.get(ck, ()) if len(ck) >= 3 else ():
                if _same_numbers(key, name, context):  # (not "11/4" for "1.14")
                    add(name, "compact", 0.9)
        if none_left() and len(key) >= _SUBSET_MIN_CHARS:
            # names with every content word of the mention and at most two more
            # ("wine coolers" -> "Wine Refrigerators & Coolers", "headphones" -> "All Headphones")
            generic, rows = _subset_names(table, key)
            title = generic is not None and label in _TITLE_LABELS
            for name, n, sim, mt, cands in rows:
                if _same_numbers(key, name, context) \
                        and not (title and n > 1 and _proper_name(table, name, generic, ctx)):
                    for c in cands:  # (:func:`add` of the name's linkable candidates)
                        before = found.get(c.iri)
                        if before is None or before[2] < sim:
                            found[c.iri] = (c, mt, sim)
        cfg = self.config
        if none_left() and cfg.fuzzy_min_chars <= len(key) <= cfg.fuzzy_max_chars:
            pieces = self.word_pieces
            for name in () if pieces is not None and _real_words(pieces, key) \
                    else self._one_edit(key):
                if pieces is not None and _no_correction(pieces, key, name):
                    # ("airpods" is no typo of the kitchen category Airpots: of the 23 typo
                    # links of QueryNER's tagged spans, train and validation, this drops the 5
                    # of "airpods" and no other)
                    continue
                sim = 1.0 - 1.0 / max(len(key), len(name))
                # (a typo of a name only a non-linkable entry has is not read through that
                # name's singular/plural: on QueryNER train that linked 12 more mentions, 7
                # wrongly: "swaddle" -> Saddles, "chapstick" -> Chopsticks)
                add(name, "fuzzy", sim)
        if (none_left() and cfg.head_fallback and label in HEAD_LABELS and " " in key):
            head = key.rsplit(" ", 1)[1]
            if len(head) >= 3:
                add(head, "head", 0.5)
                if none_left():
                    for v in number_variants(head):
                        add(v, "head", 0.45)
        if ctx is not None and found:
            self._prefer_supported(table, key, ctx, found, ruled_out, restated)
        return list(found.values())

    @staticmethod
    def _prefer_qualified(table: _NodeTable, mine: frozenset[str], query: Sequence[str],
                          composed: Sequence[str],
                          found: dict[str, tuple[Candidate, str, float]]) -> None:
        """Drop from ``found`` the candidates composed of the mention (its content words
        ``mine``) and other words of the query (``query``: :func:`query_order`) by a name of
        ``composed`` whose words another name of ``composed`` holds, and more, that name's
        words beyond the mention's a run of the query (:func:`_qualifier_run`): the longer
        name keeps the whole device phrase the query names, the shorter one drops a word of
        it and names another model. "case" in "case for iphone 6 plus" composed iPhone 6
        Cases as well as iPhone 6 Plus Cases, and the scorer chose the shorter name (its
        similarity, mention words over name words, is higher): the filter kept only cases
        that do not fit the phone. ("iphone 6 plus case" read its run, iPhone 6 Plus Cases:
        :meth:`_composed_run`.)"""
        if len(composed) < 2:
            return
        words = {name: table.words.get(name, frozenset()) for name in composed}
        longer = [name for name in composed if _qualifier_run(name, mine, query)]
        beaten = {name: [other for other in longer if words[name] < words[other]]
                  for name in composed}
        beaten = {name: others for name, others in beaten.items() if others}
        if not beaten:
            return
        # the longer name takes the shorter one's place, as similar as it was (similarity,
        # the mention's words over the name's, no longer tells them apart: the query
        # names the words of both)
        sims: dict[str, float] = {}
        for iri, (c, mt, sim) in list(found.items()):
            name = _alias_key(c.matched_alias)
            if mt == "query" and name in beaten:
                del found[iri]
                for other in beaten[name]:
                    sims[other] = max(sims.get(other, 0.0), sim)
        for iri, (c, mt, sim) in list(found.items()):
            name = _alias_key(c.matched_alias)
            if mt == "query" and sims.get(name, 0.0) > sim:
                found[iri] = (c, mt, sims[name])

    @staticmethod
    def _prefer_fitted(table: _NodeTable, key: str, query: str, composed: Sequence[str],
                       found: dict[str, tuple[Candidate, str, float]],
                       implied: frozenset[str] = frozenset(), parts: Collection[str] = ()
                       ) -> None:
        """Drop from ``found`` the categories and product types found under the mention's
        own name (``key``, plural and singular aside; not as a name composed with the
        query's words) when a category found as a name composed of the mention and other
        words of the query (``composed``; ``query`` normalised), or as a name with such a
        part (``parts``: :meth:`_fitted_parts`), is named as the mention after the device
        the query says, after the mention, it fits (:func:`fitted_name`: "iPad Air 2 Cases"
        for "case" in "case for ipad air 2", "iPhone Screen Protectors" for "screen
        protector" in "screen protector compatible with iphone 6s plus", "Laptop Chargers &
        Adapters" for "charger" in "charger for laptop"), as a run before the mention is
        read (:meth:`_composed_run`: "ipad air 2 case"). The bare name (the tablets' generic
        "Cases", another branch than iPad Air 2 Cases; the phones' "Screen Protectors"; the
        product type Chargers) kept none of the device phrase, and its filter none of the
        device's accessories, or all phones'. A node found under the bare name that is also
        a fitted name's node (Best Buy's "Camera Batteries" found as "Batteries", its
        department's word dropped: :meth:`_add_qualified`, for "battery" in "battery for
        camera") is not dropped: it stays, re-labelled as a ``query`` match of that fitted
        name, as similar as the most similar fitted category found. A brand the query's
        product line implies (``implied``: "Samsung" of "Samsung Galaxy S6 Cases" in "case
        for galaxy s6") is no word of the device phrase the query says."""
        order = word_order(key)
        if not order or not composed:
            return
        fitted = {name for name in composed if name in parts
                  or fitted_name(name, key, query, implied)}
        sims = [sim for c, mt, sim in found.values() if c.kind == "category" and mt == "query"
                and _alias_key(c.matched_alias) in fitted]
        if not sims:
            return
        # (a fitted category found under the mention's own name, its department's word
        # dropped, :meth:`_add_qualified`: Best Buy's "Camera Batteries" as "Batteries" in
        # "battery for camera", is the fitted name's node: it stays, read as that name)
        named = {c.iri: c for name in fitted for c in table.index.candidates(name)
                 if c.kind == "category"}
        for iri in [iri for iri, (c, mt, _) in found.items()
                    if c.kind in ("category", "product_type") and mt != "query"
                    and _alias_order(c.matched_alias) == order]:
            if iri in named:
                found[iri] = (named[iri], "query", max(sims))
            else:
                del found[iri]

    @staticmethod
    def _fitted_parts(table: _NodeTable, key: str, query: str, device: Collection[str],
                      implied: frozenset[str] = frozenset()) -> list[tuple[str, float]]:
        """The category names a part of which (:data:`NAME_PARTS`) is the mention (``key``)
        named after the device the query says, after the mention, it fits
        (:func:`fitted_name`), the name's other parts words the query lacks: "Laptop
        Chargers & Adapters" for "charger" in "charger for laptop" (the composed names hold
        only the query's words: none of these); and the names of a category right under one
        named by the mention, of the device's words and that category's (:func:`_fitted_child`:
        "Laptop Memory" under "Memory (RAM)" for "ram" in "ram for laptop"). Each with its
        similarity: the mention's words over the name's, and for a child's name the device's
        words with them (its other words are its parent's, which the mention names). Read
        from the names of the query's other words (``device``, plural-folded), only after a
        compatibility cue (most queries have none)."""
        if "for" not in query and "fit" not in query and "with" not in query:
            return []  # (a cue's last word folds to one of these, a prefix of it: none here)
        # (the device's words: those after a cue that follows the mention's last word)
        order = word_order(key)
        said = [_stem(w) for w in _WORD.findall(_MODEL_PLUS.sub(" plus", query))]
        end = next((i for i in range(len(said) - 1, -1, -1) if order and said[i] == order[-1]),
                   None)
        # (a cue that ends in "for" or "fits", or in the "with" of "compatible with",
        # "works with": :func:`_fitted_run`'s cues; "bag with strap" names no device)
        cue = None if end is None else next(
            (j for j in range(end + 1, len(said)) if said[j] in _FITS_CUE_ENDS
             or (said[j] == "with" and j and said[j - 1] in _FITS_WITH)), None)
        if cue is None:
            return []
        device = frozenset(device).intersection(said[cue + 1:])
        mine = word_set(key)
        n = len(mine)
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        for w in sorted(device):
            for size, rows in _category_names(table, w):
                if size <= n or size > n + _QUALIFIER_MAX_EXTRA + 3:
                    continue
                for name, words, parted, order, cats in rows:
                    if name in seen:
                        continue
                    seen.add(name)
                    # (a part holds the mention's words; a child's name opens with the
                    # device's words)
                    part = mine <= words and parted
                    if not part and order[0] not in device:
                        continue
                    if part and fitted_name(name, key, query, implied):
                        out.append((name, n / len(words)))
                    elif not part and any(_fitted_child(name, table.paths.get(iri, ""), key,
                                                        query, implied) for iri in cats):
                        out.append((name, min(1.0, (n + len(words & device)) / len(words))))
        return out

    def _implied_brands(self, table: _NodeTable, query: Sequence[str], words: frozenset[str]
                        ) -> frozenset[str]:
        """The brands (their name's word, plural-folded) that words of the query (``query``:
        :func:`query_order`) imply as a product line of theirs, the query's words ``words``
        not naming them (:func:`implied_brand`): "samsung" for "galaxy" in "case for galaxy
        s6", none for "case for samsung galaxy s6" or "iphone 6 case"."""
        def sold(iri: str) -> frozenset[str]:
            return self._sold_in(table, iri)[0]

        return frozenset(b for w in query
                         if (b := implied_brand(table, w, sold)) is not None and b not in words)

    def _add_qualified(self, key: str, ctx: QueryContext,
                       found: dict[str, tuple[Candidate, str, float]]) -> set[str]:
        """Add to ``found`` (the candidates of the mention ``key`` so far) the categories
        named as the mention after one word that restates their own department, when
        ``found`` holds a category of the mention's name (plural/singular aside) and the
        query ``ctx``'s other words name a word of their path or of a category below them
        (:meth:`_below_words`: "wireless" of "Wireless & Bluetooth Keyboards"). Best Buy
        names its computer keyboards "Computer Keyboards" (Computers & Tablets > ... >
        Computer Keyboards) only to tell them from its Musical Instruments' "Keyboards":
        read as that name, they were no candidate of "keyboard", and "logitech wireless
        keyboard" linked the musical Keyboards (a category filter, the intent of Digital
        Pianos). Added as an alias of the mention's name (the name without the
        department's word, which then counts as no extra word of it), as similar as the
        namesake found; the query's words and the KG's priors choose between them
        (:meth:`_prefer_supported`, the scorer). Only words that no path of the mention's
        name holds back it, and none that the paths of many departments hold
        (:meth:`_common_words`: "accessories" backs no "Computer Headsets" of "ps4
        accessories headsets"), and only in a department none of those is in
        (the restatement tells apart departments: "Camera Lenses" is no namesake of the
        camcorders' "Lenses"). A query whose words back it not ("keyboard", "piano
        keyboard", "mechanical keyboard") keeps the candidates it had.
        No such restatement: a word naming no department ("Laptop Batteries" under "Laptop
        Accessories"), one after the mention's words ("Xbox 360 Games"), a brand's
        ("Magnolia Speakers" of the store's Magnolia Home Theater), a name of parts
        ("Computers & Tablets"), a category of the first two levels ("Video Games") or one
        outside the intent's label space where there is one (:attr:`label_space`)."""
        table = self.table
        order = word_order(key)
        query = ctx.words | context_words(key)
        mine = [(c.iri, sim) for c, _, sim in found.values() if c.kind == "category"
                and _alias_order(c.matched_alias) == order
                and not _unsupported(_narrowing(table.paths.get(c.iri, "")), query)]
        added: set[str] = set()
        if not order or not mine:
            return added  # (none, or only namesakes for an audience or device the query names
            #                not)
        sim = max(s for _, s in mine)
        departments = {_department(table, iri) for iri, _ in mine}
        # the query's other words that no path of the mention's name holds: those that
        # tell a restated namesake from them ("wireless", not "accessories")
        ws = frozenset(order)
        common = self._common_words(table)
        ctx_words = frozenset(w for w in ctx.words - context_words(key) - frozenset().union(
            *(table.context.get(iri, frozenset()) for iri, _ in mine))
            if _stem(w) not in ws and w not in common)
        stems = {_stem(w) for w in ctx_words}  # (no form of the mention's own words)
        # (a name of these words is a candidate of its own: "Mirrorless Lenses" of
        # "mirrorless lenses" backs no "Camera Lenses")
        composed = ws | ctx.stems
        for extra, c in _restatements(table, order):
            if c.iri in found or _department(table, c.iri) in departments or not (
                    self.label_space is None or self._in_space(c.iri)):
                continue
            if ctx_words.isdisjoint(table.context.get(c.iri, ())) and not any(
                    not below <= composed and not stems.isdisjoint(below)
                    for below in self._below_names(table, c.iri)):
                continue  # (the query's other words name no word of its path or below)
            alias = " ".join(w for w in c.matched_alias.split()
                             if _stem(normalize_key(w)) != extra)
            found[c.iri] = (replace(c, matched_alias=alias), "alias", sim)
            added.add(c.iri)
        return added

    def _prefer_general(self, key: str, ctx: QueryContext | None,
                        generated: Sequence[tuple[Candidate, str, float]]
                        ) -> list[tuple[Candidate, str, float]]:
        """The candidates ``generated`` for the mention read as ``key`` in the query ``ctx``,
        less the categories of the mention's name, or of its name and words that narrow it
        ("car grill covers" for "grill cover"), whose path files their products for an
        audience or a use the query does not name (:func:`_narrowing`, :func:`_unsupported`;
        a brand the query names that is sold in the category's department names it), when a
        category for none reads the mention as well (no lower similarity), or when one of
        the mention's name in its other number is ("Backpacks" for "backpack", which the
        exact name hid: then added). When every category of the mention's name is for an
        audience the query does not name, the KG's categories for none whose name opens with
        the mention's as one part (:meth:`_parts_for_all`: "Gloves & Mittens" beside the
        men's "gloves") take their place, scored as names of the mention; without one,
        categories for audiences that disagree leave nothing to choose (girls' and men's "jeans":
        NIL), as does one for the accessories of a device the query does not name
        (:data:`_DEVICE_GROUPS`: the tablets' "Cases" for "laptop case"). "shampoo" is Health &
        Beauty's Shampoo, not the pets' shampoo; "grill cover" Outdoor Grill Covers; "water bottles"
        no school supplies' water bottles; "dog shampoo", "car grill cover" and "mens gloves" keep
        theirs. The prior chose the narrower node (Flipkart's shallow tree gives its nodes 0.25
        against Google's 0.10), and the expansion filled the query with its department: skin coat
        care, car styling, socks and the value Men. A step of linking, not of :meth:`generate`: the
        scorer is fitted on every candidate of a name, the pets' shampoo as Health & Beauty's, and
        ranks those this step leaves."""
        table = self.table
        found = {c.iri: (c, mt, sim) for c, mt, sim in generated}
        query = context_words(key) | (ctx.words if ctx is not None else frozenset())
        ruled_out = self._ruled_out(table, query)
        order = word_order(key)

        def of_name(iri: str) -> bool:  # a category of the mention's very name
            return _alias_order(found[iri][0].matched_alias) == order

        cats = {iri: sim for iri, (c, _, sim) in found.items()
                if c.kind == "category" and not ruled_out(iri)}
        narrow = {iri: groups for iri in cats if (groups := _unsupported(
            _narrowing(table.paths.get(iri, "")), query)) and tuple(
            w for w in _alias_order(found[iri][0].matched_alias)
            if w in order or _AUDIENCE_WORDS.get(w, w) not in _NARROWING) == order}
        if narrow and ctx is not None:
            brands = self._query_brands(table, key, ctx)
            if brands:
                sold = frozenset().union(*(self._sold_in(table, b)[1] for b in brands))
                narrow = {iri: g for iri, g in narrow.items()  # (Apple, Samsung: sold in
                          if g & _DEVICE_GROUPS  # tablets' department, no tablet named)
                          or _department(table, iri) not in sold}
        if len(order) > 1:  # a device's accessory of a name of several words is that
            # thing ("Stylus Pens", "Keyboard Folios"): only a bare kind is narrowed away,
            # unless a namesake for no device in its department (one store's tree) reads
            # the mention as well: "docking station" (no tablet named) is Best Buy's
            # laptops' Docking Stations, not its tablets' namesake the IRI order chose;
            # Google's "Stylus Pens" (Electronics) does not displace Best Buy's
            narrow = {iri: g for iri, g in narrow.items() if not g <= _DEVICE_GROUPS or any(
                other != iri and other not in narrow and of_name(other) and sim >= cats[iri]
                and _department(table, other) == _department(table, iri)
                for other, sim in cats.items())}
        if not narrow:
            return list(generated)
        top = max((sim for iri, sim in cats.items() if iri not in narrow), default=None)
        beaten = {iri for iri in narrow if top is not None and cats[iri] <= top}
        mine = [iri for iri in sorted(set(narrow) - beaten) if of_name(iri)]
        if mine:
            other = [(c, "plural", 0.95) for v in number_variants(key)
                     for c in table.index.candidates(v)
                     if c.kind == "category" and c.iri not in found
                     and c.iri not in table.unlinkable and not ruled_out(c.iri)
                     and _alias_order(c.matched_alias) == order
                     and not _unsupported(_narrowing(table.paths.get(c.iri, "")), query)]
            groups = [narrow[iri] for iri in mine]
            if not other and all(g <= _AUDIENCES.keys() for g in groups) \
                    and all(iri in narrow for iri in cats if of_name(iri)):
                # every category of the name is for an audience the query does not name
                other = [(c, "alias", len(order) / len(word_order(_alias_key(
                    c.matched_alias)))) for c in self._parts_for_all(table, order, ruled_out)]
                if not other and any(not _agree(a, b) for g in groups for h in groups
                                     for a in g for b in h):
                    beaten.update(mine)  # nothing decides between them
            for c, mt, sim in other:
                found[c.iri] = (c, mt, sim)
            if other:
                beaten.update(mine)
            elif len(order) == 1:  # a device's accessory named by the bare kind ("Cases"),
                # no other reading: none (:data:`_DEVICE_GROUPS`; "keyboard folios" keeps its)
                beaten.update(iri for iri in mine if narrow[iri] & _DEVICE_GROUPS)
        return [row for iri, row in found.items() if iri not in beaten]

    @staticmethod
    def _parts_for_all(table: _NodeTable, order: tuple[str, ...],
                       ruled_out: Callable[[str], bool]) -> list[Candidate]:
        """The linkable categories for no audience or use (:func:`_narrowing`) whose name
        (an index key) opens with a part (:data:`NAME_PARTS`) of the content words ``order``
        and holds more: "Gloves & Mittens" for "gloves", "Shirts & Tops" for "shirts" (not
        "Bicycle Shorts & Briefs" for "briefs"), in name order."""
        rarest = min(order, key=lambda w: sum(map(len, table.by_word.get(w, {}).values())))
        out = []
        for name in sorted(n for names in table.by_word.get(rarest, {}).values()
                           for n in names):
            first = NAME_PARTS.split(name, 1)
            if len(first) > 1 and word_order(first[0]) == order:
                out += [c for c in table.index.candidates(name)
                        if c.kind == "category" and c.iri not in table.unlinkable
                        and not ruled_out(c.iri)
                        and not _narrowing(table.paths.get(c.iri, ""))]
        return out

    def _prefer_supported(self, table: _NodeTable, key: str, ctx: QueryContext,
                          found: dict[str, tuple[Candidate, str, float]],
                          ruled_out: Callable[[str], bool],
                          restated: Collection[str] = ()) -> None:
        """Among the categories of ``found`` (the candidates of the mention ``key`` in the
        query ``ctx``) of the mention's name (plural/singular aside), keep those the
        query supports when it supports any: a path sharing a word with the query's other
        words, or a department a brand the query names is sold in (:meth:`_query_brands`,
        :meth:`_sold_in`); the others leave ``found``. A path for an audience or a use
        (:func:`_narrowing`) is supported when the query names it, also in other words ("dog
        shampoo": the pets' shampoo), and never by a shared word when it does not ("shampoo
        for sensitive skin" is no pets' "skin coat care": :meth:`_prefer_general` then
        chooses). "keyboard" in
        "keyboard for ipad" is iPad & Tablet Accessories' Keyboards, not Musical
        Instruments'; "pencil" in "apple pencil" Best Buy's, not Google's office Pencils.
        The prior (a node's degree in the KG, which a foreign taxonomy's deep tree or a
        catalogue's many pianos raise) outweighed the context: it says how common a node is,
        not which of one name the query means. When the mention names categories and none
        of a department the query's brand is sold in, the brand's categories (and their
        ancestors) the mention names one part of (:func:`_name_orders`) are added first, as
        names holding its words, and count as of its name: "samsung washer" found only
        Google's hardware Washers, and now Samsung's "Washers & Dryers". (Only those: "audio"
        in "audio mp3 cases" is no "MP3 & Audio" of a gift list rather than the department
        Audio, whose path holds no other word to share with the query.)"""
        order = word_order(key)
        added: set[str] = set()

        def named() -> list[str]:
            return [iri for iri, (c, _, _) in found.items() if c.kind == "category"
                    and not ruled_out(iri) and (
                        iri in added or _alias_order(c.matched_alias) == order)]

        mine = named()
        if not mine or not order:
            return
        brands = self._query_brands(table, key, ctx)
        departments = frozenset().union(*(self._sold_in(table, b)[1] for b in brands))
        if departments and all(_department(table, iri) not in departments for iri in mine):
            nodes = self.graph.to_networkx().nodes
            for iri in sorted(frozenset().union(*(self._sold_in(table, b)[0] for b in brands))):
                name = nodes[iri].get("label") if iri in nodes else None
                if iri in found or iri in table.unlinkable or not name:
                    continue
                for c in table.index.candidates(normalize_key(str(name))):
                    if c.iri == iri and order in _name_orders(c.matched_alias):
                        found[iri] = (c, "subset", len(order) / max(len(word_order(
                            normalize_key(c.matched_alias))), 1))
                        added.add(iri)
                        break
            mine = named()
        if len(mine) < 2:
            return
        ctx_words = ctx.words - context_words(key)
        query = ctx.words | context_words(key)
        backed = [iri for iri in mine if _department(table, iri) in departments or (
            not _unsupported(narrowing := _narrowing(table.paths.get(iri, "")), query) and (
                not ctx_words.isdisjoint(table.context.get(iri, ()))
                or bool(narrowing - _AUDIENCES.keys())))]
        # of several namesakes in the intent's label space (where there is one) that the
        # query backs alike, or none, one of them a department-restated name
        # (:meth:`_add_qualified`, ``restated``), those whose own kinds (the categories
        # below them, two levels) name one of its other words: "wireless" in "logitech
        # wireless keyboard" is Computer Keyboards' "Wireless & Bluetooth Keyboards", not
        # Musical Instruments' Keyboards (Digital Pianos, Synths ...), though Logitech is
        # sold in both
        stems = {_stem(w) for w in ctx_words} - set(order)
        among = [iri for iri in (backed if len(backed) > 1 else [] if backed else mine)
                 if self.label_space is None or self._in_space(iri)]
        below = [iri for iri in among if len(among) > 1 and not set(restated).isdisjoint(among)
                 and not _unsupported(_narrowing(table.paths.get(iri, "")), query)
                 and not stems.isdisjoint(self._below_words(table, iri))]
        backed = below or backed
        if backed:
            for iri in set(mine).difference(backed):
                del found[iri]

    def common_words(self) -> frozenset[str]:
        """The words of this KG's category paths (:func:`context_words`, and their number
        folded) that tell no department from another: those the paths of more than a quarter
        of its departments hold, and of more than two ("accessories", "kits", "cases": 43, 28
        and 22 of the default KG's 81 departments). A query word among them backs no category
        over its namesakes ("accessories" of "ps4 accessories headsets" backs no "Computer
        Headsets"), and a mention ending in one ("car accessories", "hitch kit") names no
        product a parser may read as the head of a compound
        (:meth:`parser.QueryParser.link_entities`). Cached per node table.

        >>> from kg import Node, NodeKind, ProductGraph
        >>> g = ProductGraph.in_memory()
        >>> _ = g.add_records([Node(NodeKind.CATEGORY, f"c{i}", f"{d} Kits", path=f"{d} > {d} Kits")
        ...                    for i, d in enumerate(["Cars", "Toys", "Tools", "Pets"])],
        ...                   progress=False)
        >>> sorted(EntityLinker(g).common_words())
        ['kit', 'kits']
        """
        return self._common_words(self.table)

    @staticmethod
    def _common_words(table: _NodeTable) -> frozenset[str]:
        """The words of category paths (:func:`context_words`, and their number folded) that
        the paths of more than a quarter of the KG's departments hold, and of more than two
        ("accessories", "kits", "cases": 43, 28 and 22 of the default KG's 81): words that
        tell no department from another; cached per node table."""
        common = table.__dict__.get("common")
        if common is None:
            departments: dict[str, set[str]] = {}
            for iri, path in table.paths.items():
                department = path.split(">", 1)[0].strip().casefold()
                for w in table.context.get(iri, ()):
                    departments.setdefault(w, set()).add(department)
            n = len({p.split(">", 1)[0].strip().casefold() for p in table.paths.values()})
            words = {w for w, ds in departments.items() if len(ds) * 4 > n and len(ds) > 2}
            common = table.__dict__["common"] = frozenset(words | {_stem(w) for w in words})
        return common

    def below_words(self, iri: str) -> frozenset[str]:
        """The content words (:func:`word_set`) of the names of the categories below the
        category ``iri``, two levels down: the part of the catalogue it heads
        ("Musical Instruments > Keyboards": digital, piano, portable ... of Digital Pianos,
        Portable Keyboards); cached per node table."""
        return self._below_words(self.table, iri)

    def _below_words(self, table: _NodeTable, iri: str) -> frozenset[str]:
        """The content words (:func:`word_set`) of the names of the categories below the
        category ``iri``, two levels down (:meth:`_below_names`)."""
        return frozenset().union(*self._below_names(table, iri))

    def _below_names(self, table: _NodeTable, iri: str) -> tuple[frozenset[str], ...]:
        """The content words (:func:`word_set`) of the name of each category below the
        category ``iri``, two levels down; cached per node table."""
        cache = table.__dict__.setdefault("below", {})  # (a table pickled before it was kept)
        names = cache.get(iri)
        if names is None:
            nxg = self.graph.to_networkx()
            out: list[frozenset[str]] = []
            level = [iri]
            for _ in range(2):
                level = [s for node in level for s, _, r in nxg.in_edges(node, keys=True)
                         if r == "parent"]
                out += [word_set(normalize_key(str(nxg.nodes[node].get("label", ""))))
                        for node in level]
            names = cache[iri] = tuple(out)
        return names

    def coordinated(self, a: str, b: str) -> bool:
        """Whether the head words ``a`` and ``b`` (plural-folded, :func:`name_heads`) name two
        kinds side by side: they head two parts of one category's name ("Laptop Chargers &
        Adapters": charger and adapter; "Adapters, Cables & Chargers"); the pairs read once
        per node table."""
        return frozenset((a, b)) in _coordinated_pairs(self.table)

    def _brand_words(self, ctx: QueryContext) -> frozenset[str]:
        """The words of the query ``ctx`` that name a linkable brand of the KG, by its very
        name or alias in a run of one to three words ("hydro flask"), sold or not: what a
        package word's query names beside the goods packed (:func:`_packaging`)."""
        table, words, out = self.table, ctx.tokens, set()
        for i in range(len(words)):
            for n in range(1, min(3, len(words) - i) + 1):
                if any(c.kind == "brand" and c.iri not in table.unlinkable
                       for c in table.index.candidates(" ".join(words[i:i + n]))):
                    out.update(words[i:i + n])
        return frozenset(out)

    def _query_brands(self, table: _NodeTable, key: str, ctx: QueryContext) -> list[str]:
        """The linkable brands the query ``ctx`` names by their very name or alias, in runs of
        one to three of its words outside the mention ``key`` ("samsung" in "samsung
        washer"), that the KG sells something under (:meth:`_sold_in`). The query's runs
        and their brands are looked up once per query and node table
        (:attr:`QueryContext.brand_runs`), for all its mentions."""
        words = ctx.tokens
        runs = ctx.brand_runs.get(table)
        if runs is None:
            found = []
            for i in range(len(words)):
                for n in range(1, min(3, len(words) - i) + 1):
                    brands = tuple(
                        c.iri for c in table.index.candidates(" ".join(words[i:i + n]))
                        if c.kind == "brand"
                        and c.iri not in table.unlinkable and self._sold_in(table, c.iri)[0])
                    if brands:
                        found.append((i, n, brands))
            runs = ctx.brand_runs[table] = tuple(found)
        mine = set(key.split())
        out: dict[str, None] = {}
        for i, n, brands in runs:
            if mine.isdisjoint(words[i:i + n]):  # (a run of the mention's words names no other)
                out.update(dict.fromkeys(brands))
        return list(out)

    def _sold_in(self, table: _NodeTable, brand: str) -> tuple[frozenset[str], frozenset[str]]:
        """The categories the brand ``brand`` is sold in (:func:`brand_categories`: its
        ``sells_in`` categories and its products'), with their ancestors, and their
        departments (:func:`_department`); cached per node table."""
        sold = table.sold.get(brand)
        if sold is None:
            nxg = self.graph.to_networkx()
            cats: set[str] = set()
            todo = list(brand_categories(nxg, brand))  # (the brand's own: no spelled-alike)
            while todo:
                c = todo.pop()
                if c not in cats and c in table.paths:
                    cats.add(c)
                    todo += [t for _, t, r in nxg.out_edges(c, keys=True) if r == "parent"]
            sold = table.sold[brand] = (frozenset(cats), frozenset(
                d for c in cats if (d := _department(table, c)) is not None))
        return sold

    def _composed_run(self, mention: str, label: str | None, ctx: QueryContext | None
                      ) -> tuple[str, list[tuple[Candidate, str, float]]] | None:
        """The longest run of the query ``ctx``'s words that ends with the mention (read as
        its :meth:`mention_core` ``mention``) where the query writes it, with one to four
        words before it, whose whole text is the name
        or alias of a category ``label`` admits (plural/singular aside, as :meth:`generate`
        reads a mention: a clipped compound at its end read in full): the run as it names
        them (in their number) and those categories as its candidates; None without one.
        Such a category ("iPad Cases" for "case" in "ipad case", "Portable Speakers" for
        "speaker" in "portable speaker", "Xbox One Accessories") is what the query's adjacent
        words name together, a kind of what the mention names alone (its head word is the
        mention's): see :meth:`link`."""
        if ctx is None:
            return None
        mine = tuple(normalize_key(mention).split())
        query = ctx.tokens
        n = len(mine)
        # (the mention's first place in the query, as the loop below reads it: none, or no
        # word before it, and no run reads as the mention's: most mentions, decided at once)
        at = next((i for i in range(n, len(query) + 1) if query[i - n:i] == mine),
                  None) if mine else None
        if at is None or at == n:
            return None
        table = self.table
        allowed = self.config.label_kinds.get(label) if label is not None else None

        own = frozenset(word_order(" ".join(mine)))

        def sold(iri: str) -> frozenset[str]:
            return self._sold_in(table, iri)[0]

        def named(key: str, written: str, before: str = ""
                  ) -> tuple[str, list[tuple[Candidate, str, float]]]:
            for k, mt, sim in ((key, "exact", 1.0), *((v, "plural", 0.95)
                                                      for v in number_variants(key))):
                found = [(c, "exact" if mt == "exact" and c.matched_alias.casefold() == written
                          else "alias" if mt == "exact" else mt, sim)
                         for c in table.index.candidates(k)
                         if c.iri not in table.unlinkable and c.kind is not None
                         and c.kind.value == "category" and self._type_rank(c, allowed)[0] > 0]
                if found:
                    return k, found
            # (a run naming no word the mention does not, "all tv stands" of "tv stands",
            # reads as the mention's own names; one whose words before the mention name no
            # node, "replacement parts", no device the mention is for)
            return key, part_of(key) if frozenset(word_order(key)) - own and names_a_node(
                before) else []

        def names_a_node(words: str) -> bool:
            k = normalize_key(words)
            return bool(k) and any(c.iri not in table.unlinkable
                                   for v in (k, *number_variants(k))
                                   for c in table.index.candidates(v))

        def part_of(key: str) -> list[tuple[Candidate, str, float]]:
            # a category one part of whose name (:data:`NAME_PARTS`) the run is, its number
            # aside, the words before the mention a node's name (the device: "ipad"):
            # "ipad charger" of "iPad Chargers & Sync Cables", as "charger for ipad"
            # reads it (:meth:`_fitted_parts`); read as that name, as similar as the run's
            # words over the name's. Only in the intent's label space where there is one
            # (:attr:`label_space`): "gift card" read Google's "Gift Cards & Certificates"
            # (Gift Wrapping, Corsage Pins) under Best Buy's Entertainment Gift Cards
            order = word_order(key)
            if len(order) < 2:
                return []
            ws = frozenset(order)
            postings = [table.by_word.get(w, {}) for w in order]
            rarest = min(postings, key=lambda p: sum(len(v) for v in p.values()))
            out: list[tuple[Candidate, str, float]] = []
            for size, names in sorted(rarest.items()):
                if size <= len(ws):
                    continue
                for name in names:
                    if not ws < table.words.get(name, frozenset()) or not any(
                            word_order(part) == order and _stem(part.rsplit(" ", 1)[-1])
                            != part.rsplit(" ", 1)[-1]
                            for part in NAME_PARTS.split(name)[:-1]):
                        continue  # (the run a part of it, not its last, headed by a plural:
                        #           a kind of its own, the name's other kinds after it, "iPad
                        #           Chargers & Sync Cables"; "Ice Cream & Yogurt Makers" is
                        #           no kind "ice cream")
                    out += [(c, "query", len(ws) / size) for c in table.index.candidates(name)
                            if c.iri not in table.unlinkable and c.kind is not None
                            and c.kind.value == "category" and self._type_rank(c, allowed)[0] > 0
                            and (self.label_space is None or self._in_space(c.iri))]
            return out

        readings: list[tuple[str, list[tuple[Candidate, str, float]]] | None] = []
        for i in range(n, len(query) + 1) if mine else ():
            if query[i - n:i] != mine:
                continue
            reading = None
            for start in range(max(0, i - n - 4), i - n):  # the longest run first
                run = " ".join(query[start:i])
                read, found = named(self._key(run), run, " ".join(query[start:i - n]))
                line = None if found else implied_brand(table, _stem(query[start]), sold)
                if line is not None and line not in ctx.stems:
                    # (a product line's brand the query omits opens the name: "galaxy s6
                    # edge screen protector" is Samsung Galaxy S6 edge Screen Protectors)
                    read, found = named(self._key(f"{line} {run}"), f"{line} {run}")
                if found:
                    # (read in the name's number: "ipad case" as "ipad cases", whose words
                    # the scorer compares with the name's; its plural fold reads "cases" as
                    # "cas", never "case", and took "iPad Cases" for no name headed by "case")
                    reading = (read, found)
                    break
            readings.append(reading)
        # the linker is not told which of the mention's places in the query is its own: a
        # mention written twice reads as a run only when both places read the same ("cases"
        # in "iphone 7 plus cases water proof cases" is no iPhone 7 Plus Cases twice)
        first = readings[0] if readings else None
        if first is None or any(r is None or r[0] != first[0] for r in readings):
            return None
        return first

    def _one_edit(self, key: str) -> list[str]:
        """The names (index keys) one edit from ``key`` that may be its typos: at least
        ``fuzzy_min_chars`` long, the same first letter, the same digits and numbers (a changed
        digit is another model or size, not a typo: "32 inch" is not "38 inch", "playstation 5"
        not "playstation 4", "iphone x" not "iphone 6"), and the same words with a digit (a
        letter or "+" added to a model is another model: "iphone 5" is not "iphone 5s",
        "galaxy s8+" not "galaxy s8": :data:`_MODEL_WORD`)."""
        table, cfg = self.table, self.config
        near: set[str] = set(table.by_delete.get(key, ()))
        for d in _deletes(key):
            near.update(table.by_delete.get(d, ()))
            if table.index.candidates(d):
                near.add(d)
        return [name for name in sorted(near)
                if name != key and len(name) >= cfg.fuzzy_min_chars and name[0] == key[0]
                and OSA.distance(key, name) <= 1
                and _DIGITS.findall(name) == _DIGITS.findall(key)
                and _numbers(name) == _numbers(key)
                and _MODEL_WORD.findall(name) == _MODEL_WORD.findall(key)]

    @property
    def word_pieces(self) -> WordPieces | None:
        """The WordPiece vocabulary of :attr:`LinkerConfig.word_pieces` (None without one)."""
        path = self.config.word_pieces
        return _word_pieces(str(path)) if path else None

    def _reading(self, key: str, label: str | None,
                 generated: Sequence[tuple[Candidate, str, float]]) -> str | None:
        """The label the mention ``key`` (normalised) is scored under: ``label``, but the
        linker's brand-only label (:func:`brand_label`) for a product-type label (label group
        "type", its kinds no brand) when ``key`` is the very name or alias of a linkable brand,
        no category or product type, linkable or lexicon-only, has that name (plural/singular
        aside) and no candidate fits ``label``: the tagger read a brand as a product type
        ("whirlpool", "keurig", "whirlpool washer"). A product-type label links no brand, so
        the brand the KG names exactly (0.28 as a product type, 0.85 as a brand) was NIL and
        the query lost its brand. A word that names a kind of product too stays a product
        type: "apple" (the fruit's product type "Apples") links no brand as one; so does, with
        a WordPiece vocabulary (:attr:`LinkerConfig.word_pieces`, the tagger's), a mention of
        words of the language, each one piece of it, which the tagger may have read right
        or which means something else than the brand of that name: "galaxy" (Samsung's
        line, not the brand "galaxy"), "ultra" in "ultra black", "george"; "whirlpool" (w
        ##hir ##lp ##ool) and "keurig" are names."""
        kinds = self.config.label_kinds.get(label, ()) if label is not None else ()
        if LABEL_GROUPS.get(label or "") != "type" or not kinds \
                or any(k.partition(":")[0] == "brand" for k in kinds):
            return label
        brand = self._brand_only
        if brand is None or any(self._type_rank(c, kinds)[0] > 0 for c, _, _ in generated) \
                or not self._only_a_brand(key):
            return label
        return brand

    def names_only_a_brand(self, text: str) -> bool:
        """Whether ``text`` is the very name or alias of a linkable brand and names nothing
        else a product may be: no category or product type, linkable or lexicon-only, has
        that name (plural/singular aside: "apple" is the fruit's "Apples"), and, with a
        WordPiece vocabulary (:attr:`LinkerConfig.word_pieces`), it is no run of words of the
        language, each one piece of it ("galaxy", "george"; "whirlpool", w ##hir ##lp ##ool,
        is a name). What :meth:`_reading` asks of a product-type mention it scores as a brand,
        and the parser of the words opening a span that links nothing, to read them as the
        brand ("whirlpool washer": :meth:`parser.QueryParser.link_entities`)."""
        return self._only_a_brand(normalize_key(text))

    def namesakes(self, iri: str, mention: str | None = None) -> tuple[str, ...]:
        """The other linkable categories a mention linked to the category ``iri`` may name:
        those of its very name or an alias of it (or of the ``mention``'s words), on other
        paths, and those a part of whose name is headed by the mention's head word, where it
        heads the linked name too (:func:`name_heads`; a part before another part only
        where it is plural, as a category names its kinds, or the linked name's or the
        mention's very words, two or more: "Fans, Heatsinks & Cooling" holds fans,
        "Cleaning Equipment & Kits" cleaning equipment, "Keyboard & Mouse Combos" no
        keyboards, "Ice Cream & Yogurt Makers" no cream, its makers'). The linker picks one
        from the query's words and priors; the others are what a later reader (the parse's
        intent: :meth:`parser.linking.SpanLinker.repick`) may pick instead: "keyboard" links
        Musical Instruments > Keyboards, and Computers & Tablets holds Computer Keyboards,
        iPad & Tablet Accessories > Keyboards ...; "fans" links Appliances' Fans, and
        Computers & Tablets holds Case Fans and CPU Fans & Heatsinks.

        Ordered: those of the very name first, then by name size (content words), then the
        higher prior, then IRI. Empty for a node that is no linkable category with a path.

        >>> from kg import Edge, Node, NodeKind, ProductGraph, Relation
        >>> g = ProductGraph.in_memory()
        >>> music, pc = Node(NodeKind.CATEGORY, "mi", "Music"), Node(NodeKind.CATEGORY, "pc", "PC")
        >>> keys = Node(NodeKind.CATEGORY, "mk", "Keyboards", path="Music > Keyboards")
        >>> pc_keys = Node(NodeKind.CATEGORY, "ck", "Computer Keyboards",
        ...                path="PC > Computer Keyboards")
        >>> combos = Node(NodeKind.CATEGORY, "kc", "Keyboard & Mouse Combos",
        ...               path="PC > Keyboard & Mouse Combos")
        >>> _ = g.add_records([music, pc, keys, pc_keys, combos], progress=False)
        >>> EntityLinker(g).namesakes(keys.iri, "keyboard") == (pc_keys.iri,)
        True
        """
        table = self.table
        return _table_memo(table, "namesakes", (iri, mention), self._namesakes, table, iri,
                           mention)

    def _namesakes(self, table: _NodeTable, iri: str, mention: str | None) -> tuple[str, ...]:
        """:meth:`namesakes` read from the node table ``table``."""
        path = table.paths.get(iri)
        nxg = self.graph.to_networkx()
        if not path or iri not in nxg or nxg.nodes[iri].get("kind") != "category" \
                or iri in table.unlinkable:
            return ()
        name = normalize_key(_label(nxg, iri))
        key = normalize_key(mention) if mention else name
        head = _last_head(_unclipped(key)) if key else ""
        if head not in name_heads(name):
            head = ""  # (a mention naming a part of the name it does not head: its name only)

        def categories(k: str) -> set[str]:
            return {c.iri for c in table.index.candidates(k)
                    if c.kind is not None and c.kind.value == "category"}

        same = categories(name) | (categories(key) if key else set())
        found = set(same)
        # (the linked name's or the mention's very words, two or more: a part of a name that
        # holds them, plural or not, "Cleaning Equipment & Kits" for Cleaning Equipment)
        names = {word_order(name), word_order(key)}
        for keys in (table.by_word.get(head, {}) if head else {}).values():
            for k in keys:
                parts = _part_heads(k)
                if any(last == head and (i == len(parts) - 1 or plural
                                         or (words is not None and words in names))
                       for i, (last, plural, words) in enumerate(parts)):
                    found |= categories(k)
        own = _alias_key(path)
        out = [c for c in found if c != iri and c not in table.unlinkable
               and (p := table.paths.get(c)) and _alias_key(p) != own]
        return tuple(sorted(out, key=lambda c: (
            c not in same, len(word_set(normalize_key(_label(nxg, c)))),
            -table.prior.get(c, 0.0), c)))

    def _only_a_brand(self, key: str) -> bool:
        table = self.table
        if not key or not any(
                c.kind == "brand" and c.iri not in table.unlinkable
                for c in table.index.candidates(key)):
            return False
        pieces = self.word_pieces
        if pieces is not None and _real_words(pieces, key):
            return False
        return not any(c.kind is not None and c.kind.value in ("category", "product_type")
                       for k in (key, *number_variants(key)) for c in table.index.candidates(k))

    def features(self, mention: str, label: str | None, context: str | QueryContext | None,
                 generated: Sequence[tuple[Candidate, str, float]]
                 ) -> list[tuple[Candidate, str, float, list[float], float, float]]:
        """Feature vectors (see :data:`FEATURES`) of generated candidates:
        ``(candidate, match_type, similarity, features, type_compatibility, context)``; under
        the label :meth:`_reading` gives (a product-type mention that only a brand is named
        by is scored as a brand). A category whose path names an audience the query rules
        out (:meth:`_ruled_out`) is type-incompatible: never the link."""
        return self._features(self._key(self.mention_core(mention)), label,
                              _query_context(context), generated)

    def _features(self, key: str, label: str | None, query_ctx: QueryContext | None,
                  generated: Sequence[tuple[Candidate, str, float]]
                  ) -> list[tuple[Candidate, str, float, list[float], float, float]]:
        """:meth:`features` of the mention read as ``key`` (its :meth:`_key`) in the query
        ``query_ctx``."""
        table = self.table
        label = self._reading(key, label, generated)
        allowed = self._allowed(label)
        # the other query words, audience words folded (:func:`context_words`): "jeans for
        # men" is context "men" for the path "clothing > mens clothing > jeans"; compared raw,
        # "men" never met "mens", "for" and the "s" of "men's" halved the overlap, and the
        # jeans of "girls wear" won "jeans for men" on their prior
        query = query_ctx.words if query_ctx is not None else frozenset()
        ctx_words = query - context_words(key)
        # a category whose path names an audience the query rules out is of no type the
        # query asks for: scored as one of another type, never the link (:meth:`_ruled_out`)
        ruled_out = self._ruled_out(table, query | context_words(key))
        ranks = [(0.0, 0.0) if ruled_out(c.iri) else self._type_rank(c, allowed)
                 for c, _, _ in generated]
        ctxs = []
        for c, _, _ in generated:
            words = table.context.get(c.iri)
            ctxs.append((len(ctx_words & words) / len(ctx_words)) if ctx_words and words else 0.0)
        n_ok = sum(1 for t, _ in ranks if t > 0) or len(generated)
        ok = [i for i, (t, _) in enumerate(ranks) if t > 0] or list(range(len(generated)))
        top_sim = max(generated[i][2] for i in ok)
        top_ctx = max(ctxs[i] for i in ok)
        top_prior = max(table.prior.get(generated[i][0].iri, 0.0) for i in ok)
        group = LABEL_GROUPS.get(label) if label is not None else None
        mention_words = word_set(key)
        mention_head = _last_head(key)
        ctx_stems = {_stem(w) for w in ctx_words}
        # the features that are the same for every candidate, set once
        same = [0.0] * len(FEATURES)
        same[0] = 1.0
        same[_F["ambiguity"]] = 1.0 / n_ok
        same[_F["short"]] = 1.0 if len(key) <= 3 else 0.0
        same[_F["multiword"]] = 1.0 if " " in key else 0.0
        same[_F["log_candidates"]] = math.log(n_ok)
        if group is not None:
            same[_F[f"label_{group}"]] = 1.0
        out = []
        priors, names_words = table.prior, table.words
        for (c, mt, sim), (type_ok, kind_rank), ctx in zip(generated, ranks, ctxs, strict=True):
            f = same.copy()
            # a typo is read as the name it corrects (similarity < 1 tells them apart): the
            # gold has too few typos to learn a weight of their own
            f[_MATCH_FEATURES[mt]] = 1.0
            f[_F_SIMILARITY] = sim
            f[_F_TYPE] = type_ok
            f[_F_KIND_RANK] = kind_rank
            f[_F_PRIOR] = prior = priors.get(c.iri, 0.0)
            f[_F_CONTEXT] = ctx
            f[_F_TOP_SIMILARITY] = 1.0 if sim >= top_sim else 0.0
            f[_F_TOP_CONTEXT] = 1.0 if ctx >= top_ctx and ctx > 0 else 0.0
            f[_F_TOP_PRIOR] = 1.0 if prior >= top_prior else 0.0
            kind_at = _KIND_FEATURES.get(c.kind or "")
            if kind_at is not None:
                f[kind_at] = 1.0
            name_key = _alias_key(c.matched_alias)
            name_words = names_words.get(name_key)
            # a whole-string match (typo, spacing) is the name itself, head included
            whole = mt in ("fuzzy", "compact") or mention_head in name_heads(name_key)
            f[_F_HEAD_MATCH] = 1.0 if whole else 0.0
            extra = (word_set(name_key) if name_words is None else name_words) - mention_words
            if extra:
                f[_F_EXTRA_WORDS] = min(len(extra), 3) / 3
                f[_F_EXTRA_IN_QUERY] = len(extra & ctx_stems) / len(extra)
            out.append((c, mt, sim, f, type_ok, ctx))
        return out

    def score(self, features: Sequence[float]) -> float:
        if len(features) != len(self._coef):
            raise ValueError(f"{len(features)} features for {len(self._coef)} weights")
        z = sum(map(operator.mul, self._coef, features))  # (the order of the genexpr it was)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def _typed_labels(self) -> list[str]:
        """One label per distinct (label group, kinds) of the config: the readings an untyped
        mention is scored under."""
        seen: dict[tuple[str, tuple[str, ...]], str] = {}
        for lab, kinds in self.config.label_kinds.items():
            group = LABEL_GROUPS.get(lab)
            if kinds and group is not None:
                seen.setdefault((group, kinds), lab)
        return list(seen.values())

    def _score_untyped(self, key: str, ctx: QueryContext | None,
                       generated: Sequence[tuple[Candidate, str, float]]
                       ) -> list[tuple[float, tuple[Candidate, str, float, list[float], float,
                                                    float]]]:
        """``label=None``: each candidate scored under every label it is type-compatible with
        (a brand as a creator, a colour value as a colour ...), keeping its best reading; a
        node no label admits is scored without type information."""
        best: dict[str, tuple[float, Any]] = {}
        for lab in self._typed_labels():
            for row in self._features(key, lab, ctx, generated):
                if row[4] > 0:
                    sc = self.score(row[3])
                    if row[0].iri not in best or sc > best[row[0].iri][0]:
                        best[row[0].iri] = (sc, row)
        out = []
        for row in self._features(key, None, ctx, generated):
            out.append(best.get(row[0].iri) or (self.score(row[3]), row))
        return out

    def pinned(self) -> _PinnedTable:
        """A context manager that reads one node table (one KG version) for the length of a
        block in this thread: the link calls inside it, and the other reads of :attr:`table`
        (:meth:`common_words`, :meth:`namesakes` ...), skip the KG's version check each
        makes. Inside a pinned block or a link call it keeps the table pinned there. The
        parser's link stage reads one query's spans in one
        (:meth:`parser.linking.SpanLinker.link_spans`).

        >>> from kg import ProductGraph
        >>> linker = EntityLinker(ProductGraph.in_memory())
        >>> with linker.pinned():
        ...     linker.link("tv").nil
        True
        """
        return _PinnedTable(self)

    def link(self, mention: str, label: str | None = None,
             context: str | QueryContext | None = None) -> LinkResult:
        """Rank KG nodes for ``mention`` (tagged ``label``) in the query ``context``: its text,
        or its :class:`QueryContext`, which a caller linking several mentions of one query
        makes once (:meth:`QueryContext.of`) for all of them.

        When the query's words before the mention make up with it the whole name of a
        category (:meth:`_composed_run`: "ipad case" -> iPad Cases, "portable speaker" ->
        Portable Speakers, "universal remote" -> Universal Remote Controls), those categories,
        scored as that run would be, are the candidates, if the run links; else the mention's
        own (:meth:`generate`).

        An empty or over-long mention, or a label that never links (price, quantity ...),
        gives an empty NIL result; an unknown label raises ``ValueError`` naming the known ones.
        """
        if not isinstance(mention, str):
            raise TypeError(f"mention must be a str, got {type(mention).__name__}")
        allowed = self._allowed(label)
        key = normalize_key(mention)
        cfg = self.config
        if not key or len(key) > cfg.max_mention_chars or allowed == ():
            return LinkResult(mention, label, (), True)
        ctx = _query_context(context)
        if getattr(self._pinned, "table", None) is not None:  # (a call within a call)
            return self._link(mention, label, ctx)
        self._pinned.table = self.table  # one KG version for the whole call
        try:
            return self._link(mention, label, ctx)
        finally:
            self._pinned.table = None

    def _link(self, mention: str, label: str | None, ctx: QueryContext | None) -> LinkResult:
        """:meth:`link` of a mention it has checked, its node table pinned. The mention is
        read (:meth:`mention_core`, :meth:`_key`) once, for every step."""
        core = self.mention_core(mention)
        if ctx is not None and normalize_key(core) in _PACK_WORDS and _packaging(
                normalize_key(core), ctx.key, self._brand_words(ctx)):
            # the package the query's product comes in ("40 lb bag" of dog food, "bag of
            # rice"), no product: no link, where the default KG's fashion "bags" won
            return LinkResult(mention, label, (), True)
        composed = self._composed_run(core, label, ctx)
        if composed is not None:
            # the category the query's adjacent words name together ("ipad case" -> iPad
            # Cases) is the link, scored as the span the tagger cut short ("ipad"
            # product_name + "case") would be, when that span links: not the mention's own
            # names, the generic "Cases" of tablets or "Speakers" of home audio, siblings
            # of it on which the parse filtered, leaving out every product of the named
            # one. Scored beside them as a name composed with the query's words, it lost
            # (iPad Cases 0.704 against Cases 0.968; no candidate at all for "ipad case")
            read, named = composed
            key = self._key(self.mention_core(read))
            named = self._prefer_general(key, ctx, named)
            result = self._ranked(mention, label, key, ctx, named) if named else None
            if result is not None and not result.nil:
                return result
        key = self._key(core)
        generated = self._generate(core, key, label, ctx)
        if not generated:
            # a mention with no candidate as written, read without the verb or preposition
            # ending it ("vacuum is" in "which vacuum is best": :data:`_SENTENCE_TRAILING_WORDS`)
            # and scored as that text would be (its head word is the noun's, not "is")
            bare = _SENTENCE_TRAILING_WORDS.sub("", mention.strip())
            if bare and bare != mention.strip() and any(
                    w not in FUNCTION_WORDS for w in _WORD.findall(normalize_key(bare))):
                core = self.mention_core(bare)
                key = self._key(core)
                generated = self._generate(core, key, label, ctx)
        generated = self._prefer_general(key, ctx, generated) if generated else generated
        if not generated:
            return LinkResult(mention, label, (), True)
        return self._ranked(mention, label, key, ctx, generated)

    def _same_names(self, key: str, ctx: QueryContext | None,
                    generated: Sequence[tuple[Candidate, str, float]]
                    ) -> list[tuple[Any, ...]]:
        """Per candidate of ``generated`` (for the mention read as ``key`` in the query
        ``ctx``), the key of the candidates of its name that the query does not tell apart:
        one kind (and attribute), one name (:func:`kg.index.normalize_key` of the label), the
        same words of the path shared with the query's other words (:func:`context_words`),
        ruled out by the query's audience alike (:meth:`_ruled_out`)."""
        table = self.table
        query = ctx.words if ctx is not None else frozenset()
        words = query - context_words(key)
        ruled_out = self._ruled_out(table, query | context_words(key))
        return [(*name, ruled_out(c.iri), words & table.context.get(c.iri, frozenset()))
                for name, (c, _, _) in zip(_name_keys(generated), generated, strict=True)]

    def _in_space(self, iri: str) -> bool:
        """Whether the node ``iri`` is a category in the intent's label space
        (:attr:`label_space`; without one, none is)."""
        path = self.table.paths.get(iri)
        return bool(self.label_space is not None and path and self.label_space(path))

    def _one_per_name(self, key: str, ctx: QueryContext | None,
                      generated: Sequence[tuple[Candidate, str, float]]
                      ) -> list[tuple[Candidate, str, float]]:
        """The candidates ``generated`` for the mention read as ``key`` in the query ``ctx``,
        one of each copy of a category: nodes of one name that the query does not tell
        apart (:meth:`_same_names`) on one path (the same names from the root down, case
        and spacing aside) are one concept, which a KG holding it twice must not make
        ambiguous. A catalogue loaded with a tree like Flipkart's (its own ``source``)
        copied "home furnishing > cushions pillows covers": the ambiguity and
        candidate-count features halved both copies' scores below the NIL threshold
        ("pillow covers" 0.670 alone, two of 0.602 and NIL; 22 of the 331 short names of
        such a catalogue's categories that linked lost their link). Kept of each copy: the
        one in the intent's label space (:attr:`label_space`), then the better match, then
        the higher prior (popularity, else edges: more products), then the first IRI; the
        others leave the candidates. Same-named categories on different paths (Google's,
        Best Buy's and Flipkart's "Keyboards") are several concepts, scored as the weights
        were fitted: :meth:`_ranked` prefers one in the label space."""
        if len(generated) < 2:
            return list(generated)
        names = _name_keys(generated)
        if len(set(names)) == len(names):
            return list(generated)  # (no two of one name: the common case, decided cheaply)
        table = self.table
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, same in enumerate(self._same_names(key, ctx, generated)):
            path = table.paths.get(generated[i][0].iri)
            copy = (same, _alias_key(path)) if path else (i,)
            groups.setdefault(copy, []).append(i)
        if len(groups) == len(generated):
            return list(generated)

        def rank(i: int) -> tuple[Any, ...]:
            c, _, sim = generated[i]
            return (not self._in_space(c.iri), -sim, -table.prior.get(c.iri, 0.0), c.iri)

        keep = {min(members, key=rank) for members in groups.values()}
        return [row for i, row in enumerate(generated) if i in keep]

    def _ranked(self, mention: str, label: str | None, key: str, ctx: QueryContext | None,
                generated: Sequence[tuple[Candidate, str, float]]) -> LinkResult:
        """The :class:`LinkResult` of ``mention``: the candidates ``generated`` for the text
        read as ``key`` (:meth:`_key` of the mention, or of the run of the query it ends:
        :meth:`_composed_run`) scored and ranked, and the NIL decision. One of each copy of
        a category is scored (:meth:`_one_per_name`); when the best is a category outside
        the intent's label space (:attr:`label_space`) and the query does not tell it apart
        from one of its name in it (:meth:`_same_names`), those outside it are no
        candidates: "pressure cooker" linked Best Buy's Pressure Cookers (a hard filter
        Appliances > ... > Pressure Cookers), and a store's "Home > Kitchen > Cookware >
        Pressure Cookers", loaded with products (a higher prior), took its place and the
        filter coarsened to Appliances."""
        generated = self._one_per_name(key, ctx, generated)
        result = self._scored(mention, label, key, ctx, generated)
        top = result.candidates[0] if result.candidates else None
        if self.label_space is None or top is None or top.type_compatibility == 0.0 \
                or self._in_space(top.iri):
            return result
        at = next(i for i, (c, _, _) in enumerate(generated) if c.iri == top.iri)
        names = _name_keys(generated)
        if not any(n == names[at] and i != at and self._in_space(generated[i][0].iri)
                   for i, n in enumerate(names)):
            return result  # (no namesake in the label space: the common case, decided cheaply)
        same = self._same_names(key, ctx, generated)
        group = [i for i, s in enumerate(same) if s == same[at]]
        if not any(self._in_space(generated[i][0].iri) for i in group):
            return result
        out = {i for i in group if not self._in_space(generated[i][0].iri)}
        return self._scored(mention, label, key, ctx,
                            [row for i, row in enumerate(generated) if i not in out])

    def _scored(self, mention: str, label: str | None, key: str, ctx: QueryContext | None,
                generated: Sequence[tuple[Candidate, str, float]]) -> LinkResult:
        """:meth:`_ranked`'s result for the candidates ``generated``, as they are."""
        cfg = self.config
        scored = self._score_untyped(key, ctx, generated) if label is None else [
            (self.score(row[3]), row) for row in self._features(key, label, ctx, generated)]
        # type-compatible candidates first: an incompatible node is never the link
        scored.sort(key=lambda sr: (-(sr[1][4] > 0), -sr[0], sr[1][0].iri))
        cands = []
        for score, (c, mt, sim, f, type_ok, ctx) in scored[: cfg.max_candidates]:
            kind = c.kind.value if c.kind is not None else ""
            cands.append(LinkCandidate(
                c.iri, kind, c.label, score,
                "alias" if mt in ("plural", "compact") else mt,
                c.matched_alias, sim, type_ok, f[_F_PRIOR], ctx, c.attribute, tuple(f)))
        top = cands[0]
        # (untyped, every candidate has a type compatibility but one whose audience the
        # query rules out: :meth:`features`)
        nil = top.score < cfg.nil_threshold or top.type_compatibility == 0.0
        return LinkResult(mention, label, tuple(cands), nil)
