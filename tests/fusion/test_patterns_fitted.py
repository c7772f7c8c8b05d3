"""Sizes of the device an accessory is for (:mod:`fusion.patterns`), from the review of
product-name and model-number queries (findings 5 and 6): each case below was a hard size
filter on the old patterns.

5. a screen size that ends a "Plus" model's phrase after "for" ("case for iphone 8 plus 5.5
   inch") was the product's size: "plus" ended the device's phrase as if it joined a second
   product;
6. a device's storage capacity in a query for an accessory of it ("case for iphone 7 plus
   128gb", "iphone 7 plus 128gb case") was the accessory's size: no case has one.

The query is read NFKC-normalised, as the pipeline reads it.
"""

from __future__ import annotations

import unicodedata

import pytest

from fusion.expand import expand
from fusion.patterns import parse_sizes


def _sizes(text: str) -> list[str]:
    return parse_sizes(unicodedata.normalize("NFKC", text))


# --- finding 5: a "Plus" model's screen size after "for" is no size ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the reviewer's queries
        "case for iphone 8 plus 5.5 inch",
        "screen protector for iphone 8 plus 5.5 inch",
        'case for iphone 8 plus 5.5"',
        # other "Plus" models, spelt out or with a "+"
        "case for iphone 6s plus 5.5 inch",
        "cover for galaxy s6 edge plus 5.7 inch",
        "case for galaxy note 10+ 6.8 inch",
        "screen protector for galaxy s8+ 6.2”",
        "case for iphone 8 + 5.5 inch",
    ],
)
def test_a_plus_models_screen_size_is_no_size(text):
    assert _sizes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "plus" after the device word joins a second product, whose size it is
        ("mount for tv plus 55 inch soundbar", ["55 inch"]),
        ("tv plus 55 inch soundbar", ["55 inch"]),
        ("mount for galaxy note 10+ plus 55 inch soundbar", ["55 inch"]),  # "+" names the model
        ("mount for laptop 65w plus 55 inch soundbar", ["55 inch"]),  # a spec, no model
        ("iphone 8 plus 5.5 inch case", ["5.5 inch"]),  # not after "for": the size it fits
        ("case for iphone 8 plus 64gb", []),  # (a storage size: finding 6)
    ],
)
def test_plus_that_names_no_model(text, expected):
    assert _sizes(text) == expected


# --- finding 6: a device's storage capacity in an accessory query is no size ---------------------


@pytest.mark.parametrize(
    "text",
    [
        # the reviewer's queries
        "case for iphone 7 plus 128gb",
        "iphone 7 plus 128gb case",
        "galaxy s8+ 64gb case",
        # other accessories, both word orders, a brand or a few words between
        "screen protector for iphone 7 plus 128gb",
        "iphone 7 plus 128gb screen protector",
        "charger for galaxy s8 64gb",
        "tempered glass compatible with apple iphone 7 plus 128 gb",
        "otterbox case for apple iphone 7 256gb",
        "iphone 7 128gb rose gold wallet",
        "ipad pro 12.9 256gb keyboard",
        "galaxy note 10+ 256gb holster",
    ],
)
def test_a_devices_storage_in_an_accessory_query_is_no_size(text):
    assert _sizes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sd card for switch 256gb", ["256gb"]),  # the card is 256gb
        ("memory card for galaxy s8 128gb", ["128gb"]),
        ("usb for iphone 128gb", ["128gb"]),  # a flash drive
        ("iphone 128gb usb flash drive", ["128gb"]),
        ("iphone 7 plus 128gb", ["128gb"]),  # the phone is the product
        ("galaxy s8 64gb", ["64gb"]),
        ("128gb usb drive", ["128gb"]),
        ("ipad 64gb with keyboard case", ["64gb"]),  # a bundle: the ipad is the product
        ("16gb ram for macbook pro", ["16gb"]),
        ("case for iphone 7 plus 5 ft", ["5 ft"]),  # no storage nor screen size
    ],
)
def test_storage_sizes_of_the_product_itself_are_kept(text, expected):
    assert _sizes(text) == expected


# --- the hard filter a search engine gets -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["case for iphone 8 plus 5.5 inch", "case for iphone 7 plus 128gb", "iphone 7 plus 128gb case",
     "galaxy s8+ 64gb case"],
)
def test_no_size_filter(kg, query):
    assert expand(kg, [], query=query).filters.size == ()


def test_the_devices_own_storage_is_still_a_filter(kg):
    assert expand(kg, [], query="iphone 7 plus 128gb").filters.size == ("128gb",)
    assert expand(kg, [], query="sd card for switch 256gb").filters.size == ("256gb",)
