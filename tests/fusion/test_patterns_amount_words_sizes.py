"""Indian number words, a currency word before the amount, and sizes written as words
(:mod:`fusion.patterns`, on a fashion and home retailer's queries):

1. a number word after an amount was dropped, leaving the number alone as the amount: "gold
   necklace under 1 lakh" and "ring under ₹1 lakh" got a price_max of 1, "phone under 20
   thousand rupees" 20 and "shoes under 1.5 k" 1.5 (a filter that removes every product);
2. "rupees" / "rupee" before the amount was no currency mark: "saree under rupees 500" set no
   price while "saree under rs 500" did;
3. letter sizes and bed sizes gave no size filter: "t shirt xxl", "kurti l size", "kurti size
   m", "bra size 34b", "king size bedsheet" (while "king bedsheet" got King through a link).

The queries are read NFKC-normalised, as the pipeline reads them.
"""

from __future__ import annotations

import unicodedata

import pytest

from fusion.expand import expand
from fusion.patterns import find_sizes, parse_price, parse_sizes


def _price(text: str) -> tuple[float | None, float | None]:
    return parse_price(unicodedata.normalize("NFKC", text))


def _sizes(text: str) -> list[str]:
    return parse_sizes(unicodedata.normalize("NFKC", text))


def _boosts(res) -> list[tuple[str, str]]:
    return sorted((b.term, b.direction) for b in res.boosts)


# --- 1. lakh, crore, thousand and a spaced "k" multiply the amount ----------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gold necklace under 1 lakh", (None, 100000.0)),  # was (None, 1.0)
        ("ring under ₹1 lakh", (None, 100000.0)),  # was (None, 1.0)
        ("phone under 20 thousand rupees", (None, 20000.0)),  # was (None, 20.0)
        ("shoes under 1.5 k", (None, 1500.0)),  # was (None, 1.5)
        ("saree under 2.5 lakhs", (None, 250000.0)),
        ("bangles under 1lac", (None, 100000.0)),
        ("necklace under rs 1.5 lakh", (None, 150000.0)),
        ("car under 1.2 crore", (None, 12000000.0)),
        ("tv over 50 thousand", (50000.0, None)),  # no screen size: a multiplied amount
        ("watch between 50 thousand and 1 lakh", (50000.0, 100000.0)),
        ("watch price 1-2 lakh", (100000.0, 200000.0)),  # the multiplier is for both
        ("tv under rs 4 k", (None, 4000.0)),
    ],
)
def test_number_words_multiply_the_amount(text, expected):
    assert _price(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "watch under 1 lakh 50 thousand",  # one amount in two parts: was (None, 1.0)
        "watch under 1 lakh and 50 thousand",
        "ring under 1,5 lakh",  # a decimal comma
        "laptop under 2 grand",  # was (None, 2.0)
        "probiotics over 50 billion",  # a count as much as money: was (50.0, None)
        "tv under 4 k",  # a resolution, as "4k" (was (None, 4.0))
    ],
)
def test_an_amount_not_read_surely_gives_no_bound(text):
    assert _price(text) == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("diamond ring under 50k", (None, 50000.0)),  # a glued "k", as before
        ("coffee under 10 k cups", (None, 10.0)),  # "k cups": coffee pods, no thousands
        ("samsung tv under 50k 4k", (None, 50000.0)),  # "4k" after it is no second part
        ("tv under 1,00,000", (None, 100000.0)),
    ],
)
def test_neighbours_of_number_words_are_read_as_before(text, expected):
    assert _price(text) == expected


# --- 2. "rupees" / "rupee" before the amount is a currency mark -------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saree under rupees 500", (None, 500.0)),  # was (None, None)
        ("kurti under rupee 499", (None, 499.0)),  # was (None, None)
        ("saree under rs 500", (None, 500.0)),  # as before
        ("kurta between rupees 500 and 1000", (500.0, 1000.0)),
        ("ring under rupees 1 lakh", (None, 100000.0)),
        # a currency mark makes a number that may be an age a price
        ("toys for kids under rupees 5", (None, 5.0)),
        ("toys for kids under 5", (None, None)),
    ],
)
def test_rupees_before_the_amount_is_a_currency_mark(text, expected):
    assert _price(text) == expected


