"""The trusted intent's department and the things another catalogue names whole
(:func:`fusion.expand.departments._unknown_to`, :func:`_named_whole_elsewhere`): QueryNER train
(another shop's queries, 2026-12-06) kept hard Appliances and Cameras & Camcorders filters for
"white beans", "daily bread", "suave conditioner", "sling backpack", where the department knows
the word only in the names of other things (Coffee Beans, Bread Machines, Air Conditioners,
Camera Backpacks) and Google's or Flipkart's tree names the thing itself whole."""

from __future__ import annotations

import pytest

from fusion.expand import Thresholds, expand
from kg import ProductGraph

from .catalog_kg import cat_iri, catalog_kg, category_link, category_records, intent_at

STORE = {
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "cte": ("Coffee, Tea & Espresso", "Appliances > Small Kitchen Appliances > Coffee, Tea & "
            "Espresso", "ska"),
    "cmakers": ("Coffee Makers", "Appliances > Small Kitchen Appliances > Coffee, Tea & "
                "Espresso > Coffee Makers", "cte"),
    "multicup": ("Multi-Cup Coffee Makers", "Appliances > Small Kitchen Appliances > Coffee, "
                 "Tea & Espresso > Coffee Makers > Multi-Cup Coffee Makers", "cmakers"),
    "beans": ("Coffee Beans", "Appliances > Small Kitchen Appliances > Coffee, Tea & Espresso > "
              "Coffee Beans", "cte"),
    "pods": ("Coffee Pods & Beans", "Appliances > Small Kitchen Appliances > Coffee, Tea & "
             "Espresso > Coffee Pods & Beans", "cte"),
    "kettles": ("Tea Kettles", "Appliances > Small Kitchen Appliances > Tea Kettles", "ska"),
    "etk": ("Electric Tea Kettles", "Appliances > Small Kitchen Appliances > Tea Kettles > "
            "Electric Tea Kettles", "kettles"),
    "bread": ("Bread Machines", "Appliances > Small Kitchen Appliances > Bread Machines", "ska"),
    "popcorn": ("Popcorn Makers", "Appliances > Small Kitchen Appliances > Popcorn Makers", "ska"),
    "hca": ("Heating, Cooling & Air Quality", "Appliances > Heating, Cooling & Air Quality",
            "app"),
    "ac": ("Air Conditioners", "Appliances > Heating, Cooling & Air Quality > Air Conditioners",
           "hca"),
    "wac": ("Window Air Conditioners", "Appliances > Heating, Cooling & Air Quality > Air "
            "Conditioners > Window Air Conditioners", "ac"),
    "parts": ("Appliance Parts", "Appliances > Appliance Parts", "app"),
    "rwf": ("Refrigerator Water Filters", "Appliances > Appliance Parts > Refrigerator Water "
            "Filters", "parts"),
    "vf": ("Vacuum Filters", "Appliances > Appliance Parts > Vacuum Filters", "parts"),
}
GOOGLE = {
    "fbt": ("Food, Beverages & Tobacco", "Food, Beverages & Tobacco", None),
    "food": ("Food Items", "Food, Beverages & Tobacco > Food Items", "fbt"),
    "gbeans": ("Beans", "Food, Beverages & Tobacco > Food Items > Beans", "food"),
    "bakery": ("Bakery", "Food, Beverages & Tobacco > Food Items > Bakery", "food"),
    "breads": ("Breads & Buns", "Food, Beverages & Tobacco > Food Items > Bakery > Breads & Buns",
               "bakery"),
    "gpopcorn": ("Popcorn", "Food, Beverages & Tobacco > Food Items > Popcorn", "food"),
    "hw": ("Hardware", "Hardware", None),
    "filters": ("Filters & Screens", "Hardware > Filters & Screens", "hw"),
    "hg": ("Home & Garden", "Home & Garden", None),
    "ka": ("Kitchen Appliances", "Home & Garden > Kitchen Appliances", "hg"),
    "gcm": ("Coffee Makers", "Home & Garden > Kitchen Appliances > Coffee Makers", "ka"),
    "tableware": ("Tableware", "Home & Garden > Tableware", "hg"),
    "cups": ("Coffee & Tea Cups", "Home & Garden > Tableware > Coffee & Tea Cups", "tableware"),
    "ekettles": ("Electric Kettles", "Home & Garden > Kitchen Appliances > Electric Kettles",
                 "ka"),
}
FLIPKART = {
    "bpc": ("beauty and personal care", "beauty and personal care", None),
    "hair": ("hair care", "beauty and personal care > hair care", "bpc"),
    "cond": ("conditioners", "beauty and personal care > hair care > conditioners", "hair"),
}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return catalog_kg([*category_records(STORE), *category_records(GOOGLE, "google"),
                       *category_records(FLIPKART, "flipkart")])


def _filters(kg, query, links=()):
    """The category filters at a sure Appliances intent (0.83: over the hard filter's
    threshold)."""
    res = expand(kg, list(links), intent_at("Appliances > Small Kitchen Appliances", 0.77, 0.83),
                 query=query, departments=("Appliances",),
                 thresholds=Thresholds.defaults_for(0.3), outside=False)
    return res.filters.category


def test_a_thing_another_catalogue_names_whole_and_the_department_does_not_is_no_filter(kg):
    # Appliances knows "bean" and "bread" in the names of other things only (Coffee Beans,
    # Coffee Pods & Beans: coffee beans; Bread Machines: machines), and Google's Beans and
    # Breads & Buns name them whole: the department is a suggestion
    assert _filters(kg, "white beans") == ()
    assert _filters(kg, "daily bread") == ()
    # linked: Flipkart's conditioners (hair care), where Appliances' Air Conditioners are
    # all air conditioners
    link = category_link(cat_iri("cond", "flipkart"), "conditioner")
    assert _filters(kg, "suave conditioner", [link]) == ()


