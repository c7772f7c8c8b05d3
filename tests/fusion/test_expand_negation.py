"""Negation, sizes and fitted devices in the expansion (reviews rev-attr and rev-route):

1. a negation cue the linker took for a value ("no" -> the KG's size "No" in "no pink dress",
   read as a ``modifier``) was no cue: Pink and No were hard filters;
2. a cue excluded only the first item of a list ("phone case not red or blue" filtered on
   Blue, "phone without 64gb or 128gb" on 128gb);
3. a size value linked from a word the tagger did not read as a size ("double stroller",
   "free weights", "handheld game console") was a hard size filter;
4. a shipped ``SYNONYM`` rule added the word the query excludes ("headphones not earbuds" ->
   "earbuds");
5. a device whose span opens with the fits word ("for tv" in "remote for tv") was the hard
   category filter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fusion.expand import expand
from fusion.rules import RuleSet
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

ID = "https://kgqp.dev/id/"
SHIPPED_RULES = Path(__file__).resolve().parents[2] / "data" / "rules.txt"
DEPTS = ("TV & Home Theater", "Appliances", "Office Furniture & Storage", "Cell Phones",
         "Audio", "Computers & Tablets", "Clothing")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "smart": ("Smart TVs", "TV & Home Theater > TVs > Smart TVs", "tvs"),
    "tvacc": ("TV & Home Theater Accessories", "TV & Home Theater > TV & Home Theater Accessories",
              "tvh"),
    "remotes": ("Remote Controls",
                "TV & Home Theater > TV & Home Theater Accessories > Remote Controls", "tvacc"),
    "app": ("Appliances", "Appliances", None),
    "fridge": ("Refrigerators", "Appliances > Refrigerators", "app"),
    "french": ("French Door Refrigerators", "Appliances > Refrigerators > French Door "
               "Refrigerators", "fridge"),
    "office": ("Office Furniture & Storage", "Office Furniture & Storage", None),
    "chairs": ("Office Chairs", "Office Furniture & Storage > Office Chairs", "office"),
    "desks": ("Desks", "Office Furniture & Storage > Desks", "office"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "gaming": ("Gaming Laptops", "Computers & Tablets > Laptops > Gaming Laptops", "laptops"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
}
COLOURS = ("Pink", "Purple", "Red", "Blue", "Black", "White")
# the default KG's size values include words that name no size (Flipkart's "No", "Free" ...)
SIZES = ("No", "Double", "Free", "Standard", "Handheld", "Large", "64gb", "128gb", "King")


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


def _value(attribute: str, name: str) -> str:
    return f"{ID}attribute_value/{attribute}/{name.lower()}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in CATS.items() if p]
    recs += [Node(NodeKind.BRAND, b.lower(), b) for b in ("Samsung", "Lg")]
    recs += [Edge(f"{ID}brand/{b}", Relation.SELLS_IN, _cat(c))
             for b in ("samsung", "lg") for c in ("tvs", "smart", "fridge")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in COLOURS]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"size/{s.lower()}", s, attribute="size")
             for s in SIZES]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return RuleSet.parse(SHIPPED_RULES.read_text(encoding="utf-8"), path="rules.txt")


def intent(key: str, score: float = 0.7, dept_score: float = 0.95) -> Intent:
    path = CATS[key][1]
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], score, dept_score, ((label, score),))


def colour(name: str, mention: str | None = None, label: str = "color") -> LinkedEntity:
    return LinkedEntity(_value("color", name), "attribute_value", 0.9, label,
                        mention or name.lower())


def size(name: str, mention: str | None = None, label: str | None = "UoM") -> LinkedEntity:
    return LinkedEntity(_value("size", name), "attribute_value", 0.8, label,
                        mention or name.lower())


def brand(name: str, mention: str | None = None) -> LinkedEntity:
    return LinkedEntity(f"{ID}brand/{name.lower()}", "brand", 0.95, "creator",
                        mention or name.lower())


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", 0.8, label, mention)


def _boosts(res) -> list[tuple[str, str]]:
    return sorted((b.term, b.direction) for b in res.boosts)


# -- 1. a cue the linker took for a value is still a cue ------------------------------------------


def test_a_cue_linked_as_a_value_negates_what_follows(kg):
    """"no pink dress": the tagger read "no" as a modifier, the linker linked it to the size
    "No"; Pink and No were both hard filters, the opposite of the query."""
    no = size("No", "no", "modifier")
    res = expand(kg, [no, colour("Pink")], query="no pink dress")
    assert (res.filters.colour, res.filters.size) == ((), ())
    assert _boosts(res) == [("colour:Pink", "DOWN")]
    res = expand(kg, [no, colour("Pink"), colour("Purple")], query="dress no pink or purple")
    assert (res.filters.colour, res.filters.size) == ((), ())
    assert _boosts(res) == [("colour:Pink", "DOWN"), ("colour:Purple", "DOWN")]


def test_a_cue_read_as_a_size_is_no_cue(kg):
    """"no 10 nail brush": the tagger's UoM "no" is a number, not a negation."""
    no = size("No", "no", "UoM")
    res = expand(kg, [no, colour("Pink")], query="no pink brush")
    assert res.filters.colour == ("Pink",) and not res.boosts


