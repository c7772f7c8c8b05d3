"""Colours: colour words and phrases, colours that are no colour filter (scents, flavours,
consumables, specs, care words, media titles), colours in names, colour combinations and
audiences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

import networkx as nx  # noqa: F401  (the docstrings' examples build graphs with it)

from fusion.expand.config import ExpansionConfig
from fusion.expand.kgview import (
    _KG,
    _all_under,
    _brand_facts,
    _cached,
    _kg_wide,
    _known_words,
    _own_categories,
)
from fusion.expand.sizes import _CLOTHING_WORD
from fusion.expand.types import Boost
from fusion.expand.words import (
    _MAX_BANNED_WORDS,
    _NAMED_KINDS,
    _name_words,
    _query_word_offsets,
    _query_words,
)
from fusion.hetero import as_networkx
from kg.index import normalize_key
from kg.link import FUNCTION_WORDS, word_set

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


def _colour_held(kg: _KG, value: str) -> str | None:
    """The KG's colour value named by the colour words of ``value``, a colour value that names
    no colour (:func:`_names_a_colour`: "striped blue", "yellow polkadot", "matte white"), in
    their order ("Blue", "Yellow", "White"); None when it holds no colour word or the KG has
    no such colour."""
    words = [w for w in normalize_key(value).split() if w in _COLOUR_WORDS]
    if not words:
        return None

    return _colour_names(kg).get(" ".join(words))


@_kg_wide
def _colour_names(kg: _KG) -> dict[str, str]:
    """The KG's colour values by their normalised names (:func:`kg.index.normalize_key`), cached
    per graph view."""
    def build() -> dict[str, str]:
        return {normalize_key(str(d.get("label") or "")): str(d.get("label"))
                for _, d in _colour_nodes(kg)}

    return _cached(kg, "_kgqp_colour_names", (), build)


@_kg_wide
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


def _food_category(kg: _KG, iri: str) -> bool:
    """Whether a linked category or product type is food or drink (:data:`_FOOD_PATH`: under
    Google's "Food, Beverages & Tobacco" but its tobacco, a pet's food or treats, baby food):
    every category it stands for is."""
    return _all_under(kg, iri, _FOOD_PATH)


def _care_category(kg: _KG, iri: str) -> bool:
    """Whether a linked category or product type is a care or household consumable (or
    more of the care department: :data:`_CARE_PATH`), each category it stands for."""
    return _all_under(kg, iri, _CARE_PATH)


@_kg_wide
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


@_kg_wide
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


@_kg_wide
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


#: the paths of media, sold by title, never by colour: Best Buy's "Movies & Music" (films,
#: TV series, CDs and vinyl, their gift cards), Google's books, films and music ("Media >
#: Books", "Media > DVDs & Videos", "Media > Music & Sound Recordings", magazines, sheet
#: music), and video games themselves (a platform's "... Games", "Game Downloads", "Gaming
#: Collections"; not its consoles, controllers or accessories, which come in colours)
_MEDIA_PATH = re.compile(
    r"^Movies & Music\b|^Media > (?:Books|DVDs & Videos|Music & Sound Recordings"
    r"|Magazines & Newspapers|Sheet Music)\b"
    r"|^Video Games > (?:.* > )?(?:[^>]* Games|Games|Game Downloads|Gaming Collections)(?: >|$)"
    r"|^Software > Video Game Software\b", re.I)
#: the words that name a media format ("men in black dvd", "abba gold vinyl", "black widow 4k
#: blu ray", "the color of magic paperback"), as :func:`_query_words` writes them; the
#: second signal beside the KG's media categories (:data:`_MEDIA_PATH`)
_MEDIA_FORMATS = frozenset({
    "dvd", "dvds", "bluray", "blurays", "blu-ray", "blu-rays", "vinyl", "vinyls", "cd", "cds",
    "lp", "lps", "steelbook", "paperback", "hardcover", "hardback", "uhd", "4k-uhd"})
#: the formats named by two words ("blu ray", "4k uhd"; "blue ray", the format misspelt: its
#: "blue" names no colour)
_MEDIA_FORMAT_PAIRS = frozenset({("blu", "ray"), ("blue", "ray"), ("blu", "rays"),
                                 ("blue", "rays"), ("4k", "uhd")})
#: words after a media format that name its edition, not another product ("dvd box set",
#: "vinyl deluxe edition", "blu ray criterion collection", "4k uhd steelbook")
_EDITION_WORDS = frozenset({
    "edition", "editions", "deluxe", "collector", "collectors", "collector's", "special",
    "limited", "anniversary", "box", "set", "boxset", "collection", "complete", "series",
    "season", "seasons", "remastered", "remaster", "criterion", "import", "version",
    "extended", "uncut", "director's", "directors", "cut", "widescreen", "4k", "hd", "3d",
    "disc", "discs", "album", "soundtrack", "novel", "used", "new"})
#: attributes a title word may link (an audience, ``ideal_for``: "men" of "men in black
#: dvd"); a query linking another attribute value besides the colour ("black faux leather
#: vinyl": a material) names a material's colour, no title
_TITLE_ATTRIBUTES = frozenset({"color", "colour", "ideal_for", "department", "gender", "age",
                               "occasion"})


def _a_media_title(kg: _KG, words: Sequence[str], place: tuple[int, int],
                   linked: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> bool:
    """Whether the colour mention at ``place`` among ``words`` is a word of a media item's
    title, no colour of the product searched: the query's product (its last words, the
    edition words and numbers after it aside: :data:`_EDITION_WORDS`) is a medium, named by a
    format word (:data:`_MEDIA_FORMATS`, :data:`_MEDIA_FORMAT_PAIRS`: "men in black dvd",
    "abba gold vinyl", "pretty in pink blu ray") or by a linked category or product type of
    the KG's media (:data:`_MEDIA_PATH`: Books of "harold and the purple crayon book",
    Records & LPs), the colour before it with a title word beside it (neither a colour word
    nor a function word, :data:`kg.link.FUNCTION_WORDS`: "red vinyl", "black dvd" alone name
    no title). The query's links
    ``linked`` (IRI, places; those it does not exclude) judge it too: a category or product
    type outside media where the product is ("red vinyl record player": Turntables; "black
    dvd player", "black lp record storage": the format is followed by another product's
    word, no edition) or an attribute value of another kind than a title's word
    (:data:`_TITLE_ATTRIBUTES`: "black faux leather vinyl", a material) keeps the filter. A
    colour word of a misspelt format ("blue ray") is the format's word. Media (DVDs,
    Blu-rays, records, CDs, books, video games) are not sold by colour: a filter on it would
    remove every copy of the title.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("b", kind="category", label="Books", path="Media > Books")
    >>> g.add_node("t", kind="category", label="Turntables & Record Players",
    ...            path="Audio > Turntables & Record Players")
    >>> kg = _KG(g)
    >>> t = lambda q, at, links=(): _a_media_title(kg, q.split(), at, links)
    >>> t("men in black dvd", (2, 3)), t("a clockwork orange blu ray", (2, 3))
    (True, True)
    >>> t("harold and the purple crayon book", (3, 4), [("b", [(5, 6)])])
    True
    >>> t("red vinyl record player", (0, 1), [("t", [(2, 4)])]), t("red vinyl", (0, 1))
    (False, False)
    >>> t("black dvd player", (0, 1)), t("white christmas dvd box set", (0, 1))
    (False, True)
    """
    start, end = place
    media_at: set[int] = set()  # the places of the media words and links
    things: list[tuple[str, Sequence[tuple[int, int]]]] = []
    for iri, sps in linked:
        kind = kg.kind(iri)
        if kind in ("category", "product_type"):
            if _all_under(kg, iri, _MEDIA_PATH):
                media_at.update(i for a, b in sps for i in range(a, b))
            else:
                things.append((iri, sps))
        elif kind == "attribute_value" and str(
                kg.g.nodes[iri].get("attribute") or "").lower() not in _TITLE_ATTRIBUTES \
                and not any(w in _MEDIA_FORMATS for a, b in sps for w in words[a:b]):
            return False  # "black faux leather vinyl": a material's colour
        else:
            continue
    for i, w in enumerate(words):
        if w in _MEDIA_FORMATS:
            media_at.add(i)
        if i + 1 < len(words) and (w, words[i + 1]) in _MEDIA_FORMAT_PAIRS:
            media_at.update((i, i + 1))
    if not media_at:
        return False
    # the product: the last words, edition words and numbers after it aside
    tail = len(words)
    while tail > 0 and (tail - 1 in media_at or words[tail - 1] in _EDITION_WORDS
                        or words[tail - 1].isdigit()):
        tail -= 1
    if not any(i >= tail for i in media_at) or tail >= len(words):
        return False
    if any(b > tail for _, sps in things for _, b in sps):
        return False  # a product of another kind where the product is
    if start >= tail:
        return all(i in media_at for i in range(start, end))  # "blue" of "blue ray"
    title = [w for i, w in enumerate(words[:tail]) if not start <= i < end
             and w not in FUNCTION_WORDS and w not in _COLOUR_WORDS]
    return bool(title)
