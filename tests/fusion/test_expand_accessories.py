"""Accessory queries (review of accessory/compatibility queries, findings 3, 4 and 8): the
device an accessory is for is no category filter ("tv remote control" is not filtered on TVs),
the accessory, part and consumable words make a device maker an UP boost ("dell laptop
battery"), and a link whose name holds words the query lacks ("color printer" -> Color Laser
Printers) is no filter narrower than the query."""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

ID = "https://kgqp.dev/id/"
DEPTS = ("TV & Home Theater", "Computers & Tablets", "Video Games", "Office Electronics",
         "Cell Phones", "Audio")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "smart": ("Smart TVs", "TV & Home Theater > TVs > Smart TVs", "tvs"),
    "led": ("LED TVs", "TV & Home Theater > TVs > LED TVs", "tvs"),
    "outdoor": ("Outdoor TV Mounts & Stands",
                "TV & Home Theater > TVs > Outdoor TV Mounts & Stands", "tvs"),
    "tvacc": ("TV & Home Theater Accessories", "TV & Home Theater > TV & Home Theater Accessories",
              "tvh"),
    "remotes": ("Remote Controls",
                "TV & Home Theater > TV & Home Theater Accessories > Remote Controls", "tvacc"),
    "universal": ("Universal Remote Controls", "TV & Home Theater > TV & Home Theater Accessories "
                  "> Remote Controls > Universal Remote Controls", "remotes"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "macbooks": ("MacBooks", "Computers & Tablets > Laptops > MacBooks", "laptops"),
    "macbook": ("MacBook", "Computers & Tablets > Laptops > MacBooks > MacBook", "macbooks"),
    "mbair": ("MacBook Air", "Computers & Tablets > Laptops > MacBooks > MacBook Air", "macbooks"),
    "mbpro": ("MacBook Pro", "Computers & Tablets > Laptops > MacBooks > MacBook Pro", "macbooks"),
    "lacc": ("Laptop Accessories", "Computers & Tablets > Laptop Accessories", "comp"),
    "lbat": ("Laptop Batteries", "Computers & Tablets > Laptop Accessories > Laptop Batteries",
             "lacc"),
    "vg": ("Video Games", "Video Games", None),
    "xbox": ("Xbox One", "Video Games > Xbox One", "vg"),
    "xconsoles": ("Xbox One Consoles", "Video Games > Xbox One > Xbox One Consoles", "xbox"),
    "xctrl": ("Xbox One Controllers", "Video Games > Xbox One > Xbox One Controllers", "xbox"),
    "oe": ("Office Electronics", "Office Electronics", None),
    "pit": ("Printers, Ink & Toner", "Office Electronics > Printers, Ink & Toner", "oe"),
    "allp": ("All Printers", "Office Electronics > Printers, Ink & Toner > All Printers", "pit"),
    "laser": ("Laser Printers",
              "Office Electronics > Printers, Ink & Toner > All Printers > Laser Printers", "allp"),
    "colorlaser": ("Color Laser Printers", "Office Electronics > Printers, Ink & Toner > "
                   "All Printers > Laser Printers > Color Laser Printers", "laser"),
    "inkjet": ("Inkjet Printers",
               "Office Electronics > Printers, Ink & Toner > All Printers > Inkjet Printers",
               "allp"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cheadsets": ("Cell Phone Headsets",
                  "Cell Phones > Cell Phone Accessories > Cell Phone Headsets", "cacc"),
    "protectors": ("Screen Protectors",
                   "Cell Phones > Cell Phone Accessories > Screen Protectors", "cacc"),
    "audio": ("Audio", "Audio", None),
    "bars": ("Sound Bars", "Audio > Sound Bars", "audio"),
    "headsets": ("Headsets", "Audio > Headsets", "audio"),
}
# Best Buy's tree also has parent edges across paths: TVs is the parent of the accessories'
# node, whose path is not under TVs (a filter on the path "TV & Home Theater > TVs" keeps none)
CROSS_PARENTS = [("tvacc", "tvs")]
SELLS = {"Samsung": ["tvs", "smart", "led", "cell"], "Dell": ["laptops", "lbat"],
         "HP": ["laptops", "allp", "lbat"], "Canon": ["allp", "inkjet"], "Apple": ["macbook"]}


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