# --- 3. letter sizes, bra sizes and bed sizes --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("t shirt xxl", ["XXL"]),  # was []
        ("kurti l size", ["L"]),  # was []
        ("kurti size m", ["M"]),  # was []
        ("kurti m size", ["M"]),  # was M through a link only
        ("hoodie size: xl", ["XL"]),
        ("tank with built-in bra plus size 3xl", ["3XL"]),
        ("shirts for men 4xl", ["4XL"]),
        ("2xl tall man shirt", ["2XL"]),
        ("pink 2xl safety vest", ["2XL"]),
        ("mens xs running shorts", ["XS"]),
        ("kurti xl black", ["XL"]),
        ("bra size 34b", ["34B"]),  # was []
        ("bra 32dd size", ["32DD"]),
        ("55 inch tv and t shirt xl", ["55 inch", "XL"]),  # in the query's order
    ],
)
def test_letter_sizes_are_read_as_a_size_facet_holds_them(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("king size bedsheet", ["King"]),  # was []
        ("boys queen size sheets", ["Queen"]),
        ("queen-size comforter", ["Queen"]),
        ("electric blanket twin size", ["Twin"]),
        ("full size bed without box spring", ["Full"]),
        ("double size bedsheet", ["Double"]),
        ("king sized mattress protector", ["King"]),
    ],
)
def test_a_bed_size_before_size_is_read_in_a_query_for_bedding(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("t shirt size m or l", ["M", "L"]),  # a filter on M alone would drop the L asked for
        ("kurti m or l size", ["M", "L"]),
        ("size s, m or l", ["S", "M", "L"]),
        ("shirt xl, xxl or 3xl", ["XL", "XXL", "3XL"]),
        ("shirt l or xl", ["L", "XL"]),
        ("queen or king size sheets", ["Queen", "King"]),
        ("bra size 34b or 36b", ["34B", "36B"]),
    ],
)
def test_every_size_of_a_list_of_word_sizes_is_read(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    "text",
    [
        # model names, not sizes
        "pixel 3 xl", "pixel xl case", "iphone xs", "iphone xs max case", "iphone xs t shirt",
        "iphone xs size", "pixel xl size",
        "galaxy s", "galaxy s size", "nintendo 2ds xl", "oakley holbrook xl",
        "moleskin classic xl", "pure xs paco rabanne for men",
        # a letter or several without clothing nor "size"
        "xl bully", "xl coffin nail tips", "xxl wraps",
        # a single letter alone: a name's, a shape's, a unit's
        "l shaped desk", "m.2 ssd", "t shirt l", "kurti m", "5 l size bottle",
        # "size" with no letter size, or a number after it
        "size matters book", "plus size leggings", "women s size 10",
        # bed sizes: another bed size with no value read, and no bedding named
        "alaskan king size bed",
        "king size chocolate", "queen size 7 panty hose", "full size mirror", "full size crib",
        "microwaves full size", "full size truck bed cover", "full size sheet pan",
        # a bound, a size of two, sizes with no joiner
        "size m or larger", "t shirt up to xxl", "size s/m", "kurti l-xl size", "s m l xl shirt",
        # spelt-out sizes and plus sizes written "2x" are not read
        "black skirts for women size large", "5x plus size pants",
    ],
)
def test_no_size_is_read_where_the_letters_may_be_something_else(text):
    assert _sizes(text) == []


def test_find_sizes_says_where_a_word_size_was_read():
    # (the word "size" with it: "not size m" is a cue before the size)
    assert find_sizes("kurti size m and 55 inch tv") == [
        ("M", 6, 12), ("55 inch", 17, 24)]
    assert find_sizes("king size bedsheet") == [("King", 0, 9)]


# --- end to end: fusion.expand's filters and boosts -----------------------------------------


