"""Hard filters an engine can trust (:func:`fusion.expand.expand`): one accessory word list for the
expansion and the size patterns, one category filter that holds every category the query names,
colour filters only for values that name a colour, and a colour the KG combines ("Black/White") for
the colours the query joins."""

from __future__ import annotations

import pytest

from fusion.context import TaxonomyAlignment
from fusion.expand import expand
from fusion.patterns import ACCESSORY_WORDS
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.schema import attribute_key

ID = "https://kgqp.dev/id/"
CATS = {  # key: (label, path, parent key)
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "tablets": ("Tablets", "Computers & Tablets > Tablets", "comp"),
    "parts": ("Computer Cards & Components", "Computers & Tablets > Computer Cards & Components",
              "comp"),
    "gpus": ("GPUs/Video Graphics Cards", "Computers & Tablets > Computer Cards & Components > "
             "GPUs/Video Graphics Cards", "parts"),
    "pci": ("PCI Graphics Cards", "Computers & Tablets > Computer Cards & Components > "
            "GPUs/Video Graphics Cards > PCI Graphics Cards", "gpus"),
    "pcie": ("PCI Express Graphics Cards", "Computers & Tablets > Computer Cards & Components > "
             "GPUs/Video Graphics Cards > PCI Express Graphics Cards", "gpus"),
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "tpo": ("Toaster & Pizza Ovens",
            "Appliances > Small Kitchen Appliances > Toaster & Pizza Ovens", "ska"),
    "toaster": ("Toaster Ovens",
                "Appliances > Small Kitchen Appliances > Toaster & Pizza Ovens > Toaster Ovens",
                "tpo"),
    "pizza": ("Pizza Ovens",
              "Appliances > Small Kitchen Appliances > Toaster & Pizza Ovens > Pizza Ovens", "tpo"),
    "hca": ("Heating, Cooling & Air Quality", "Appliances > Heating, Cooling & Air Quality", "app"),
    "heaters": ("Heaters", "Appliances > Heating, Cooling & Air Quality > Heaters", "hca"),
    "ac": ("Air Conditioners", "Appliances > Heating, Cooling & Air Quality > Air Conditioners",
           "hca"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "smp": ("Streaming Media Players", "TV & Home Theater > Streaming Media Players", "tvh"),
    "roku": ("Roku", "TV & Home Theater > Streaming Media Players > Roku", "smp"),
    "vg": ("Video Games", "Video Games", None),
    "xbox": ("Xbox One", "Video Games > Xbox One", "vg"),
    "xctrl": ("Xbox One Controllers", "Video Games > Xbox One > Xbox One Controllers", "xbox"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "galaxy": ("Samsung Galaxy", "Cell Phones > Samsung Galaxy", "cell"),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "iacc": ("iPhone Accessories", "Cell Phones > Cell Phone Accessories > iPhone Accessories",
             "cacc"),
    "armbands": ("iPhone Armbands", "Cell Phones > Cell Phone Accessories > iPhone Accessories "
                 "> iPhone Armbands", "iacc"),
}
#: the intent labels (flattened as Best Buy's query facets are)
LABELS = TaxonomyAlignment([
    "Computers & Tablets > Laptops", "Computers & Tablets > Tablets",
    "Computers & Tablets > GPUs/Video Graphics Cards", "Appliances > Small Kitchen Appliances",
    "Appliances > Air Conditioners", "Appliances > Heaters", "TV & Home Theater > TVs",
    "TV & Home Theater > Streaming Media Players", "Video Games > Xbox One",
    "Cell Phones > iPhone", "Cell Phones > Samsung Galaxy", "Cell Phones > Cell Phone Accessories"])
COLOURS = {  # name: aliases
    "Black": (), "White": (), "Purple": (), "Blue": (), "Brown": (), "Beige": (), "Navy": (),
    "Black/White": (), "White/Black": (), "Blue and White": (), "Blue/White": (),
    "navy blue": (), "Rose Gold": (), "Off White": (), "strip": ("striped",), "dark": (),
    "floral": (), "cheetah print": (), "blank": (), "marble": (), "Color": (), "matte white": (),
    "striped blue": (), "Red": (), "White/Blue": (),
}
SELLS = {"Apple": ["iphone"], "Samsung": ["galaxy"]}


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


def _colour(name: str) -> str:
    return f"{ID}attribute_value/{attribute_key('color', name)}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in CATS.items() if p]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, attribute_key("color", name), name,
                  aliases=aliases, attribute="color") for name, aliases in COLOURS.items()]
    recs += [Node(NodeKind.BRAND, b.lower(), b) for b in SELLS]
    recs += [Edge(f"{ID}brand/{b.lower()}", Relation.SELLS_IN, _cat(c))
             for b, cs in SELLS.items() for c in cs]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def intent(label: str, *others: tuple[str, float], score: float = 0.8) -> Intent:
    return Intent(label, label.split(" > ")[0], score, 0.99, ((label, score), *others))


def cat(key: str, mention: str, label: str = "core_product_type", score: float = 0.9
        ) -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", score, label, mention)


def colour(name: str, mention: str, label: str = "color") -> LinkedEntity:
    return LinkedEntity(_colour(name), "attribute_value", 0.88, label, mention)


def _suggested(res) -> set[str]:
    return {s.category for s in res.suggestions}


# -- 1. one accessory word list ---------------------------------------------------------------

@pytest.mark.parametrize("word", sorted(ACCESSORY_WORDS))
def test_every_accessory_word_of_the_patterns_makes_the_device_maker_a_boost(kg, word):
    """"apple iphone 7 armband" filtered on Apple (and on iPhone Armbands, whose products are
    by Incase, Griffin and Belkin): nothing matched. Every word of the one accessory list the
    size patterns read makes the device's maker an UP boost, as "case" and "charger" did."""
    apple = LinkedEntity(f"{ID}brand/apple", "brand", 0.96, "creator", "apple")
    res = expand(kg, [apple], intent("Cell Phones > Cell Phone Accessories"),
                 query=f"apple iphone 7 {word}", departments=LABELS)
    assert res.filters.brand == ()
    assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
        ("brand:Apple", "UP", f"link:{ID}brand/apple (fits)")]


