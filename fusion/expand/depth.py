"""The depth of a linked category's hard filter, chosen from the products the KG holds.

A linked leaf category is a hard filter only where the store files the products it names
there. The Best Buy cell-phone catalogue (the default KG's ``product`` nodes, each with an
``in_category`` edge) files 517 of its iPhone cases in ``iPhone Cases & Clips`` itself and 15
in ``iPhone Cases & Clips > iPhone 6 Cases``; its iPhone SE phones under ``All Cell Phones
with Plans``, not ``iPhone > iPhone SE``; and nothing at all in ``iPhone > iPhone 6s``. A
filter on the linked leaf would drop most of what "iphone 6 cases" or "iphone se" searches, or
everything ("iphone 6s").

:func:`filter_depth` climbs the linked category's path to the nearest category that holds
what the query searches, by the KG's products: the products of the department named as the
linked category is (every content word of its name in the product's name, plurals folded:
:func:`fusion.expand.words._words`) are those searched, and the filter climbs while its
subtree holds less than ``share`` (:attr:`ExpansionConfig.filter_min_share`) of them; a
subtree that holds no product at all climbs too (a filter that matches nothing), and so does
one beside which another category, outside it, holds more of them than it does, by
:data:`MIN_NAMED` at least (the store files them there: "screen protector for iphone 7" links
iPhone Screen Protectors, which holds 18 of the 54 products named so, the generic Screen
Protectors 30). Climbing to the department makes the department the filter. The linked
category is then an UP boost ``category:<its path>`` (source ``link:<iri> (below the
filter)``), so its products still rank first.

Where the KG holds no product under the department (most departments of the default KG:
products exist only for Cell Phones and the Flipkart sample), or too few named as the linked
category to judge (fewer than :data:`MIN_NAMED`) beside a subtree that holds some, the filter
is today's: the linked category. The counts are cached per KG version (:func:`_cached`: the
graph view, with its caches, is rebuilt when the KG changes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import pairwise

from fusion.expand.accessories import _path_up
from fusion.expand.kgview import _KG, _cached, _kg_wide
from fusion.expand.types import Boost
from fusion.expand.walk import _of_accessories
from fusion.expand.words import _words

#: fewest products of the department named as the linked category for their share to decide
MIN_NAMED = 5
#: share of the products named as a linked accessory category that one category elsewhere
#: must hold to be the filter in its stead (:func:`relocated`)
RELOCATE_SHARE = 0.8


@_kg_wide
def _products(kg: _KG) -> tuple[dict[str, list[int]], list[frozenset[str]],
                                 list[frozenset[str]]]:
    """Per category, the indices of the KG's products in its subtree (along each product's
    category's path), per product index its name's content words, and per product index the
    categories it lies under; cached per KG version."""

    def build() -> tuple[dict[str, list[int]], list[frozenset[str]], list[frozenset[str]]]:
        under: dict[str, list[int]] = {}
        names: list[frozenset[str]] = []
        placed: list[frozenset[str]] = []
        chains: dict[str, list[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") != "product":
                continue
            cats = [c for c in kg.out(n, "in_category") if kg.kind(c) == "category"]
            if not cats:
                continue
            i = len(names)
            names.append(_words(str(attrs.get("label") or "")))
            seen: set[str] = set()
            for c in cats:
                chain = chains.get(c)
                if chain is None:
                    chain = chains[c] = _path_up(kg, c)
                seen.update(chain)
            for c in seen:
                under.setdefault(c, []).append(i)
            placed.append(frozenset(seen))
        return under, names, placed

    return _cached(kg, "_kgqp_filter_depth", ("products",), build)


def _named(kg: _KG, iri: str) -> tuple[list[str], frozenset[int], Counter[str]]:
    """The category ``iri``'s path up (itself first), the KG products of its department
    named as it (every content word of its name in the product's name), and how many of
    them each category holds; cached per KG version."""

    def build() -> tuple[list[str], frozenset[int], Counter[str]]:
        under, names, placed = _products(kg)
        chain = _path_up(kg, iri)
        own = _words(kg.label(iri))
        named = frozenset(i for i in under.get(chain[-1], ()) if own and own <= names[i])
        return chain, named, Counter(c for i in named for c in placed[i])

    return _cached(kg, "_kgqp_filter_depth", ("named", iri), build)


def _climbed(kg: _KG, iri: str, share: float) -> str:
    """The category ``iri``'s filter climbs to (itself where it stays), cached per KG
    version and share."""

    def build() -> str:
        under = _products(kg)[0]
        chain, named, holds = _named(kg, iri)
        if not under.get(chain[-1]):  # (the KG holds no product under the department:
            return iri  #               today's filter)
        # how many of them each category holds: a category outside the filter's subtree
        # that holds more of them than the subtree is where the store files them
        # ("screen protector for iphone 7": 30 of 54 in the generic Screen Protectors, 18 in
        # iPhone Screen Protectors), so the filter climbs past it too; by MIN_NAMED more at
        # least, not by a product or two ("car chargers": 5 beside Car Chargers' 4 is no
        # evidence)
        pick = iri
        for k, (c, up) in enumerate(pairwise(chain)):
            held = under.get(c, ())
            if held and len(named) < MIN_NAMED:
                break
            here = len(named.intersection(held))
            rival = max((n for d, n in holds.items() if d not in chain[k:]
                         and c not in _path_up(kg, d)), default=0)
            if held and here >= share * len(named) and rival < here + MIN_NAMED:
                break
            pick = up
        return pick

    return _cached(kg, "_kgqp_filter_depth", ("climb", iri, share), build)


def filter_depth(kg: _KG, picked: tuple[str, str] | None, below: Callable[[str], bool],
                 share: float, boost: float) -> tuple[tuple[str, str] | None, Boost | None]:
    """The hard category filter ``picked`` (value, source ``link:<iri>``) at the depth the KG's
    products give it (module docstring), and the UP boost of the category it was read from
    where it climbed (else None). The filter climbs to a category ``below`` says is below the
    trusted department, else it is None: the department is the filter. A filter that is no
    link's, or whose category is no KG category, is returned as it is."""
    if picked is None or not picked[1].startswith("link:") or share <= 0:
        return picked, None  # (share 0: every linked filter stays where it is)
    value, source = picked
    iri = kg.category_by_path(value)
    if iri is None or kg.kind(iri) != "category":
        return picked, None
    up = _climbed(kg, iri, share)
    if up == iri:
        return picked, None
    lifted = Boost(f"category:{value}", boost, f"{source} (below the filter)")
    if not below(up):
        return None, lifted
    return (str(kg.path(up) or kg.label(up)), source), lifted


def relocated(kg: _KG, iri: str, below: Callable[[str], bool],
              agrees: Callable[[str], bool]) -> str | None:
    """Where the store files the products named as the linked accessory category ``iri`` (a
    category of accessories, :func:`fusion.expand.walk._of_accessories`) that is no filter
    because the intent does not agree with it: the deepest category holding
    :data:`RELOCATE_SHARE` of them that ``below`` says is below the trusted department and
    ``agrees`` says the intent agrees with, else None (the department stays the filter).
    "galaxy s6 screen protector" links Samsung Galaxy Screen Protectors (Cell Phones >
    Samsung Galaxy > Samsung Galaxy Accessories), which holds none of the 46 KG products
    named so; 45 sit in Cell Phone Accessories > Screen Protectors, under the intent's Cell
    Phone Accessories: that is the filter. Not for a device's category ("iphone 7" under an
    accessories intent: the department stays), nor where the KG holds too few products named
    so (:data:`MIN_NAMED`). Cached per KG version."""
    if not _of_accessories(kg, iri):
        return None

    def build() -> tuple[str, ...]:
        chain, named, holds = _named(kg, iri)
        if len(named) < MIN_NAMED:
            return ()
        return tuple(sorted((c for c, n in holds.items()
                             if n >= RELOCATE_SHARE * len(named) and c not in chain),
                            key=lambda c: (-len(_path_up(kg, c)), c)))

    return next((c for c in _cached(kg, "_kgqp_filter_depth", ("relocated", iri), build)
                 if below(c) and agrees(c)), None)