@pytest.mark.parametrize(
    ("query", "size", "price_max"),
    [
        ("t shirt xxl", ("XXL",), None),
        ("kurti size m", ("M",), None),
        ("king size bedsheet", ("King",), None),
        ("t shirt size m or l", ("M", "L"), None),
        ("ring under ₹1 lakh", (), 100000.0),
        ("phone under 20 thousand rupees", (), 20000.0),
        ("saree under rupees 500", (), 500.0),
    ],
)
def test_word_sizes_and_multiplied_amounts_are_filters(kg, query, size, price_max):
    res = expand(kg, [], query=unicodedata.normalize("NFKC", query))
    assert (res.filters.size, res.filters.price_max) == (size, price_max), query
    assert not _boosts(res), query


@pytest.mark.parametrize(
    ("query", "sizes"),
    [
        ("t shirt not xxl", ("XXL",)),
        ("kurti not size m", ("M",)),
        ("t shirt not size m or l", ("M", "L")),
        ("bedsheet not king size", ("King",)),
    ],
)
def test_an_excluded_word_size_is_a_down_boost(kg, query, sizes):
    res = expand(kg, [], query=query)
    assert res.filters.size == (), query
    assert _boosts(res) == sorted((f"size:{s}", "DOWN") for s in sizes), query


# --- 4. bed sizes without "size", other bed sizes, thickness, gallons, ball sizes -------------
# (a review of home and garden queries: "california king sheets" filtered on King; bare "twin"
# / "full" beside bedding gave no size, "full" in 11 of 16 bedding queries of QueryNER train,
# "twin" in 10 of 11, while "queen" and "king" linked; "2 inch thick cutting board" and "12
# inch mattress queen" filtered on a thickness; gallons and "size 5 soccer ball" gave none)


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("twin comforter", ["Twin"]),  # was []
        ("full bed frame", ["Full"]),  # was []
        ("full mattress", ["Full"]),  # was []
        ("mattress protector full", ["Full"]),  # was []
        ("girls unicorn comforter sets twin", ["Twin"]),  # was []
        ("mattress topper memory foam full", ["Full"]),  # was []
        ("twin rollaway bed with mattress", ["Twin"]),  # was []
        ("queen comforter", ["Queen"]),  # was [] (a link read it)
        ("queen or king sheets", ["Queen", "King"]),  # was []
        ("twin xl sheets", ["Twin XL"]),  # was []
        ("twin xl fitted sheets", ["Twin XL"]),  # was []
        ("california king sheets", ["California King"]),  # was []
        ("cal king bamboo sheets", ["California King"]),  # was []
        ("california king size sheets", ["California King"]),  # was []
        ("split king size sheets", ["Split King"]),  # was []
        ("full/queen comforter", ["Full/Queen"]),  # was []
        ("king size bedsheet", ["King"]),
        ("8 inch memory foam mattress full", ["Full"]),  # was ["8 inch"]
        ("12 inch mattress queen", ["Queen"]),  # was ["12 inch"]
        ("twin mattress 6 inch", ["Twin"]),  # was ["6 inch"]
        ("sheets for queen bed", ["Queen"]),  # was []
        # the bed after "for" that the sheets read before it fit
        ("twin xl fitted sheets for adjustable bed split king", ["Twin XL"]),  # was []
    ],
)
def test_a_bed_size_next_to_bedding_is_read_without_size(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    "text",
    [
        # no bedding named, or the word is no bed size before what follows it
        "full hd tv", "full length mirror", "airpods case twin pack", "full zip hoodie",
        "full coverage bra", "twin tub washer", "full body pillow for pregnant women",
        "king koil air mattress", "full sheet labels", "stephen king books",
        "double sided tape", "double layer blanket",
        # a bunk bed's two sizes
        "bunk beds twin over twin", "twin over full bunk bed",
    ],
)
def test_a_bare_bed_word_is_no_size_elsewhere(text):
    assert _sizes(text) == []


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("2 inch thick cutting board", []),  # was ["2 inch"]
        ('2" thick cutting board', []),  # was ['2"']
        ("1 inch thick yoga mat", []),  # was ["1 inch"]
        ("6 inch thick foam cushion", []),  # was ["6 inch"]
        ("cutting board thickness 2 inch", []),  # was ["2 inch"]
        ("10 inch mattress", []),  # was ["10 inch"]
        ("3 inch memory foam mattress topper", []),  # was ["3 inch"]
        ("4 inch seat cushion", []),  # was ["4 inch"]
        # the size of what is not a thickness stays
        ("cushion covers 18 inch", ["18 inch"]),
        ("12 inch cutting board", ["12 inch"]),
        ("20 gallon fish tank", ["20 gallon"]),  # was []
        ("5 gallon bucket", ["5 gallon"]),  # was []
        ("5 gal bucket", ["5 gal"]),  # was []
        ("13 gallons trash bags", ["13 gallons"]),  # was []
        ("hood for 29 gallon aquarium", []),  # the size of what it fits
        ("trash can under 13 gallon", []),  # a bound
        ("size 5 soccer ball", ["5"]),  # was []
        ("basketball size 7", ["7"]),  # was []
        ("size 4 footballs", ["4"]),  # was []
        ("size 3 crochet hook", []),  # no ball, no garment
    ],
)
def test_thickness_is_no_size_and_gallons_and_balls_are(text, sizes):
    assert _sizes(text) == sizes


