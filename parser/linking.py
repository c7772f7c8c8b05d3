"""The link stage of a parse (stage 4 of :mod:`parser.pipeline`) and its rules: each tagged
span of a query linked to a KG node, as :class:`parser.pipeline.QueryParser` links them.

Where things are: :mod:`parser.pipeline` orchestrates a parse (prepare, match, tag, link,
intent, expand; ``pipe`` and its windows) and calls this stage through one object, its
:class:`SpanLinker`; this module holds the query-level linking rules (a span's punctuation,
negation cues, brands before a product, a product span's head and modifier, excluded brands
no span links, the re-pick of a link after the intent); :mod:`kg.link` links one mention
(:class:`kg.link.EntityLinker`) and :mod:`kg.taxonomy` reasons over the category tree
(ancestors, departments, siblings, the category below a node that words name).

Example:
    >>> from kg import ProductGraph
    >>> from parser.config import ParserConfig
    >>> from parser.tagger.predict import Entity
    >>> stage = SpanLinker(ProductGraph.in_memory(), ParserConfig())
    >>> stage.link_entity("usb cable", Entity("usb cable", 0, 9, "core_product_type", 0.9)).text
    'usb cable'
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg import taxonomy
from kg.index import EDGE_MARKS, normalize_key
from kg.link import (
    DEFAULT_LABEL_KINDS,
    FITS_WORDS,
    FUNCTION_WORDS,
    HEAD_LABELS,
    LABEL_GROUPS,
    NAME_PARTS,
    EntityLinker,
    LinkerConfig,
    QueryContext,
    brand_categories,
    brand_label,
    fits_cue_end,
    name_heads,
    number_variants,
    word_order,
    word_set,
)
from kg.taxonomy import PRODUCT_KINDS
from parser.config import ParserConfig
from parser.tagger.text import separators_to_spaces
from parser.types import ParsedEntity

if TYPE_CHECKING:  # types only: importing them would load torch with this module
    from fusion.model import FusionModel
    from fusion.types import Intent, LinkedEntity
    from kg.graph import ProductGraph
    from parser.tagger.predict import Entity, TaggedText

__all__ = ["LinkCall", "SpanLinker", "label_space", "linked_entities", "span_edges"]

@dataclass(frozen=True, slots=True)
class LinkCall:
    """One link call of a parse (:meth:`parser.pipeline.QueryParser.recording_links`): the
    words linked, the label they were linked with (None: any kind), the ``context`` passed (a
    :class:`kg.link.QueryContext`, or the query's text) and the :class:`kg.link.LinkResult`."""

    mention: str
    label: str | None
    context: Any
    result: Any


#: the :meth:`parser.pipeline.QueryParser.recording_links` blocks open in this context
#: (thread, asyncio task), outermost first: each the parser it records and the list its calls
#: go to; empty: none recorded
LINK_RECORDER: ContextVar[tuple[tuple[Any, list[LinkCall]], ...]] = ContextVar(
    "kgqp_link_recorder", default=())


#: tagger labels of a title's or a product name's words: a negation cue in them is part of
#: the name ("without feathers" of a book title), no exclusion, unless the words after it are
#: a brand's very name ("not beats"): :meth:`SpanLinker._names_an_excluded_thing`
_NAME_LABELS = frozenset({"content", "product_name"})
#: words of a clause that may open a title's span before a cue and what it excludes ("that's
#: not a dell" in "laptop that's not a dell", tagged ``content``: :meth:`SpanLinker.
#: _excluded_brands`): the expansion's cue words (:data:`fusion.expand.CUE_WORDS`: "not",
#: "isn't", "other than" ...), and those of the clause, of "anything but", of a list ("neither
#: x nor y") and between the cue and what it excludes ("not even", "not a", "not made by");
#: a title's own words there ("the not a cat cat") keep the span a title (:func:`clause_words`)
_CLAUSE_OWN_WORDS = frozenset({
    "that", "which", "who", "is", "are", "was", "were", "that's", "thats", "it's", "its", "but",
    "and", "nor", "anything", "even", "a", "an", "made", "by"})


@functools.cache
def clause_words() -> frozenset[str]:
    """:data:`_CLAUSE_OWN_WORDS` and the expansion's cue words, read when first needed:
    ``fusion.expand`` loads torch, which importing the parser must not."""
    from fusion.expand import CUE_WORDS

    return CUE_WORDS | _CLAUSE_OWN_WORDS


#: the label the words a span holds before a negation cue are linked under when they name
#: the product searched ("tv" of "tv not insignia": :meth:`SpanLinker._searched_product`)
#: with the default label map, or a linker whose map names no product label
#: (:func:`_product_label`), and the node kinds such a product is
_PRODUCT_LABEL = "core_product_type"
_PRODUCT_KINDS = PRODUCT_KINDS  # (kg.taxonomy's)
#: the label a product span's words before its head are read under (:meth:`SpanLinker.
#: _head_and_modifier`): what qualifies the product searched
_MODIFIER_LABEL = "modifier"
#: Words joining alternatives inside a span that links nothing ("tv vs lg"): its sides are
#: linked side by side (:meth:`SpanLinker.link_entities`). The expansion's alternative words
#: but "nor", whose sides ("neither x nor y") are both excluded
_ALTERNATIVE_WORDS = frozenset({"or", "vs", "vs.", "versus"})
#: the apostrophe of a possessive, straight or curly ("mother's", "mothers'"):
#: :meth:`SpanLinker._possessive_name`
_POSSESSIVE = re.compile(r"(?<=[^\W_])['\u2019](?=s\b)|(?<=[sS])['\u2019](?![^\W_])")
#: a span's words (compiled once: read for each span the tagger finds)
SPAN_WORD = re.compile(r"\S+")
#: a trailing "brand"/"brands" after a span's words ("bose brand": :meth:`SpanLinker.
#: _named_brand`)
_TRAILING_BRAND = re.compile(r"(?<=\S)\s+brands?\Z", re.IGNORECASE)


#: a word "non" hyphenated to the letters after it ("non-black"): the cue "non" and those
#: letters, as the expansion reads them (:data:`fusion.expand.words._NON_WORD`)
_HYPHENATED_NON = re.compile(r"non-(?=[^\W\d_])", re.IGNORECASE)


def _names_it_whole(words: str, best: Any) -> bool:
    """Whether the link ``best`` of the words ``words`` is their node's very name: an exact or
    alias match whose name has the words in their order (:func:`kg.link.word_order`), not a
    name that holds them among others."""
    return best.match_type in ("exact", "alias") and word_order(normalize_key(words)) \
        == word_order(normalize_key(best.matched_alias))


def _names_the_opposite(best: Any, words: str) -> bool:
    """Whether ``best``, the node the words ``words`` after a negation cue link to, is named
    by a negation cue the words do not say (:data:`fusion.expand.NEGATION_CUES`, a hyphen
    read as a space): its name is their opposite, no thing they exclude ("fit" of "watch not
    fit" linked the product type "Non-fit"; "not stick" would link "Non-Stick"). A name
    holding the words and others names the thing all the same ("without box spring":
    Mattresses & Box Springs)."""
    from fusion.expand import NEGATION_CUES

    name = getattr(best, "matched_alias", None) or getattr(best, "label", None) or ""
    said = set(re.findall(r"[^\W_]+", normalize_key(words)))
    return any(w in NEGATION_CUES and w not in said
               for w in re.findall(r"[^\W_]+", normalize_key(name)))


def _cue_is_compound_no(text: str, start: int, end: int, cue: str, kg: Any = None) -> bool:
    """Whether the negation cue ``cue`` opening the span ``text[start:end]`` is a "no" that
    qualifies the product after it, no exclusion ("dress no pink", "tv no samsung" exclude):
    opening the query ("no touch thermometer", "no drill curtain rod", "no slip socks"; not
    before a colour, "no black shirt": :func:`fusion.expand.colour_words`, but for a colour
    opening a name of the KG ``kg`` with the words after it, "no white noise machine":
    :func:`fusion.expand.colour_opens_a_name`), or
    after other words, the span's one or two words after it followed by the product ("no
    show" in "mens no show socks", "no sew" in "fleece no sew blanket kit":
    :func:`fusion.expand.compound_no_words`)."""
    if cue != "no":
        return False
    from fusion.expand import colour_opens_a_name, colour_words, compound_no_words

    if not text[:start].strip():  # (but before a colour: "no black shirt" excludes black)
        rest = text[start:end].split(maxsplit=1)[-1]
        return not colour_words(rest) or (kg is not None and colour_opens_a_name(
            kg, text, end - len(rest), end))
    return compound_no_words(text, start, end, kg) is not None


#: words of a category path that name no part of the catalogue ("Electronics Accessories",
#: "Pet Supplies", "More Categories"): :func:`_path_words`
_GENERIC_PATH_WORDS = frozenset({"accessories", "accessory", "supplies", "supply", "parts",
                                 "part", "items", "item", "other", "more", "categories",
                                 "category", "products", "product", "and", "the", "for",
                                 "of", "best", "buy", "outlet", "refurbished", "care",
                                 "equipment", "goods", "misc", "miscellaneous"})
_GENERIC_PATH_KEYS = frozenset(word_order(" ".join(sorted(_GENERIC_PATH_WORDS))))


def _path_words(path: str) -> frozenset[str]:
    """The words of a category path that say which part of the catalogue it is in,
    plural-folded as the linker folds them (:func:`kg.link.word_order`: "Computers & Tablets >
    Monitors": {"computer", "tablet", "monitor"}; "Storage Boxes" and "Box Files" share
    "box"), those of :data:`_GENERIC_PATH_WORDS` left out.

    >>> sorted(_path_words("Electronics > Electronics Accessories > Power"))
    ['electronic', 'power']
    """
    return frozenset(word_order(normalize_key(path))) - _GENERIC_PATH_KEYS


def function_words_only(words: str) -> bool:
    """Whether ``words`` are function words only ("in", "at the": :data:`kg.link.
    FUNCTION_WORDS`): excluded, they would leave out every product whose text holds them."""
    return all(w in FUNCTION_WORDS for w in normalize_key(words).split())


def _a_compound_link(text: str, start: int, end: int, best: Any, kg: Any = None) -> bool:
    """Whether ``best``, the link of the span ``text[start:end]``, is the words after a "no"
    the span holds that qualifies the product after it (:func:`fusion.expand.
    compound_no_words`: "no iron" in "mens no iron dress shirts", "no iron shirts", read as
    the material Iron): a "no iron" shirt is none of iron, and excluding Iron left "no iron"
    shirts out. A KG name holding the "no" is linked as named. ``kg``: the KG a colour after
    the "no" may open a name of ("no white noise machine": no White)."""
    alias = getattr(best, "matched_alias", None) or getattr(best, "label", None) or ""
    if "no" in normalize_key(alias).split() or "no" not in normalize_key(text):
        return False  # (a "no" of the query is a word of its normalised text: most have none)
    from fusion.expand import compound_no_words

    return compound_no_words(text, start, end, kg) is not None


def _a_category_in_a_named_product(mention: str, best: Any) -> bool:
    """Whether ``best``, the link of a span ``mention`` the tagger read as a product's name
    (``product_name``) that opens with a negation cue, is a category named by the words after
    the cue, the cue no word of the name it matched: the product's own name holding a cue
    and a category's name ("Not a Perfume" in "juliette has a gun not a perfume travel
    spray" linked Perfume & Cologne, which the cue then excluded). A cue inside a product's
    name is none (:meth:`SpanLinker._names_an_excluded_thing`: a product name's span
    excludes a brand's very name only)."""
    from fusion.expand import NEGATION_CUES

    words = normalize_key(mention).split()
    return len(words) >= 2 and words[0].strip(EDGE_MARKS) in NEGATION_CUES \
        and str(getattr(best.kind, "value", best.kind)) == "category" \
        and words[0].strip(EDGE_MARKS) not in normalize_key(
            getattr(best, "matched_alias", None) or "").split()


#: words that may stand between the product searched and a title's span a cue opens ("books
#: but not harry potter")
_BEFORE_EXCLUDED_TITLE = frozenset({"but", "and"})
#: tagger labels of the product a query searches, before a title's span a cue opens
#: ("vinyl" of "vinyl not taylor swift", "switch games" of "switch games no mario")
_SEARCHED_LABELS = frozenset({"core_product_type", "product_name"})


def _a_title_excluded_after_a_product(text: str, entity: ParsedEntity,
                                      entities: Sequence[ParsedEntity]) -> bool:
    """Whether ``entity``, a title's or a product name's span (``content``, ``product_name``)
    of the query ``text`` that opens with a negation cue and links nothing, is what the cue
    excludes of the product searched: the span right before it names a product (tagged
    ``core_product_type`` or ``product_name``, or linking a category or a product type:
    "vinyl" of "vinyl not taylor swift", "ps5 games" of "ps5 games not call of duty"), and the
    span ends the query, or a "," or a joiner follows it ("switch games no mario, zelda").
    The tagger reads "not taylor swift" as one title span, so the words excluded nothing
    (:func:`words_no_cue_excludes`). A title holding a cue has nothing searched before it
    ("not another teen movie", "the world without you"), a maker before it ("woody allen
    without feathers") or the product after it ("juliette has a gun not a perfume travel
    spray"): none. Nor is a "no" whose words after it hold a function word or a possessive
    (:data:`kg.link.FUNCTION_WORDS`: "ps4 games no man's sky", "blu ray no time to die",
    "switch no more heroes"): a title that opens with "No", not what a "no" excludes ("switch
    games no mario")."""
    cue, *after = normalize_key(text[entity.start:entity.end]).split()
    if cue.strip(EDGE_MARKS) == "no" and any(
            w.strip(EDGE_MARKS) in FUNCTION_WORDS or _POSSESSIVE.search(w) for w in after):
        return False
    before = [e for e in entities if e.end <= entity.start]
    if not before:
        return False
    last = max(before, key=lambda e: e.end)
    if last.label not in _SEARCHED_LABELS and last.kg_kind not in _PRODUCT_KINDS:
        return False
    if any(w.strip(EDGE_MARKS) not in _BEFORE_EXCLUDED_TITLE
           for w in normalize_key(text[last.end:entity.start]).split()):
        return False  # (other words between: no product's; "books but not harry potter"
        #               holds a clause word only)
    rest = text[entity.end:]
    if not rest.strip() or rest.lstrip().startswith(","):
        return True
    # (a joiner after the span keeps it what the cue excludes: "vinyl not taylor swift or
    # adele"; the expansion's joiners, read here, not at import: fusion.expand loads torch)
    from fusion.expand.words import _JOINERS

    return normalize_key(rest.split(maxsplit=1)[0]).strip(EDGE_MARKS) in _JOINERS


def words_no_cue_excludes(text: str, entity: ParsedEntity, kg: Any = None,
                           entities: Sequence[ParsedEntity] = ()) -> tuple[int, int] | None:
    """The words of ``entity``, a span of the query ``text`` that links nothing, after its
    first word, (start, end), where a negation cue is read as a word of a name that excludes
    nothing (:meth:`SpanLinker._excluded_node`): in a title's or a product name's span
    (``content``, ``product_name``: "woody allen without feathers", "the world without you",
    "42 is not just a number"; were the words after the cue a brand's or a department's
    category's very name, the span would link it: "headphones not beats"), and after a "no"
    that qualifies the product after it (:func:`_cue_is_compound_no`: "no touch thermometer",
    "mens no show socks"; also a "no" inside the span, "clear no chip" in "clear no chip
    nail polish": the words after it; ``kg`` the KG a colour after a "no" opening the query
    may open a name of, "no white noise machine"); else None. The words a cue there precedes are no
    ``ParsedQuery.excluded`` words (``no_cues`` of :func:`fusion.expand.expand`); a title the
    query excludes, the cue before its span ("dvd not the godfather"), is one, and so is one
    whose span opens with the cue right after the product searched (``entities``, the query's
    spans: :func:`_a_title_excluded_after_a_product`, "vinyl not taylor swift")."""
    from fusion.expand import NEGATION_CUES, compound_no_words

    parts = text[entity.start:entity.end].split(maxsplit=1)
    if len(parts) < 2:
        return None
    if entity.kg_id is not None:  # (the span linked as a whole: "no iron" -> Iron)
        return compound_no_words(text, entity.start, entity.end, kg)
    cue = normalize_key(parts[0]).strip(EDGE_MARKS)
    if entity.label in _NAME_LABELS and cue in NEGATION_CUES \
            and _a_title_excluded_after_a_product(text, entity, entities):
        return compound_no_words(text, entity.start, entity.end, kg)
    if entity.label in _NAME_LABELS or (
            cue in NEGATION_CUES and _cue_is_compound_no(text, entity.start, entity.end, cue,
                                                        kg)):
        return entity.end - len(parts[1]), entity.end
    return compound_no_words(text, entity.start, entity.end, kg)

@functools.lru_cache(maxsize=256)
def _query_items(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...],
                                     frozenset[tuple[int, int]]]:
    """The words of the query ``text`` (their offsets), their plain forms and the items its
    negation cues exclude (:func:`fusion.expand.excluded_items`): read once per query, not per
    span (:meth:`SpanLinker._excluded_member` asks for each span that links nothing)."""
    from fusion.expand import excluded_items

    every = tuple((m.start(), m.end()) for m in SPAN_WORD.finditer(text))
    tokens = [normalize_key(text[a:b]) for a, b in every]
    plain_words = tuple(t.strip(EDGE_MARKS) for t in tokens)
    items = frozenset(excluded_items(
        list(plain_words), {i for i, t in enumerate(tokens) if t.endswith(",")}))
    return every, plain_words, items