def test_a_thing_the_department_names_whole_keeps_it(kg):
    # Coffee Beans, Air Conditioners named whole by the query's words ("coffee" is a colour's
    # name too)
    assert _filters(kg, "organic coffee beans") == ("Appliances",)
    # another catalogue's thing is named by content words only: "decaf coffee k cups" names
    # no Google's Coffee & Tea Cups (Appliances holds cups in Multi-Cup Coffee Makers only)
    assert _filters(kg, "decaf coffee k cups") == ("Appliances",)
    link = category_link(cat_iri("wac"), "window air conditioner")
    assert _filters(kg, "window air conditioner", [link]) == ("Appliances",)


def test_kinds_of_nothing_in_common_say_the_department_sells_the_word_at_large(kg):
    # "filter": Refrigerator Water Filters and Vacuum Filters share no word; Google's Filters &
    # Screens (Hardware) says nothing of the query's filter
    assert _filters(kg, "whirlpool refrigerstor filter") == ("Appliances",)


def _whole_elsewhere(kg, query, head):
    """:func:`_named_whole_elsewhere` at Appliances, the label space of that department."""
    from fusion.context import TaxonomyAlignment
    from fusion.expand.departments import (
        _content_words,
        _label_trees,
        _named_whole_elsewhere,
        _words,
    )
    from fusion.expand.kgview import _KG
    from fusion.hetero import as_networkx

    view, labels = _KG(as_networkx(kg), kg), TaxonomyAlignment((), ("Appliances",))
    dept = lambda c: labels.department(view.path(c))  # noqa: E731
    every = frozenset().union(*(_words(w) for w in query.split()))
    return _named_whole_elsewhere(view, _content_words(query.split()), "Appliances", dept, (),
                                  _label_trees(view, labels, dept), head=_words(head),
                                  every=every)


def test_a_thing_filed_beside_the_departments_things_is_the_departments_kind(kg):
    # Google's Electric Kettles lie under Kitchen Appliances beside its Coffee Makers, which
    # Appliances holds: a kind of its things, though its own kettles are all tea kettles
    assert _whole_elsewhere(kg, "electric kettle", "kettle") == frozenset()
    assert _filters(kg, "electric kettle") == ("Appliances",)
    alone = catalog_kg([*category_records(STORE),
                        *category_records({k: v for k, v in GOOGLE.items() if k != "gcm"},
                                          "google")])
    assert _whole_elsewhere(alone, "electric kettle", "kettle") == {"kettle"}
    # Google's Beans name beans whole; Coffee Beans, Coffee Pods & Beans are coffee beans
    assert _whole_elsewhere(kg, "white beans", "beans") == {"bean"}
    assert _whole_elsewhere(kg, "coffee beans", "beans") == frozenset()


def test_a_word_before_the_head_is_judged_by_a_link_only(kg):
    # "popcorn" of "popcorn popper" says what the popper is for, as Popcorn Makers does;
    # Google's Popcorn (food) names no popper
    assert _filters(kg, "popcorn popper") == ("Appliances",)


# -- a word the department heads as one kind, and another catalogue, beside its things, as others

POTS_STORE = {**STORE, "slow": ("Slow Cookers, Crock Pots & Roaster Ovens", "Appliances > Small "
                                "Kitchen Appliances > Slow Cookers, Crock Pots & Roaster Ovens",
                                "ska")}
POTS_GOOGLE = {**GOOGLE,
               "lg": ("Lawn & Garden", "Home & Garden > Lawn & Garden", "hg"),
               "planters": ("Pots & Planters", "Home & Garden > Lawn & Garden > Pots & Planters",
                            "lg"),
               "fondue": ("Fondue Pots & Sets", "Home & Garden > Kitchen Appliances > Fondue Pots "
                          "& Sets", "ka"),
               "espresso": ("Electric & Stovetop Espresso Pots", "Home & Garden > Kitchen "
                            "Appliances > Electric & Stovetop Espresso Pots", "ka")}


def test_a_word_another_catalogue_heads_beside_the_departments_things_keeps_it():
    """Old: "instant pot" lost its Appliances filter: Appliances heads "pot" only by Crock Pots
    (one kind, "crock" unsaid) and Google's Pots & Planters (gardening) names a pot whole. But
    Google files Fondue Pots and Espresso Pots under its Kitchen Appliances, beside the
    department's Coffee Makers: pots of other kinds, the department's kind of things (Best
    Buy sells pressure cookers, "instant pot", under Appliances)."""
    kg = catalog_kg([*category_records(POTS_STORE), *category_records(POTS_GOOGLE, "google"),
                     *category_records(FLIPKART, "flipkart")])
    assert _whole_elsewhere(kg, "instant pot", "pot") == frozenset()
    assert _filters(kg, "instant pot") == ("Appliances",)
    # (Google's garden pots alone beside Crock Pots: a pot of another kind)
    alone = catalog_kg([*category_records(POTS_STORE), *category_records(
        {k: v for k, v in POTS_GOOGLE.items() if k not in ("fondue", "espresso")}, "google")])
    assert _whole_elsewhere(alone, "instant pot", "pot") == {"pot"}
    assert _filters(alone, "instant pot") == ()
    # (the beans, bread and conditioners are unchanged)
    assert _filters(kg, "white beans") == () and _filters(kg, "daily bread") == ()
