"""A mention after "with" is a feature of the product searched, a peripheral too ("record player
with speakers", "drum set with headphones", "ps4 with controller"): no category filter, and no
department kept by it; and a product linked or named in another department than the intent's
("keyboard stand": Google's Musical Keyboard Stands, Musical Instruments; "piano keyboard
stand", "keyboard piano with stand") gets no department filter from a namesake that names
another product ("stand": Computers & Tablets' iPad Stands & Mounts)."""

from __future__ import annotations

import pytest

from fusion.expand import expand

from .catalog_kg import cat_iri, catalog_kg, category_link, category_records, intent_at

DEPTS = ("Audio", "Computers & Tablets", "Musical Instruments", "Video Games",
         "TV & Home Theater", "Car Electronics & GPS", "Wearable Technology")

CATS = {  # the store's tree (key: (label, path, parent key))
    "audio": ("Audio", "Audio", None),
    "home": ("Home Audio", "Audio > Home Audio", "audio"),
    "speakers": ("Speakers", "Audio > Home Audio > Speakers", "home"),
    "subs": ("Subwoofer Speakers", "Audio > Home Audio > Speakers > Subwoofer Speakers",
             "speakers"),
    "turntables": ("Turntables & Record Players",
                   "Audio > Home Audio > Turntables & Record Players", "home"),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "mk": ("Mice & Keyboards", "Computers & Tablets > Mice & Keyboards", "comp"),
    "mice": ("Mice", "Computers & Tablets > Mice & Keyboards > Mice", "mk"),
    "ckb": ("Computer Keyboards", "Computers & Tablets > Mice & Keyboards > Computer Keyboards",
            "mk"),
    "ipadacc": ("iPad Accessories", "Computers & Tablets > iPad Accessories", "comp"),
    "ipadstands": ("iPad Stands & Mounts",
                   "Computers & Tablets > iPad Accessories > iPad Stands & Mounts", "ipadacc"),
    "mi": ("Musical Instruments", "Musical Instruments", None),
    "kb": ("Keyboards", "Musical Instruments > Keyboards", "mi"),
    "pianos": ("Digital Pianos", "Musical Instruments > Keyboards > Digital Pianos", "kb"),
    "drums": ("Drums", "Musical Instruments > Drums", "mi"),
    "drumsets": ("Acoustic Drums & Sets", "Musical Instruments > Drums > Acoustic Drums & Sets",
                 "drums"),
    "live": ("Live Sound Speakers", "Musical Instruments > Live Sound Speakers", "mi"),
    "livesubs": ("Live Sound Subwoofers",
                 "Musical Instruments > Live Sound Speakers > Live Sound Subwoofers", "live"),
    "car": ("Car Electronics & GPS", "Car Electronics & GPS", None),
    "carsubs": ("Car Subwoofers", "Car Electronics & GPS > Car Subwoofers", "car"),
    "vg": ("Video Games", "Video Games", None),
    "ps4": ("PlayStation 4", "Video Games > PlayStation 4", "vg"),
    "ps4acc": ("PS4 Accessories", "Video Games > PlayStation 4 > PS4 Accessories", "ps4"),
    "ps4ctl": ("PS4 Controllers",
               "Video Games > PlayStation 4 > PS4 Accessories > PS4 Controllers", "ps4acc"),
    "gheadsets": ("Gaming Headsets", "Video Games > Gaming Headsets", "vg"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "vr": ("Virtual Reality Headsets", "Wearable Technology > Virtual Reality Headsets",
           "wear"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
}
_AE = "Arts & Entertainment > Hobbies & Creative Arts"
_ACC = f"{_AE} > Musical Instrument & Orchestra Accessories"
GOOGLE = {  # another catalogue: the label space places its Musical Instruments and Audio only
    "ae": ("Arts & Entertainment", "Arts & Entertainment", None),
    "hca": ("Hobbies & Creative Arts", _AE, "ae"),
    "gmi": ("Musical Instruments", f"{_AE} > Musical Instruments", "hca"),
    "gpianos": ("Pianos", f"{_AE} > Musical Instruments > Pianos", "gmi"),
    "acc": ("Musical Instrument & Orchestra Accessories", _ACC, "hca"),
    "mka": ("Musical Keyboard Accessories", f"{_ACC} > Musical Keyboard Accessories", "acc"),
    "mks": ("Musical Keyboard Stands",
            f"{_ACC} > Musical Keyboard Accessories > Musical Keyboard Stands", "mka"),
    "musicstands": ("Music Stands", f"{_ACC} > Music Stands", "acc"),
    "el": ("Electronics", "Electronics", None),
    "gaudio": ("Audio", "Electronics > Audio", "el"),
    "video": ("Video", "Electronics > Video", "el"),
    "televisions": ("Televisions", "Electronics > Video > Televisions", "video"),
}


@pytest.fixture(scope="module")
def kg():
    return catalog_kg(category_records(CATS) + category_records(GOOGLE, "google"))


def cat(key: str, mention: str, label: str = "core_product_type"):
    return category_link(cat_iri(key), mention, label)


def gcat(key: str, mention: str, label: str = "core_product_type"):
    return category_link(cat_iri(key, "google"), mention, label)


def _expand(kg, linked, query, intent_path, score=0.8, dept_score=0.97):
    return expand(kg, linked, intent_at(intent_path, score, dept_score), query=query,
                  departments=DEPTS)


def _a_suggestion_only(res, dept: str) -> bool:
    return res.filters.category == () and (dept, "intent-department") in {
        (s.category, s.source) for s in res.suggestions}


# --- a peripheral after "with" -----------------------------------------------------------------

@pytest.mark.parametrize(("query", "linked", "intent_path", "want"), [
    # the product searched links: it is the filter, not the speakers it comes with
    ("record player with speakers",
     [cat("turntables", "record player"), cat("speakers", "with speakers", "modifier")],
     "Audio > Home Audio", ("Audio > Home Audio > Turntables & Record Players",)),
    # the product searched links nothing: the department
    ("turntable with speakers", [cat("speakers", "with speakers", "modifier")],
     "Audio > Home Audio", ("Audio",)),
    ("ps4 with controller", [cat("ps4ctl", "with controller", "modifier")],
     "Video Games > PlayStation 4", ("Video Games",)),
])
def test_a_peripheral_after_with_is_no_category_filter(kg, query, linked, intent_path, want):
    """'record player with speakers', 'turntable with speakers' filtered on Speakers, 'ps4 with
    controller' on PS4 Controllers: the peripheral the product comes with was read as the
    product searched (7 of 39 "X with <peripheral>" queries of a media store)."""
    res = _expand(kg, linked, query, intent_path)
    assert res.filters.category == want, query


@pytest.mark.parametrize(("query", "linked", "intent_path"), [
    ("drum set with headphones",
     [cat("drumsets", "drum set"), cat("headphones", "with headphones", "modifier")],
     "Audio > Headphones"),
    ("digital piano with headphones",
     [cat("pianos", "digital piano"), cat("headphones", "with headphones", "modifier")],
     "Audio > Headphones"),
])
def test_a_peripheral_after_with_keeps_no_department_of_its_own(kg, query, linked, intent_path):
    """'drum set with headphones' filtered on Headphones (then, with the feature read, on
    Audio): the intent followed the peripheral, the product searched lies in Musical
    Instruments, and a feature in the department does not keep it."""
    assert _a_suggestion_only(_expand(kg, linked, query, intent_path), "Audio"), query


def test_a_product_with_an_accessory_keeps_its_filter(kg):
    res = _expand(kg, [cat("laptops", "laptop"), cat("mice", "with mouse", "modifier")],
                  "laptop with mouse", "Computers & Tablets > Laptops")
    assert res.filters.category == ("Computers & Tablets > Laptops",)


# --- a product of another department than the intent's --------------------------------------

@pytest.mark.parametrize(("query", "linked"), [
    ("keyboard stand", [gcat("mks", "keyboard stand")]),
    ("music stand for keyboard", [gcat("musicstands", "music stand")]),
])
def test_a_compound_linked_in_another_department_is_no_department_filter(kg, query, linked):
    """'keyboard stand' links Google's Musical Keyboard Stands, a branch the label space places
    in Musical Instruments, yet filtered on Computers & Tablets: the category's catalogue
    overlaps the store's, and the department's iPad Stands & Mounts were taken for a
    namesake of any stand. A namesake names the compound: a keyboard stand."""
    res = _expand(kg, linked, query, "Computers & Tablets > iPad Accessories")
    assert _a_suggestion_only(res, "Computers & Tablets"), query


@pytest.mark.parametrize("query", ["piano keyboard stand", "keyboard piano with stand"])
def test_a_product_named_in_another_department_is_no_department_filter(kg, query):
    """Linking nothing, 'piano keyboard stand' and 'keyboard piano with stand' filtered on
    Computers & Tablets: "keyboard" names Computer Keyboards, but also Musical Instruments'
    Keyboards, and the product searched, a keyboard stand or a piano (before "with"), is
    Musical Instruments'."""
    res = _expand(kg, [], query, "Computers & Tablets > Mice & Keyboards")
    assert _a_suggestion_only(res, "Computers & Tablets"), query


@pytest.mark.parametrize(("query", "linked", "intent_path", "want"), [
    # a namesake in the department: the intent picks
    ("keyboards", [cat("kb", "keyboards")], "Computers & Tablets > Mice & Keyboards",
     "Computers & Tablets"),
    # a category of a catalogue's top level the label space places little of: nothing says
    # it lies elsewhere
    ("television", [gcat("televisions", "television")], "TV & Home Theater > TVs",
     "TV & Home Theater"),
    # a category of a department of the store's own is judged by its head: Gaming Headsets
    # are the namesake of Wearable Technology's Virtual Reality Headsets
    ("virtual reality headset", [cat("vr", "virtual reality headset")],
     "Video Games > PC Gaming", "Video Games"),
    # nothing linked; the department holds the product's word (Subwoofer Speakers)
    ("speakers subwoofer", [], "Audio > Home Audio", "Audio"),
    ("wireless keyboard", [], "Computers & Tablets > Mice & Keyboards", "Computers & Tablets"),
])
def test_the_department_filter_stays_where_the_department_names_the_product(
        kg, query, linked, intent_path, want):
    assert _expand(kg, linked, query, intent_path).filters.category == (want,), query