def _brand(name: str) -> str:
    return f"{ID}brand/{name.lower()}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in CATS.items() if p]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, p in CROSS_PARENTS]
    recs += [Node(NodeKind.BRAND, b.lower(), b) for b in SELLS]
    recs += [Edge(_brand(b), Relation.SELLS_IN, _cat(c)) for b, cs in SELLS.items() for c in cs]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def intent(key: str, score: float = 0.7, dept_score: float = 0.97) -> Intent:
    path = CATS[key][1]
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], score, dept_score, ((label, score),))


def cat(key: str, mention: str, label: str = "core_product_type", score: float = 0.9
        ) -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", score, label, mention)


def brand(name: str, mention: str | None = None) -> LinkedEntity:
    return LinkedEntity(_brand(name), "brand", 0.95, "creator", mention or name.lower())


def _expanded(res) -> set[str]:
    return {e.term for e in res}


TV_DEVICES = {"Smart TVs", "LED TVs"}  # (TVs' children that are TVs)


@pytest.mark.parametrize(("query", "linked", "want"), [
    # the product searched is linked under the department: it is the filter
    ("tv remote control", [cat("tvs", "tv", "modifier"), cat("remotes", "remote control")],
     CATS["remotes"][1]),
    ("samsung tv remote control", [brand("Samsung"), cat("tvs", "tv", "product_name"),
                                   cat("remotes", "remote control")], CATS["remotes"][1]),
    # the product searched is not linked (or not in the department): the department
    ("tv battery", [cat("tvs", "tv", "modifier")], "TV & Home Theater"),
    ("tv screen protector", [cat("tvs", "tv", "modifier"),
                             cat("protectors", "screen protector")], "TV & Home Theater"),
    ("samsung tv 65 battery", [brand("Samsung"), cat("tvs", "tv")], "TV & Home Theater"),
    ("soundbar for 55 inch tv", [cat("bars", "soundbar"), cat("tvs", "tv", "modifier")],
     "TV & Home Theater"),
])
def test_the_device_an_accessory_is_for_is_no_filter(kg, query, linked, want):
    """The head of an English noun phrase is its last noun: "tv" in "tv remote control" names
    the device the remote is for; a filter on TVs would remove every remote."""
    res = expand(kg, linked, intent("tvs"), query=query, departments=DEPTS)
    assert res.filters.category == (want,), query
    # nor are the device's own categories (its children, its maker's) expanded to
    assert not _expanded(res) & TV_DEVICES, query
    assert CATS["tvs"][1] in {s.category for s in res.suggestions}, query


def test_a_macbook_headset_is_not_filtered_on_macbooks(kg):
    linked = [cat("macbook", "macbook", "product_name"), cat("headsets", "headset")]
    res = expand(kg, linked, intent("laptops"), query="macbook headset", departments=DEPTS)
    assert res.filters.category == ("Computers & Tablets",)
    assert not _expanded(res) & {"MacBook Air", "MacBook Pro"}


@pytest.mark.parametrize(("query", "linked", "key", "want"), [
    ("samsung tv", [brand("Samsung"), cat("tvs", "tv")], "tvs", "tvs"),
    ("4k tv", [cat("tvs", "tv")], "tvs", "tvs"),
    ("tv 65 inch", [cat("tvs", "tv")], "tvs", "tvs"),
    ("tv black", [cat("tvs", "tv")], "tvs", "tvs"),
    ("macbook air", [cat("mbair", "macbook air", "product_name")], "laptops", "mbair"),
    # a later product the device lies under names the device again
    ("macbook pro laptop", [cat("mbpro", "macbook pro", "product_name"),
                            cat("laptops", "laptop")], "laptops", "mbpro"),
    # a device whose category holds the accessory: searched within it
    ("xbox one controller", [cat("xbox", "xbox one", "product_name")], "xbox", "xbox"),
    # "for" with no product before it fits nothing (a diff review: these lost their filter)
    ("looking for a tv", [cat("tvs", "tv")], "tvs", "tvs"),
    ("searching for a laptop", [cat("laptops", "laptop")], "laptops", "laptops"),
    # a product after a category that is no accessory: a noun compound, not a device
    # ("soccer socks", "learning toys" lost their expansions)
    ("tv laptop", [cat("tvs", "tv", "modifier"), cat("laptops", "laptop")], "tvs", "tvs"),
])
def test_a_device_named_for_itself_still_filters(kg, query, linked, key, want):
    res = expand(kg, linked, intent(key), query=query, departments=DEPTS)
    assert res.filters.category == (CATS[want][1],), query


