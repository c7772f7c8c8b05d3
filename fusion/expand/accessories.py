"""Accessories and the devices they fit: "with" features, accessory readings, fitted devices,
makers, typed accessory words, model words and unit fits."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from itertools import groupby

from rapidfuzz.distance import OSA

from fusion.expand.config import _CATEGORY_KINDS
from fusion.expand.kgview import _ACCESSORY, _DIGIT, _KG, _cached, _Cand, _kg_wide, _own_categories
from fusion.expand.words import (
    _ALTERNATIVES,
    _BARE_NUMBER,
    _BUNDLE_WORDS,
    _DETERMINERS,
    _FILLERS,
    _JOINERS,
    _MAX_BANNED_WORDS,
    _MINUS_CUE,
    _NEGATIONS,
    _WITH_WORDS,
    _back_over_fillers,
    _name_heads,
    _query_words,
    _words,
)
from fusion.patterns import ACCESSORY_WORDS as _ACCESSORY_WORDS
from fusion.patterns import NOT_FITTED
from fusion.types import LinkedEntity
from kg.index import normalize_key
from kg.link import (
    FITS_WORDS,
    FUNCTION_WORDS,
    HEAD_LABELS,
    NAME_PARTS,
    brand_sales,
    compact_key,
    name_heads,
    word_order,
    word_set,
)

#: words that make a brand the device an accessory fits ("case for samsung", "fits apple",
#: "compatible with lg"), not the maker of what is searched
_FITS = FITS_WORDS
# _ACCESSORY_WORDS (imported): the head words of an accessory, a part or a consumable in the
# query ("samsung galaxy s21 case", "dell laptop battery", "hp printer ink", "apple iphone 7
# armband", "tempered glass"): third-party ones are made for the device (not headphones,
# earbuds or headsets: devices of their own, which audio brands make). One list with the size
# patterns' (:data:`fusion.patterns.ACCESSORY_WORDS`): an accessory that drops its device's
# storage there makes the device's maker a fits boost here (two lists drifted apart: "armband")
#: products used with a device that its maker also makes: a product for the device after it
#: ("macbook headset"), but no accessory word (a maker of them is a brand to filter on)
_PERIPHERAL_WORDS = frozenset({"headset", "headsets", "headphones", "earbuds", "earphones",
                               "speaker", "speakers", "microphone", "webcam"})


#: the accessory words plural-folded (:func:`_words`)
_ACCESSORY_STEMS = frozenset(s for w in _ACCESSORY_WORDS for s in _words(w))


def _after_with(words: Sequence[str], span: tuple[int, int] | None) -> bool:
    """Whether the mention at ``span`` follows "with" (or "including" ...; determiners
    skipped), or its span opens with it ("with camera"): a feature or a part of the product
    searched ("baby monitor with camera", "bird feeder with a camera"). Not after a fits
    phrase ("charger compatible with iphone", "works with alexa": the device an accessory
    fits).

    >>> _after_with("baby monitor with camera".split(), (2, 4))
    True
    >>> _after_with("bird feeder with a camera".split(), (4, 5))
    True
    >>> _after_with("charger compatible with iphone".split(), (3, 4))
    False
    """
    if span is None:
        return False
    at, end = span
    if words[at] in _WITH_WORDS and at + 1 < end:
        j = at
    else:
        j = at - 1
        while j >= 0 and words[j] in _DETERMINERS:
            j -= 1
        if j < 0 or words[j] not in _WITH_WORDS:
            return False
    return not (j >= 1 and words[j - 1] in _FITS)


#: words that say how an accessory works or is powered, not what it fits: they name no
#: device ("logitech wireless mouse", "samsung wireless charger" are the maker's own, as
#: "logitech mouse" and "samsung charger" are)
_FEATURE_WORDS = frozenset({"wireless", "wired", "cordless", "bluetooth", "rechargeable",
                            "portable", "universal"})


def _names_a_device_it_fits(words: Sequence[str], span: tuple[int, int] | None,
                            products: Sequence[tuple[int, int]] = (),
                            no_device: Collection[int] = (),
                            no_accessory: Collection[int] = ()) -> bool:
    """Whether the query, besides the brand's ``span``, holds an accessory word and a word that
    names the device the accessory is for: "samsung galaxy s21 case", "case samsung galaxy
    s21", "apple watch band"; not "samsung charger" (the brand's own charger), "belkin charger"
    or "samsung galaxy s21" (no accessory word). The device is read from the words, not from a
    link: the KG names few device models ("galaxy s21" links nothing); but a number ("hp 63
    ink": the cartridge's), a word of how the accessory works (:data:`_FEATURE_WORDS`:
    "logitech wireless mouse") and the words of a linked mention that names no device
    (``no_device``: a colour, a size, another brand, what the query excludes) name none. An
    accessory word after "with", "without", "no" ... is a part of the product searched or one
    it excludes, not the product searched: "samsung tv with remote", "samsung phone without
    case" ask for the maker's TV or phone; unless the query links it as a product
    (``products``: the spans of the linked categories and product types it does not exclude;
    "samsung tv with stand" links TV Stands); nor is one that names a kind of the product
    searched (``no_accessory``: "stand" of "kitchenaid stand mixer", a Stand Mixer). (The
    caller reads a last word typed short or misspelt as its accessory word:
    :func:`_typed_accessory`.)

    >>> _names_a_device_it_fits("samsung tv remote".split(), (0, 1))
    True
    >>> _names_a_device_it_fits("samsung tv with a remote".split(), (0, 1))
    False
    >>> _names_a_device_it_fits("samsung tv with stand".split(), (0, 1), [(2, 4)])
    True
    >>> [_names_a_device_it_fits(q.split(), (0, 1)) for q in ("hp 63 ink", "lg wireless mouse")]
    [False, False]
    """
    accessories, device = _accessory_reading(words, span, products, no_device, no_accessory)
    return bool(accessories) and device


def _accessory_reading(words: Sequence[str], span: tuple[int, int] | None,
                       products: Sequence[tuple[int, int]] = (),
                       no_device: Collection[int] = (),
                       no_accessory: Collection[int] = ()) -> tuple[tuple[str, ...], bool]:
    """The accessory words the query searches besides the brand's ``span`` (not after "with",
    "without" ...; not one of ``no_accessory``), and whether another of its words names a
    device: :func:`_names_a_device_it_fits`, whose arguments these are. "samsung case":
    (("case",), False), an accessory and no device (:func:`_makes_the_accessory` decides).

    >>> _accessory_reading("samsung case".split(), (0, 1))
    (('case',), False)
    >>> _accessory_reading("samsung galaxy case".split(), (0, 1))
    (('case',), True)
    >>> _accessory_reading("samsung phone without case".split(), (0, 1))
    ((), True)
    """
    if span is None:
        return (), False
    rest = [i for i in range(len(words)) if not span[0] <= i < span[1]]

    def sought(i: int) -> bool:  # not "with remote", "without case", "no charger"
        j = i - 1
        while j >= 0 and words[j] in _DETERMINERS:
            j -= 1
        return j < 0 or words[j] not in _BUNDLE_WORDS or any(a <= i < b for a, b in products)

    def device(i: int) -> bool:
        w = words[i]
        # (the word "brand" names no device: "samsung brand charger" asks for Samsung's
        # charger)
        return i not in no_device and w not in _ACCESSORY_WORDS and w not in _FILLERS \
            and w not in _FITS and w not in _FEATURE_WORDS \
            and w not in ("and", "or", "of", "to", "in", "on", "brand", "brands") \
            and _BARE_NUMBER.fullmatch(w) is None

    return tuple(words[i] for i in rest if words[i] in _ACCESSORY_WORDS
                 and i not in no_accessory and sought(i)), any(device(i) for i in rest)


def _makes_the_accessory(kg: _KG, brand: str, accessories: Collection[str]) -> bool:
    """Whether a device maker named with only accessory words ("samsung charger", "apple
    case", "canon ink") is read as the accessory's maker (a brand filter), not as the device
    it fits (a "fits" UP boost). The KG's products decide: in the categories named by one of
    the ``accessories`` words (:func:`_word_categories`: "Cell Phone Cases & Clips" for
    "case", "Mice" for "mouse"; and the categories below them), the brand's own products are
    at least as many as the other brands' that name it ("OtterBox - Defender Series Case for
    Samsung Galaxy S7": one for its device). Best Buy's cases, screen protectors and batteries
    naming Samsung or Apple are a third party's (the device), its Samsung chargers Samsung's
    (the maker). No such product known (Canon's ink, Apple's mice: the KG's products are
    mostly phone accessories): the maker, as before. Cached per graph view."""
    stems = frozenset(s for w in accessories for s in _words(w))

    def build() -> bool:
        node = brand_sales(kg.g, brand, spelled_alike=True)[0]
        name = _words(kg.label(node))
        index = _word_categories(kg)
        cats = {c for s in stems for c in index.get(s, ())}
        if not name or not cats:
            return True
        own = others = 0
        for p in {p for c in _family(kg, cats)[1] for p in kg.into(c, "in_category")}:
            makers = kg.out(p, "has_brand")
            if node in makers:
                own += 1
            elif makers and name <= _words(kg.label(p)):
                others += 1
        return own >= others

    return _cached(kg, "_kgqp_makes_the_accessory", (brand, tuple(sorted(stems))), build)


def _accessory_maker(kg: _KG, brand: str) -> bool:
    """Whether the brand makes accessories only: the KG sells it, and only in categories of
    accessories (each one's path names accessories, cases, protectors ...: ZAGG, Incipio,
    OtterBox; not Samsung, whose phones and TVs it sells too). Cached per graph view."""
    def build() -> bool:
        sold = brand_sales(kg.g, brand, spelled_alike=True)[1]
        return bool(sold) and all(_ACCESSORY.search(kg.path(c) or kg.label(c)) for c in sold)

    return _cached(kg, "_kgqp_accessory_maker", (brand,), build)


def _a_kind_of(kg: _KG, iri: str, mention: str) -> bool:
    """Whether the linked category or product type ``iri`` is a kind of what its mention's
    head word names, no accessory: a category above it names that head ("stand mixer" ->
    Stand Mixers, under Mixers & Mixer Accessories: a mixer; not "remote control" -> Remote
    Controls, under TV & Home Theater Accessories, nor "tv stand": its head is an accessory
    word)."""
    key = normalize_key(mention)
    heads = name_heads(key)
    last = _query_words(mention)[-1:]
    if not heads or not last or last[0] in _ACCESSORY_WORDS:
        return False
    return any(heads <= _name_heads(kg.label(up))
               for cat in _own_categories(kg, iri) for up in _path_up(kg, cat)[1:])


def _typed_accessory(word: str, known: Callable[[], Collection[str]]) -> str | None:
    """The accessory word (:data:`fusion.patterns.ACCESSORY_WORDS`) that ``word``, a query's
    last word, stands for, where it is none as typed: the start of one, 2 letters or more
    ("ca", "remo": what a search-as-you-type client sends), or one edit (a letter added,
    dropped, changed, or two swapped; the first letter kept) from one of 4 letters or more
    ("cse", "batery", "protecter", "bnad"); the shortest such word. A stop word or a word of a
    KG name (``known()``: "card", "brand", "pro", "in", "glasses") is none, but for another
    spelling of the accessory word itself ("cas", "lense"). None otherwise. Such a query is
    read as the accessory query it may be ("samsung galaxy s21 cse": the maker is the device
    the case fits, an UP boost, not a filter): a boost is the safe reading of an uncertain
    query.

    >>> known = lambda: {"card", "pro", "cas", "lense"}
    >>> [_typed_accessory(w, known) for w in ("cse", "ca", "remot", "card", "pro", "and")]
    ['case', 'case', 'remote', None, None, None]
    >>> _typed_accessory("lense", known), _typed_accessory("cas", known)
    ('lens', 'case')
    """
    if word in _ACCESSORY_WORDS or len(word) < 2 or not word.isalpha() \
            or not word_set(normalize_key(word)):
        return None
    near = _near_accessories(word)
    if not near:
        return None
    words = known()
    if (word in words or any(w in words for w in word_set(normalize_key(word)))) \
            and not any(_words(a) == _words(word) for a in near):
        return None  # a word of its own ("card", "pro"), not another spelling of the accessory
    return near[0]


#: the accessory words by their first letter (:func:`_near_accessories`)
_ACCESSORIES_BY_LETTER = {letter: tuple(words) for letter, words in groupby(
    sorted(_ACCESSORY_WORDS), key=lambda w: w[0])}


@lru_cache(maxsize=65536)
def _near_accessories(word: str) -> tuple[str, ...]:
    """The accessory words ``word`` may stand for, shortest first: those it starts, and those of
    4 letters or more one edit from it with its first letter (:func:`_typed_accessory`)."""
    return tuple(a for _, a in sorted(
        (len(a), a) for a in _ACCESSORIES_BY_LETTER.get(word[0], ())
        if a.startswith(word) or (len(a) >= 4 and OSA.distance(word, a) == 1)))


def _family(kg: _KG, cats: Collection[str]) -> tuple[frozenset[str], frozenset[str],
                                                     tuple[frozenset[str], ...]]:
    """The ancestors (``parent`` edges up) and descendants of ``cats`` (itself included in
    both), and the content words of each descendant's name (:func:`_words`): what
    a device's category lies under and holds ("Xbox One" holds "Xbox One Controllers"). A
    descendant is one whose path lies under its parent's, what a filter on the path keeps
    (TVs' ``parent`` edge from "TV & Home Theater Accessories" puts no accessory under the path
    "TV & Home Theater > TVs"). Cached per graph view; a walk stops after 2,000 nodes."""
    def build() -> tuple[frozenset[str], frozenset[str], tuple[frozenset[str], ...]]:
        def walk(up: bool) -> set[str]:
            seen, todo = set(cats), sorted(cats, reverse=True)  # (IRI order: a walk cut
            while todo and len(seen) < 2000:  # at 2,000 keeps the same nodes in every process)
                n = todo.pop()
                for m in (kg.out(n, "parent") if up else kg.into(n, "parent")):
                    if m not in seen and (up or (kg.path(m) or "").startswith(
                            f"{kg.path(n)} >")):
                        seen.add(m)
                        todo.append(m)
            return seen
        down = walk(False)
        names = tuple(sorted({_words(kg.label(n)) for n in down}, key=sorted))
        return frozenset(walk(True)), frozenset(down), names

    return _cached(kg, "_kgqp_category_family", (tuple(sorted(cats)),), build)


@_kg_wide
def _category_words(kg: _KG) -> frozenset[frozenset[str]]:
    """The content words (:func:`_words`) of each KG category's name, cached per graph
    view."""
    def build() -> frozenset[frozenset[str]]:
        return frozenset(_words(str(a.get("label") or "")) for _, a in kg.g.nodes(data=True)
                         if a.get("kind") == "category" and a.get("label"))

    return _cached(kg, "_kgqp_category_words", (), build)


def _plain_word(word: str) -> bool:
    """Whether ``word`` may qualify an accessory between its device and its head word ("wall"
    of "tv wall mount"): a word of letters, no function word, cue or accessory word."""
    return word.isalpha() and word not in _FILLERS and word not in _JOINERS \
        and word not in _FITS and word not in _BUNDLE_WORDS and word not in _NEGATIONS \
        and word not in _ACCESSORY_WORDS and word not in ("of", "to", "in", "on", "by", "from")


def _fitted_devices(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                    spans: Mapping[str, tuple[int, int] | None]) -> frozenset[str]:
    """The linked categories and product types that name the device an accessory is for, not
    the product searched.

    The head of an English noun phrase is its last noun: a device right before another
    product names what that product is for ("tv remote control", "tv battery", "samsung tv
    screen protector", "macbook headset", "iphone 12 case": the next word, model numbers
    skipped, is an accessory word or starts a mention the tagger read as a product type), and
    so does a device after a fits word after a product ("soundbar for 55 inch tv", "earbuds
    for iphone"; the tagger may take the fits word into the device's span: "for tv" in
    "remote for tv"). Not a device: a category of accessories itself ("tv stands", "covers
    ipad cases"), one a product after it lies under ("macbook pro laptop"), one that holds the
    product, searched within it ("xbox one controller": Xbox One holds Xbox One Controllers,
    a name made of the device's words and accessory words; "Outdoor TV Mounts & Stands" holds
    no TV stand), and one no product follows ("samsung tv", "4k tv", "tv 65 inch", "shirts
    long sleeve"). Right after a device the KG holds accessories for (a category under it
    named by its words and "accessories": Fire TV Accessories), a mention tagged as a product
    type of another category is a product for it too ("fire tv games": the games are searched,
    and Fire TV's Accessories do not hold them; "xbox one games": Xbox One holds Xbox One
    Games); after any other category it is a noun compound ("soccer socks", "learning toys")."""
    def product_at(at: int, up: frozenset[str], *, fitted: bool = False, device: bool = False
                   ) -> list[tuple[frozenset[str], frozenset[str], bool]]:
        """What names a product at word ``at``, as (its categories, its words, whether it is
        an accessory): an accessory word, a head mention (one whose category the device lies
        under names the device again); ``device``: the device holds accessories of its own,
        so a mention tagged as a product type is one too."""
        found: list[tuple[frozenset[str], frozenset[str], bool]] = []
        if 0 <= at < len(words) and words[at] in _ACCESSORY_WORDS:
            found.append((frozenset(), _words(words[at]), True))
        for o in linked:
            osp = spans.get(o.iri)
            if osp is None or at not in (osp[0], osp[1] - 1) \
                    or kg.kind(o.iri) not in ("category", "product_type") \
                    or not (o.label is None or o.label in HEAD_LABELS):
                continue
            # right after a device, a product for it is an accessory (its category's name or
            # the mention's words), not any noun after a modifier ("soccer socks", "learning
            # toys": no device); before a fits word (``fitted``) any product is, and after a
            # device with accessories of its own a product type ("fire tv games")
            accessory = bool(_ACCESSORY.search(kg.label(o.iri))) or any(
                w in _ACCESSORY_WORDS or w in _PERIPHERAL_WORDS
                for w in (o.mention or "").lower().split())
            if accessory or fitted or (device and o.label is not None):
                cats = _own_categories(kg, o.iri)
                if cats and not cats & up:  # (not "laptop" in "macbook pro laptop")
                    found.append((cats, _words(o.mention or kg.label(o.iri)), accessory))
        return found

    out: set[str] = set()
    for e in linked:
        sp = spans.get(e.iri)
        own = _own_categories(kg, e.iri) if kg.kind(e.iri) in ("category", "product_type") \
            else frozenset()
        if sp is None or not own or _ACCESSORY.search(kg.label(e.iri)):
            continue
        start, end = sp
        # the next word, model numbers skipped (only: "luggage business cases" are luggage)
        after = next((i for i in range(end, len(words)) if not _DIGIT.search(words[i])),
                     len(words))
        # or the accessory word that closes the noun phrase after it, one or two plain words
        # (no mention's) qualifying the accessory, where the KG names such accessories of
        # the device (a category of the device's and the accessory's words: TV Mounts): "tv
        # wall mount", "tv floor stand", "lg tv ceiling mount"; not "tv with remote", "tv and
        # soundbar", "luggage business cases", "appliances top mount refrigerators", nor
        # after a run that ends with a function word, "tv with wall mount"
        # (:func:`_names_the_device` tries runs)
        for k in range(after + 1, min(after + 3, len(words)) if _words(words[end - 1]) else 0):
            if words[after] in _ACCESSORY_WORDS or not _plain_word(words[k - 1]) or any(
                    (osp := spans.get(o.iri)) is not None and osp[0] <= k - 1 < osp[1]
                    for o in linked):
                break
            if words[k] in _ACCESSORY_WORDS:
                named = _words(" ".join(words[start:end])) | _words(words[k])
                # (or the accessory word closes a linked mention of an accessory category of
                # the device's department: "tv wifi remote" -> Remote Controls, under TV &
                # Home Theater Accessories; the KG names no "TV Remotes")
                if any(named <= ws for ws in _category_words(kg)) or any(
                        (osp := spans.get(o.iri)) is not None and osp[1] - 1 == k
                        and _an_accessory_of(kg, o.iri, own) for o in linked):
                    after = k
                break
        # the fits word before the device, or the span's own first word: the tagger may take
        # it into the span ("for tv" in "remote for tv", linked to TVs)
        fits_at = start if 0 < start < end - 1 and words[start] in _FITS else next(
            (i for i in range(start - 1, 0, -1) if words[i] in _FITS), None)
        if fits_at is None and e.label == "modifier" \
                and _a_modifier_device(kg, words, linked, spans, e, own):
            out.add(e.iri)  # "replacement remote samsung smart tv", "tv cardboard box"
            continue
        if fits_at is None and not (after < len(words) and words[after] in _ACCESSORY_WORDS) \
                and not any((osp := spans.get(o.iri)) is not None and after in (osp[0], osp[1] - 1)
                            for o in linked):
            continue  # no product after it, no fits word before it (most queries)
        up, down, names = _family(kg, own)
        device_words = _words(f"{e.mention or ''} {kg.label(e.iri)}")
        # a device the KG holds accessories for: "Fire TV Accessories" under Fire TV
        device = any("accessory" in ws and ws - {"accessory"} <= device_words and len(ws) > 1
                     for ws in names)
        products = product_at(after, up, device=device)
        if fits_at is not None:  # the product before the fits word, fillers skipped
            before = _back_over_fillers(words, fits_at - 1)
            products += product_at(before, up, fitted=True)
        # held: the product's category is under the device's path, or a category there is
        # named by the device's and the product's words ("Xbox One Headsets", "Xbox One
        # Games") or, for an accessory, holds the device's accessories ("Xbox One
        # Accessories", "Apple Watch Accessories"; they hold no game: "fire tv games")
        held = any(cats & down or any(
            ws & (stems | ({"accessory"} if accessory else set()))
            and ws <= device_words | (_ACCESSORY_STEMS if accessory else set()) | stems
            for ws in names) for cats, stems, accessory in products)
        # a fits word after a search word fits nothing ("looking for a tv", "price for iphone
        # 13": the tv is the product searched)
        searched = fits_at is not None and words[fits_at - 1] in NOT_FITTED
        if (products or (fits_at is not None and not searched)) and not held:
            out.add(e.iri)
    return frozenset(out)


#: words that bound a price or a size: the words after one are no product ("tv under fifty
#: bucks")
_BOUND_WORDS = frozenset({"under", "below", "over", "above", "less", "more", "than", "upto",
                          "between", "cheap", "cheaper", "budget", "price", "priced"})


def _an_accessory_of(kg: _KG, iri: str, device: Collection[str]) -> bool:
    """Whether the linked ``iri`` is a category (or a product type of categories) of
    accessories (an accessory branch on its path: Remote Controls under TV & Home Theater
    Accessories) in the department of one of the ``device`` categories."""
    if kg.kind(iri) not in ("category", "product_type"):
        return False
    depts = {kg.department(c) for c in device} - {None}
    return any(_ACCESSORY.search(str(kg.path(c) or kg.label(c))) and kg.department(c) in depts
               for c in _own_categories(kg, iri))


def _a_modifier_device(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                       spans: Mapping[str, tuple[int, int] | None], e: LinkedEntity,
                       own: frozenset[str]) -> bool:
    """Whether the linked device ``e`` (of categories ``own``), which the tagger read as a
    modifier, not the product searched, names the device another product is for: an accessory
    word before it, a brand's words and model numbers between ("replacement remote samsung
    smart tv": the remote is searched, no "for"), or plain words after it the query links
    nothing to (no bound word: "tv under fifty bucks"), with no other product linked, whose
    last word heads KG categories below their departments, none in the device's department
    ("tv cardboard box": Music Boxes, File Boxes...; the tagger made "tv" a span of its own),
    where the device is a kind of product the KG names accessories of (a category of its
    words and an accessory word: TV Mounts; its children, if any, mostly headed as it is: not
    Home Audio, a branch, "home audio subwoofer"). Not a modifier before a linked product
    (the caller's rule reads that) nor one ending the query ("4k smart tv")."""
    sp = spans.get(e.iri)
    if sp is None:
        return False
    start, end = sp
    taken = {i for o in linked if (osp := spans.get(o.iri)) is not None for i in range(*osp)}
    brands = {i for o in linked if kg.kind(o.iri) == "brand"
              and (osp := spans.get(o.iri)) is not None for i in range(*osp)}
    j = start - 1
    while j >= 0 and (j in brands or _DIGIT.search(words[j])):
        j -= 1
    if j >= 0 and words[j] in _ACCESSORY_WORDS and j not in taken:
        return True
    rest = range(end, len(words))
    if not rest or any(i in taken for i in rest) or any(
            not _plain_word(words[i]) or words[i] in _BOUND_WORDS for i in rest) or any(
            o.iri != e.iri and kg.kind(o.iri) in ("category", "product_type") for o in linked):
        return False  # (no bound: "tv under fifty bucks"; no other product linked: "tablets
        #               e reader hardware")
    # a device the KG names accessories of (TV Mounts, TV Stands: a category of its words and
    # an accessory word), not a branch of products ("home audio subwoofer")
    named = _words(e.mention or "")
    if not named or not any(named <= ws and ws & _ACCESSORY_STEMS for ws in _category_words(kg)):
        return False
    # a kind of product, not a branch of them: the category's children, if any, are kinds of
    # it, headed as it is (TVs: LED TVs, Smart TVs; not Home Audio: Speakers, Home Audio
    # Accessories)
    for c in own:
        mine = _name_heads(kg.label(c))
        children = kg.into(c, "parent")
        if not mine or 2 * sum(bool(mine & _name_heads(kg.label(k)))
                               for k in children) < len(children):
            return False
    heads, last = _name_heads(words[-1]), _words(words[-1])
    depts = {kg.department(c) for c in own}
    # (a category below its department: "hardware" heads Google's department Hardware)
    headed = [c for c in (_word_categories(kg).get(next(iter(last)), ()) if len(last) == 1
                          else ())
              if ">" in (kg.path(c) or "") and heads & _name_heads(kg.label(c))]
    return bool(headed) and not any(kg.department(c) in depts for c in headed)


@_kg_wide
def _word_categories(kg: _KG) -> Mapping[str, frozenset[str]]:
    """Each content word of the linkable KG categories' names (:func:`_words`: plurals folded)
    -> the categories whose name holds it: the categories that hold every word of a product
    named in a query are the intersection of its words'. Cached per graph view."""
    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") != "category" or not kg.department(n) or n in kg.unlinkable:
                continue
            for name in (attrs.get("label"), *(attrs.get("aliases") or ())):
                for w in _words(str(name or "")):
                    out.setdefault(w, set()).add(n)
        return {k: frozenset(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_word_categories", (), build)


def _a_device_accessory(kg: _KG, iri: str, mention: str, said: Collection[str],
                        dept: Callable[[str], str | None]) -> bool:
    """Whether the linked category ``iri`` is the accessory of a device of its own department
    that the query names beside the accessory: the first part of its name is device words and
    an accessory word (Camera Chargers & Adapters, iPad Chargers & Sync Cables), its mention
    ends with that accessory word ("charger", "camera charger"), the query's words ``said``
    (plural-folded, :func:`_words`) hold every word before it, and one of those heads a
    category of the same department (``dept``) with no accessory's name on its path: the
    device (Digital Cameras; iPad). Not a word that heads no device of the department
    ("Subwoofer Cables": Audio's are Subwoofer Speakers; "Soft Cases"), nor a device that is
    an accessory itself ("Tripod Mounts": Tripods lies under Digital Camera Accessories)."""
    parts = [o for p in NAME_PARTS.split(normalize_key(kg.label(iri))) if (o := word_order(p))]
    said_order = word_order(normalize_key(mention))
    if not parts or not said_order:
        return False
    # (a bare head after the first part takes that part's qualifier: "camera cases" of Camera
    # Bags & Cases, as :func:`kg.link.fitted_name` reads it)
    named = [o for o in (parts[0], *((*parts[0][:-1], *p) for p in parts[1:] if len(p) == 1))
             if len(o) >= 2 and o[-1] == said_order[-1] and o[-1] in _ACCESSORY_STEMS
             and set(o[:-1]) <= set(said)]
    home = dept(iri)
    index = _word_categories(kg)
    return home is not None and any(
        c != iri and dept(c) == home and w in _name_heads(kg.label(c))
        and not _ACCESSORY.search(kg.path(c) or kg.label(c))
        for o in named for w in o[:-1] if w not in _ACCESSORY_STEMS for c in index.get(w, ()))


def _names_the_device(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                      spans: Mapping[str, tuple[int, int] | None], cat: str) -> bool:
    """Whether the query's words name category ``cat`` (its name, or a part of it: "washers"
    of Washers & Dryers) as the device an accessory is for (:func:`_fitted_devices`), linked
    or not: "tv cable", "lg tv remote", "refrigerator cover" (an intent that follows the
    device word)."""
    parts = {_words(p) for p in _NAME_PARTS.split(normalize_key(kg.label(cat)))}
    parts.discard(frozenset())
    # a run of the query's words names a part only if the whole query holds the part's words
    # (most queries name no part: skip the runs)
    every = _words(" ".join(words))
    if not any(p <= every for p in parts):
        return False
    for i in range(len(words)):
        for j in range(i + 1, min(i + _MAX_BANNED_WORDS, len(words)) + 1):
            if _words(" ".join(words[i:j])) in parts:
                named = LinkedEntity(cat, "category", 1.0, None, " ".join(words[i:j]))
                if cat in _fitted_devices(kg, words, [named, *linked], {**spans, cat: (i, j)}):
                    return True
    return False


def _a_part_named_by(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                     spans: Mapping[str, tuple[int, int] | None], cat: str) -> bool:
    """Whether a linked category's mention (the caller passes the links in the intent's
    department, in the label space) names category ``cat`` (its name, or a part of it) by its
    words before its last one, as the device the linked product is a part of or for ("laptop
    memory" links Laptop Memory, its intent Laptops following the word "laptop"; "desktop
    memory", "hard drive enclosures", "refrigerator storage"): the KG files that linked
    category outside ``cat`` (neither under nor above it), so the compound is its own
    product, and ``cat``'s name does not head the mention (its last word is not ``cat``'s
    head: "gaming laptop" names Laptops as what is searched). A mention tagged as no product
    (a modifier) names none; nor does another taxonomy's category ("microwave oven" links
    Google's Microwave Ovens, a microwave)."""
    parts = {_words(p) for p in _NAME_PARTS.split(normalize_key(kg.label(cat)))}
    parts.discard(frozenset())
    if not parts:
        return False
    up, down, _ = _family(kg, (cat,))
    heads = _name_heads(kg.label(cat))
    for e in linked:
        sp = spans.get(e.iri)
        if sp is None or sp[1] - sp[0] < 2 or kg.kind(e.iri) != "category" \
                or not (e.label is None or e.label in HEAD_LABELS) \
                or e.iri in up or e.iri in down or _DIGIT.search(words[sp[1] - 1]):
            continue
        if _name_heads(words[sp[1] - 1]) & heads:
            continue  # ("gaming laptop": the laptop is searched)
        if any(_words(" ".join(words[i:j])) in parts
               for i in range(sp[0], sp[1] - 1) for j in range(i + 1, sp[1])):
            return True
    return False


def _accessories(cands: Sequence[_Cand]) -> tuple[_Cand, ...]:
    """The accessory categories among a device's (or its maker's) expansions ("iPhone
    Accessories", not "iPhone SE"): what an accessory query may be offered of them."""
    return tuple(c for c in cands if c.kind in _CATEGORY_KINDS and _ACCESSORY.search(c.term))


_NAME_PARTS = NAME_PARTS  # (kg.link's: what joins the parts of a category's name)


def _names_it(kg: _KG, iri: str, mention: Collection[str], head: str,
              query: frozenset[str], named_head: bool = False) -> bool | None:
    """Whether a category's names are the mention's words with nothing the query lacks:
    True when a name, or a part of a name that holds the mention's ``head`` ("Wine
    Refrigerators & Coolers" names "coolers"), holds only words of the ``query``
    ("tv" -> TVs, "case" in "apple watch case" -> Apple Watch Cases); False when a name holds
    every word of the ``mention`` and more the query lacks (the linker's ``subset`` match:
    "color printer" -> Color Laser Printers, narrower than what is searched); None
    otherwise (a typo, a spacing variant: the link is the judge). ``named_head``: a whole
    name must hold the ``head`` too. Words are :func:`_words`' (plural-folded, stop words
    dropped)."""
    narrower = False
    attrs = kg.g.nodes[iri]
    for name in (kg.label(iri), *(attrs.get("aliases") or ())):
        key = normalize_key(str(name))
        words = _words(key)
        if (words <= query and (head in words or not named_head)) or any(
                head in (ws := _words(part)) and ws <= query
                for part in _NAME_PARTS.split(key)):
            return True
        narrower |= bool(mention) and words >= set(mention)
    return False if narrower else None


def _named_ancestor(kg: _KG, iri: str, head: str, query: frozenset[str]) -> str | None:
    """The nearest category above ``iri`` on its path whose name the query's words make up
    and that names the mention's ``head`` ("color printer" -> Color Laser Printers -> Laser
    Printers -> All Printers): what a link narrower than the query may filter on."""
    node: str | None = iri
    while node is not None:  # up the path: the parent whose path the node's lies under
        path = kg.path(node) or ""
        node = max((p for p in kg.out(node, "parent") if kg.path(p)
                    and path.startswith(f"{kg.path(p)} >")),
                   key=lambda p: len(kg.path(p) or ""), default=None)
        if node is not None and node not in kg.unlinkable \
                and _names_it(kg, node, (), head, query, named_head=True):
            return node
    return None


def _joined(words: Sequence[str], commas: Collection[int], a: tuple[int, int] | None,
            b: tuple[int, int] | None) -> bool:
    """Whether the mentions at spans ``a`` and ``b`` are items of one list or alternative,
    side by side with a joiner ("or", "and", "vs", "&", ",": :func:`_commas`) between them,
    inside one span or not ("laptop or tablet"; the tagger's "ipod nano or" + "ipod").

    >>> _joined("laptop or tablet".split(), (), (0, 1), (2, 3))
    True
    >>> _joined("laptop tablet".split(), (), (0, 1), (1, 2))
    False
    """
    if a is None or b is None or a == b:
        return False
    (_, end), (start, _) = sorted((a, b))
    joiners = _JOINERS | _ALTERNATIVES
    return (start == end + 1 and words[end] in joiners) or (start == end and (
        end - 1 in commas or words[end - 1] in joiners or words[start] in joiners))


def _path_up(kg: _KG, iri: str) -> list[str]:
    """``iri`` and the categories above it on its path, nearest first (each step the parent
    whose path the node's lies under, as :func:`_named_ancestor` walks)."""
    chain = [iri]
    while True:
        path = kg.path(chain[-1]) or ""
        node = max((p for p in kg.out(chain[-1], "parent") if kg.path(p)
                    and path.startswith(f"{kg.path(p)} >")),
                   key=lambda p: len(kg.path(p) or ""), default=None)
        if node is None or node in chain:
            return chain
        chain.append(node)


#: the words of a category that names the parts a store sells of a device ("Computer Cards &
#: Components", "Virtual Reality-Ready Components"): the categories under it are parts
_COMPONENT_WORDS = frozenset({"component", "components"})


@_kg_wide
def _component_categories(kg: _KG) -> tuple[tuple[str, frozenset[str]], ...]:
    """The categories under a category of parts (:data:`_COMPONENT_WORDS` in a name above them
    on their path: "GPUs/Video Graphics Cards", "CPUs / Processors", "Memory (RAM)" under
    "Computer Cards & Components"), each with the other words of that name (:func:`_words`:
    the device the parts are of, "computer"), cached per graph view."""
    def build() -> tuple[tuple[str, frozenset[str]], ...]:
        out = []
        component = frozenset().union(*(_words(w) for w in _COMPONENT_WORDS))
        for n, d in kg.g.nodes(data=True):
            if d.get("kind") != "category":
                continue
            for p in str(d.get("path") or "").split(">")[:-1]:
                if _COMPONENT_WORDS & set(normalize_key(p).split()):
                    out.append((n, _words(p) - component))
                    break
        return tuple(sorted(out, key=lambda x: x[0]))

    return _cached(kg, "_kgqp_component_categories", (), build)


@_kg_wide
def _initials(kg: _KG) -> Mapping[str, frozenset[str]]:
    """The categories by the initials of their names of three or more words ("ssd": Solid
    State Drives), cached per graph view."""
    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for n, d in kg.g.nodes(data=True):
            if d.get("kind") != "category":
                continue
            ws = [w for w in normalize_key(str(d.get("label") or "")).split()
                  if w not in FUNCTION_WORDS and w.isalpha()]
            if len(ws) >= 3 and len(ws) == len(normalize_key(str(d.get("label") or "")).split()):
                out.setdefault("".join(w[0] for w in ws), set()).add(n)
        return {k: frozenset(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_category_initials", (), build)


#: words of a query that name a TV (a display technology; the KG links none): a brand's
#: ``sells_in`` category they fit holds TVs (:func:`_unit_fits`)
_TV_WORDS = frozenset({"qled", "oled", "uhd", "nanocell", "4k", "8k", "hdr", "neo-qled",
                       "mini-led", "miniled"})
#: the words (:func:`_words`) of the categories each kind of unit fits: a screen of 50 inches
#: or more is a TV's, one of 32 to 49 a TV's or monitor's, a smaller one a monitor's,
#: laptop's or tablet's (or a small TV's); a number of bytes a storage device's or memory's
_FITS_TV = _words("tv television")
_FITS_LARGE = _words("tv television monitor")
_FITS_SCREEN = _words("tv monitor laptop tablet")
_FITS_STORAGE = _words("storage drive ssd memory flash")
_INCH_SIZE = re.compile(r'^(\d+(?:\.\d+)?)\s*(?:"|in|inch|inches)$')
_BYTE_SIZE = re.compile(r"^\d+(?:\.\d+)?\s*(?:gb|tb)$")
_TV_SIZE = re.compile(r"^\d{2}$")


#: words that name a product line's variant more than a product ("pro" of "samsung 990 pro",
#: "airpods pro"; KG categories are headed by them: Mac Pro, iPhone 6 Plus): no word naming
#: the product searched (:func:`_model_words`)
_LINE_WORDS = frozenset({"pro", "plus", "max", "mini", "air", "ultra", "lite", "se", "edge",
                         "note", "one", "series", "go", "neo", "prime", "xl", "elite", "sport",
                         "classic", "new", "black", "extreme"})


def _model_words(kg: _KG, words: Sequence[str], taken: Collection[int]
                 ) -> tuple[list[int], list[int]]:
    """The positions of the query's words that name a model or product line the KG does not
    link ("xps" and "13" of "dell xps 13", "wh-1000xm5", "qled", "bravia" and "65"), and of
    those that name a kind of product a KG category is named by ("iphone" of "apple iphone 7
    plus", "camera" of "canon eos r6 mirrorless camera body"), among the words no linked
    mention, read size or price holds (``taken``; no function word, cue, filler or single
    letter, "kitchenaid c" typed ahead): a model
    word has a digit, or is of letters and no word of a KG category's name; a word of a
    category's name names a product unless it names a line's variant (:data:`_LINE_WORDS`:
    "pro", "plus"). A query of a brand and such words ("samsung deals", "usb and samsung")
    names no model."""
    index = _word_categories(kg)
    model, named = [], []
    for i, w in enumerate(words):
        if i in taken or (len(w) < 2 and not w.isdigit()) or w in _FILLERS \
                or w in _JOINERS or w in _FITS or w in _NEGATIONS or w in FUNCTION_WORDS \
                or w == _MINUS_CUE:
            continue
        ws = _words(w)
        if any(ch.isdigit() for ch in w) or (any(ch.isalpha() for ch in w) and ws
                                              and not any(x in index for x in ws)):
            model.append(i)
        elif ws and w not in _LINE_WORDS:
            named.append(i)
    return model, named


def _unit_fits(words: Sequence[str], model: Collection[int], sizes: Sequence[str]
               ) -> frozenset[str]:
    """The category words (:func:`_words`) that the query's units and display words fit: a
    read size in inches (``sizes``; 50 or more: a TV's, "55in"; 32 to 49 a TV's or
    monitor's; less: a monitor's, laptop's, tablet's or TV's), a bare two-digit number 32 to
    99 among the ``model`` words, read so ("sony bravia 65": the TV's size, which the patterns
    read as no size; "dell ultrasharp 32": a monitor's), a display word ("qled": a TV) or a
    number of bytes ("2tb": storage, memory). Empty: nothing in the query fits a category."""
    out: set[str] = set()
    for s in sizes:
        v = normalize_key(s).replace(" ", "")
        if (m := _INCH_SIZE.match(v)) is not None:
            inches = float(m.group(1))
            out |= _FITS_TV if inches >= 50 else _FITS_LARGE if inches >= 32 else _FITS_SCREEN
        elif _BYTE_SIZE.match(v):
            out |= _FITS_STORAGE
    for i in model:
        w = words[i]
        if w in _TV_WORDS or (_TV_SIZE.match(w) and 50 <= int(w) <= 99):
            out |= _FITS_TV
        elif _TV_SIZE.match(w) and 32 <= int(w) <= 49:
            out |= _FITS_LARGE
    return frozenset(out)


def _is_variant(alias: str, name: str, typo_distance: int) -> bool:
    """``alias`` only respells ``name``: same letters up to case, spacing and punctuation, or
    within ``typo_distance`` edits (one for names under 8 characters)."""
    from rapidfuzz.distance import OSA

    a, b = compact_key(normalize_key(alias)), compact_key(normalize_key(name))
    if a == b:
        return True
    limit = typo_distance if min(len(a), len(b)) >= 8 else min(typo_distance, 1)
    if OSA.distance(a, b, score_cutoff=limit) <= limit:
        return True
    # the letters as written too: the plural fold can move a typo's ending away from the
    # name's ("nkie" folds to "nky" as "hoodie" does, "nike" stays)
    a, b = ("".join(filter(str.isalnum, normalize_key(t))) for t in (alias, name))
    return OSA.distance(a, b, score_cutoff=limit) <= limit