# -- 2. a cue excludes every item of the list after it ------------------------------------------


@pytest.mark.parametrize(("query", "names"), [
    ("phone case not red or blue", ("Red", "Blue")),
    ("sneakers without black and white", ("Black", "White")),
    ("case not red, blue", ("Red", "Blue")),
    ("case not red nor blue", ("Red", "Blue")),
    ("case not red & blue", ("Red", "Blue")),
    ("dress no red, black or blue", ("Red", "Black", "Blue")),
    ("dress other than red or blue", ("Red", "Blue")),
])
def test_every_colour_of_an_excluded_list_is_a_down_boost(kg, query, names):
    res = expand(kg, [colour(n) for n in names], query=query)
    assert res.filters.colour == (), query
    assert _boosts(res) == sorted((f"colour:{n}", "DOWN") for n in names), query


def test_a_list_whose_cue_the_tagger_took_into_the_first_span(kg):
    """The parser links the words after a cue that opens a span ("not red" -> Red, the
    entity keeping its text): the list after it is excluded too."""
    res = expand(kg, [colour("Red", "not red"), colour("Blue")], query="case not red or blue")
    assert res.filters.colour == ()
    assert _boosts(res) == [("colour:Blue", "DOWN"), ("colour:Red", "DOWN")]
    res = expand(kg, [brand("Samsung", "non samsung"), brand("Lg")], intent("tvs"),
                 query="tv non samsung or lg", departments=DEPTS)
    assert res.filters.brand == ()
    assert _boosts(res) == [("brand:Lg", "DOWN"), ("brand:Samsung", "DOWN")]
    res = expand(kg, [cat("laptops", "laptop"), cat("gaming", "not gaming", "condition")],
                 intent("laptops"), query="laptop not gaming", departments=DEPTS)
    assert _boosts(res) == [(f"category:{CATS['gaming'][1]}", "DOWN")]
    assert res.filters.category == (CATS["laptops"][1],)
    res = expand(kg, [size("64gb", "without 64gb", "UoM")], query="phone without 64gb")
    assert res.filters.size == () and _boosts(res) == [("size:64gb", "DOWN")]


def test_every_brand_of_an_excluded_list_is_a_down_boost(kg):
    res = expand(kg, [brand("Samsung"), brand("Lg")], intent("tvs"), query="tv not samsung or lg",
                 departments=DEPTS)
    assert res.filters.brand == ()
    assert _boosts(res) == [("brand:Lg", "DOWN"), ("brand:Samsung", "DOWN")]