def _with_bed_sizes(kg):
    from kg import Node, NodeKind

    kg.add_records([Node(NodeKind.ATTRIBUTE_VALUE, "size/king", "King", attribute="size")],
                   progress=False)
    return next(n.iri for n in kg.nodes("attribute_value") if n.label == "King")


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("california king sheets", ("California King",)),  # was ("King",)
        ("cal king bamboo sheets", ("California King",)),  # was ("King",)
        ("california king", ()),  # was ("King",): no bedding, another bed size all the same
        ("king sheets", ("King",)),
        ("twin comforter", ("Twin",)),  # was ()
        ("12 inch mattress queen", ("Queen",)),  # was ("12 inch", "Queen")
    ],
)
def test_a_linked_king_of_another_bed_size_is_no_filter(kg, query, size):
    from fusion.types import LinkedEntity

    king = _with_bed_sizes(kg)
    linked = [LinkedEntity(king, "attribute_value", 0.8, label="shape", mention="king")] \
        if "king" in query.split() else []
    res = expand(kg, linked, query=query)
    assert res.filters.size == size, query


# --- 5. bed sizes around a slash, a bed size after a length, a thickness's product ------------
# (a prefixed size after "/" lost a size, "queen / california king" lost Queen and "cal
# king/king" read one size no catalogue holds; a length between bedding and a bed size hid the
# size; a cake's or a tree's topper and a long cushion lost their size as a "thickness")


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("king/cal king sheets", ["King", "California King"]),  # was ["King"]
        ("cal king/king sheets", ["California King", "King"]),  # was ["California King/King"]
        ("queen / california king sheets", ["Queen", "California King"]),  # was [CA King]
        ("king / cal king sheets", ["King", "California King"]),  # was ["California King"]
        ("split king/king mattress", ["Split King", "King"]),  # was ["Split King/King"]
        # two sizes with no prefix are one size comforters are sold in, spaced or not
        ("full/queen comforter", ["Full/Queen"]),
        ("full / queen comforter", ["Full/Queen"]),
    ],
)
def test_bed_sizes_around_a_slash_with_a_prefix_are_two_sizes(text, sizes):
    assert _sizes(text) == sizes


def test_bed_sizes_around_a_slash_keep_their_own_characters():
    assert find_sizes("king/cal king sheets") == [("King", 0, 4), ("California King", 5, 13)]


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("mattress 12 inch queen", ["Queen"]),  # was []
        ('mattress 12" queen', ["Queen"]),  # was []
        ("queen 12 inch mattress", ["Queen"]),  # was []
        ("12 inch mattress queen", ["Queen"]),
    ],
)
def test_a_bed_size_is_read_across_a_length_next_to_bedding(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        # a topper of no bed and a long cushion keep their size
        ("christmas tree topper 12 inch", ["12 inch"]),  # was []
        ("6 inch cake topper", ["6 inch"]),  # was []
        ("48 inch bench cushion", ["48 inch"]),  # was []
        ("20 inch chair cushion", ["20 inch"]),  # was []
        # a mattress's, a mattress topper's and a small cushion's inches are their thickness
        ("10 inch mattress", []),
        ("3 inch mattress topper", []),
        ("3 inch memory foam topper", []),
        ("2 inch bed topper", []),
        ("4 inch seat cushion", []),
        ("seat cushion 1 1/2 inch", []),
        ("12 inch thick bench cushion", []),
    ],
)
def test_a_thickness_is_read_only_for_bedding_toppers_and_small_cushions(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("king/cal king sheets", ("King", "California King")),  # was ("King",)
        ("cal king/king sheets", ("California King", "King")),  # was ("California King/King",)
    ],
)
def test_a_linked_king_beside_a_slash_keeps_both_bed_sizes(kg, query, size):
    from fusion.types import LinkedEntity

    king = _with_bed_sizes(kg)
    linked = [LinkedEntity(king, "attribute_value", 0.8, label="shape", mention="king")]
    res = expand(kg, linked, query=query)
    assert res.filters.size == size, query