@pytest.mark.parametrize("query", ["apple iphone 7 armband", "apple iphone 7 tempered glass",
                                   "samsung galaxy s7 holster", "samsung galaxy s7 wallet",
                                   "apple iphone 7 folio", "samsung galaxy s7 screen guard"])
def test_a_device_maker_on_an_armband_holster_wallet_or_glass_query_is_no_filter(kg, query):
    maker = query.split()[0]
    linked = [LinkedEntity(f"{ID}brand/{maker}", "brand", 0.96, "creator", maker)]
    if "armband" in query:
        linked.append(cat("armbands", "armband", score=0.74))
    res = expand(kg, linked, intent("Cell Phones > Cell Phone Accessories"), query=query,
                 departments=LABELS)
    assert res.filters.brand == (), query
    assert [b.direction for b in res.boosts] == ["UP"], query
    if "armband" in query:  # the armbands are what is searched: their category filters
        assert res.filters.category == (CATS["armbands"][1],)


def test_a_device_maker_alone_still_filters(kg):
    apple = LinkedEntity(f"{ID}brand/apple", "brand", 0.96, "creator", "apple")
    res = expand(kg, [apple], intent("Cell Phones > iPhone"), query="apple iphone 7",
                 departments=LABELS)
    assert res.filters.brand == ("Apple",)


# -- 2. two categories the query names ----------------------------------------------------------

@pytest.mark.parametrize(("query", "linked", "label", "want"), [
    # alternatives whose nearest common category is the department: the department
    ("laptop or tablet", [cat("laptops", "laptop", score=0.83), cat("tablets", "tablet")],
     "Computers & Tablets > Laptops", "Computers & Tablets"),
    ("tablet or laptop", [cat("tablets", "tablet"), cat("laptops", "laptop", score=0.83)],
     "Computers & Tablets > Laptops", "Computers & Tablets"),
    # siblings: the category that holds both
    ("pizza ovens toaster ovens", [cat("toaster", "toaster ovens", score=0.95),
                                   cat("pizza", "pizza ovens", score=0.95)],
     "Appliances > Small Kitchen Appliances", CATS["tpo"][1]),
])
def test_two_categories_the_query_names_filter_on_what_holds_both(kg, query, linked, label,
                                                                   want):
    """The first linked category was the one filter and the other only a suggestion: "laptop
    or tablet" removed every tablet. One value (an engine ANDs the fields), holding both;
    both stay suggestions."""
    res = expand(kg, linked, intent(label), query=query, departments=LABELS)
    assert res.filters.category == (want,), query
    assert _suggested(res) >= {CATS[e.iri.rsplit("/", 1)[1]][1] for e in linked}, query


def test_a_second_product_type_the_intent_gives_some_probability_widens_the_filter(kg):
    """"heater air conditioner combo" filtered on Air Conditioners only; Heaters is in the
    intent's top categories and the tagger read "heater" as a product type."""
    linked = [cat("heaters", "heater", score=0.95), cat("ac", "air conditioner")]
    res = expand(kg, linked, intent("Appliances > Air Conditioners",
                                    ("Appliances > Heaters", 0.09)),
                 query="heater air conditioner combo", departments=LABELS)
    assert res.filters.category == (CATS["hca"][1],)
    # (its source: the link the intent agrees with)
    assert [s.source for s in res.filter_sources if s.field == "category"] == [
        f"link:{_cat('ac')}"]
    assert _suggested(res) >= {CATS["heaters"][1], CATS["ac"][1]}


def test_the_exactly_named_category_wins_over_a_subset_reading(kg):
    """"pci express graphics cards": "graphics cards" links PCI Graphics Cards (better
    scored: a name with a word of the query's, "pci"), "pci express" links PCI Express
    Graphics Cards, which the query names; the words of the first are all the second's."""
    linked = [cat("pci", "graphics cards", score=0.92),
              cat("pcie", "pci express", "product_name", score=0.85)]
    res = expand(kg, linked, intent("Computers & Tablets > GPUs/Video Graphics Cards"),
                 query="pci express graphics cards", departments=LABELS)
    assert res.filters.category == (CATS["pcie"][1],)
    assert CATS["pci"][1] in _suggested(res)


@pytest.mark.parametrize(("query", "linked", "label", "want"), [
    # a modifier the intent does not agree with is no second category ("roku tv": TVs)
    ("roku tv", [cat("tvs", "tv", score=0.92), cat("roku", "roku", "modifier", 0.89)],
     "TV & Home Theater > TVs", "tvs"),
    # one above the other: the best link, as before ("xbox one controller")
    ("xbox one controller", [cat("xctrl", "controller", score=0.95),
                             cat("xbox", "xbox one", "product_name", 0.93)],
     "Video Games > Xbox One", "xctrl"),
])
def test_one_named_category_still_filters(kg, query, linked, label, want):
    res = expand(kg, linked, intent(label, ("TV & Home Theater > Streaming Media Players", 0.1)),
                 query=query, departments=LABELS)
    assert res.filters.category == (CATS[want][1],), query


# -- 3. colour filters only for colours ---------------------------------------------------------