@pytest.mark.parametrize(("query", "sizes"), [
    ("phone without 64gb or 128gb", ("64gb", "128gb")),
    ("tv not 55 or 65 inch", ("55 inch", "65 inch")),  # (the unit shared: 55 inch too)
    ("tv not 55 inch, 60 inch or 65 inch", ("55 inch", "60 inch", "65 inch")),
    ("tv not 50, 55 or 65 inch", ("50 inch", "55 inch", "65 inch")),
])
def test_every_size_of_an_excluded_list_is_a_down_boost(kg, query, sizes):
    res = expand(kg, [], query=query)
    assert res.filters.size == (), query
    assert _boosts(res) == sorted((f"size:{s}", "DOWN") for s in sizes), query


def test_a_linked_size_of_an_excluded_list_is_no_filter(kg):
    res = expand(kg, [size("128gb")], query="phone without 64gb or 128gb")
    assert res.filters.size == ()
    assert _boosts(res) == [("size:128gb", "DOWN"), ("size:64gb", "DOWN")]


def test_what_a_cue_does_not_reach_is_still_asked_for(kg):
    """A value before the cue, or joined to an item of another facet, is no item of the
    excluded list."""
    res = expand(kg, [brand("Samsung")], intent("tvs"), query="65 inch tv not samsung",
                 departments=DEPTS)
    assert res.filters.size == ("65 inch",) and _boosts(res) == [("brand:Samsung", "DOWN")]
    res = expand(kg, [brand("Samsung")], intent("tvs"), query="tv not samsung and 65 inch",
                 departments=DEPTS)
    assert res.filters.size == ("65 inch",)
    assert expand(kg, [], query="tv 55 or 65 inch").filters.size == ("55 inch", "65 inch")
    res = expand(kg, [colour("Black"), colour("White"), colour("Red")],
                 query="black and white case not red")
    assert res.filters.colour == ("Black", "White")
    assert _boosts(res) == [("colour:Red", "DOWN")]
    res = expand(kg, [brand("Samsung"), colour("Red")], query="case not samsung or red")
    assert res.filters.colour == ("Red",)


# -- 3. a size from a link needs the tagger to read the word as a size ---------------------------


@pytest.mark.parametrize(("query", "name", "label"), [
    ("double stroller", "Double", "shape"), ("standard toothbrush", "Standard", "modifier"),
    ("free weights", "Free", "modifier"), ("handheld game console", "Handheld", "modifier"),
    ("massagers for muscles handheld deep tissue", "Handheld", "modifier"),
])
def test_a_size_linked_from_a_word_not_read_as_a_size_is_no_filter(kg, query, name, label):
    res = expand(kg, [size(name, label=label)], query=query)
    assert res.filters.size == (), query
    assert not [s for s in res.filter_sources if s.field == "size"], query
    assert not res.boosts, query


@pytest.mark.parametrize(("query", "want"), [("king duvet", ("King",)),
                                             ("california king sheets", ("California King",))])
def test_a_bed_size_read_as_a_shape_still_filters(kg, query, want):
    """QueryNER's annotators tag "king" as a shape more often than as a UoM, and so does the
    tagger: "king duvet" keeps its King filter; a King inside a longer bed size is that size
    ("california king sheets": California King, which King sheets do not fit)."""
    res = expand(kg, [size("King", "king", label="shape")], query=query)
    assert res.filters.size == want


@pytest.mark.parametrize("label", ["UoM", "size", None])
def test_a_size_read_as_a_size_still_filters(kg, label):
    """The tagger's size labels (UoM, size), or no tagger at all (label None). (On clothing:
    a garment size of no clothing, "large kites for adults", is an UP boost:
    tests/fusion/test_expand_everyday.py.)"""
    res = expand(kg, [size("Large", label=label)], query="large hoodies for adults")
    assert res.filters.size == ("Large",)