_EDGE_MARKS = frozenset(EDGE_MARKS)  # (kg.index.EDGE_MARKS: quotes, brackets, punctuation)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
#: An inch or foot mark after a digit ('65"', "6'", "65”").
_UNIT_MARKS = frozenset("\"'”’")
#: A span ending in an abbreviation of single letters with full stops ("u.s.a.", "e.g.").
_ABBREVIATION = re.compile(r"(?:^|\W)(?:[^\W\d_]\.){2,}$")
#: A leading apostrophe of a decade ("'80s").
_DECADE = re.compile(r"['‘’]\d0s\b")


def _parsed(entity: Entity, mention: str, start: int, end: int, best: Any) -> ParsedEntity:
    """The :class:`ParsedEntity` of the tagger's ``entity`` read as ``mention`` at
    ``start:end`` of the query, linked to ``best`` (a :class:`kg.link.LinkCandidate`, or None:
    NIL)."""
    return ParsedEntity(
        text=mention, start=start, end=end, label=entity.label,
        score=round(float(entity.score), 6),
        kg_id=best.iri if best else None, kg_label=best.label if best else None,
        kg_kind=str(getattr(best.kind, "value", best.kind)) if best else None,
        link_score=round(float(best.score), 6) if best else None,
    )


def span_edges(span: str) -> tuple[int, int]:
    """How many characters of punctuation glued to the start and to the end of a tagger span
    (``'"samsung'``, ``'tv,'``, ``'(samsung tv)'``), and the spaces between such marks and the
    words (``'samsung "'``), are no part of what it names. Kept: an inch
    or foot mark after a digit (``65"``, ``6'``), a decimal point before a digit (``.5``), the
    full stop of a letter abbreviation (``u.s.a.``), a decade's apostrophe (``'80s``), and a
    bracket whose partner is inside the span (``memory (ram)``). A span of nothing but such
    marks keeps them all: ``(0, 0)``.

    >>> [span_edges(s) for s in ('"samsung', 'tv"', 'tv,', '(samsung tv)', '65"', "6'", 'c++')]
    [(1, 0), (0, 1), (0, 1), (1, 1), (0, 0), (0, 0), (0, 0)]
    >>> [span_edges(s) for s in ('u.s.a.', 'tv.', '"65"', 'memory (ram)', "'80s", '"!"')]
    [(0, 0), (0, 1), (1, 0), (0, 0), (0, 0), (0, 0)]
    >>> [span_edges(s) for s in ('samsung "', '" samsung', '( samsung tv )', ' ')]
    [(0, 2), (2, 0), (2, 2), (0, 0)]
    """
    i, j = 0, len(span)
    while i < j and (span[i] in _EDGE_MARKS or span[i].isspace()):
        c = span[i]
        if c.isspace():
            i += 1  # ('" samsung"': the space inside the quote)
            continue
        if c == "." and i + 1 < j and span[i + 1].isdigit():
            break  # ".5"
        if _DECADE.match(span, i):
            break
        closer = _OPENERS.get(c)
        if closer is not None and closer in span[i + 1:j]:
            if span[j - 1] != closer or closer in span[i + 1:j - 1]:
                break  # its partner is inside ("(aspca) dogs")
            j -= 1  # "(samsung tv)": both
        i += 1
    while j > i and (span[j - 1] in _EDGE_MARKS or span[j - 1].isspace()):
        c = span[j - 1]
        if c.isspace():
            j -= 1  # ('tv "samsung "': the space before the closing quote)
            continue
        if c in _UNIT_MARKS and j - 2 >= i and span[j - 2].isdigit():
            break  # '65"'
        if c == "." and _ABBREVIATION.search(span[i:j]):
            break
        opener = _CLOSERS.get(c)
        if opener is not None and opener in span[i:j - 1]:
            break  # "memory (ram)"
        j -= 1
    if i >= j:
        return 0, 0
    return i, len(span) - j


@functools.cache
def _taxonomy_alignment() -> type:
    """:class:`fusion.context.TaxonomyAlignment`, imported once (deferred: the intent's
    modules load after this one; an import statement in :func:`path_in_label_space`, asked
    for each candidate category, cost more than the test)."""
    from fusion.context import TaxonomyAlignment

    return TaxonomyAlignment