@pytest.mark.parametrize(("query", "linked", "filtered", "boosted"), [
    ("striped shirt", [colour("strip", "striped")], (), ["colour:strip"]),
    ("floral dress", [colour("floral", "floral")], (), ["colour:floral"]),
    ("dark wash jeans", [colour("dark", "dark")], (), ["colour:dark"]),
    ("dark purple boutonniere", [colour("dark", "dark"), colour("Purple", "purple")],
     ("Purple",), ["colour:dark"]),
    ("cheetah print wallet", [colour("cheetah print", "cheetah print")], (),
     ["colour:cheetah print"]),
    ("leather belt blank", [colour("blank", "blank")], (), ["colour:blank"]),
    ("coral color pillows", [colour("Color", "color")], (), ["colour:Color"]),
    ("matte white paint", [colour("matte white", "matte white")], ("White",),
     ["colour:matte white"]),  # the colour it holds, which the KG has, filters
    ("men striped blue shirt", [colour("striped blue", "striped blue")], ("Blue",),
     ["colour:striped blue"]),
])
def test_a_colour_value_that_names_no_colour_is_a_boost(kg, query, linked, filtered, boosted):
    """The KG's colour values include patterns, finishes and words that name no colour
    ("strip" for "striped", "floral", "dark", "marble", "Color"): a hard colour filter on one
    removed every product whose colour facet names its colour."""
    res = expand(kg, linked, None, query=query)
    assert res.filters.colour == filtered, query
    assert [(b.term, b.direction) for b in res.boosts] == [(t, "UP") for t in boosted], query
    assert all(b.rule.endswith("(not a colour)") for b in res.boosts), query


@pytest.mark.parametrize(("query", "name"), [
    ("navy dress", "Navy"), ("navy blue dress", "navy blue"), ("rose gold watch", "Rose Gold"),
    ("off white sneakers", "Off White"), ("black/white sneakers", "Black/White"),
])
def test_a_colour_value_that_names_a_colour_still_filters(kg, query, name):
    res = expand(kg, [colour(name, query.rsplit(" ", 1)[0])], None, query=query)
    assert res.filters.colour == (name,) and not res.boosts, query


def test_a_non_colour_the_query_excludes_is_still_a_down_boost(kg):
    res = expand(kg, [colour("floral", "floral")], None, query="dress not floral")
    assert res.filters.colour == ()
    assert [(b.term, b.direction) for b in res.boosts] == [("colour:floral", "DOWN")]


# -- 4. colours the query joins -----------------------------------------------------------------

@pytest.mark.parametrize(("query", "linked", "filtered"), [
    ("black and white sneakers", [colour("Black", "black"), colour("White", "white")],
     ("Black/White",)),
    ("white & black shoes", [colour("White", "white"), colour("Black", "black")],
     ("White/Black",)),
    ("blue and white vase", [colour("Blue", "blue"), colour("White", "white")],
     ("Blue and White", "Blue/White")),
])
def test_joined_colours_the_kg_combines_filter_on_the_combined_colour(kg, query, linked,
                                                                      filtered):
    """Black OR White left out the products coloured "Black/White" (colour filters match
    exactly); the joined colours are UP boosts."""
    res = expand(kg, linked, None, query=query)
    assert res.filters.colour == filtered, query
    assert sorted((b.term, b.direction) for b in res.boosts) == sorted(
        (f"colour:{e.mention.title()}", "UP") for e in linked), query
    assert all(b.rule.endswith("(combined)") for b in res.boosts), query


def test_a_longer_list_of_colours_is_no_combination(kg):
    """"red white and blue shirt" filtered on Red OR "White/Blue": the last two colours of a
    list of three are no two-tone colour."""
    res = expand(kg, [colour("Red", "red"), colour("White", "white"), colour("Blue", "blue")],
                 None, query="red white and blue shirt")
    assert res.filters.colour == ("Red", "White", "Blue") and not res.boosts


@pytest.mark.parametrize(("query", "linked", "filtered"), [
    ("black or white sneakers", [colour("Black", "black"), colour("White", "white")],
     ("Black", "White")),  # an alternative: either colour
    ("rugs brown and beige", [colour("Brown", "brown"), colour("Beige", "beige")],
     ("Brown", "Beige")),  # the KG combines them in no value
    ("navy and blue shirt", [colour("Navy", "navy"), colour("Blue", "blue")],
     ("Navy", "Blue")),  # "navy blue" is one colour, not a combination
])
def test_colours_the_kg_does_not_combine_stay_as_they_are(kg, query, linked, filtered):
    res = expand(kg, linked, None, query=query)
    assert res.filters.colour == filtered and not res.boosts, query


# -- 5. both sides of a comparison --------------------------------------------------------------

VS_CATS = {**CATS,
           "chromecast": ("Google Chromecast",
                          "TV & Home Theater > Streaming Media Players > Google Chromecast",
                          "smp"),
           "ipad": ("iPad", "Computers & Tablets > Tablets > iPad", "tablets"),
           "ipadair": ("iPad Air", "Computers & Tablets > Tablets > iPad > iPad Air", "ipad"),
           "ipadpro": ("iPad Pro 12.9-inch",
                       "Computers & Tablets > Tablets > iPad > iPad Pro 12.9-inch", "ipad"),
           "macbook": ("MacBook", "Computers & Tablets > Laptops > MacBook", "laptops"),
           "wd": ("Washers & Dryers", "Appliances > Washers & Dryers", "app"),
           "dryers": ("Dryers", "Appliances > Washers & Dryers > Dryers", "wd"),
           "edryers": ("Electric Dryers",
                       "Appliances > Washers & Dryers > Dryers > Electric Dryers", "dryers"),
           "gdryers": ("Gas Dryers", "Appliances > Washers & Dryers > Dryers > Gas Dryers",
                       "dryers"),
           "audio": ("Audio", "Audio", None),
           "phones": ("Headphones", "Audio > Headphones", "audio"),
           "earbuds": ("Earbud & In-Ear Headphones",
                       "Audio > Headphones > Earbud & In-Ear Headphones", "phones")}
VS_LABELS = TaxonomyAlignment([*LABELS.labels, "Appliances > Washers & Dryers",
                               "Audio > Headphones"])