def test_a_negated_size_not_read_as_a_size_is_still_a_down_boost(kg):
    res = expand(kg, [size("Double", label="shape")], query="stroller not double")
    assert res.filters.size == () and _boosts(res) == [("size:Double", "DOWN")]


# -- 4. a rule's synonym the query excludes -------------------------------------------------------


@pytest.mark.parametrize(("query", "word"), [
    ("headphones not earbuds", "earbuds"), ("laptop bag not notebook", "notebook"),
    ("notebook computer without laptop", "laptop"), ("laptop bag, no notebook", "notebook"),
])
def test_a_synonym_the_query_excludes_is_no_expansion(kg, shipped, query, word):
    res = expand(kg, [], query=query, rules=shipped)
    assert word not in {e.term for e in res}, query
    # the rule still applies where the query does not exclude its output
    positive = query.split(" not ")[0].split(" without ")[0].split(",")[0]
    # (in place where it names the device another product is for: "laptop bag" -> "notebook
    # bag", tests/fusion/test_expand_polluting.py)
    assert any(word in e.term.split() for e in expand(kg, [], query=positive, rules=shipped)), \
        positive


def test_a_synonym_naming_an_excluded_mention_is_no_expansion(kg, shipped):
    """The parser keeps a cue in the entity's text ("not notebook")."""
    notebook = LinkedEntity(_cat("laptops"), "category", 0.8, "modifier", "not notebook")
    res = expand(kg, [notebook], query="laptop bag not notebook", rules=shipped)
    assert "notebook" not in {e.term for e in res}


# -- 5. the device after a fits word the tagger took into its span --------------------------------


@pytest.mark.parametrize(("query", "linked", "key", "want"), [
    ("remote for tv", [cat("tvs", "for tv", "modifier")], "tvs", "TV & Home Theater"),
    ("remote control for tv", [cat("remotes", "remote control"),
                               cat("tvs", "for tv", "modifier")], "tvs", CATS["remotes"][1]),
    ("cover for refrigerator", [cat("fridge", "for refrigerator", "modifier")], "fridge",
     "Appliances"),
    ("chair covers for office chairs", [cat("chairs", "for office chairs", "modifier")],
     "chairs", "Office Furniture & Storage"),
    ("best surge protector for tv", [cat("tvs", "for tv", "modifier")], "tvs",
     "TV & Home Theater"),
])
def test_a_device_whose_span_opens_with_the_fits_word_is_no_filter(kg, query, linked, key, want):
    res = expand(kg, linked, intent(key), query=query, departments=DEPTS)
    assert res.filters.category == (want,), query
    device = next(e for e in linked if e.mention.startswith("for "))
    assert CATS[key][1] in {s.category for s in res.suggestions}, query
    # of the device's expansions only its accessory categories: no Smart TVs for a remote
    assert not {e.term for e in res} & {"Smart TVs", "French Door Refrigerators"}, query
    assert f"link:{device.iri}" not in {s.source for s in res.filter_sources}, query


@pytest.mark.parametrize("query", ["for tv", "looking for tv"])
def test_a_fits_word_after_no_product_fits_nothing(kg, query):
    res = expand(kg, [cat("tvs", query.removeprefix("looking "), "modifier")], intent("tvs"),
                 query=query, departments=DEPTS)
    assert res.filters.category == (CATS["tvs"][1],), query


# -- review of the whole change: a joiner in the next span; excluded kinds not expanded -----------


def test_a_list_whose_joiner_the_tagger_took_into_the_next_span(kg):
    """"not samsung or lg tv": the tagger's spans "samsung" and "or lg"; LG stayed a hard
    brand filter beside the DOWN boost on Samsung."""
    res = expand(kg, [brand("Samsung"), brand("Lg", "or lg")], intent("tvs"),
                 query="not samsung or lg tv", departments=DEPTS)
    assert res.filters.brand == ()
    assert _boosts(res) == [("brand:Lg", "DOWN"), ("brand:Samsung", "DOWN")]