# --- 6. a topper's thickness, the inches of feet and metres -----------------------------------
# (a topper named alone is a mattress's, its inches its thickness, and a length in feet or
# metres is converted to inches before it is compared with a cushion's thickness)


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        # a topper named with nothing else it tops is a mattress's: its inches are its thickness
        ("3 inch topper", []),  # was ["3 inch"]
        ("topper 2 inch", []),  # was ["2 inch"]
        ("4 inch gel topper queen", ["Queen"]),
        ("3 inch mattress topper", []),
        ("2 inch foam topper", []),
        # a topper of a cake, a tree, a pencil, a table... keeps its size
        ("6 inch cake topper", ["6 inch"]),
        ("christmas tree topper 12 inch", ["12 inch"]),
        ("4 inch cupcake toppers", ["4 inch"]),
        ("54 inch table topper", ["54 inch"]),
        ("hair topper 12 inch", ["12 inch"]),
    ],
)
def test_a_topper_is_a_mattress_topper_unless_the_query_names_what_else_it_tops(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    ("one", "inches"),
    [
        ("4 ft", 48.0),  # was 4.0
        ("2 feet", 24.0),  # was 2.0
        ("1 foot", 12.0),  # was 1.0
        ("1 m", 39.37),  # was 1.0
        ("1.2 m", 47.244),  # was 1.2
        ("2 meters", 78.74),  # was 2.0
        ("1 metre", 39.37),  # was 1.0
        ("10 mm", 10 / 25.4),
        ("2 millimeters", 2 / 25.4),
        ("10 cm", 10 / 2.54),
        ("5 centimetres", 5 / 2.54),
        ("4 inch", 4.0),
        ("1 1/2 inch", 1.5),
        ('3"', 3.0),
    ],
)
def test_a_length_in_feet_or_metres_is_read_in_inches(one, inches):
    from fusion.patterns import _inches

    assert _inches(one) == pytest.approx(inches)


def test_a_unit_starting_with_m_is_no_metre():
    from fusion.patterns import _inches

    # only "m" and "meter(s)" / "metre(s)" written whole are metres
    assert _inches("5 mb") == 5.0
    assert _inches("5 mi") == 5.0


# --- 7. the capacity of the container a product serves; metres ---------------------------------
# (a review of home, garden, pet and tools queries: "air pump for aquarium 40 gallon" and "5
# gallon water dispenser" were a hard "N gallon" filter on pumps and dispensers, which have no
# such size; "2m hdmi cable", "1.5 m usb cable" and "3 metre extension lead" gave no size while
# "6 ft hdmi cable" did)