@pytest.fixture(scope="module")
def vs_kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in VS_CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in VS_CATS.items() if p]
    recs += [Node(NodeKind.BRAND, b.lower(), b) for b in ("Samsung", "LG", "Roku")]
    recs += [Edge(f"{ID}brand/{b}", Relation.SELLS_IN, _cat("tvs")) for b in ("samsung", "lg")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _vs_filter(kg, query: str, linked: list[LinkedEntity], label: str) -> tuple[str, ...]:
    return expand(kg, linked, intent(label), query=query, departments=VS_LABELS).filters.category


@pytest.mark.parametrize(("query", "linked", "label"), [
    # the other side's link sets no filter (a name narrower than the query: "Google Chromecast")
    ("chromecast vs roku", [cat("chromecast", "chromecast", "product_name", 0.68),
                            cat("roku", "roku", "product_name", 0.83)],
     "TV & Home Theater > Streaming Media Players"),
    # the other side names a model or line the KG lacks, linked to nothing, in any order and
    # with any joiner
    ("macbook vs xps", [cat("macbook", "macbook", "product_name")],
     "Computers & Tablets > Laptops"),
    ("macbook vs dell xps", [cat("macbook", "macbook", "product_name")],
     "Computers & Tablets > Laptops"),
    ("ipad vs surface", [cat("ipad", "ipad", "product_name")], "Computers & Tablets > Tablets"),
    ("ipad or surface", [cat("ipad", "ipad", "product_name")], "Computers & Tablets > Tablets"),
    ("surface vs ipad", [cat("ipad", "ipad", "product_name")], "Computers & Tablets > Tablets"),
    ("ipad versus surface pro", [cat("ipad", "ipad versus", "product_name")],
     "Computers & Tablets > Tablets"),
    ("ipad compared to surface", [cat("ipad", "ipad", "product_name")],
     "Computers & Tablets > Tablets"),
    ("laptop compared to tablet", [cat("laptops", "laptop")], "Computers & Tablets > Laptops"),
    ("xbox one vs ps4", [cat("xbox", "xbox one vs", "product_name")], "Video Games > Xbox One"),
    # the other side's word names a category of the department outside the link's ("roku",
    # linked as a brand; "apple tv" links TVs)
    ("roku or apple tv", [LinkedEntity(f"{ID}brand/roku", "brand", 0.8, "creator", "roku"),
                          cat("tvs", "tv")], "TV & Home Theater > TVs"),
])
def test_a_comparison_filters_on_no_one_side(vs_kg, query, linked, label):
    """"chromecast vs roku" filtered on Roku, "macbook vs xps" on MacBook, "ipad or surface" on
    iPad: the other side's products removed, and the filter depended on the word order. Both
    sides are searched; where one side's category is unknown, the department is the filter."""
    assert _vs_filter(vs_kg, query, linked, label) == (label.split(" > ")[0],), query


@pytest.mark.parametrize(("query", "linked", "label", "want"), [
    # a side sharing the head: the category named by the head alone
    ("gas or electric dryer", [cat("edryers", "dryer")], "Appliances > Washers & Dryers",
     "dryers"),
    ("electric or gas dryer", [cat("gdryers", "dryer")], "Appliances > Washers & Dryers",
     "dryers"),
    # brands sharing the head, sizes, a category under the link's: the link's filter stays
    ("samsung vs lg tv", [LinkedEntity(f"{ID}brand/samsung", "brand", 0.96, "creator", "samsung"),
                          LinkedEntity(f"{ID}brand/lg", "brand", 0.91, "product_name", "vs lg"),
                          cat("tvs", "tv")], "TV & Home Theater > TVs", "tvs"),
    ("tv 55 or 65 inch", [cat("tvs", "tv")], "TV & Home Theater > TVs", "tvs"),
    ("65 inch tv or larger", [cat("tvs", "tv")], "TV & Home Theater > TVs", "tvs"),
    ("headphones vs earbuds", [cat("phones", "headphones")], "Audio > Headphones", "phones"),
    ("headphones vs cheap earbuds", [cat("phones", "headphones")], "Audio > Headphones",
     "phones"),
    # the other side names a category under one side's by words of its name ("pro": iPad Pro
    # 12.9-inch, under iPad): what holds both, not iPad Air
    ("ipad air or ipad pro", [cat("ipad", "ipad", "product_name"),
                              cat("ipadair", "air or", "product_name")],
     "Computers & Tablets > Tablets", "ipad"),
    ("new or used laptop", [cat("laptops", "laptop")], "Computers & Tablets > Laptops",
     "laptops"),
])
def test_a_comparison_filters_on_what_holds_both_sides(vs_kg, query, linked, label, want):
    assert _vs_filter(vs_kg, query, linked, label) == (VS_CATS[want][1],), query


def test_a_comparison_of_brands_keeps_the_products_category(vs_kg):
    """The other side names only a brand: the same product of another maker ("samsung vs lg
    electric dryer", as "dell or hp gaming laptop"): Electric Dryers stays, not Dryers, which
    a side sharing the head ("gas or electric dryer") gives."""
    linked = [LinkedEntity(f"{ID}brand/samsung", "brand", 0.96, "creator", "samsung"),
              LinkedEntity(f"{ID}brand/lg", "brand", 0.91, "creator", "lg"),
              cat("edryers", "electric dryer")]
    assert _vs_filter(vs_kg, "samsung vs lg electric dryer", linked,
                      "Appliances > Washers & Dryers") == (VS_CATS["edryers"][1],)


# -- 6. a toy version of a device ---------------------------------------------------------------

TOY_CATS = {**CATS,
            "mw": ("Microwaves", "Appliances > Microwaves", "app"),
            "blenders": ("Blenders", "Appliances > Small Kitchen Appliances > Blenders", "ska"),
            "wd": ("Washers & Dryers", "Appliances > Washers & Dryers", "app"),
            "toys": ("Toys, Games & Drones", "Toys, Games & Drones", None),
            "drones": ("Drones", "Toys, Games & Drones > Drones", "toys"),
            "ps4": ("PlayStation 4", "Video Games > PlayStation 4", "vg"),
            "ttl": ("Toys to Life", "Video Games > Toys to Life", "vg")}
TOY_LABELS = TaxonomyAlignment([*LABELS.labels, "Appliances > Microwaves",
                                "Appliances > Washers & Dryers", "Toys, Games & Drones > Drones",
                                "Video Games > PlayStation 4", "Video Games > Toys to Life"])


@pytest.fixture(scope="module")
def toy_kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in TOY_CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in TOY_CATS.items() if p]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