def test_no_category_of_the_kind_the_query_excludes_is_an_expansion():
    """"pc headset without microphone" expanded "Computer Microphones" (a child of its intent,
    Headsets & Microphones) beside its DOWN boost on Microphones: a category named for the
    excluded kind of thing is no expansion, whichever node names it; without the exclusion,
    or when the query also searches that kind, it still is."""
    cats = {"acc": ("Computer Accessories", "Computer Accessories", None),
            "hm": ("Headsets & Microphones", "Computer Accessories > Headsets & Microphones",
                   "acc"),
            "headsets": ("Computer Headsets", "Computer Accessories > Headsets & Microphones > "
                         "Computer Headsets", "hm"),
            "cmics": ("Computer Microphones", "Computer Accessories > Headsets & Microphones > "
                      "Computer Microphones", "hm"),
            "mics": ("Microphones", "Musical Instruments > Microphones", None)}
    g = ProductGraph.in_memory()
    g.add_records([*(Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                     for k, (lab, path, _) in cats.items()),
                   *(Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in cats.items()
                     if p)], progress=False)
    label = "Computer Accessories > Headsets & Microphones"
    hm = Intent(label, "Computer Accessories", 0.66, 0.95, ((label, 0.66),))
    searched = expand(g, [], hm, query="pc headset")
    assert "Computer Microphones" in [e.term for e in searched]
    res = expand(g, [cat("mics", "without microphone")], hm,
                 query="pc headset without microphone")
    assert ("category:Musical Instruments > Microphones", "DOWN") in _boosts(res)
    terms = [e.term for e in res]
    assert "Computer Microphones" not in terms and "Computer Headsets" in terms
    both = expand(g, [cat("cmics", "microphone"), cat("mics", "not microphone")], hm,
                  query="headset microphone not microphone")
    assert any("Computer Microphones" in x for x in [
        *(e.term for e in both), *both.filters.category, *(s.category for s in both.suggestions)])


# -- a joiner the tagger took into the excluded span ----------------------------------------------


def test_a_list_whose_joiner_the_tagger_took_into_the_excluded_span(kg):
    """"tv not samsung or lg": the tagger's spans "not samsung or" and "lg"; the excluded
    place of Samsung ended after the "or", LG was joined to nothing and became a hard brand
    filter beside the DOWN boost on Samsung (the default bundle's "tv not insignia or
    dynex" filtered on Dynex)."""
    res = expand(kg, [cat("tvs", "tv"), brand("Samsung", "not samsung or"), brand("Lg")],
                 intent("tvs"), query="tv not samsung or lg", departments=DEPTS)
    assert res.filters.brand == ()
    assert _boosts(res) == [("brand:Lg", "DOWN"), ("brand:Samsung", "DOWN")]
    assert [(x.text, x.iri) for x in res.excluded] == [
        ("samsung", f"{ID}brand/samsung"), ("lg", f"{ID}brand/lg")]


# -- a colour word of a food's name, "non"/"no" before a colour in one span, "-(65)" --------------
# (before: "not green tea flavored" excluded "green" alone, a DOWN boost on the colour Green;
# "non black shirt", "shirt non black" and "no black shirt", the tagger's span "non black" /
# "no black", excluded "black" unlinked, no DOWN boost, or nothing at all, while "shirt not
# black" linked Black and demoted it; "tv -(65)" excluded nothing, "tv -(65 inch)" filtered
# on 65 inch)

FOOD_CATS = {"cell": ("Cell Phones", "Cell Phones", None),
             "cases": ("Phone Cases", "Cell Phones > Phone Cases", "cell"),
             "apparel": ("Apparel", "Apparel", None),
             "shirts": ("Shirts", "Apparel > Shirts", "apparel"),
             "socks": ("Socks", "Apparel > Socks", "apparel"),
             "tvh": ("TV & Home Theater", "TV & Home Theater", None),
             "tvs": ("TVs", "TV & Home Theater > TVs", "tvh")}