def path_in_label_space(departments: Any, path: str) -> bool:
    """Whether the category path ``path`` falls in a department of the intent's label space
    ``departments`` (as :func:`_in_label_space`; a module function, so that a linker holding
    it stays picklable: :attr:`kg.link.EntityLinker.label_space`)."""
    if isinstance(departments, _taxonomy_alignment()):
        return path is not None and departments.department(path) is not None
    return bool(path) and path.split(">")[0].strip() in set(departments)


def _space_department(departments: Any, path: str | None) -> str | None:
    """The department of the intent's label space ``departments`` the category path ``path``
    falls in (None: none; without a label space, the path's first category)."""
    from fusion.context import TaxonomyAlignment

    if not path:
        return None
    if isinstance(departments, TaxonomyAlignment):
        return departments.department(path)
    top = path.split(">")[0].strip()
    return top if departments is None or top in set(departments) else None


def _narrows_by(name: str, mention: str) -> frozenset[str]:
    """The words (plural-folded) by which the category name ``name`` narrows the kind the
    ``mention``'s head word names: the other words of the part of the name it heads
    (the one with the fewest; :func:`kg.link.name_heads`). "Case Fans" narrows fans by
    "case", "Fans, Heatsinks & Cooling" and "Keyboards" by nothing; a name no part of which
    the head heads narrows it by all its words.

    >>> _narrows_by("Gaming Keyboards", "keyboard"), _narrows_by("Fans, Heatsinks & Cooling", "fan")
    (frozenset({'gaming'}), frozenset())
    """
    head = word_order(normalize_key(mention))[-1:] if mention else ()
    parts = [word_order(p) for p in NAME_PARTS.split(normalize_key(name))]
    headed = [frozenset(p[:-1]) for p in parts if p and head and p[-1] == head[0]]
    return min(headed, key=len) if headed else frozenset(word_order(normalize_key(name)))


def _pick_namesake(names: Sequence[str], mention: str, dept: str, nodes: Any,
                   linker: Any, query: frozenset[str] = frozenset()) -> str:
    """Of the namesakes ``names`` of a ``mention`` in the department ``dept`` (IRIs of the
    KG's ``nodes``), the one :meth:`SpanLinker._repick` swaps a link for: of the store's own
    tree, then narrowing the kind by the most words of the ``query`` (plural-folded:
    "bluetooth keyboards" is Wireless & Bluetooth Keyboards, "pc case with fans" Case
    Fans; :func:`_narrows_by`), then named for the mention's head word only, then with the
    most of ``names`` below it, then the highest prior of the ``linker``'s table, then the
    first IRI."""
    head = name_heads(normalize_key(mention))
    paths = {c: str(nodes[c].get("path") or "") for c in names}
    prior = getattr(getattr(linker, "table", None), "prior", {})

    def rank(c: str) -> tuple[Any, ...]:
        path = paths[c]
        heads = name_heads(normalize_key(str(nodes[c].get("label") or "")))
        below = sum(p.startswith(path + " >") for p in paths.values())
        named = len(_narrows_by(str(nodes[c].get("label") or ""), mention) & query)
        return (path.split(">")[0].strip() != dept, -named, not heads or not heads <= head,
                -below, -prior.get(c, 0.0), c)

    return min(names, key=rank)


def _coordinated_nouns(linker: EntityLinker, lead: str, head: str) -> bool:
    """Whether ``lead``, the one word before a product span's head (normalised), and the
    head's word ``head`` (plural-folded) are two product nouns side by side, no modifier and
    head (:meth:`SpanLinker._head_and_modifier`): ``lead`` is written plural (a modifier
    is singular: "laptop ram", "phone case") and names another kind, one that a category's
    name coordinates with the head's (:meth:`kg.link.EntityLinker.coordinated`): Best Buy's
    breadcrumb query "adapters chargers" (Laptop Chargers & Adapters) read "adapters" as a
    modifier linking Cell Phones' Adapters and "chargers" as the product searched. The
    breadcrumbs that name one kind twice ("tv antennas ht antennas", "projector mounts tv
    mounts", "digital slr cameras dslr cameras") keep their head's link, and a lead of more
    words ("cell phones signal boosters", "cell phones posa refill cards") its modifier."""
    folded = word_order(lead)
    if len(folded) != 1 or folded[0] == lead.strip(EDGE_MARKS) or folded[0] == head:
        return False  # (a singular, a number, a function word: a modifier's; the head's
        #               own word again)
    return linker.coordinated(folded[0], head)


def _brand_label(linker: Any) -> str | None:
    """The tagger label the linker ``linker`` links brands only under
    (:func:`kg.link.brand_label`; a linker of another kind, or None: the default labels)."""
    if isinstance(linker, EntityLinker):
        return linker.brand_only_label  # (read once per linker)
    config = getattr(linker, "config", None)
    return brand_label(config.label_kinds if config is not None else DEFAULT_LABEL_KINDS)


def _product_label(linker: Any) -> str:
    """The tagger label the linker ``linker`` links a product searched under
    (:meth:`SpanLinker._searched_product`): of its config's label map (a linker of another
    kind, or None: the default map), the first label that links to product types and
    categories only, one of the head labels (:data:`kg.link.HEAD_LABELS`: the tagger's
    product-type labels) first (``core_product_type`` in the default map, ``HC`` in the
    Chinese labels); :data:`_PRODUCT_LABEL` when the map has none (the link then raises
    ValueError for a map without it: no product searched)."""
    config = getattr(linker, "config", None)
    kinds_of = config.label_kinds if config is not None else DEFAULT_LABEL_KINDS
    products = [lab for lab, kinds in kinds_of.items()
                if kinds and all(k in _PRODUCT_KINDS for k in kinds)]
    return next((lab for lab in products if lab in HEAD_LABELS),
                products[0] if products else _PRODUCT_LABEL)


def linked_entities(entities: Sequence[ParsedEntity]) -> list[LinkedEntity]:
    """The fusion model's view of a parse's links: one :class:`fusion.LinkedEntity` per linked
    node (its kind, its best link score clipped to [0, 1], that mention's tagger label and
    text, a trademark sign or a control character in it a space, as the expansion reads the
    query: :func:`parser.tagger.text.separators_to_spaces`), best first."""
    from fusion.types import ROLES, LinkedEntity

    best: dict[str, tuple[str, float, str, str]] = {}
    for e in entities:
        if e.kg_id is None or e.kg_kind not in ROLES[:-1]:
            continue
        score = float(e.link_score or 0.0)
        score = min(max(score, 0.0), 1.0) if math.isfinite(score) else 0.0
        if e.kg_id not in best or best[e.kg_id][1] < score:
            best[e.kg_id] = (str(e.kg_kind), score, e.label, separators_to_spaces(e.text))
    return [LinkedEntity(iri, kind, score, label, mention)
            for iri, (kind, score, label, mention) in sorted(best.items(),
                                                             key=lambda kv: (-kv[1][1], kv[0]))]


def label_space(fusion: FusionModel | None) -> Any:
    """The intent's label space, as expansion reads it: the fusion context's taxonomy
    alignment, or the model's departments (None without a fusion model ``fusion``)."""
    if fusion is None:
        return None
    context = fusion.context
    return context.taxonomy if context is not None else fusion.lvl0_labels