@pytest.mark.parametrize(("query", "linked", "label"), [
    # the device linked right after the toy words
    ("toy microwave", [cat("mw", "microwave")], "Appliances > Microwaves"),
    ("pretend washer and dryer for kids", [cat("wd", "washer and dryer")],
     "Appliances > Washers & Dryers"),
    ("kids toy microwave", [cat("mw", "microwave")], "Appliances > Microwaves"),
    # the device linked to nothing: the intent's department, which names it, is no filter
    ("toy blender", [], "Appliances > Small Kitchen Appliances"),
    ("play washer and dryer", [], "Appliances > Washers & Dryers"),
])
def test_a_toy_version_of_a_device_is_no_filter_on_the_device(toy_kg, query, linked, label):
    """"toy microwave" filtered on Appliances > Microwaves, "toy blender" and "play washer and
    dryer" on Appliances: the real devices, not the toy the query asks for. The device's
    category and department stay suggestions (the department capped below a filter's)."""
    res = expand(toy_kg, linked, intent(label), query=query, departments=TOY_LABELS)
    assert res.filters.category == (), query
    dept = [s for s in res.suggestions if s.source == "intent-department"]
    assert [s.category for s in dept] == [label.split(" > ")[0]], query
    assert {TOY_CATS[e.iri.rsplit("/", 1)[1]][1] for e in linked} <= _suggested(res), query


@pytest.mark.parametrize(("query", "linked", "label", "want"), [
    # a toy category filters on ("toy drone": Drones, in Toys, Games & Drones)
    ("toy drone", [cat("drones", "drone")], "Toys, Games & Drones > Drones",
     TOY_CATS["drones"][1]),
    ("toy drone", [], "Toys, Games & Drones > Drones", "Toys, Games & Drones"),
    # a name that holds the toy word ("play station 4"), and no toy word before the device
    ("play station 4", [cat("ps4", "play station 4", "product_name")],
     "Video Games > PlayStation 4", TOY_CATS["ps4"][1]),
    ("kids microwave", [cat("mw", "microwave")], "Appliances > Microwaves", TOY_CATS["mw"][1]),
    # a toy word after the device, or that opens no product ("microwave play", "pure play")
    ("blender play", [], "Appliances > Small Kitchen Appliances", "Appliances"),
    ("pure play blender", [], "Appliances > Small Kitchen Appliances", "Appliances"),
    # toy words before no product ("toys to life", Best Buy's query), or an intent's category
    # that holds toys (Toys to Life, in Video Games)
    ("toys to life", [], "Video Games > Toys to Life", "Video Games"),
    ("toy playstation figures", [], "Video Games > Toys to Life", "Video Games"),
])
def test_a_toy_category_or_no_toy_version_still_filters(toy_kg, query, linked, label, want):
    res = expand(toy_kg, linked, intent(label), query=query, departments=TOY_LABELS)
    assert res.filters.category == (want,), query


# -- 7. a toy version of a device expands nothing of the device ------------------------------

TOY_WALK_CATS = {**TOY_CATS,
                 "ctmw": ("Countertop Microwaves",
                          "Appliances > Microwaves > Countertop Microwaves", "mw"),
                 "gadgets": ("Kitchen Gadgets",
                             "Appliances > Small Kitchen Appliances > Kitchen Gadgets", "ska"),
                 "alldrones": ("All Drones", "Toys, Games & Drones > Drones > All Drones",
                               "drones")}
TOY_WALK_SELLS = {"LG": ["mw"], "Insignia": ["ska"], "DJI": ["drones"]}


@pytest.fixture(scope="module")
def toy_walk_kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in TOY_WALK_CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p))
             for k, (_, _, p) in TOY_WALK_CATS.items() if p]
    recs += [Node(NodeKind.BRAND, b.lower(), b) for b in TOY_WALK_SELLS]
    recs += [Edge(f"{ID}brand/{b.lower()}", Relation.SELLS_IN, _cat(c))
             for b, cs in TOY_WALK_SELLS.items() for c in cs]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


@pytest.mark.parametrize(("query", "linked", "label", "unwanted"), [
    # the device linked right after the toy words: its children and brands are the real
    # device's, not the toy's
    ("toy microwave", [cat("mw", "microwave")], "Appliances > Microwaves",
     {"Countertop Microwaves", "LG"}),
    # nothing linked: the intent's category (the device's) is not walked either
    ("toy microwave", [], "Appliances > Microwaves", {"Countertop Microwaves", "LG"}),
    ("toy blender", [], "Appliances > Small Kitchen Appliances",
     {"Kitchen Gadgets", "Insignia", "Appliances"}),
])
def test_a_toy_version_of_a_device_expands_nothing_of_the_device(toy_walk_kg, query, linked,
                                                                  label, unwanted):
    res = expand(toy_walk_kg, linked, intent(label), query=query, departments=TOY_LABELS)
    assert not {x.term for x in res.expansions} & unwanted, query
    # the same device without the toy words expands them
    plain = " ".join(query.split()[1:])
    res = expand(toy_walk_kg, linked, intent(label), query=plain, departments=TOY_LABELS)
    assert {x.term for x in res.expansions} & unwanted, plain


@pytest.mark.parametrize("linked", [[cat("drones", "drone")], []])
def test_a_toy_category_named_after_toy_words_is_still_walked(toy_walk_kg, linked):
    # "toy drone": Drones lies in Toys, Games & Drones; its children and brands are toys
    res = expand(toy_walk_kg, linked, intent("Toys, Games & Drones > Drones"), query="toy drone",
                 departments=TOY_LABELS)
    assert {"All Drones", "DJI"} <= {x.term for x in res.expansions}