@pytest.fixture(scope="module")
def food_kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in FOOD_CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in FOOD_CATS.items() if p]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in ("Green", "Black", "Pink")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _excl(res) -> list[tuple[str, str | None]]:
    return [(x.text, x.iri) for x in res.excluded]


@pytest.mark.parametrize(("query", "mention", "words"), [
    ("not green tea flavored", "not green", "green tea flavored"),
    ("candy not green tea flavored", "green", "green tea flavored"),
    ("no green tea flavored", "no green", "green tea flavored"),
    ("not green tea", "not green", "green tea"),
])
def test_an_excluded_colour_word_of_a_food_name_excludes_the_food(food_kg, query, mention,
                                                                  words):
    """The colour word opens a food's name (a food word right after it: the colour filter's
    own reading, ``_a_consumable_colour``): the cue excludes that food, not the colour."""
    res = expand(food_kg, [colour("Green", mention, "modifier")], query=query)
    assert not [b for b in res.boosts if b.term.startswith("colour:")], res.boosts
    assert _excl(res) == [(words, None)]
    assert res.filters.colour == ()


@pytest.mark.parametrize(("query", "linked", "mention"), [
    ("not green phone case", [cat("cases", "phone case")], "not green"),
    ("shirt not green", [cat("shirts", "shirt")], "green"),
    ("not green shirt", [cat("shirts", "shirt")], "not green"),
])
def test_an_excluded_colour_of_other_products_stays_a_colour(food_kg, query, linked, mention):
    res = expand(food_kg, [colour("Green", mention), *linked], query=query)
    assert _boosts(res) == [("colour:Green", "DOWN")]
    assert _excl(res) == [("green", _value("color", "Green"))]


@pytest.mark.parametrize(("query", "words", "down"), [
    ("tv -(65)", "65", []),  # (as "tv not 65": a bare number, no size)
    ("tv -(65 inch)", "65 inch", [("size:65 inch", "DOWN")]),
    ("tv -[65 inch]", "65 inch", [("size:65 inch", "DOWN")]),
    ('tv -"65 inch"', "65 inch", [("size:65 inch", "DOWN")]),
])
def test_a_minus_before_a_bracketed_number_excludes_it(food_kg, query, words, down):
    res = expand(food_kg, [cat("tvs", "tv")], query=query)
    assert _excl(res) == [(words, None)]
    assert _boosts(res) == down
    assert res.filters.size == ()


@pytest.mark.parametrize("query", ["tv (65 inch)", "tv 55-65 inch"])
def test_a_number_in_brackets_or_a_range_is_no_exclusion(food_kg, query):
    res = expand(food_kg, [cat("tvs", "tv")], query=query)
    assert res.excluded == [] and not [b for b in res.boosts if b.direction == "DOWN"]


CUE_SPANS = {
    "non black shirt": [("non black", "modifier"), ("shirt", "core_product_type")],
    "shirt non black": [("shirt", "core_product_type"), ("non black", "modifier")],
    "no black shirt": [("no black", "modifier"), ("shirt", "core_product_type")],
    "shirt not black": [("shirt", "core_product_type"), ("not black", "modifier")],
    "no slip socks": [("no slip", "modifier"), ("socks", "core_product_type")],
    "non stick socks": [("non stick", "modifier"), ("socks", "core_product_type")],
}


@pytest.fixture(scope="module")
def cue_parser(food_kg):
    from fusion.expand import QueryExpander
    from kg.link import EntityLinker
    from parser.pipeline import QueryParser
    from parser.tagger.testing import SpanTagger

    return QueryParser(tagger=SpanTagger(CUE_SPANS), kg=food_kg, expander=QueryExpander(food_kg),
                       linker=EntityLinker(food_kg))