class SpanLinker:
    """The link stage of a :class:`parser.pipeline.QueryParser`: links the tagged spans of a
    query (:meth:`link_spans`, :meth:`link_entities`, :meth:`link_entity`) and re-picks a
    link after the intent (:meth:`repick`), with the rules this module documents.

    Built from what the stage reads: the KG ``kg``, the parser's ``config``
    (``link_labels_only``), its ``linker`` settings (a :class:`kg.link.EntityLinker`, or
    None), the ``tagger`` (its WordPiece vocabulary), the intent model ``fusion`` (its label
    space), the ``expander`` (its KG) and ``owner``, the parser whose
    :meth:`~parser.pipeline.QueryParser.recording_links` blocks record this stage's link
    calls. ``links_with``: the entity linker made by a stage before this one (kept while the
    parser's linker, KG and intent model are the same: :meth:`entity_linker`).

    >>> from kg import ProductGraph
    >>> SpanLinker(ProductGraph.in_memory(), ParserConfig()).entity_linker() is None
    True
    """

    def __init__(self, kg: ProductGraph, config: ParserConfig, *,
                 linker: EntityLinker | None = None, tagger: Any = None,
                 fusion: FusionModel | None = None, expander: Any = None, owner: Any = None,
                 links_with: tuple[Any, ...] | None = None) -> None:
        self.kg = kg
        self.config = config
        self.linker = linker
        self.tagger = tagger
        self.fusion = fusion
        self.expander = expander
        self.owner = self if owner is None else owner
        if links_with is not None:
            self._links_with = links_with

    @property
    def _label_space(self) -> Any:
        """The intent's label space (:func:`label_space`)."""
        return label_space(self.fusion)

    def link_entity(self, text: str, entity: Entity, query: QueryContext | None = None
                    ) -> ParsedEntity:
        """The entity of one tagged span of the query ``text``, linked as a parse links it (the
        rules: :meth:`parser.pipeline.QueryParser.link_entity`, which calls this)."""
        mention, start, end = entity.text, entity.start, entity.end
        plain = separators_to_spaces(text)  # (the same offsets as text)
        context = self._link_context(plain, query)
        if text[start:end] == mention:
            lead, trail = span_edges(mention)
            if (lead or trail) and not self._is_name(mention):
                start, end = start + lead, end - trail
                mention = text[start:end]
        # the linker's own label -> kinds map decides: labels mapped to no kind (price ...) come
        # back NIL; a label it does not know raises ValueError and is linked without a type
        # constraint only when link_labels_only is off
        linker = self.entity_linker()
        link = self._link_fn(linker)
        try:
            best = link(separators_to_spaces(mention), label=entity.label, context=context).best
        except ValueError:
            best = None if self.config.link_labels_only else \
                link(separators_to_spaces(mention), label=None, context=context).best
        if best is not None and text[start:end] == mention \
                and _a_compound_link(plain, start, end, best, getattr(self.expander, "kg", None)):
            best = None  # ("no iron" in "mens no iron dress shirts" is no Iron)
        if best is not None and entity.label == "product_name" \
                and _a_category_in_a_named_product(mention, best):
            best = None  # ("not a perfume": a fragrance's name, no Perfume & Cologne)
        if best is None and text[start:end] == mention:
            best = self._excluded_node(plain, start, end, entity.label, linker, context)
        if best is None and text[start:end] == mention \
                and LABEL_GROUPS.get(entity.label) != "audience":  # ("gift for brother")
            fitted = self._fitted_brand(plain, start, end, linker, context)
            if fitted is not None:
                best, start, end = fitted
                mention = text[start:end]
        if best is None and text[start:end] == mention:  # "bose brand", "samsung brand"
            named = self._named_brand(plain, start, end, linker, context)
            if named is not None:
                best, end = named
                mention = text[start:end]
        if best is None and text[start:end] == mention:  # "samsung and not" of "... not lg"
            named = self._before_a_cue(plain, start, end, entity.label, linker, context)
            if named is not None:
                best, end = named
                mention = text[start:end]
        return _parsed(entity, mention, start, end, best)

    def link_entities(self, text: str, entity: Entity, query: QueryContext | None = None
                      ) -> list[ParsedEntity]:
        """The entities of one tagged span of the query ``text``: its own, or the parts it names
        side by side (the rules: :meth:`parser.pipeline.QueryParser.link_entities`, which calls
        this)."""
        return self._link_entities(text, entity, query)[0]

    def _link_entities(self, text: str, entity: Entity, query: QueryContext | None = None
                       ) -> tuple[list[ParsedEntity], ParsedEntity | None]:
        """:meth:`link_entities`, and the span's own entity (linking nothing) where the parts
        are its head and modifier (:meth:`_head_and_modifier`), else None: what
        :meth:`link_spans` goes back to when the query's other links contradict the head
        (:meth:`_contradicted_heads`)."""
        if query is None:
            query = self._link_query(separators_to_spaces(text))
        ent = self.link_entity(text, entity, query)
        if ent.kg_id is not None:
            return [ent], None
        words = [(ent.start + m.start(), ent.start + m.end())
                 for m in SPAN_WORD.finditer(text[ent.start:ent.end])]
        cuts = [i for i, (a, b) in enumerate(words[1:-1], 1)
                if text[a:b].casefold() in _ALTERNATIVE_WORDS]
        if cuts:
            parts = [p for lo, hi in itertools.pairwise([-1, *cuts, len(words)]) if lo + 1 < hi
                     for p in self.link_entities(text, replace(
                         entity, text=text[words[lo + 1][0]:words[hi - 1][1]],
                         start=words[lo + 1][0], end=words[hi - 1][1]), query)]
            return (parts if any(p.kg_id is not None for p in parts) else [ent]), None
        split = self._excluded_brands(text, entity, words, query) \
            or self._excluded_member(text, entity, words, query) \
            or self._brand_and_rest(text, entity, words, query)
        if split:
            return split, None
        head = self._head_and_modifier(text, entity, words, query)
        return (head, ent) if head else ([ent], None)

    def _contradicted_heads(self, linked: Sequence[tuple[list[ParsedEntity], ParsedEntity | None]]
                            ) -> list[list[ParsedEntity]]:
        """The entities of each span of a query (``linked``: each span's entities and, where
        they are its head and modifier, its own entity, :meth:`_link_entities`), a head's span
        back to its own entity (linking nothing) where the query's other spans link a
        category or product type the head's link contradicts (:func:`kg.taxonomy.contradicts`): the
        product the query names is then theirs, and the head only a wider or another kind.
        Best Buy's breadcrumb queries name a category and a kind or its parent beside it:
        "dslr body only dslr cameras" linked DSLR Body Only, and its "dslr cameras" All DSLRs
        beside it (a filter of Digital SLR Cameras, not DSLR Body Only); "ipod shuffle mp3
        nano shuffle" iPod shuffle and iPod nano; "video games xbx1 power" Video Games and
        Electronics' Power."""
        others = [[p.kg_id for p in parts if p.kg_id is not None and p.kg_kind in _PRODUCT_KINDS]
                  for parts, _ in linked]
        out = []
        for i, (parts, own) in enumerate(linked):
            if own is not None:
                heads = [p.kg_id for p in parts
                         if p.kg_id is not None and p.label != _MODIFIER_LABEL]
                if any(taxonomy.contradicts(self.kg, h, o) for h in heads
                       for j, ids in enumerate(others) if j != i for o in ids):
                    parts = [own]
            out.append(parts)
        return out

    def _head_and_modifier(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                           query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The head of a product span of the words ``words`` (their offsets in ``text``) that
        links nothing as tagged (a product type's label, :data:`kg.link.LABEL_GROUPS` ``type``,
        or ``product_name``) and the words before it, two entities; or one entity of the whole
        span where a category below the head's names those words; None when no head links
        as below. No KG name holds the whole compound ("laptop ram", "skin toner"), so the
        query linked nothing and its intent, following the first word (Laptops), searched
        laptops for RAM.

        The head is the longest run of the span's last words (not opening with a function
        word) that links as tagged (:meth:`link_entity`) to a category or a product type,
        when the query's other words support the link (:func:`kg.taxonomy.supported`: a content
        word of
        the query outside the head is a word of the node's path or of the names of the
        categories two levels below it; no word of :meth:`kg.link.EntityLinker.common_words`,
        "accessories", "kits", "cases"). Support from the names below alone (the query names
        a kind below the head's category) takes words before the head that are the very name
        of a category of its department (:meth:`_lead`: "juicer appliances"), else no head:
        "webcams pc cameras" searches no Cameras, "modems cable hardware" no Hardware. A
        one-word head whose link they do not support links the first of the KG's other
        categories it names (:meth:`kg.link.EntityLinker.namesakes`) that the words before it
        name as the kind it is (:func:`kg.taxonomy.names_the_kind`: "skin" of Skin Care > Toners &
        Astringents, not "work" of Work Safety Protective Gear > Bullet Proof Vests), or that
        holds a category they name (:func:`kg.taxonomy.named_below`): "toner" links the
        printer's Toner,
        "skin toner" Toners & Astringents (Skin Care); "ram" Google's RAM, "laptop ram" Best
        Buy's Memory (RAM). Where a category below the head's link is named by the words
        before it and the head's link's own words ("Laptop Memory" below Memory (RAM)), the
        whole span links it; not where that category is of another part of the head's
        link's name, or its name holds the head's word but heads another ("laser toner" is no
        Laser Printers below Printers, Ink & Toner). Else the words before the head are an
        entity of their own, a ``modifier`` (:meth:`_lead`). The query's other links may
        still undo it (:meth:`_contradicted_heads`).

        Two product nouns side by side ("adapters chargers": :func:`_coordinated_nouns`) are
        no modifier and head: none.

        No head links a category whose name holds the head's word but heads another word
        (:func:`kg.taxonomy.heads_another_word`: "knob lock" is no Vehicle Door Lock Knobs), nor one
        beside a category the query's other words name (:func:`kg.taxonomy.names_a_sibling`: "radio
        replacement modules deck harness" is no search of Deck Harnesses).

        A generic head (a word of every department, a last word of :meth:`kg.link.
        EntityLinker.common_words`: "car accessories", "hitch kit"), a head the query's words
        do not support ("christmas tree": Trees are plants), words before the head that hold
        a negation cue, a fits word or a function word ("not skin toner", "toner for skin"),
        or a parse that links with ``kg.link`` (no :class:`kg.link.EntityLinker`): none."""
        linker = self.entity_linker()
        if not isinstance(linker, EntityLinker) or len(words) < 2 or not (
                entity.label == "product_name" or LABEL_GROUPS.get(entity.label) == "type"):
            return None
        # (deferred, as this module's other uses: importing fusion.expand loads torch)
        from fusion.expand import NEGATION_CUES

        plain = separators_to_spaces(text)
        keys = [normalize_key(plain[a:b]).strip(EDGE_MARKS) for a, b in words]
        common = linker.common_words()
        last = word_order(keys[-1])
        if not last or last[-1] in common:
            return None  # ("car accessories", "hitch kit": a word of every department)
        word = last[-1]  # (the head's word: the kind of product searched)
        for n in range(1, len(words)):  # (the longest head first)
            if any(w in FUNCTION_WORDS or w in NEGATION_CUES or w in FITS_WORDS or not w
                   for w in keys[:n]):
                return None  # (a cue or a function word: no compound "<modifier> <head>")
            if keys[n] in FUNCTION_WORDS:
                continue  # ("heating and cooling fan": no head "and cooling fan")
            start, end = words[n][0], words[-1][1]
            head = self.link_entity(text, replace(entity, text=text[start:end], start=start,
                                                  end=end), query)
            own = word_set(" ".join(keys[n:]))
            if head.kg_id is None or head.kg_kind not in _PRODUCT_KINDS \
                    or head.start != start or head.end != end \
                    or taxonomy.heads_another_word(self.kg, head.kg_id, word, own):
                continue
            said = word_set(normalize_key(plain)) - own - common - FUNCTION_WORDS
            on_path = taxonomy.supported(self.kg, linker, head.kg_id, said, below=False)
            below_only = not on_path and taxonomy.supported(self.kg, linker, head.kg_id, said,
                                                            below=True)
            if not on_path and not below_only:
                # (another category the head names, of a kind the words before it name, or
                # of which a category below is named by them: "ram" links Google's RAM,
                # "laptop ram" is Best Buy's Memory (RAM), which holds Laptop Memory)
                lead = word_set(" ".join(keys[:n])) - own - common - FUNCTION_WORDS
                other = next((c for c in linker.namesakes(head.kg_id, plain[start:end])
                              if taxonomy.named_below(self.kg, c, keys[:n], word,
                                                      linker=linker) is not None
                              or taxonomy.names_the_kind(self.kg, linker, c, lead, own,
                                                      word_set(keys[n - 1]))),
                             None) if n == len(words) - 1 else None
                if other is None:
                    continue
                head = replace(head, kg_id=other, kg_kind="category", kg_label=str(
                    self.kg.to_networkx().nodes[other].get("label") or other))
            if taxonomy.names_a_sibling(self.kg, linker, head.kg_id, said):
                continue  # ("radio replacement modules deck harness": no Deck Harnesses)
            if n == 1 and _coordinated_nouns(linker, keys[0], word):
                return None  # ("adapters chargers": no modifier and head, two kinds side
                #              by side)
            a, b = words[0][0], words[n - 1][1]
            named = taxonomy.named_below(self.kg, head.kg_id, keys[:n], word, linker=linker)
            if named is not None:  # ("laptop ram": Memory (RAM) > Laptop Memory)
                return [replace(head, text=text[a:end], start=a, kg_id=named,
                                kg_label=str(self.kg.to_networkx().nodes[named].get("label")))]
            lead_entity = self._lead(text, entity, a, b, head.kg_id, query)
            if below_only and lead_entity.kg_id is None:
                # (the query's words name only a kind below the head's category, which the
                # words before it are not the name of: "webcams pc cameras" is no search of
                # all Cameras, "modems cable hardware" none of all Hardware)
                continue
            return [lead_entity, head]
        return None

    def _lead(self, text: str, entity: Entity, start: int, end: int, head: str,
              query: QueryContext | None) -> ParsedEntity:
        """The entity of the words ``text[start:end]`` a product span holds before its head
        (:meth:`_head_and_modifier`), labelled ``modifier``: linked to the category or product
        type they are the very name of (an exact or alias match of their words in order,
        read as a modifier) when it shares a department with the head's link ``head``
        ("cell phones" of "cell phones signal boosters"); else unlinked ("power" of "mini
        power washer" is no Power supply, "laptop" of "laptop ram" no laptop searched)."""
        linker = self.entity_linker()
        plain = separators_to_spaces(text)
        mention = plain[start:end]
        best = self._link_fn(linker)(mention, label=_MODIFIER_LABEL,
                                     context=self._link_context(plain, query)).best
        if best is not None and not (
                best.match_type in ("exact", "alias")
                and str(getattr(best.kind, "value", best.kind)) in _PRODUCT_KINDS
                and word_order(normalize_key(mention)) == word_order(
                    normalize_key(best.matched_alias))
                and not taxonomy.departments(self.kg, best.iri).isdisjoint(
                    taxonomy.departments(self.kg, head))):
            best = None
        return _parsed(replace(entity, label=_MODIFIER_LABEL), text[start:end], start, end,
                       best)

    def _excluded_brands(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                         query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The brands a negation cue inside a span of the words ``words`` (their offsets in
        ``text``) that links nothing excludes, each an entity of its own (its words' text and
        offsets, the tagger's label and score), when the words after the cue are a brand's
        very name (an exact or alias match, the linker's brand-only label): "that is not dell",
        "not made by sony", "excluding samsung and lg", "not lg, not sony", "not beats, not"
        (:func:`fusion.expand.excluded_items`). The tagger took the cue and the words before
        it into the span, which then linked nothing: no DOWN boost, and the excluded words
        had no ``kg_id``. The expansion reads the cue before each brand's words (:func:`fusion.
        expand._negated`). None when no such brand is named.

        The span's words before the cue and its clause ("tv" of "tv not insignia", which the
        tagger took as one ``content`` span, the whole query), when they are the very name
        of a category or a product type (an exact or alias match, read as the searched
        product: the linker's product label, ``core_product_type`` by default), are an entity
        of their own too, the product
        searched: the query keeps its product link and filter beside the excluded brand.
        In a title's or a product name's span (``content``, ``product_name``) other words
        before the cue ("the not a cat cat", "are we not cats"), or, where the span is the
        whole query, none ("the world without you", "not the godfather"), make it a title:
        no brand excluded. In such a span whose words before the cue are the product
        searched and whose words after it name no brand ("books not harry potter"), those
        after it are a title it excludes: the product's entity and one of the rest from the
        cue on, linking nothing (:func:`_a_title_excluded_after_a_product`)."""
        linker = self.entity_linker()
        label = _brand_label(linker)
        if label is None or len(words) < 2:
            return None
        from fusion.expand import NEGATION_CUES, excluded_items, free_from_words

        tokens = [normalize_key(text[a:b]) for a, b in words]
        plain_words = [t.strip(EDGE_MARKS) for t in tokens]
        items = excluded_items(plain_words,
                               {i for i, t in enumerate(tokens) if t.endswith(",")},
                               after=bool(text[:words[0][0]].strip()))
        if not items:
            return None
        plain = separators_to_spaces(text)
        context = self._link_context(plain, query)
        # the words before the cue and its clause: the product searched ("tv not insignia")
        lead = items[0][0]
        while lead > 0 and plain_words[lead - 1] in clause_words():
            lead -= 1
        product = self._searched_product(text, entity, words[:lead], context) if lead else None
        # (the cue itself, past the clause words before it: "books but not harry potter")
        cue_at = next((i for i in range(lead, items[0][0]) if plain_words[i] in NEGATION_CUES),
                      lead)
        whole = not (text[:words[0][0]] + text[words[-1][1]:]).strip()
        if entity.label in _NAME_LABELS and product is None and (whole or lead):
            return None  # (a title's span, the whole query: "the world without you"; a
            #              title's words before the cue: "the not a cat cat")
        link = self._link_fn(linker)
        out = []
        for a, b in items:
            start, end = words[a][0], words[b - 1][1]
            lead, trail = span_edges(text[start:end])
            start, end = start + lead, end - trail
            if start >= end or free_from_words(plain[start:end]):
                continue  # (what the products are free of: "tea that has no caffeine")
            best = link(plain[start:end], label=label, context=context).best
            if best is None or not _names_it_whole(plain[start:end], best):
                continue
            out.append(_parsed(entity, text[start:end], start, end, best))
        if not out and product is not None and entity.label in _NAME_LABELS \
                and plain_words[cue_at] in NEGATION_CUES:
            # (no brand after the cue: the product searched, and the rest of the span from
            # the cue, a title it excludes, "books not harry potter":
            # :func:`_a_title_excluded_after_a_product`)
            start = words[cue_at][0]
            return [product, _parsed(entity, text[start:words[-1][1]], start,
                                     words[-1][1], None)]
        return [product, *out] if out and product is not None else out or None

    def _searched_product(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                          context: str | QueryContext) -> ParsedEntity | None:
        """The entity of the words ``words`` (their offsets in ``text``) that a span holds
        before a negation cue, when they are the very name of a category or a product type
        (an exact or alias match, read under the linker's product label,
        :func:`_product_label`: ``core_product_type`` by default): the product the query
        searches ("tv" of "tv not insignia"); else None."""
        start, end = words[0][0], words[-1][1]
        lead, trail = span_edges(text[start:end])
        start, end = start + lead, end - trail
        mention = separators_to_spaces(text)[start:end]
        if start >= end or function_words_only(mention):
            return None
        linker = self.entity_linker()
        link = self._link_fn(linker)
        label = _product_label(linker)
        try:
            best = link(mention, label=label, context=context).best
        except ValueError:  # (a linker without the label)
            return None
        if best is None or str(getattr(best.kind, "value", best.kind)) not in _PRODUCT_KINDS \
                or not _names_it_whole(mention, best):
            return None
        return _parsed(replace(entity, label=label), text[start:end], start, end, best)

    def _excluded_member(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                         query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The brand a span of the words ``words`` (their offsets in ``text``) that links
        nothing names, when its words are the whole of an item a negation cue before the span
        excludes (:func:`fusion.expand.excluded_items`: "lg" of "monitor not samsung or lg",
        "hp" of "laptop not dell or hp", tagged ``modifier``, a label that links no brand)
        and a brand's very name (an exact or alias match, the linker's brand-only label):
        one entity, the tagger's label kept. No cue of a "no" opening the query or
        qualifying the product after it ("no show socks": :func:`_cue_is_compound_no`)."""
        linker = self.entity_linker()
        label = _brand_label(linker)
        if label is None or not words:
            return None
        from fusion.expand import NEGATION_CUES

        every, plain_words, items = _query_items(text)
        try:
            first, last = every.index(words[0]), every.index(words[-1])
        except ValueError:  # (the span is no run of the query's words)
            return None
        if (first, last + 1) not in items:
            return None
        cue = next((j for j in range(first - 1, -1, -1) if plain_words[j] in NEGATION_CUES),
                   None)
        plain = separators_to_spaces(text)
        if cue is not None and _cue_is_compound_no(plain, every[cue][0], words[-1][1],
                                                   plain_words[cue]):
            return None  # ("no" opening the query or qualifying a product: a compound)
        start, end = words[0][0], words[-1][1]
        lead, trail = span_edges(text[start:end])
        start, end = start + lead, end - trail
        if start >= end:
            return None
        link = self._link_fn(linker)
        best = link(plain[start:end], label=label,
                    context=self._link_context(plain, query)).best
        if best is None or not _names_it_whole(plain[start:end], best):
            return None
        return [_parsed(entity, text[start:end], start, end, best)]

    def _link_query(self, plain: str) -> QueryContext | None:
        """The query ``plain`` (a trademark sign or a control character a space:
        :func:`parser.tagger.text.separators_to_spaces`) as the linker reads it, once for the
        link calls of all its spans (:class:`kg.link.QueryContext`); None when the parse links
        with another kind of linker (:meth:`entity_linker`), which is told the text. (The
        KG's own linker, without one, reads a context as an :class:`kg.link.EntityLinker`.)"""
        linker = self.entity_linker()
        return QueryContext.of(plain) if linker is None or isinstance(linker, EntityLinker) \
            else None

    def _link_context(self, plain: str, query: QueryContext | None) -> str | QueryContext:
        """The ``context`` the link calls of a span of the query ``plain`` pass: its
        :class:`kg.link.QueryContext` ``query`` (made here without one, or one of another
        text), or the text for another kind of linker."""
        if query is None or query.text != plain:
            query = self._link_query(plain)
        return query if query is not None else plain

    def _brand_and_rest(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                        query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The brand a span of the words ``words`` (their offsets in ``text``) that links
        nothing opens with and the rest of it, two entities, when both link (see
        :meth:`link_entities`); else None."""
        linker = self.entity_linker()
        label = _brand_label(linker)
        if linker is None or label is None or len(words) < 2:
            return None
        plain = separators_to_spaces(text)
        context = self._link_context(plain, query)
        for n in range(min(len(words) - 1, 4), 0, -1):
            a, b = words[0][0], words[n - 1][1]
            if not linker.names_only_a_brand(plain[a:b]):
                continue
            brand = self._link_fn(linker)(plain[a:b], label=label, context=context).best
            if brand is None:
                continue
            start, end = words[n][0], words[-1][1]
            rest = self.link_entity(text, replace(entity, text=text[start:end], start=start,
                                                  end=end), query)
            if rest.kg_id is not None and self._makes(brand.iri, rest.kg_id, plain[start:end]):
                return [_parsed(entity, text[a:b], a, b, brand), rest]
        return None

    def _makes(self, brand: str, node: str, rest: str) -> bool:
        """Whether the KG sells the brand ``brand`` what the words ``rest`` after its name
        name (linked to ``node``): in the department (the first category of the path) of the
        category ``node`` ("whirlpool refrigerator"), or in a category whose name is headed by
        the head word of ``rest`` ("whirlpool washer": Washers & Dryers; "washer" links
        Google's hardware Washers, the KG's only node of that name). A brand's name opening a
        span is the maker of what the rest names where it makes such things; brand names
        from name lists are words too, which the KG sells nothing under or nothing like:
        split off, "keto coffee" gave the brand Keto, "caffeine tablet" the brand caffeine
        (sold in bowls) and computer tablets, "polaroid camera" the brand Polaroid (right,
        but the KG cannot tell it from those)."""
        nodes = self.kg.to_networkx().nodes

        dept, heads = taxonomy.department(self.kg, node), name_heads(normalize_key(rest))
        return any((dept is not None and taxonomy.department(self.kg, c) == dept)
                   or not heads.isdisjoint(
            name_heads(normalize_key(str(nodes[c].get("label") or ""))))
            for c in brand_categories(self.kg, brand, spelled_alike=True)  # (the expansion's)
            if c in nodes)

    def _link_fn(self, linker: EntityLinker | None) -> Any:
        """The link function a stage links with: ``linker.link`` (else the KG's), recording
        its calls to the innermost :meth:`~parser.pipeline.QueryParser.recording_links` block
        open in this context for this stage's parser (``owner``) or, of a market parser, for its
        parent (one ``ContextVar.get`` per stage otherwise)."""
        link = linker.link if linker is not None else self.kg.link
        blocks = LINK_RECORDER.get()
        if not blocks:
            return link
        parent = getattr(self.owner, "_recorded_as", self.owner)
        calls = next((c for p, c in reversed(blocks) if p is self.owner or p is parent), None)
        if calls is None:
            return link

        def recorded(mention: str, label: str | None = None, context: Any = None) -> Any:
            result = link(mention, label=label, context=context)
            calls.append(LinkCall(mention, label, context, result))
            return result

        return recorded

    def entity_linker(self) -> EntityLinker | None:
        """The linker parses link with: :attr:`linker` (a bundle's settings) or the KG's
        default one, told the tagger's WordPiece vocabulary (``vocab.txt`` in a WordPiece
        tagger's folder) unless its settings name one, so that a word of the vocabulary is no
        typo of a KG name ("lightning" is no "Lighting": :attr:`kg.link.LinkerConfig.
        word_pieces`), and, with an intent model, its label space (of the categories of one
        name that the query does not tell apart, the one in it is the link:
        :attr:`kg.link.EntityLinker.label_space`); None: link with ``kg.link`` (no settings,
        no vocabulary, no intent model)."""
        cached = getattr(self, "_links_with", None)
        if cached is not None and cached[0] is self.linker and cached[1] is self.kg \
                and cached[3] is self.fusion:  # (a KG commit keeps the model's label space)
            return cached[2]
        space = self._label_space
        linker = self.linker
        folder = getattr(self.tagger, "path", None)
        model = getattr(getattr(self.tagger, "tokenizer", None), "model", None)
        vocab = Path(folder) / "vocab.txt" if folder is not None else None
        # (a linker of another kind, e.g. a test's, is used as it is)
        if vocab is not None and type(model).__name__ == "WordPiece" and vocab.is_file() \
                and (linker is None or (isinstance(linker, EntityLinker)
                                        and linker.config.word_pieces is None)):
            config = linker.config if linker is not None else LinkerConfig()
            linker = EntityLinker(self.kg, replace(config, word_pieces=str(vocab)))
        if space is not None and (linker is None or (isinstance(linker, EntityLinker)
                                                     and linker.label_space is None)):
            # of the categories of one name the query does not tell apart, the one the intent
            # model knows: a catalogue's own "Pressure Cookers" does not displace the store's
            linker = EntityLinker(self.kg, linker.config if linker is not None else None,
                                  label_space=functools.partial(path_in_label_space, space))
        self._links_with = (self.linker, self.kg, linker, self.fusion)
        return linker

    def _fitted_brand(self, text: str, start: int, end: int, linker: EntityLinker | None,
                      context: str | QueryContext | None = None
                      ) -> tuple[Any, int, int] | None:
        """The brand named after a compatibility cue opening the span ``text[start:end]``
        ("for canon", "compatible with my lg", "for dell laptop"), with the offsets of its
        words, or None. The tagger often labels such a span ``modifier``, a label that never
        links to a brand, so "charger for samsung" lost Samsung. The words after the cue (the
        longest run of up to four from the first that links) are linked as a brand (the
        linker's brand-only label, :func:`kg.link.brand_label`). A second guess at a span the
        tagger did not read as a brand, it takes only a brand's own name as written (case
        aside: no alias, plural or typo: "for home" is no "@home", "for cats" no "CAT") and a
        brand the KG knows something under (an edge or a popularity: prior above 0; not a
        name list's "Kids" in "apron for kids"). The entity then spans the brand's words, so
        the expansion reads the cue before them: the device an accessory fits, an UP boost,
        not a brand filter. ``context``: the query as the link calls pass it (default
        ``text``)."""
        span = text[start:end]
        cut = fits_cue_end(span)
        label = _brand_label(linker)
        if not cut or label is None:
            return None
        link = self._link_fn(linker)
        words = [(start + cut + m.start(), start + cut + m.end())
                 for m in SPAN_WORD.finditer(span[cut:])][:4]
        for n in range(len(words), 0, -1):
            a, b = words[0][0], words[n - 1][1]
            best = link(text[a:b], label=label, context=text if context is None else context
                        ).best
            if best is not None and best.match_type == "exact" and best.prior > 0:
                return best, a, b
        return None

    def _named_brand(self, text: str, start: int, end: int, linker: EntityLinker | None,
                     context: str | QueryContext | None = None) -> tuple[Any, int] | None:
        """The brand named by the words before a trailing "brand"/"brands" of the span
        ``text[start:end]`` ("bose brand" in "bose brand headphones": no KG name holds the
        word), linked with the linker's brand-only label, and where those words end; or
        None. ``context``: the query as the link calls pass it (default ``text``)."""
        named = _TRAILING_BRAND.search(text[start:end])
        label = _brand_label(linker)
        if named is None or label is None:
            return None
        link = self._link_fn(linker)
        best = link(text[start:start + named.start()], label=label,
                    context=text if context is None else context).best
        return (best, start + named.start()) if best is not None else None

    def _before_a_cue(self, text: str, start: int, end: int, label: str,
                      linker: EntityLinker | None,
                      context: str | QueryContext | None = None) -> tuple[Any, int] | None:
        """The node the words of the span ``text[start:end]`` before a trailing negation cue
        (with the words of its clause before it: "and not", ", not", "but not") name, and
        where those words end; or None. The cue opens the next clause, so the tagger took
        one clause's word too many: "samsung and not" of "tv not samsung and not lg" linked
        nothing, and the brand the first "not" excludes had no ``kg_id`` (no DOWN boost).
        Only the very name of a node (an exact or alias match with the words in their
        order, under the span's label), as :meth:`_excluded_brands` reads the words after a
        cue; a span whose words are a cue and clause words only links nothing here."""
        from fusion.expand import NEGATION_CUES

        words = [m.span() for m in SPAN_WORD.finditer(text, start, end)]
        keys = [normalize_key(text[a:b]).strip(EDGE_MARKS) for a, b in words]
        clause = clause_words()
        cut = len(words)
        while cut > 1 and (keys[cut - 1] in NEGATION_CUES or keys[cut - 1] in clause
                           or not keys[cut - 1]):
            cut -= 1
        if cut == len(words) or not any(k in NEGATION_CUES for k in keys[cut:]) \
                or keys[cut - 1] in clause:
            return None
        head_end = words[cut - 1][1]
        head_end -= span_edges(text[start:head_end])[1]
        if head_end <= start:
            return None
        head = text[start:head_end]
        try:
            best = self._link_fn(linker)(head, label=label,
                                         context=text if context is None else context).best
        except ValueError:
            return None
        if best is None or not _names_it_whole(head, best):
            return None
        return best, head_end

    def _excluded_node(self, text: str, start: int, end: int, label: str,
                       linker: EntityLinker | None,
                       context: str | QueryContext | None = None) -> Any | None:
        """The node the words after a negation cue opening the span ``text[start:end]`` name
        ("not gaming", "without freezer", "non samsung"), or None. The tagger often takes the
        cue into the span and labels it ``condition`` (QueryNER's label of "without X", which
        links nothing) or ``modifier`` (which links no brand and rarely a category: "not
        headphones" linked nothing), so the exclusion was lost: no DOWN boost, and the intent
        and expansions could follow the excluded word. The label is that of the whole phrase,
        not of the words excluded, so they are linked with the tagger's label, then, when that
        links nothing, without a type constraint (``label=None``: the linker's best reading).
        In a title or product name (``content``, ``product_name``: "woody allen without
        feathers") only the very name of a brand or of a category of a department the rest of
        the query names ("headphones not beats", tagged ``content``:
        :meth:`_names_an_excluded_thing`); never for a "no" that opens the query, a compound
        qualifying what follows ("no touch thermometer", "no slip socks"; "dress no pink"
        excludes).
        The cue words are the expansion's (:data:`fusion.expand.NEGATION_CUES`): "non" only
        before a brand or a colour, as there ("non stick" is a kind of pan; "non black shirt":
        :func:`fusion.expand.colour_words`); a "non" hyphenated to the word after it is the same
        cue ("shirt non-black" as "shirt non black"). A node named by a cue the words do not say
        is none of theirs (:func:`_names_the_opposite`: "not fit" is no "Non-fit"). (One letter
        after the cue, "not w", links as it does: the expansion excludes it with no DOWN boost
        and no ``kg_id`` on its excluded words, :func:`fusion.expand.exclusions._too_bare`.) The
        entity keeps the span, cue included, so the expansion reads the cue as the span's first
        word: a DOWN boost, never a filter or an expansion
        (:func:`fusion.expand.negation._negated`).
        ``context``: the query as the link calls pass it (default ``text``).

        A span that is a KG name holding the cue once its possessives are written without the
        apostrophe ("not your mother's": the brand "not your mothers") links that name: a cue
        inside a name is none (:meth:`_possessive_name`). Words naming what the products
        wanted are free of ("no caffeine", "non gmo", "without additives":
        :func:`fusion.expand.free_from_words`) link nothing: no brand "caffeine" or category
        Bath Additives to demote (the parse's ``excluded`` words mark them ``free_from``)."""
        span = text[start:end]
        parts = span.split(maxsplit=1)
        if len(parts) == 1 and _HYPHENATED_NON.match(span):
            parts = ["non", span[4:]]  # ("shirt non-black": "non black", one word typed)
        if len(parts) < 2:
            return None
        from fusion.expand import (
            NEGATION_CUES,
            VALUE_NEGATION_CUES,
            colour_words,
            free_from_words,
        )

        cue = normalize_key(parts[0]).strip(EDGE_MARKS)
        if cue not in NEGATION_CUES:
            return None
        named = self._possessive_name(span, cue, label, linker, context)
        if named is not None:
            return named  # ("not your mother's": the brand "not your mothers", no cue)
        # a "no" opening the query before words that are a brand's very name and mean the
        # brand excludes it ("no samsung tv", as "not samsung tv" and "tv no samsung")
        opening = cue == "no" and not text[:start].strip()
        compound = _cue_is_compound_no(text, start, end, cue, getattr(self.expander, "kg", None))
        if compound and not opening:
            return None  # a compound qualifies the product after it: "no touch thermometer",
            #              "no slip socks", "kids no slip socks"
        if free_from_words(parts[1]):
            return None  # "tea no caffeine", "non gmo snacks": a claim, no node to demote
        link = self._link_fn(linker)
        for reading in dict.fromkeys((label, None)):
            try:
                best = link(parts[1], label=reading,
                            context=text if context is None else context).best
            except ValueError:  # a label the linker does not know: read without one
                continue
            if compound and (best is None or not self._opens_with_a_brand(
                    text, start, end, parts[1], best)):
                continue  # (a compound: "no touch thermometer", "no slip socks")
            if best is not None and _names_the_opposite(best, parts[1]):
                continue  # ("watch not fit": the product type "Non-fit", its opposite)
            if best is not None and (cue in VALUE_NEGATION_CUES or str(
                    getattr(best.kind, "value", best.kind)) == "brand"  # (not "non stick";
                    or colour_words(parts[1])):  # "non" before a colour: "non black shirt")
                if label in _NAME_LABELS and not self._names_an_excluded_thing(
                        text, start, end, parts[1], best, label):
                    return None  # (a title's words: "woody allen without feathers"; a
                    #              product's name, "juliette has a gun not a perfume")
                if str(getattr(best.kind, "value", best.kind)) == "category" \
                        and not self._of_the_query(text, start, end, best.iri):
                    return None  # ("frame hangers without nails": no makeup Nails)
                return best
        return None

    def _opens_with_a_brand(self, text: str, start: int, end: int, words: str,
                            best: Any) -> bool:
        """Whether ``words``, after a "no" opening the query in the span ``text[start:end]``
        ("no samsung"), are the very name of the brand ``best`` they link to and mean it
        (:meth:`_means_the_brand`: a name that is no word of the language, a brand the KG
        sells something under; not "no slip", "no show"): the "no" excludes the brand ("no
        samsung tv": a TV, not Samsung's), no compound."""
        if str(getattr(best.kind, "value", best.kind)) != "brand" \
                or not self._names_an_excluded_thing(text, start, end, words, best):
            return False
        at = end - len(words)
        return self._means_the_brand(separators_to_spaces(text), best.iri, at, end, [])

    def _names_an_excluded_thing(self, text: str, start: int, end: int, words: str,
                                 best: Any, label: str | None = None) -> bool:
        """Whether ``words``, after a negation cue opening a title's or a product name's span
        ``text[start:end]`` (``content``, ``product_name``), exclude the node ``best`` they
        link to rather than continue a title: they are that node's very name (plural/singular
        aside: no typo, no longer name holding them), and the node is a brand ("not beats" in
        "headphones not beats", which the tagger labels ``content``), or, in a title's span
        (``label`` not ``product_name``), a category of a department the query's other words
        name a category of ("headphones not earbuds"). A title's words after a cue may name a
        category too ("woody allen without feathers": Google's craft Feathers), but not one
        of what the rest of the query names; a product's name holding a cue and a category's
        name is that product's ("juliette has a gun not a perfume travel spray": the
        fragrance "Not a Perfume", no Perfume & Cologne to demote)."""
        kind = str(getattr(best.kind, "value", best.kind))
        if kind == "category" and label == "product_name":
            return False
        if kind not in ("brand", "category") or not _names_it_whole(words, best):
            return False
        if kind == "brand":
            return True
        department = taxonomy.department(self.kg, best.iri)
        return department is not None and department in {
            p.split(">")[0].strip() for p in self._paths_named(text, start, end, best.iri)}

    def _possessive_name(self, span: str, cue: str, label: str,
                         linker: EntityLinker | None,
                         context: str | QueryContext | None) -> Any | None:
        """The node whose very name (an exact or alias match) is the span ``span``, opened by
        the negation cue ``cue``, with its possessives written without the apostrophe ("not
        your mother's": the brand "not your mothers"), the cue a word of that name; None when
        the span has no possessive or names no such node. The linker's index keeps the
        apostrophe's place as a space ("mother s"), so a name that writes the possessive
        without one ("not your mothers") is not found from the query's "mother's"."""
        variant = _POSSESSIVE.sub("", span)
        if variant == span:
            return None
        link = self._link_fn(linker)
        for reading in dict.fromkeys((label, None)):
            try:
                best = link(variant, label=reading, context=span if context is None
                            else context).best
            except ValueError:
                continue
            if best is not None and best.match_type in ("exact", "alias") \
                    and cue in normalize_key(best.matched_alias).split() \
                    and word_order(normalize_key(variant)) == word_order(
                        normalize_key(best.matched_alias)):
                return best
        return None

    def _paths_named(self, text: str, start: int, end: int, but: str) -> set[str]:
        """The paths of the categories (but ``but``) that the words of ``text`` outside
        ``text[start:end]`` name, runs of one to three of them as written (an index key, or a
        number variant of one): what the rest of the query is about."""
        index = self.kg.alias_index
        nodes = self.kg.to_networkx().nodes
        rest = (text[:start] + " " + text[end:]).split()
        runs = (normalize_key(" ".join(rest[i:i + n]))
                for i in range(len(rest)) for n in range(1, min(3, len(rest) - i) + 1))
        return {path for run in runs for key in (run, *number_variants(run))
                for c in index.candidates(key)
                if c.kind is not None and c.kind.value == "category" and c.iri != but
                and c.iri in nodes and (path := nodes[c.iri].get("path"))}

    def _of_the_query(self, text: str, start: int, end: int, iri: str) -> bool:
        """Whether the category ``iri`` that the words after a cue opening the span
        ``text[start:end]`` link is of the part of the catalogue the rest of the query is
        about: the rest names no category, or the category's path and that of one it names
        share a word (:func:`_path_words`: the KG's taxonomies name their departments each in
        its own way, "Computers & Tablets > Monitors" and "Electronics > Computers"; a shared
        department shares its name). Excluding a category of another part reads the words as
        a thing they do not name there ("nails" of "frame hangers without nails" is no
        "beauty and personal care > makeup > nails": a DOWN boost on makeup for picture
        hangers), while "desktop computer without monitor" (Monitors) or "detergent without
        bleach" (Bleach) exclude a thing of their own."""
        named = self._paths_named(text, start, end, iri)
        if not named:
            return True
        nodes = self.kg.to_networkx().nodes
        own = _path_words(nodes[iri].get("path") or "") if iri in nodes else frozenset()
        return not own or any(own & _path_words(p) for p in named)

    def _named(self, text: str) -> Sequence[Any]:
        """The KG nodes ``text`` is a name or alias of as written (its index key; the linker
        links on this KG); none without an alias index."""
        index = getattr(self.kg, "alias_index", None)
        return index.candidates(normalize_key(text)) if index is not None else ()

    def _is_name(self, span: str) -> bool:
        """Whether ``span`` is a name or alias of a KG node as written (its index key)."""
        return bool(self._named(span))

    def _ends_with_a_brand(self, span: str) -> bool:
        """Whether the last words of ``span`` are a brand's name or alias as written ("not
        canon", "other than whirlpool"; its index key): an excluded brand still tells which
        products the query's other words mean, so it stays their linking context."""
        words = span.split()
        return any(getattr(c, "kind", None) == "brand"
                   for k in range(len(words)) for c in self._named(" ".join(words[k:])))

    def repick(self, text: str, entities: list[ParsedEntity], intent: Intent
                ) -> list[ParsedEntity]:
        """The ``entities`` of the query ``text`` with each category linked outside the
        confident ``intent``'s department swapped for a namesake of it there
        (:meth:`kg.link.EntityLinker.namesakes`: the same name or alias, or a name a part of
        which the mention's head word heads), where the department holds one: same offsets,
        the namesake's IRI and label, the link's score. The linker picks among namesakes
        before the intent runs, from the query's words and priors only: "mechanical keyboard"
        and "cherry mx red keyboard" linked Musical Instruments > Keyboards (Digital Pianos
        expansions under a Computers & Tablets intent at 0.68 and 0.53), "pc case with fans"
        Appliances' Fans. The intent read the query's text embedding and knew better; the
        expansion and filters read the swapped link. One pass: the intent is not run again
        on the swapped links (its result is the one the query's first links gave).

        Of the department's namesakes: one of the store's own tree (its path opens with the
        department), then one narrowing the kind by the most words of the query ("bluetooth
        keyboards": Wireless & Bluetooth Keyboards), then one every part of whose name the
        head word heads (Computer
        Keyboards, no Mice & Keyboards; Case Fans, no CPU Fans & Heatsinks), then the one
        with the most namesakes below it (the general one: Computer Keyboards, not Gaming
        Keyboards), then the most popular.

        Only a mention tagged as a product searched (:data:`kg.link.HEAD_LABELS`, or no
        label) linked to a category of a department of the label space is swapped (another
        catalogue's, Google's "Games", is the linker's to place), for a namesake below the
        department whose name narrows the kind by no word that neither the query nor the
        department's name says (:func:`_narrows_by`: "toys" is no Pool Toys, "keyboard" is
        Computer Keyboards), never a brand's or a product's, and never
        where the query's other words keep the link where it is: another link of the query
        lies in its department (a category there, a product filed there, a brand sold there
        and not in the intent's: "yamaha keyboard"), a run of its other words names a
        category of that department and none of the intent's, or a word of the query is a
        word of the linked node's path, of its aliases or of a name below it that the
        namesake's lack (:meth:`_tree_words`: "musical keyboard", "keyboard piano", "portable
        keyboard", "vr headset" of Virtual Reality Headsets, alias "VR Headsets")."""
        linker = self.entity_linker()
        namesakes = getattr(linker, "namesakes", None)
        space = self._label_space
        dept = intent.lvl0
        if namesakes is None or not dept:
            return entities
        nodes = self.kg.to_networkx().nodes

        def department(iri: str) -> str | None:
            path = nodes[iri].get("path") if iri in nodes else None
            return _space_department(space, path)

        out = list(entities)
        words = frozenset(word_order(normalize_key(text)))
        # (a namesake whose name narrows the kind by a word neither the query nor the
        # department's name says is no pick: "toys" is no Pool Toys, "battery" no Internal
        # Batteries; "keyboard" is Computer Keyboards. Nor is the department)
        said = words | frozenset(word_order(normalize_key(dept)))
        for k, e in enumerate(entities):
            if e.kg_id is None or e.kg_kind != "category" or e.link_score is None \
                    or not (e.label is None or e.label in HEAD_LABELS):
                continue
            here = department(e.kg_id)
            if here is None or here == dept \
                    or str(nodes[e.kg_id].get("path") or "").split(">")[0].strip() != here:
                continue  # (another catalogue's category is the linker's to place)
            names = [c for c in namesakes(e.kg_id, e.text) if department(c) == dept
                     and ">" in str(nodes[c].get("path") or "")
                     and _narrows_by(str(nodes[c].get("label") or ""), e.text) <= said]
            if not names or self._held(text, entities, k, here, dept, department):
                continue
            pick = _pick_namesake(names, e.text, dept, nodes, linker, words)
            if words & (self._tree_words(e.kg_id, linker) - self._tree_words(pick, linker)):
                continue  # (the query names the linked node's part of the catalogue)
            out[k] = replace(e, kg_id=pick, kg_label=str(nodes[pick].get("label") or ""))
        return out

    def _tree_words(self, iri: str, linker: Any) -> frozenset[str]:
        """The words of the category ``iri``'s path (:func:`_path_words`), of its aliases
        and of the names of the categories two levels below it (the ``linker``'s
        :meth:`kg.link.EntityLinker.below_words`), plural-folded: the part of the catalogue
        it is ("Musical Instruments > Keyboards": musical, instrument, keyboard, and digital,
        piano, portable ... of Digital Pianos, Portable Keyboards). An alias's words are the
        node's words as much as its name's: "vr headset" linked Virtual Reality Headsets by
        its short form "VR Headsets" (:mod:`kg.short_forms`), and, "vr" no word of its path,
        :meth:`repick` swapped it for Video Games' Speakers & Headsets."""
        nodes = self.kg.to_networkx().nodes
        if iri not in nodes:
            return frozenset()
        aliases = nodes[iri].get("aliases") or ()
        return (_path_words(nodes[iri].get("path") or "")
                | frozenset(w for a in aliases for w in word_order(normalize_key(str(a))))
                | linker.below_words(iri)) - _GENERIC_PATH_KEYS

    def _held(self, text: str, entities: Sequence[ParsedEntity], k: int, here: str,
              dept: str, department: Any) -> bool:
        """Whether the query ``text``'s other links or words keep its ``k``-th entity's link
        in its department ``here`` rather than the intent's ``dept`` (:meth:`repick`): a
        brand sold there and not in ``dept``, or one the KG sells nothing under; a category
        there, or a product filed there; a run of the other words naming a category there and
        none in ``dept``."""
        e = entities[k]
        for j, other in enumerate(entities):
            if j == k or other.kg_id is None or other.kg_id == e.kg_id:
                continue
            if other.kg_kind == "brand":
                depts = {department(c) for c in brand_categories(self.kg, other.kg_id,
                                                                 spelled_alike=True)}
                # (a brand the KG sells nothing under gives the intent's department no
                # support: "yeti cooler" keeps Sports & Outdoor Coolers under an Appliances
                # intent read from Best Buy's "coolers")
                if not depts or (here in depts and dept not in depts):
                    return True
            elif other.kg_kind == "category":
                if department(other.kg_id) == here:
                    return True
            elif other.kg_kind == "product":
                nxg = self.kg.to_networkx()
                if any(r == "in_category" and department(t) == here
                       for _, t, r in nxg.out_edges(other.kg_id, data="relation")):
                    return True
        named = {_space_department(self._label_space, p)
                 for p in self._paths_named(text, e.start, e.end, e.kg_id)}
        return here in named and dept not in named

    def link_spans(self, text: str, tagged: TaggedText) -> list[ParsedEntity]:
        """The entities of the tagged spans of the query ``text`` (:meth:`link_entities`),
        the query read for the linker once (:meth:`_link_query`), with one node table of the
        linker's (:meth:`kg.link.EntityLinker.pinned`)."""
        linker = self.entity_linker()
        if not isinstance(linker, EntityLinker):
            return self._link_spans(text, tagged)
        with linker.pinned():
            return self._link_spans(text, tagged)

    def _link_spans(self, text: str, tagged: TaggedText) -> list[ParsedEntity]:
        """:meth:`link_spans`, its linker's table pinned (where it has one)."""
        plain = separators_to_spaces(text)
        if not tagged.entities:
            return self._untagged_excluded_brands(text, [])
        query = self._link_query(plain)
        spans = tagged.entities
        if query is not None and len(spans) > 1:
            # the words a negation cue excludes are no context of the links: in "not gaming
            # laptop" "laptop" is no Gaming Laptops, in "headsets not bluetooth" no Bluetooth
            # Headsets (a span that is a KG name as written, "not your mothers", a brand,
            # holds no cue); the linker reads the query without them, for every span
            from fusion.expand import negated_spans

            # (an excluded brand stays context: "camera not canon" is a camera of the store's
            # tree, no Google "Cameras & Optics", "washer not lg" no hardware washer)
            out = [n and not self._is_name(plain[e.start:e.end])
                   and not self._ends_with_a_brand(plain[e.start:e.end]) for e, n in zip(
                       spans, negated_spans(plain, [(e.start, e.end) for e in spans],
                                            range(len(spans))), strict=True)]
            if any(out) and not all(out):
                read = list(plain)
                for e, n in zip(spans, out, strict=True):
                    if n:
                        read[e.start:e.end] = " " * (e.end - e.start)
                query = QueryContext.of(plain, "".join(read))
        ents = [p for parts in self._contradicted_heads(
            [self._link_entities(text, e, query) for e in spans]) for p in parts]
        return self._untagged_excluded_brands(text, ents, query)

    def _untagged_excluded_brands(self, text: str, entities: list[ParsedEntity],
                                  query: QueryContext | None = None) -> list[ParsedEntity]:
        """``entities`` (the linked spans of the query ``text``) with the brands its negation
        cues exclude that no span links: each run of words a cue excludes
        (:func:`fusion.expand.excluded_words`) that is a brand's very name (an exact or alias
        match, the linker's brand-only label) and means the brand (:meth:`_means_the_brand`),
        in the order of the query. The tagger tags such a word after a minus sign, in quotes
        or brackets or after "no" often not at all ("tv -samsung -lg" tagged "tv" alone,
        'laptop not "dell"' "not" alone), or as a span that links nothing ("-whirlpool",
        ``modifier``; "vacuum -dyson", one ``core_product_type`` span), so the query lost the
        brand's DOWN boost and its ``excluded`` words had no ``kg_id``, while "laptop not
        dell" had them. Words no span holds become an entity of the linker's brand-only label
        (``creator`` by default) and score 0.0 (no tagger's span); a span that links nothing
        and holds no more than the words, a cue, a minus sign and punctuation ("-whirlpool",
        '"dell"') links the brand (its text, offsets, label and score kept, the cue's too:
        the expansion reads it, :func:`fusion.expand.negation._negated`); one of other words
        before a minus sign and the brand ("vacuum -dyson") becomes two, those words (the product
        searched when they are one's very name: :meth:`_searched_product`; else linking
        nothing) and the brand. A title's or a product name's span (``content``,
        ``product_name``) is left as tagged (:meth:`_excluded_brands` reads those). No run
        after a cue the parse reads as a name's word (:func:`words_no_cue_excludes`), nor one
        of what the products are free of, nor after a "no" opening the query or qualifying
        the product after it (:func:`_cue_is_compound_no`: "no show socks")."""
        linker = self.entity_linker()
        label = _brand_label(linker)
        if label is None:
            return entities
        from fusion.expand import (
            CUE_CLOSERS,
            NEGATION_CUES,
            excluded_words,
            may_exclude,
            one_letter,
        )

        plain = separators_to_spaces(text)
        if not may_exclude(plain):
            return entities  # (no cue: most queries)
        no_cues = [sp for e in entities
                   if (sp := words_no_cue_excludes(plain, e, entities=entities))]
        # (none without a cue: most queries, read cheaply)
        found = [x for x in excluded_words(self.kg, plain, linked_entities(entities),
                                           no_cues=no_cues)
                 if x.iri is None and not x.free_from]
        if not found:
            return entities
        every, plain_words, _ = _query_items(plain)
        context = self._link_context(plain, query)
        link = self._link_fn(linker)
        out = list(entities)
        for x in reversed(found):  # (the last first: "-ge -lg", one span, is split at "lg")
            lead, trail = span_edges(text[x.start:x.end])
            start, end = x.start + lead, x.end - trail
            held = [e for e in out if e.start < end and start < e.end]
            # (a span's words after the brand: a cue's closer, "hp either", is none of it)
            tail = text[end:held[0].end] if len(held) == 1 else ""
            closer = bool(tail.strip(EDGE_MARKS)) and all(
                normalize_key(w).strip(EDGE_MARKS) in CUE_CLOSERS for w in tail.split())
            if start >= end or one_letter(plain[start:end]) or any(
                    e.kg_id is not None for e in held) or len(held) > 1 or (
                    held and (held[0].label in _NAME_LABELS or not (
                        held[0].start <= start and end <= held[0].end)
                        or (tail.strip(EDGE_MARKS) and not closer))):
                continue  # (a span holds the words and more, or links: as tagged; one
                #           letter, "-w", names no brand: :func:`fusion.expand.one_letter`)
            first = next((i for i, (a, b) in enumerate(every) if a <= start < b), None)
            cue = next((j for j in range(first - 1, -1, -1)
                        if plain_words[j] in NEGATION_CUES), None) if first else None
            if cue is not None and plain[:every[cue][0]].strip() and _cue_is_compound_no(
                    plain, every[cue][0], end, plain_words[cue]):
                continue  # ("no" qualifying a product after other words: a compound, "mens
                #           no show socks"; one opening the query before a brand's very name
                #           that means the brand excludes it, as "not samsung tv" does: "no
                #           samsung tv")
            best = link(plain[start:end], label=label, context=context).best
            if best is None or not _names_it_whole(plain[start:end], best):
                continue
            span = held[0] if held else None
            before: list[ParsedEntity] = []
            if span is not None:
                head = plain[span.start:start].rstrip().rstrip(EDGE_MARKS + "-").rstrip()
                rest = [w for w in head.split()
                        if normalize_key(w).strip(EDGE_MARKS) not in clause_words()
                        and normalize_key(w).strip(EDGE_MARKS) not in _ALTERNATIVE_WORDS]
                if rest and not plain[:start].rstrip().endswith("-"):
                    continue  # (words and a cue word: :meth:`_excluded_brands` reads them)
                if rest:  # ("vacuum -dyson": the product searched, then the brand)
                    words = [(span.start + m.start(), span.start + m.end())
                             for m in SPAN_WORD.finditer(head)]
                    product = self._searched_product(text, span, words, context)
                    before = [product or replace(span, text=text[words[0][0]:words[-1][1]],
                                                 end=words[-1][1])]
            if not self._means_the_brand(plain, best.iri, start, end,
                                         [e for e in out if e is not span] + before):
                continue
            kind = str(getattr(best.kind, "value", best.kind))
            if span is None:
                brand = ParsedEntity(text=text[start:end], start=start, end=end, label=label,
                                     score=0.0, kg_id=best.iri, kg_label=best.label,
                                     kg_kind=kind, link_score=round(float(best.score), 6))
            elif before:
                brand = replace(span, text=text[start:end], start=start, label=label,
                                kg_id=best.iri, kg_label=best.label, kg_kind=kind,
                                link_score=round(float(best.score), 6))
            else:  # (without a closer after the brand: "hp either" links "hp")
                brand = replace(span, text=text[span.start:end] if closer else span.text,
                                end=end if closer else span.end, kg_id=best.iri,
                                kg_label=best.label, kg_kind=kind,
                                link_score=round(float(best.score), 6))
            out = sorted([*(e for e in out if e is not span), *before, brand],
                         key=lambda e: (e.start, e.end))
        return out

    def _means_the_brand(self, text: str, brand: str, start: int, end: int,
                         entities: Sequence[ParsedEntity]) -> bool:
        """Whether the words ``text[start:end]``, a brand's very name (``brand``) a cue
        excludes that the tagger did not link, mean the brand: they name nothing else a
        product may be and are no word of the language (:meth:`kg.link.EntityLinker.
        names_only_a_brand`: "lg", "lenovo") and the KG sells something under the brand
        (:func:`kg.link.brand_categories`; not a name list's word, "keto" of "tv -keto"),
        or the KG sells the brand what a product the query searches names (:meth:`_makes`),
        a span of the query's other ``entities`` linked to a category or a product type, or
        of a product-type label linking nothing ("phone", tagged ``core_product_type``; by
        its head word): "dell" of "laptop -dell",
        "apple" of "laptop -apple" and of "phone -apple", not of "phone -galaxy" (a car-cover
        brand). A word that is also a thing's name or a word of the language is that thing
        where the brand sells nothing like what is searched, and where nothing is."""
        linker = self.entity_linker()
        if linker is not None and linker.names_only_a_brand(text[start:end]) \
                and brand_categories(self.kg, brand, spelled_alike=True):
            return True
        return any(self._makes(brand, e.kg_id, text[e.start:e.end]) for e in entities
                   if not (e.start < end and start < e.end) and (
                       e.kg_kind in _PRODUCT_KINDS if e.kg_id is not None
                       else LABEL_GROUPS.get(e.label) == "type"))