# -- 8. a brand's categories, its products' included, point to a narrower kind -----------------

BAT_CATS = {  # key: (label, path, parent key)
    "power": ("Power", "Electronics > Power", None),
    "batteries": ("Batteries", "Electronics > Power > Batteries", "power"),
    "upsbat": ("UPS Batteries", "Electronics > Power > Batteries > UPS Batteries", "batteries"),
    "ups": ("UPS", "Electronics > Power > UPS", "power"),
}


@pytest.fixture(scope="module")
def bat_kg() -> ProductGraph:
    from .catalog_kg import brand_iri, brand_records, cat_iri, catalog_kg, category_records

    # APC has no ``sells_in`` edge: only a product of its places it (in UPS Batteries)
    return catalog_kg(category_records(BAT_CATS) + brand_records({"APC": []}) + [
        Node(NodeKind.PRODUCT, "apc-rbc7", "APC RBC7 Replacement Battery"),
        Edge(f"{ID}product/apc-rbc7", Relation.HAS_BRAND, brand_iri("APC")),
        Edge(f"{ID}product/apc-rbc7", Relation.IN_CATEGORY, cat_iri("upsbat"))])


def test_a_brand_sold_in_a_narrower_kind_by_its_products_points_there(bat_kg):
    from .catalog_kg import brand_link, cat_iri, category_link

    def terms(query: str, brands: list[str]) -> set[str]:
        links = [brand_link(b) for b in brands] + [category_link(cat_iri("batteries"),
                                                                 "battery")]
        return {x.term for x in expand(bat_kg, links, query=query)}

    # "battery": UPS Batteries is another device's kind, not expanded
    assert "UPS Batteries" not in terms("battery", [])
    # "apc battery": APC's products are in UPS Batteries, as the brand filter reads its sales
    assert "UPS Batteries" in terms("apc battery", ["APC"])


# -- 9. home, garden and tool queries against the intent's department (a home reviewer's
# QueryNER queries, 2026-12-06: "5 piece dining set", "garden planters" got a hard
# Appliances filter from an intent trained on electronics queries) ----------------------------

HOME_CATS = {  # the store's
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "fondue": ("Fondue Sets", "Appliances > Small Kitchen Appliances > Fondue Sets", "ska"),
    "cbc": ("Cookware, Bakeware & Cutlery",
            "Appliances > Small Kitchen Appliances > Cookware, Bakeware & Cutlery", "ska"),
}
HOME_OTHER = {  # another shop's (Google's): no department of the store's
    "hg": ("Home & Garden", "Home & Garden", None),
    "kd": ("Kitchen & Dining", "Home & Garden > Kitchen & Dining", "hg"),
    "cookset": ("Cookware Sets", "Home & Garden > Kitchen & Dining > Cookware Sets", "kd"),
    "furn": ("Furniture", "Furniture", None),
    "dining": ("Dining Sets", "Furniture > Dining Sets", "furn"),
    "lg": ("Lawn & Garden", "Home & Garden > Lawn & Garden", "hg"),
    "planters": ("Pots & Planters", "Home & Garden > Lawn & Garden > Pots & Planters", "lg"),
    "hw": ("Hardware", "Hardware", None),
    "spades": ("Shovels & Spades", "Hardware > Tools > Shovels & Spades", "hw"),
}


@pytest.fixture(scope="module")
def home_kg() -> ProductGraph:
    from .catalog_kg import catalog_kg, category_records

    return catalog_kg(category_records(HOME_CATS) + category_records(HOME_OTHER, "google"))


def _home_expand(kg, links, query):
    from fusion.expand import Thresholds

    from .catalog_kg import intent_at

    # (Appliances at 0.83, over the default bundle's hard-filter threshold, 0.73; a query
    # the intent model's memory does not hold)
    return expand(kg, links, intent_at("Appliances > Small Kitchen Appliances", 0.77, 0.83),
                  query=query, departments=("Appliances",),
                  thresholds=Thresholds.defaults_for(0.3))


def _a_suggestion_only(res) -> bool:
    return res.filters.category == () and ("Appliances", "intent-department") in {
        (s.category, s.source) for s in res.suggestions}


def test_a_set_linked_elsewhere_whose_kind_the_department_lacks_is_no_filter(home_kg):
    from .catalog_kg import cat_iri, category_link

    # "dining set" links Google's Dining Sets; Appliances' only sets are Fondue Sets, no
    # dining: the set's kind is the word before "set", and the department holds none
    res = _home_expand(home_kg, [category_link(cat_iri("dining", "google"), "dining set")],
                       "5 piece dining set")
    assert _a_suggestion_only(res)
    # a set the department names the kind of ("cookware set": Cookware, Bakeware & Cutlery),
    # or a set of its own ("fondue set" linked elsewhere), keeps the filter
    for key, mention in (("cookset", "cookware set"), ("dining", "fondue set")):
        res = _home_expand(home_kg, [category_link(cat_iri(key, "google"), mention)], mention)
        assert res.filters.category == ("Appliances",), mention


def test_one_category_headed_by_the_last_word_blocks_where_a_word_names_its_branch(home_kg):
    # nothing linked; "planters" heads Google's Pots & Planters only, and "garden" names its
    # Lawn & Garden: the department is a suggestion
    assert _a_suggestion_only(_home_expand(home_kg, [], "garden planters"))
    # one category whose branch no other word names ("kate spade": Shovels & Spades) is no
    # reading of the query, :func:`_headed_elsewhere` (the expansion drops the filter all the
    # same where no word names anything of Appliances, :func:`_unknown_to`; linked, a brand
    # the store sells keeps it)
    from fusion.expand.departments import _headed_elsewhere
    from fusion.expand.kgview import _KG
    from fusion.hetero import as_networkx

    g = _KG(as_networkx(home_kg), home_kg)
    space = TaxonomyAlignment((), ("Appliances",))

    def dept(c):
        return space.department(g.path(c) or "")

    assert not _headed_elsewhere(g, [], ["kate", "spade"], "Appliances", dept, ())
    assert _headed_elsewhere(g, [], ["garden", "planters"], "Appliances", dept, ())