@pytest.mark.parametrize("query", ["non black shirt", "shirt non black", "no black shirt",
                                   "shirt not black"])
def test_a_cue_and_a_colour_in_one_span_exclude_the_colour(cue_parser, query):
    """"non" (a cue before a colour, as before a brand) and a "no" opening the query before a
    colour (no compound: "no slip socks") exclude the colour the tagger's one span holds with
    them, linked: a DOWN boost, as "shirt not black" has."""
    q = cue_parser(query)
    assert [(x.text, x.kg_id) for x in q.excluded] == [("black", _value("color", "Black"))]
    assert [(b.term, b.direction) for b in q.boosts] == [("colour:Black", "DOWN")]
    assert not q.filters.get("colour")


@pytest.mark.parametrize("query", ["no slip socks", "non stick socks"])
def test_a_cue_before_other_words_in_one_span_stays_a_compound(cue_parser, query):
    q = cue_parser(query)
    assert q.excluded == [] and not q.boosts


def test_a_no_opening_the_query_before_a_colour_is_a_cue():
    from fusion.expand import colour_words, compound_no_words, negated_spans

    assert negated_spans("no black shirt", [(0, 8), (9, 14)]) == [True, False]
    assert negated_spans("no slip socks", [(0, 7), (8, 13)]) == [False, False]
    assert compound_no_words("mens no black socks", 5, 13) is None
    assert compound_no_words("mens no show socks", 5, 12) == (8, 12)
    assert [colour_words(w) for w in ("black", "dark blue", "slip", "black friday")] == [
        True, True, False, False]


# -- a "no" opening the query before a brand the tagger left untagged or took into its span -----
# (before: "no samsung tv" excluded nothing where the tagger tagged "tv" alone, a compound's
# "no" as in "no slip socks"; "not samsung tv" and "tv no samsung" exclude Samsung, a DOWN
# boost: "no samsung tv" means a TV, not Samsung's)

BRAND_SPANS = {
    "no samsung tv": [("tv", "core_product_type")],
    "no samsung tvs": [("no samsung", "creator"), ("tvs", "core_product_type")],
    "not samsung tv": [("not samsung", "creator"), ("tv", "core_product_type")],
    "tv no samsung": [("tv", "core_product_type")],
    "no slip socks": [("no slip", "modifier"), ("socks", "core_product_type")],
    "no show socks": [("no show", "modifier"), ("socks", "core_product_type")],
}


@pytest.fixture(scope="module")
def brand_parser():
    from fusion.expand import QueryExpander
    from kg.link import EntityLinker
    from parser.pipeline import QueryParser
    from parser.tagger.testing import SpanTagger

    g = ProductGraph.in_memory()
    g.add_records([*(Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                     for k, (lab, path, _) in FOOD_CATS.items()),
                   Node(NodeKind.BRAND, "samsung", "Samsung"),
                   Edge(f"{ID}brand/samsung", Relation.SELLS_IN, _cat("tvs"))], progress=False)
    return QueryParser(tagger=SpanTagger(BRAND_SPANS), kg=g, expander=QueryExpander(g),
                       linker=EntityLinker(g))


@pytest.mark.parametrize("query", ["no samsung tv", "no samsung tvs", "not samsung tv",
                                   "tv no samsung"])
def test_a_no_opening_the_query_before_a_brand_excludes_it(brand_parser, query):
    q = brand_parser(query)
    assert [(x.text, x.kg_id) for x in q.excluded] == [("samsung", f"{ID}brand/samsung")]
    assert [(b.term, b.direction) for b in q.boosts] == [("brand:Samsung", "DOWN")]
    assert not q.filters.get("brand")


@pytest.mark.parametrize("query", ["no slip socks", "no show socks"])
def test_a_no_opening_the_query_before_no_brand_stays_a_compound(brand_parser, query):
    q = brand_parser(query)
    assert q.excluded == [] and not q.boosts