def test_an_intent_that_follows_the_device_word_walks_only_its_accessories(kg):
    """"tv cable" links nothing; the intent model calls it TVs (the word "tv"): its category's
    TVs are no expansions of a cable query, its accessory categories are."""
    res = expand(kg, [], intent("tvs", 0.8), query="tv cable", departments=DEPTS)
    assert res.filters.category == ("TV & Home Theater",)
    terms = _expanded(res)
    assert not terms & TV_DEVICES
    assert "TV & Home Theater Accessories" in terms
    # the TVs themselves: their children are expanded
    res = expand(kg, [], intent("tvs", 0.8), query="tv", departments=DEPTS)
    assert _expanded(res) >= TV_DEVICES


@pytest.mark.parametrize(("query", "maker", "key"), [
    ("dell laptop battery", "Dell", "lacc"), ("hp laptop battery", "HP", "lacc"),
    ("samsung tv remote", "Samsung", "tvs"), ("hp printer ink", "HP", "pit"),
    ("canon printer toner", "Canon", "pit"), ("canon printer cartridges", "Canon", "pit"),
    ("apple macbook keyboard", "Apple", "laptops"), ("apple macbook mouse", "Apple", "laptops"),
    ("samsung phone batteries", "Samsung", "cacc"), ("canon camera lens", "Canon", "pit"),
    ("samsung fridge water filter", "Samsung", "cacc"),
])
def test_a_device_maker_on_a_part_or_consumable_query_is_an_up_boost(kg, query, maker, key):
    """The documented rule (a device maker in a query that also holds an accessory word and
    another word, the device) for batteries, remotes, keyboards, lenses, ink, toner ...:
    third-party ones fit the device, and a hard filter on its maker removes them."""
    linked = [brand(maker)]
    res = expand(kg, linked, intent(key), query=query, departments=DEPTS)
    assert res.filters.brand == (), query
    assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
        (f"brand:{maker}", "UP", f"link:{_brand(maker)} (fits)")], query
    # its fan-out keeps to its accessory categories (no Laptops for "dell laptop battery")
    assert not [e.term for e in res if e.provenance and e.provenance[0][0] == _brand(maker)
                and e.term not in ("Laptop Batteries",)], query


@pytest.mark.parametrize("query", ["canon ink", "dell battery", "hp laptop", "samsung tv"])
def test_a_brand_with_only_the_product_is_its_maker(kg, query):
    name = query.split()[0]
    maker = {"hp": "HP"}.get(name, name.capitalize())
    res = expand(kg, [brand(maker)], intent("pit"), query=query, departments=DEPTS)
    assert res.filters.brand == (maker,) and not res.boosts, query


def test_a_link_narrower_than_the_query_is_no_filter(kg):
    """"color printer" links (the linker's subset match: the name holds every word of the
    mention and one more) to Color Laser Printers: a filter on it removes the colour inkjets.
    The nearest category above it that the query's words name is the filter instead."""
    link = kg.link("color printer", label="core_product_type", context="color printer").best
    assert link is not None and link.iri == _cat("colorlaser") and link.match_type == "subset"
    linked = [LinkedEntity(link.iri, "category", 0.67, "core_product_type", "color printer")]
    res = expand(kg, linked, intent("pit", 0.8), query="color printer", departments=DEPTS)
    assert res.filters.category == (CATS["allp"][1],)
    assert CATS["colorlaser"][1] in {s.category for s in res.suggestions}
    # no category above it named by the query: the department
    linked = [LinkedEntity(link.iri, "category", 0.67, "core_product_type", "color laser")]
    res = expand(kg, linked, intent("pit", 0.8), query="color laser", departments=DEPTS)
    assert res.filters.category == ("Office Electronics",)


@pytest.mark.parametrize(("query", "key", "mention"), [
    ("color laser printers", "colorlaser", "color laser printers"),  # the name itself
    ("phone headset", "cheadsets", "phone headset"),  # "cell" is its department's word
    ("laser printer", "laser", "laser printer"),
])
def test_a_link_the_query_names_still_filters(kg, query, key, mention):
    linked = [cat(key, mention)]
    res = expand(kg, linked, intent(key, 0.8), query=query, departments=DEPTS)
    assert res.filters.category == (CATS[key][1],), query