# -- 10. another shop's queries the Best Buy-trained intent reads as Appliances (QueryNER
# train, 2026-12-06: "utility knife", "flower pot", "full size comforter set", "kettlebell"
# got a hard Appliances filter) ------------------------------------------------------------

DEPT_CATS = {  # the store's
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "gadgets": ("Kitchen Gadgets", "Appliances > Small Kitchen Appliances > Kitchen Gadgets",
                "ska"),
    "eknives": ("Electric Knives & Knife Sharpeners", "Appliances > Small Kitchen Appliances > "
                "Kitchen Gadgets > Electric Knives & Knife Sharpeners", "gadgets"),
    "crock": ("Slow Cookers, Crock Pots & Roaster Ovens",
              "Appliances > Small Kitchen Appliances > Slow Cookers, Crock Pots & Roaster Ovens",
              "ska"),
    "cte": ("Coffee, Tea & Espresso", "Appliances > Small Kitchen Appliances > Coffee, Tea & "
            "Espresso", "ska"),
    "cmakers": ("Coffee Makers", "Appliances > Small Kitchen Appliances > Coffee, Tea & "
                "Espresso > Coffee Makers", "cte"),
    "cookware": ("Cookware", "Appliances > Small Kitchen Appliances > Cookware", "ska"),
    "hfb": ("Health, Fitness & Beauty", "Health, Fitness & Beauty", None),
    "kettle": ("Kettlebells", "Health, Fitness & Beauty > Kettlebells", "hfb"),
}
DEPT_OTHER = {  # Google's
    "hw": ("Hardware", "Hardware", None),
    "tools": ("Tools", "Hardware > Tools", "hw"),
    "cutters": ("Cutters", "Hardware > Tools > Cutters", "tools"),
    "utility": ("Utility Knives", "Hardware > Tools > Cutters > Utility Knives", "cutters"),
    "hg": ("Home & Garden", "Home & Garden", None),
    "kd": ("Kitchen & Dining", "Home & Garden > Kitchen & Dining", "hg"),
    "tableware": ("Tableware", "Home & Garden > Kitchen & Dining > Tableware", "kd"),
    "servers": ("Coffee Servers & Tea Pots",
                "Home & Garden > Kitchen & Dining > Tableware > Coffee Servers & Tea Pots",
                "tableware"),
    "cb": ("Cookware & Bakeware", "Home & Garden > Kitchen & Dining > Cookware & Bakeware",
           "kd"),
    "gcookware": ("Cookware", "Home & Garden > Kitchen & Dining > Cookware & Bakeware > "
                  "Cookware", "cb"),
    "stock": ("Stock Pots", "Home & Garden > Kitchen & Dining > Cookware & Bakeware > "
              "Cookware > Stock Pots", "gcookware"),
    "lg": ("Lawn & Garden", "Home & Garden > Lawn & Garden", "hg"),
    "gardening": ("Gardening", "Home & Garden > Lawn & Garden > Gardening", "lg"),
    "planters": ("Pots & Planters", "Home & Garden > Lawn & Garden > Gardening > Pots & Planters",
                 "gardening"),
    "plants": ("Plants", "Home & Garden > Plants", "hg"),
    "flowers": ("Flowers", "Home & Garden > Plants > Flowers", "plants"),
    "bedding": ("Bedding", "Home & Garden > Bedding", "hg"),
    "comforters": ("Quilts & Comforters", "Home & Garden > Bedding > Quilts & Comforters",
                   "bedding"),
}


@pytest.fixture(scope="module")
def dept_kg() -> ProductGraph:
    from .catalog_kg import brand_records, catalog_kg, category_records

    # two name-list brands the KG knows no sale of
    return catalog_kg(category_records(DEPT_CATS) + category_records(DEPT_OTHER, "google")
                      + brand_records({"kettlebell": [], "weber": []}))


def _dept_filter(kg, links, query) -> tuple[str, ...]:
    from fusion.expand import Thresholds

    from .catalog_kg import intent_at

    res = expand(kg, links, intent_at("Appliances > Small Kitchen Appliances", 0.77, 0.83),
                 query=query, departments=("Appliances", "Health, Fitness & Beauty"),
                 thresholds=Thresholds.defaults_for(0.3))
    return res.filters.category


def test_a_linked_kind_named_by_a_word_the_department_lacks_is_no_filter(dept_kg):
    from .catalog_kg import cat_iri, category_link

    # "utility knife" links Google's Utility Knives; Appliances' only knives are Electric
    # Knives & Knife Sharpeners, and no category of Appliances holds "utility"
    link = category_link(cat_iri("utility", "google"), "utility knife")
    assert _dept_filter(dept_kg, [link], "utility knife") == ()
    # a modifier the department knows ("coffee": Coffee Makers), or a link filed under a kind
    # the department holds (Google's Stock Pots under its Cookware), keeps the filter
    for key, mention in (("servers", "coffee pot"), ("stock", "stock pot")):
        link = category_link(cat_iri(key, "google"), mention)
        assert _dept_filter(dept_kg, [link], mention) == ("Appliances",), mention


def test_an_unlinked_head_whose_modifier_names_another_tree_is_no_filter(dept_kg):
    # "flower pot" links nothing: "pot" heads Appliances' Crock Pots and Google's Pots &
    # Planters, and "flower" names Google's Flowers, in the same Home & Garden, and nothing
    # of Appliances
    assert _dept_filter(dept_kg, [], "flower pot") == ()
    # a word the department knows ("kitchen": Small Kitchen Appliances) keeps the filter
    assert _dept_filter(dept_kg, [], "kitchen pot") == ("Appliances",)