@pytest.mark.parametrize(
    ("text", "hints"),
    [
        # a product that serves a container named in the size's clause: the container's size
        ("air pump for aquarium 40 gallon", ["40 gallon"]),  # was a size
        ("5 gallon water dispenser", ["5 gallon"]),  # was a size
        ("water dispenser 5 gallon", ["5 gallon"]),
        ("aquarium heater 50 gallon", ["50 gallon"]),
        ("20 gallon fish tank filter", ["20 gallon"]),
        ("5 gallon bucket lid", ["5 gallon"]),
        ("40 gallon tank stand", ["40 gallon"]),
        ("55 gallon drum pump", ["55 gallon"]),
        ("stand for fish tank 20 gallon", ["20 gallon"]),
        ("instant pot lid 6 quart", ["6 quart"]),
        ("20 oz tumbler lid", ["20 oz"]),
    ],
)
def test_the_capacity_of_a_container_a_product_serves_is_a_hint(text, hints):
    from fusion.patterns import size_hints

    assert _sizes(text) == []
    assert [s.value for s in size_hints(text)] == hints


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        # the container itself, or one that another product joins, keeps its size
        ("20 gallon fish tank", ["20 gallon"]),
        ("fish tank 20 gallon", ["20 gallon"]),
        ("fish tank 20 gallon with filter", ["20 gallon"]),
        ("5 gallon bucket", ["5 gallon"]),
        ("1 gallon paint", ["1 gallon"]),
        ("1 gallon water bottle", ["1 gallon"]),
        ("6 quart instant pot", ["6 quart"]),
        ("13 gallon trash bags", ["13 gallon"]),
        ("trash can for kitchen 13 gallon", ["13 gallon"]),  # a kitchen is no container
        # a product with a tank of its own, or what the server serves
        ("50 gallon water heater", ["50 gallon"]),
        ("2 gallon pump sprayer", ["2 gallon"]),
        ("20 gallon air compressor", ["20 gallon"]),
        ("pressure tank for well pump 20 gallon", ["20 gallon"]),
        ("water filter bottle 20 oz", ["20 oz"]),
        # a size right after "for" / "fits" / "up to" is none at all, as before
        ("filter for 55 gallon tank", []),
        ("heater for 20 gallon fish tank", []),
        ("aquarium filter up to 55 gallon", []),
    ],
)
def test_a_containers_own_capacity_stays_a_size(text, sizes):
    from fusion.patterns import size_hints

    assert _sizes(text) == sizes
    assert size_hints(text) == [] or not sizes


def test_a_served_containers_capacity_is_an_up_boost(kg):
    res = expand(kg, [], query="air pump for aquarium 40 gallon")
    assert res.filters.size == ()
    assert _boosts(res) == [("size:40 gallon", "UP")]


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        # metres read as feet and inches are ("6 ft hdmi cable": "6 ft")
        ("2m hdmi cable", ["2m"]),  # was []
        ("1.5 m usb cable", ["1.5 m"]),  # was []
        ("3 metre extension lead", ["3 metre"]),  # was []
        ("5 meter hdmi cable", ["5 meter"]),
        ("10 mtr wire", ["10 mtr"]),
        ("10 m hdmi", ["10 m"]),
        ("1 m floor cushion", ["1 m"]),  # (39 inches: a cushion's length, no thickness)
        ("toslink mini 0.75m", ["0.75m"]),
        ("10m waterproof led strip lights", ["10m"]),
        ("3m hdmi cable", ["3m"]),
        ("15m tape measure", ["15m"]),
        ("2 x 3 m rug", []),  # a dimension pair, as "2 x 3 ft"
        ("cable under 3 m", []),  # a bound
        ("6 ft hdmi cable", ["6 ft"]),
        ("27 cm pan", ["27 cm"]),
        # millimetres and centimetres beside a watch or a baby are no metres
        ("apple watch 3 case 42mm", ["42mm"]),
        ("27 cm baby pan", ["27 cm"]),
    ],
)
def test_metres_are_a_size_as_feet_are(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    "text",
    [
        # an "m" in a model's name
        "m2 ssd", "m.2 ssd", "samsung m.2", "2 m.2 ssd", "bmw m3", "milwaukee m18", "m10 bolt",
        # a glued "3m" (a brand), a needle or a model where nothing sold by length is named
        "3m tape", "3m command strips", "3m particulate filters", "tattoo disposable tubes 11m",
        "clc custom leathercraft 125m handyman flex grip work",
        # a width, a medium or a month of clothing, shoes and babies
        "size 10 m", "shoes 9 m", "nike running shoes 10.5 m", "12m baby", "onesie 6 m",
        "women's 8 m",
        # a depth a watch is water resistant to, a wireless range
        "dive watch 200m", "50 meter water resistant watch", "wifi range 100 m",
        # speeds and areas
        "10 m/s", "20 m2 tent",
    ],
)
def test_an_m_that_is_no_metre_gives_no_size(text):
    assert _sizes(text) == []