def test_a_set_is_judged_by_the_word_before_it_and_a_size_names_nothing(dept_kg):
    # "comforter set": "comforter" heads one category (Quilts & Comforters), enough for the
    # kind a collective word names; "full size" is a size, no word of Full-Size Blenders
    assert _dept_filter(dept_kg, [], "full size comforter set") == ()
    assert _dept_filter(dept_kg, [], "comforter set") == ()


def test_a_brand_that_sells_nothing_linked_by_a_category_name_is_that_product(dept_kg):
    from .catalog_kg import brand_link

    # a name list's brand "kettlebell" (no sale, no product) read where the store's
    # Kettlebells (Health, Fitness & Beauty) is named
    assert _dept_filter(dept_kg, [brand_link("kettlebell")], "kettlebell") == ()
    # "weber": no category of that name; the filter stays
    assert _dept_filter(dept_kg, [brand_link("weber")], "weber") == ("Appliances",)


# -- 11. a department the query names nothing of (QueryNER train, 2026-12-06: 133 Amazon
# queries kept a hard Appliances filter, "tealight candles", "white maid cap", "full size
# comforter": no link in Appliances, no word of a name it holds) ---------------------------


VOCAB_OTHER = {  # Google's (the KG knows candles and caps: a query naming them names
    # something, elsewhere)
    "decor": ("Decor", "Home & Garden > Decor", "hg"),
    "candles": ("Candles", "Home & Garden > Decor > Candles", "decor"),
    "apparel": ("Apparel & Accessories", "Apparel & Accessories", None),
    "hats": ("Hats & Caps", "Apparel & Accessories > Hats & Caps", "apparel"),
}


@pytest.fixture(scope="module")
def vocab_kg() -> ProductGraph:
    from .catalog_kg import brand_records, cat_iri, catalog_kg, category_records

    # Lenox sells in the store (Health, Fitness & Beauty, as far as the KG knows); Yankee is
    # a name list's brand the store sells nothing under; a product of Appliances' named by
    # no word of its categories
    return catalog_kg([*category_records(DEPT_CATS), *category_records(DEPT_OTHER, "google"),
                       *category_records(VOCAB_OTHER, "google"),
                       *brand_records({"lenox": ["kettle"], "yankee": []}),
                       Node(NodeKind.PRODUCT, "carver-1", "ZX Carver"),
                       Edge(f"{ID}product/carver-1", Relation.IN_CATEGORY, cat_iri("eknives"))])


def _vocab_expand(kg, links, query):
    """The expansion at a sure Appliances intent; the query is no query outside the KG (in
    this small KG its words would make it one: the default KG knows "candles")."""
    from fusion.expand import Thresholds

    from .catalog_kg import intent_at

    return expand(kg, links, intent_at("Appliances > Small Kitchen Appliances", 0.77, 0.83),
                  query=query, departments=("Appliances", "Health, Fitness & Beauty"),
                  thresholds=Thresholds.defaults_for(0.3), outside=False)


def test_a_query_no_word_of_which_the_department_knows_is_no_filter(vocab_kg):
    # no category of Appliances holds "tealight", "candle", "maid" or "cap" ("white" is a
    # colour, "full size" a size): the department stays a suggestion, below the filter's
    # threshold
    for query in ("tealight candles", "white maid cap", "full size comforter"):
        res = _vocab_expand(vocab_kg, [], query)
        assert res.filters.category == (), query
        assert [(s.category, s.score < 0.73) for s in res.suggestions
                if s.source == "intent-department"] == [("Appliances", True)], query
    # a word of a name the department holds keeps it ("kitchen": Small Kitchen Appliances;
    # "knife": Electric Knives & Knife Sharpeners)
    for query in ("kitchen candles", "knife candles"):
        assert _vocab_expand(vocab_kg, [], query).filters.category == ("Appliances",), query


def test_a_query_with_no_content_word_or_of_one_word_keeps_the_department(vocab_kg):
    # nothing to judge by: no content word ("this is at", "65 inch"), none the KG knows
    # anywhere (misspelt: "tealite candels"), or a one-word query, what the store's searchers
    # typed and its intent model was trained on ("silverware": Dishwashers)
    for query in ("this is at", "65 inch", "tealite candels", "silverware"):
        assert _vocab_expand(vocab_kg, [], query).filters.category == ("Appliances",), query


def test_a_link_placed_in_the_department_or_a_brand_the_store_sells_keeps_it(vocab_kg):
    from .catalog_kg import brand_link

    # a product of a category of the department, whatever words link it (a nickname)
    link = LinkedEntity(f"{ID}product/carver-1", "product", 0.9, "product_name", "candle gizmo")
    assert _vocab_expand(vocab_kg, [link], "candle gizmo").filters.category == ("Appliances",)
    assert _vocab_expand(vocab_kg, [], "candle gizmo").filters.category == ()
    # a brand the store sells (the KG's sales are partial: the intent picks among its
    # departments); a brand it sells nothing under is judged by the query's words
    assert _vocab_expand(vocab_kg, [brand_link("lenox")], "lenox candles").filters.category \
        == ("Appliances",)
    assert _vocab_expand(vocab_kg, [brand_link("yankee")], "yankee candles").filters.category \
        == ()


def test_the_names_of_the_products_under_the_department_are_its_words():
    from .catalog_kg import cat_iri, catalog_kg, category_records

    kg = catalog_kg([*category_records(DEPT_CATS), *category_records(DEPT_OTHER, "google"),
                     *category_records(VOCAB_OTHER, "google"),
                     Node(NodeKind.PRODUCT, "warmer-1", "Aroma Tealight Warmer"),
                     Edge(f"{ID}product/warmer-1", Relation.IN_CATEGORY, cat_iri("crock"))])
    assert _vocab_expand(kg, [], "tealight candles").filters.category == ("Appliances",)
    assert _vocab_expand(kg, [], "scented candles").filters.category == ()