# --- a bed size's "size", audio plug sizes, two parts of one dimension (rv-home, rv-hardware) --


@pytest.mark.parametrize(("text", "sizes"), [
    # the letter after a bed size's "size" begins the next word: the bed size only
    ("queen size m", []),  # was ["M"]
    ("full size m", []),  # was ["M"]
    ("boys queen size s", []),  # was ["S"]
    ("electric blanket twin size s", ["Twin"]),  # was ["Twin", "S"]
    ("king size bed s", ["King"]),
    # a size's own "size" keeps its letter
    ("kurti size m", ["M"]),
    ("plus size 3xl", ["3XL"]),
    ("jacket size l", ["L"]),
])
def test_a_letter_after_a_bed_sizes_size_is_no_size(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(("text", "sizes", "hints"), [
    # an audio plug's size is what the product connects to: a hint, no filter
    ("usb c to 3.5mm adapter", [], ["3.5mm"]),  # was ["3.5mm"]
    ("3.5mm microphone", [], ["3.5mm"]),
    ("bluetooth transmitter 3.5mm", [], ["3.5mm"]),
    ("3.5mm to rca", [], ["3.5mm"]),
    ("3.5 mm thin cable 1.5 feet", ["1.5 feet"], ["3.5 mm"]),  # the cable's length stays
    ("2.5mm headset", [], ["2.5mm"]),
    ("1/4 inch headphone jack", [], ["1/4 inch"]),
    # the product's own millimetres and quarter inches stay
    ("3.5mm crochet hook", ["3.5mm"], []),
    ("1/4 inch drill bit", ["1/4 inch"], []),
    ("1/4 inch air hose adapter", ["1/4 inch"], []),
])
def test_an_audio_plug_size_is_a_hint(text, sizes, hints):
    from fusion.patterns import size_hints

    assert _sizes(text) == sizes
    assert [s.value for s in size_hints(text)] == hints


@pytest.mark.parametrize(("text", "sizes", "hints"), [
    # two sizes of one dimension that are no alternatives measure two parts: hints
    ("laptop 16gb ram 512gb ssd", [], ["16gb", "512gb"]),  # was both a filter (16gb OR 512gb)
    ("15.6 inch laptop 1tb 16gb", ["15.6 inch"], ["1tb", "16gb"]),
    ("8gb+128gb", [], ["8gb", "128gb"]),
    # alternatives stay, storage units being one dimension
    ("ssd 500gb or 1tb", ["500gb", "1tb"], []),
    ("phone 64 or 128gb", ["64gb", "128gb"], []),
    ("iphone 64gb / 128gb", ["64gb", "128gb"], []),
    ("tv 55 inch, 65 inch", ["55 inch", "65 inch"], []),
    ("55 or 65 inch tv", ["55 inch", "65 inch"], []),
    # one size of each dimension stays
    ("lg 55 inch tv 2tb", ["55 inch", "2tb"], []),
])
def test_two_parts_of_one_dimension_are_hints(text, sizes, hints):
    from fusion.patterns import size_hints

    assert _sizes(text) == sizes
    assert [s.value for s in size_hints(text)] == hints


@pytest.mark.parametrize(("text", "sizes", "hints"), [
    # only storage sizes are two parts (memory and storage), far apart or beside a memory word
    ("laptop 16gb ram 512gb ssd", [], ["16gb", "512gb"]),
    ("macbook pro 16gb 512gb", [], ["16gb", "512gb"]),
    ("samsung s21 8gb 128gb", [], ["8gb", "128gb"]),
    ("chromebook 4gb 64gb", [], ["4gb", "64gb"]),
    ("chromebook 4gb 32gb", [], ["4gb", "32gb"]),  # 8 times apart: memory and storage
    ("laptop 16gb 128gb", [], ["16gb", "128gb"]),
    ("redmi note 6gb 64gb", [], ["6gb", "64gb"]),
    ("laptop 8gb ram 32gb emmc", [], ["8gb", "32gb"]),
    ("6gb/128gb", [], ["6gb", "128gb"]),
    # a choice of storage or of memory: alternatives, each a filter
    ("iphone 64gb 256gb", ["64gb", "256gb"], []),
    ("ssd 256gb 1tb", ["256gb", "1tb"], []),
    ("ram 16gb 32gb", ["16gb", "32gb"], []),
    ("iphone 32gb 256gb", ["32gb", "256gb"], []),
    ("tablet 8gb 32gb", ["8gb", "32gb"], []),
    ("sd card 32gb 128gb", ["32gb", "128gb"], []),
    ("ssd 128gb 1tb", ["128gb", "1tb"], []),  # storage media: one capacity or another
    ("flash drive 8gb 64gb", ["8gb", "64gb"], []),
    ("iphone 64gb/256gb", ["64gb", "256gb"], []),  # the size after a slash is read too
    # two sizes of another unit are alternatives: a screen has one size
    ("55 inch and 65 inch tv", ["55 inch", "65 inch"], []),
    ("4mm and 6mm drill bit", ["4mm", "6mm"], []),
    ("1/2 inch pipe", ["1/2 inch"], []),  # a fraction's slash stays one number
])
def test_only_storage_sizes_far_apart_are_two_parts(text, sizes, hints):
    from fusion.patterns import size_hints

    assert _sizes(text) == sizes
    assert [s.value for s in size_hints(text)] == hints


@pytest.mark.parametrize(("text", "sizes", "hints"), [
    # "plug" alone names no audio: a wall anchor's size
    ("3.5mm wall plug", ["3.5mm"], []),
    # 2.5 mm needs an audio word: a wire's gauge otherwise
    ("2.5mm electrical cable", ["2.5mm"], []),
    ("12.5mm cable", ["12.5mm"], []),
    ("2.5mm headset", [], ["2.5mm"]),
    ("2.5mm jack", [], ["2.5mm"]),
    ("3.5mm male plug", [], ["3.5mm"]),
    ("usb c to 3.5mm adapter", [], ["3.5mm"]),
])
def test_an_audio_plug_size_needs_an_audio_or_connector_word(text, sizes, hints):
    from fusion.patterns import size_hints

    assert _sizes(text) == sizes
    assert [s.value for s in size_hints(text)] == hints


@pytest.mark.parametrize(("text", "sizes", "hints"), [
    # a liner is sold by the capacity of the can it lines: its own size
    ("13 gallon trash can liners", ["13 gallon"], []),
    ("55 gallon drum liners", ["55 gallon"], []),
    ("5 gallon bucket liner", ["5 gallon"], []),
    # what serves a container still fits it
    ("5 gallon bucket lid", [], ["5 gallon"]),
    ("air pump for aquarium 40 gallon", [], ["40 gallon"]),
])
def test_a_liner_keeps_its_gallons(text, sizes, hints):
    from fusion.patterns import size_hints

    assert _sizes(text) == sizes
    assert [s.value for s in size_hints(text)] == hints


@pytest.mark.parametrize(("text", "sizes"), [
    # a watch or a range elsewhere in the query: the metres are a cable's length
    ("apple watch charger cable 2m", ["2m"]),
    ("10m hdmi cable long range", ["10m"]),
    ("range extender 10m cable", ["10m"]),
    # beside the number, or a depth word anywhere: no length
    ("dive watch 200m", []),
    ("200m watch", []),
    ("bluetooth speaker range 30 m", []),
    ("wifi range of 100 m", []),
    ("water resistant to 100 meters", []),
    ("smart watch 50m water resistant", []),
])
def test_a_depth_or_range_is_read_beside_the_metres(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(("text", "sizes"), [
    ("wifi range extender 100m", []),  # a wireless range, not a length
    ("outdoor wifi range extender 500m", []),
    ("range extender 10m cable", ["10m"]),  # a cable's length
    ("10m hdmi cable long range", ["10m"]),
])
def test_a_range_anywhere_in_a_query_naming_no_cable_is_no_metres(text, sizes):
    assert _sizes(text) == sizes
