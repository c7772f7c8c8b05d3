"""Negations in the parse (a search engineer's review, 2026-12-05, on the default bundle):

1. the words a query excludes were linking context of its other spans: "laptop" in "not gaming
   laptop" linked Gaming Laptops, which became the hard category filter while "gaming" was
   excluded ("not refurbished laptops", "headsets not bluetooth", "not oled tv" alike);
2. a span the tagger took with a cue in it and words before it ("that is not dell", "not made
   by sony", "excluding samsung and lg", "not lg, not sony", "besides dell") linked nothing:
   no DOWN boost, and the excluded words had no ``kg_id``;
3. the intent read the embedding of the query as typed, negations and all, which its model
   never saw: "tv not samsung" lost the TVs filter "tv samsung" has (TVs at 0.616, the
   department at 0.707 under the 0.723 hard-filter threshold), "neither samsung nor lg tv"
   too, and "laptop not more than $500" the Laptops of "laptop under $500" (2026-12-06)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from fusion.expand import QueryExpander
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser

from .word_tagger import PhraseTagger

COMPUTERS = Node(NodeKind.CATEGORY, "bb/computers", "Computers & Tablets",
                 path="Computers & Tablets")
LAPTOPS = Node(NodeKind.CATEGORY, "bb/laptops", "Laptops", path="Computers & Tablets > Laptops")
GAMING = Node(NodeKind.CATEGORY, "bb/gaming-laptops", "Gaming Laptops",
              path="Computers & Tablets > Laptops > Gaming Laptops")
AUDIO = Node(NodeKind.CATEGORY, "bb/audio", "Audio", path="Audio")
HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs")
APPLIANCES = Node(NodeKind.CATEGORY, "bb/appliances", "Appliances", path="Appliances")
WASHERS = Node(NodeKind.CATEGORY, "bb/washers", "Washers", path="Appliances > Washers")
HARDWARE = Node(NodeKind.CATEGORY, "g/hardware", "Hardware", path="Hardware")
FASTENERS = Node(NodeKind.CATEGORY, "g/washers", "Washers", path="Hardware > Washers",
                 popularity=100.0)
DELL = Node(NodeKind.BRAND, "dell", "Dell")
SONY = Node(NodeKind.BRAND, "sony", "Sony")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
LG = Node(NodeKind.BRAND, "lg", "LG")
YOU = Node(NodeKind.BRAND, "you", "You")

P, M = "core_product_type", "modifier"
SPANS = {
    "not gaming laptop": [("not gaming", M), ("laptop", P)],
    "laptop not gaming": [("laptop", P), ("not gaming", M)],
    "gaming laptop": [("gaming", M), ("laptop", P)],
    "headphones not made by sony": [("headphones", P), ("not made by sony", "condition")],
    "laptop which is not dell": [("laptop", P), ("which is not dell", M)],
    "laptop that's not a dell": [("laptop", P), ("that's not a dell", "content")],
    "laptop besides dell": [("laptop", P), ("besides dell", M)],
    "tv excluding samsung and lg": [("tv", P), ("excluding samsung and lg", M)],
    "tv not lg, not sony": [("tv", P), ("not lg, not sony", M)],
    "the world without you": [("the world without you", "content")],
    "washer lg": [("washer", P), ("lg", "creator")],
    "washer not lg": [("washer", P), ("not lg", "condition")],
    "laptop": [("laptop", P)],
    "tv": [("tv", P)],
    "tv samsung": [("tv", P), ("samsung", "creator")],
    "tv not samsung": [("tv", P), ("samsung", "creator")],
    "neither samsung nor lg tv": [("samsung", "creator"), ("lg", "creator"), ("tv", P)],
    "laptop not more than $500": [("laptop", P), ("not more than $500", "price")],
    "laptop no more than $500": [("laptop", P), ("no more than $500", "price")],
    "laptop under $500": [("laptop", P), ("under $500", "price")],
    "tv sans samsung": [("tv", P), ("sans", M), ("samsung", "creator")],
}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([
        COMPUTERS, LAPTOPS, GAMING, AUDIO, HEADPHONES, TVS, DELL, SONY, SAMSUNG, LG, YOU,
        APPLIANCES, WASHERS, HARDWARE, FASTENERS,
        Edge(WASHERS.iri, Relation.PARENT, APPLIANCES.iri),
        Edge(FASTENERS.iri, Relation.PARENT, HARDWARE.iri),
        Edge(LG.iri, Relation.SELLS_IN, WASHERS.iri),
        Edge(LAPTOPS.iri, Relation.PARENT, COMPUTERS.iri),
        Edge(GAMING.iri, Relation.PARENT, LAPTOPS.iri),
        Edge(HEADPHONES.iri, Relation.PARENT, AUDIO.iri),
        Edge(DELL.iri, Relation.SELLS_IN, LAPTOPS.iri),
        Edge(SONY.iri, Relation.SELLS_IN, HEADPHONES.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri), Edge(LG.iri, Relation.SELLS_IN, TVS.iri),
    ], progress=False)
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g, expander=QueryExpander(g))


def _link(qp: QueryParser, query: str, mention: str) -> str | None:
    return next(e.kg_id for e in qp(query).entities if e.text == mention)


def test_excluded_words_are_no_linking_context(qp: QueryParser) -> None:
    assert _link(qp, "gaming laptop", "laptop") == GAMING.iri  # (the context pulls, asked for)
    for query in ("not gaming laptop", "laptop not gaming"):
        q = qp(query)
        assert _link(qp, query, "laptop") == LAPTOPS.iri, q.entities
        assert GAMING.path not in q.filters.get("category", []), q.filters
        assert [x.text for x in q.excluded] == ["gaming"]


def test_an_excluded_brand_stays_linking_context(qp: QueryParser) -> None:
    """"washer not lg" is a washer of LG's kind, the appliance, though not LG's own: the
    excluded brand still steers the other words' links (a diff review: "camera not canon"
    linked Google's Cameras, "washer not lg" Google's hardware Washers, and lost the store
    category filter)."""
    assert _link(qp, "washer lg", "washer") == WASHERS.iri
    q = qp("washer not lg")
    assert _link(qp, "washer not lg", "washer") == WASHERS.iri, q.entities
    assert [(x.text, x.kg_id) for x in q.excluded] == [("lg", LG.iri)]


@pytest.mark.parametrize(("query", "brands"), [
    ("headphones not made by sony", [SONY]),
    ("laptop which is not dell", [DELL]),
    ("laptop that's not a dell", [DELL]),
    ("laptop besides dell", [DELL]),
    ("tv excluding samsung and lg", [SAMSUNG, LG]),
    ("tv not lg, not sony", [LG, SONY]),
])
def test_a_brand_a_cue_inside_a_span_excludes_is_linked(qp: QueryParser, query: str,
                                                        brands: list[Node]) -> None:
    q = qp(query)
    assert [(x.text, x.kg_id) for x in q.excluded] == [
        (b.label.lower(), b.iri) for b in brands]
    assert sorted(b.term for b in q.boosts if b.direction == "DOWN") == sorted(
        f"brand:{b.label}" for b in brands)
    assert "brand" not in q.filters


def test_a_title_that_is_the_whole_query_excludes_no_brand(qp: QueryParser) -> None:
    q = qp("the world without you")
    assert q.excluded == [] and not [b for b in q.boosts if b.direction == "DOWN"]


# -- a "no" compound after other words, a cue's words that name another department, and an
# -- exclusion of function words only (a reviewer, 2026-12-06, on the default bundle) ---------

SOCKS = Node(NodeKind.CATEGORY, "g/socks", "Socks", path="Apparel > Socks")
SLIPS = Node(NodeKind.CATEGORY, "g/slips", "Slips", path="Apparel > Underwear > Slips")
HANGERS = Node(NodeKind.CATEGORY, "g/hangers", "Hangers", path="Home & Garden > Hangers")
NAILS = Node(NodeKind.CATEGORY, "f/nails", "Nails",
             path="beauty and personal care > makeup > nails")
DETERGENT = Node(NodeKind.CATEGORY, "g/detergent", "Detergent",
                 path="Home & Garden > Laundry > Detergent")
BLEACH = Node(NodeKind.CATEGORY, "g/bleach", "Bleach", path="Home & Garden > Laundry > Bleach")
WINDOW_TINT = Node(NodeKind.CATEGORY, "g/tint", "Window Tint", path="Home & Garden > Window Tint")
IRON = Node(NodeKind.ATTRIBUTE_VALUE, "material/iron", "Iron", attribute="material")
COMPOUND_SPANS = {
    "kids no slip socks": [("kids", "department"), ("no slip", M), ("socks", P)],
    "no slip socks": [("no slip", M), ("socks", P)],
    "clear no chip socks": [("clear no chip", M), ("socks", P)],
    "socks no slip": [("socks", P), ("no slip", M)],
    "tv no samsung": [("tv", P), ("no samsung", M)],
    "frame hangers without nails": [("frame hangers", P), ("without nails", M)],
    "detergent without bleach": [("detergent", P), ("without bleach", "condition")],
    "window tint see out but not in": [("window tint", P), ("see out but not in", M)],
    "mens no iron socks": [("mens", "department"), ("no iron", M), ("socks", P)],
}


@pytest.fixture(scope="module")
def compound_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([TVS, SAMSUNG, SOCKS, SLIPS, HANGERS, NAILS, DETERGENT, BLEACH, WINDOW_TINT,
                   IRON, Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(COMPOUND_SPANS), kg=g, expander=QueryExpander(g))


def _excluded_and_downs(qp: QueryParser, query: str) -> tuple[list[str], list[str]]:
    q = qp(query)
    return [x.text for x in q.excluded], [b.term for b in q.boosts if b.direction == "DOWN"]


@pytest.mark.parametrize("query", [
    "kids no slip socks",   # (was: "slip" excluded, a DOWN on Slips)
    "no slip socks",        # (a "no" opening the query: as before)
    "clear no chip socks",  # (the "no" inside a span: "chip socks" was excluded)
    "mens no iron socks",   # ("no iron" linked the material Iron, excluded: "iron")
])
def test_a_no_compound_before_the_product_excludes_nothing(compound_qp: QueryParser,
                                                           query: str) -> None:
    assert _excluded_and_downs(compound_qp, query) == ([], [])
    assert not any(e.kg_id in (SLIPS.iri, IRON.iri) for e in compound_qp(query).entities)


def test_a_no_after_the_product_still_excludes(compound_qp: QueryParser) -> None:
    assert _excluded_and_downs(compound_qp, "socks no slip") == (
        ["slip"], ["category:Apparel > Underwear > Slips"])
    assert _excluded_and_downs(compound_qp, "tv no samsung") == (["samsung"], ["brand:Samsung"])


def test_a_category_of_another_department_than_the_query_is_no_down_boost(
        compound_qp: QueryParser) -> None:
    """"frame hangers without nails" DOWN-boosted makeup > nails: the words stay excluded,
    but the category of another part of the catalogue is no node they exclude; one of the
    query's own part is ("detergent without bleach")."""
    assert _excluded_and_downs(compound_qp, "frame hangers without nails") == (["nails"], [])
    assert _excluded_and_downs(compound_qp, "detergent without bleach") == (
        ["bleach"], ["category:Home & Garden > Laundry > Bleach"])


def test_an_exclusion_of_function_words_only_excludes_nothing(compound_qp: QueryParser) -> None:
    assert _excluded_and_downs(compound_qp, "window tint see out but not in") == ([], [])


class TextTagger(PhraseTagger):
    """:class:`PhraseTagger` with a query embedding of its own for each text (as a tagger's
    pooled output); records the texts it embeds."""

    has_embeddings = True
    embedding_dim = 8

    def __init__(self, spans) -> None:
        super().__init__(spans)
        self.embedded: list[str] = []

    def forward(self, items, *, pooled=False, batch=False):
        if not pooled:
            return None, None
        self.embedded += [it.text for it in items]
        rows = [np.random.default_rng(zlib.crc32(it.text.encode())).standard_normal(
            self.embedding_dim) for it in items]
        return None, np.array([r / np.linalg.norm(r) for r in rows], np.float32)


@pytest.fixture(scope="module")
def with_intent(qp: QueryParser) -> QueryParser:
    """The parser of :func:`qp` with a real fusion model (untrained, seeded) and a tagger
    whose query embeddings differ with the text."""
    import torch

    from fusion.context import GraphContext
    from fusion.gnn import NodeEmbeddings
    from fusion.hetero import as_networkx
    from fusion.model import FusionConfig, FusionModel

    g = as_networkx(qp.kg)
    nodes = sorted(g.nodes)
    labels = ["Appliances > Washers", "Audio > Headphones", "Computers & Tablets > Laptops",
              "TV & Home Theater > TVs"]
    emb = NodeEmbeddings(nodes, [str(g.nodes[n].get("kind")) for n in nodes],
                         torch.randn(len(nodes), 4, generator=torch.Generator().manual_seed(0)))
    torch.manual_seed(0)
    model = FusionModel(FusionConfig(text_dim=8, node_dim=4, hidden_dim=16, dropout=0.0),
                        labels=labels, context=GraphContext(g, emb, labels=labels))
    model.eval()
    return QueryParser(tagger=TextTagger(SPANS), kg=qp.kg, fusion=model,
                       expander=QueryExpander(qp.kg))


@pytest.mark.parametrize(("query", "read_as"), [
    ("tv not samsung", "tv"),
    ("neither samsung nor lg tv", "tv"),
    ("tv sans samsung", "tv"),
    ("not gaming laptop", "laptop"),
    ("laptop that's not a dell", "laptop"),
    ("laptop not more than $500", "laptop"),
    ("laptop no more than $500", "laptop"),
    ("laptop under $500", "laptop"),
])
def test_the_intent_reads_the_query_without_its_negations(with_intent: QueryParser, query: str,
                                                           read_as: str) -> None:
    """The intent of a query with a negation or a price bound is that of the query without
    them: the same text embedding and links (and so for the model's training inputs,
    :meth:`QueryParser.featurize`); brand exclusions stay no filter, the excluded words no
    link the intent reads."""
    q, plain = with_intent(query), with_intent(read_as)
    assert q.intent is not None and plain.intent is not None
    assert (q.intent.category, q.intent.score) == pytest.approx(
        (plain.intent.category, plain.intent.score)), (query, q.intent, plain.intent)
    got, want = with_intent.featurize([query])[0], with_intent.featurize([read_as])[0]
    assert np.array_equal(got.text_embedding.numpy(), want.text_embedding.numpy())
    assert [e.iri for e in got.linked] == [e.iri for e in want.linked]
    assert "brand" not in q.filters
    assert GAMING.path not in q.filters.get("category", [])


def test_a_query_without_negations_is_embedded_once(with_intent: QueryParser) -> None:
    """Only a query with a negation or a price bound is embedded a second time (its intent's
    text); the others, and a title whose cue is a word of its name, read the query as typed."""
    tagger = with_intent.tagger
    for query in ("tv samsung", "gaming laptop", "the world without you"):
        del tagger.embedded[:]
        with_intent(query)
        assert tagger.embedded == [query]
    del tagger.embedded[:]
    with_intent("tv not samsung")
    assert tagger.embedded == ["tv not samsung", "tv"]


def test_the_clause_words_hold_the_expansions_cue_words() -> None:
    """The parser's clause words before what a cue excludes are the expansion's cue words
    (one public set, :data:`fusion.expand.CUE_WORDS`) and the clause's own: no copy of the cue
    words, and every word the parser's own list held."""
    from fusion.expand import CUE_WORDS
    from parser.linking import clause_words

    words = clause_words()
    assert words >= CUE_WORDS
    assert {"that", "which", "who", "is", "are", "was", "were", "that's", "thats", "it's", "its",
            "but", "and", "not", "no", "without", "even", "a", "an", "made", "by", "from",
            "other", "than", "except", "excluding", "besides", "apart", "instead", "of",
            "rather", "anything", "neither", "nor", "isn't", "isnt", "aren't",
            "arent"} <= words
    assert "the" not in words  # ("the not a cat cat": a title's own word)


# -- a cue inside a name, and what the products wanted are free of (a general-store reviewer,
# -- 2026-12-06, on the default bundle) ------------------------------------------------------

NYM = Node(NodeKind.BRAND, "not-your-mothers", "not your mothers")
JUL = Node(NodeKind.BRAND, "juliette-has-a-gun", "juliette has a gun")
CAFFEINE = Node(NodeKind.BRAND, "caffeine", "caffeine")
BEAUTY = Node(NodeKind.CATEGORY, "g/beauty", "Health & Beauty", path="Health & Beauty")
SHAMPOO = Node(NodeKind.CATEGORY, "g/shampoo", "Shampoo", path="Health & Beauty > Shampoo")
PERFUME = Node(NodeKind.CATEGORY, "g/perfume", "Perfume & Cologne",
               path="Health & Beauty > Perfume & Cologne")
TEA = Node(NodeKind.CATEGORY, "g/tea", "Tea", path="Food > Tea")
NAME_SPANS = {
    "not your mother's shampoo": [("not your mother's", "creator"), ("shampoo", P)],
    "not your mother’s shampoo": [("not your mother’s", "creator"), ("shampoo", P)],
    "juliette has a gun not a perfume travel spray": [
        ("juliette has a gun", "creator"), ("not a perfume", "product_name"),
        ("travel spray", P)],
    "tea no caffeine": [("tea", P), ("no caffeine", M)],
    "tv not samsung": [("tv", P), ("not samsung", "condition")],
}


@pytest.fixture(scope="module")
def name_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([NYM, JUL, CAFFEINE, BEAUTY, SHAMPOO, PERFUME, TEA, TVS, SAMSUNG,
                   Edge(SHAMPOO.iri, Relation.PARENT, BEAUTY.iri),
                   Edge(PERFUME.iri, Relation.PARENT, BEAUTY.iri),
                   Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(NAME_SPANS), kg=g, expander=QueryExpander(g))


@pytest.mark.parametrize("query", ["not your mother's shampoo", "not your mother’s shampoo"])
def test_a_possessive_of_a_name_holding_a_cue_links_the_name(name_qp: QueryParser,
                                                             query: str) -> None:
    """"not your mother's shampoo" excluded "mother's" (the brand is "not your mothers")."""
    q = name_qp(query)
    assert q.entities[0].kg_id == NYM.iri, q.entities
    assert q.excluded == [] and not [b for b in q.boosts if b.direction == "DOWN"]


def test_a_cue_in_a_product_name_excludes_no_category(name_qp: QueryParser) -> None:
    """"Not a Perfume" is the product's name: no Perfume & Cologne DOWN boost, nothing
    excluded."""
    q = name_qp("juliette has a gun not a perfume travel spray")
    assert all(e.kg_id != PERFUME.iri for e in q.entities), q.entities
    assert q.excluded == [] and not [b for b in q.boosts if b.direction == "DOWN"]


def test_a_free_from_word_links_nothing_and_is_marked(name_qp: QueryParser) -> None:
    """"tea no caffeine" DOWN-boosted the brand "caffeine"; the excluded words are marked
    ``free_from`` (in the dict too), those of "tv not samsung" are not."""
    q = name_qp("tea no caffeine")
    assert all(e.kg_id != CAFFEINE.iri for e in q.entities), q.entities
    assert [(x.text, x.kg_id, x.free_from) for x in q.excluded] == [("caffeine", None, True)]
    assert not [b for b in q.boosts if b.direction == "DOWN"]
    assert q.to_dict()["excluded"][0]["free_from"] is True
    q = name_qp("tv not samsung")
    assert [(x.text, x.kg_id, x.free_from) for x in q.excluded] == [
        ("samsung", SAMSUNG.iri, False)]


# -- recording_links: the link calls of this thread's parses -----------------------------------


def _context_text(call) -> str:
    return getattr(call.context, "text", call.context)


def test_recording_links_records_the_calling_threads_parses_only(qp: QueryParser) -> None:
    """The notebook helpers watched the linker by replacing its ``link`` attribute, so a
    parser shared with another thread was watched there too. ``recording_links`` records the
    calling thread's parses only (a ContextVar), each call with its query's context, the
    calls a cue makes included ("gaming" of "laptop not gaming")."""
    import threading

    inside, other_done = threading.Event(), threading.Event()
    seen: dict[str, list] = {}
    qp("tv")  # (the first parse loads what parses need: not while the block waits)

    def recorder() -> None:
        with qp.recording_links() as calls:
            inside.set()
            other_done.wait(60)
            qp("laptop not gaming")
        seen["recorded"] = calls

    def other() -> None:
        inside.wait(60)
        for _ in range(3):
            qp("tv samsung")
        with qp.recording_links() as mine:
            qp("washer lg")
        seen["other"] = mine
        other_done.set()

    threads = [threading.Thread(target=recorder), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    recorded = seen["recorded"]
    assert recorded and {_context_text(c) for c in recorded} == {"laptop not gaming"}
    assert "gaming" in {c.mention for c in recorded}
    assert {_context_text(c) for c in seen["other"]} == {"washer lg"}
    assert all(c.result is not None for c in recorded)


def test_recording_links_records_its_own_parser_and_nests(qp: QueryParser) -> None:
    """Another parser's parses in the block are not recorded; an inner block takes its
    block's calls, the outer one the rest; outside a block nothing is recorded."""
    other = QueryParser(tagger=qp.tagger, kg=qp.kg)
    with qp.recording_links() as outer:
        other("tv samsung")
        qp("laptop")
        with qp.recording_links() as inner:
            qp("tv")
        qp("gaming laptop")
    assert [_context_text(c) for c in inner] == ["tv"]
    assert {_context_text(c) for c in outer} == {"laptop", "gaming laptop"}
    qp("tv")
    assert [_context_text(c) for c in inner] == ["tv"]
    with qp.recording_links() as piped:
        list(qp.pipe(["tv", "laptop"]))
    assert {_context_text(c) for c in piped} == {"tv", "laptop"}


# -- a span the tagger joins across a negation cue is split at it, and each member of an
# -- excluded list links ("tv not insignia" was one content span, "lg" of "monitor not samsung
# -- or lg" a modifier that linked nothing) ------------------------------------------------------

INSIGNIA = Node(NodeKind.BRAND, "insignia", "Insignia")
GODFATHER = Node(NodeKind.CATEGORY, "bb/godfather", "Godfather", path="Movies > Godfather")
CATS_BRAND = Node(NodeKind.BRAND, "cats", "Cats")
SPLIT_SPANS = {
    "tv not insignia": [("tv not insignia", "content")],
    "tv that is not insignia": [("tv that is not insignia", "content")],
    "4k tv not insignia": [("4k", M), ("tv not insignia", "product_name")],
    "are we not cats": [("are we not cats", "content")],
    "not the godfather": [("not the godfather", "content")],
    "tv not samsung or lg": [("tv", P), ("not samsung", M), ("lg", M)],
    "tv not lg": [("tv", P), ("not", "condition"), ("lg", M)],
    "tv or lg": [("tv", P), ("lg", M)],
    "no lg socks": [("no", M), ("lg", M), ("socks", P)],
}


@pytest.fixture(scope="module")
def split_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([TVS, SAMSUNG, LG, INSIGNIA, GODFATHER, CATS_BRAND, SOCKS,
                   Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
                   Edge(LG.iri, Relation.SELLS_IN, TVS.iri),
                   Edge(INSIGNIA.iri, Relation.SELLS_IN, TVS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(SPLIT_SPANS), kg=g, expander=QueryExpander(g))


@pytest.mark.parametrize("query", ["tv not insignia", "tv that is not insignia",
                                   "4k tv not insignia"])
def test_a_span_joined_across_a_cue_is_split_at_it(split_qp: QueryParser, query: str) -> None:
    """The words before the cue name the product searched, those after it a brand: the
    product keeps its link (the intent's filter reads it), the brand is excluded and
    DOWN-boosted (was: one span, nothing linked, nothing excluded, no filter; "4k tv not
    insignia": Insignia excluded, "tv" lost)."""
    q = split_qp(query)
    assert [(e.text, e.kg_id) for e in q.entities if e.kg_id] == [
        ("tv", TVS.iri), ("insignia", INSIGNIA.iri)], q.entities
    assert [(x.text, x.kg_id) for x in q.excluded] == [("insignia", INSIGNIA.iri)]
    assert [b.term for b in q.boosts if b.direction == "DOWN"] == ["brand:Insignia"]


@pytest.mark.parametrize("query", ["are we not cats", "not the godfather"])
def test_a_title_holding_a_cue_is_not_split(split_qp: QueryParser, query: str) -> None:
    """No product before the cue ("are we"), or none at all: a title, nothing excluded."""
    q = split_qp(query)
    assert [e.kg_id for e in q.entities] == [None]
    assert q.excluded == [] and not [b for b in q.boosts if b.direction == "DOWN"]


@pytest.mark.parametrize(("query", "brands"), [
    ("tv not samsung or lg", [SAMSUNG, LG]),
    ("tv not lg", [LG]),
])
def test_a_brand_a_cue_before_its_span_excludes_is_linked(split_qp: QueryParser, query: str,
                                                          brands: list[Node]) -> None:
    """"lg" tagged ``modifier`` (no brand label) after a cue or as a list's member: linked
    as the brand, excluded and DOWN-boosted (was: "lg" excluded without a ``kg_id``, no DOWN
    boost)."""
    q = split_qp(query)
    assert [(x.text, x.kg_id) for x in q.excluded] == [
        (b.label.lower(), b.iri) for b in brands]
    assert sorted(b.term for b in q.boosts if b.direction == "DOWN") == sorted(
        f"brand:{b.label}" for b in brands)


@pytest.mark.parametrize("query", ["tv or lg", "no lg socks"])
def test_a_modifier_no_cue_excludes_links_no_brand(split_qp: QueryParser, query: str) -> None:
    """No cue before it, or a "no" opening the query (a compound): "lg" stays unlinked."""
    assert all(e.kg_id != LG.iri for e in split_qp(query).entities)


# -- recording_links: a market parser's parses ---------------------------------------------------


def test_recording_links_records_a_market_parsers_parses(qp: QueryParser) -> None:
    """A market parser's parses are recorded by its own block and by its parent's (the
    parent's block records "its markets' too"); blocks of other parsers nest around them
    without taking or hiding their calls."""
    parent = QueryParser(tagger=qp.tagger, kg=qp.kg, markets={"zh": PhraseTagger(SPANS)})
    market = parent.for_market("zh")
    with market.recording_links() as own:
        market("tv samsung")
    assert own and {_context_text(c) for c in own} == {"tv samsung"}
    with parent.recording_links() as parents:
        parent("laptop", market="zh")
        market("tv")
    assert {_context_text(c) for c in parents} == {"laptop", "tv"}
    other = QueryParser(tagger=qp.tagger, kg=qp.kg)
    with parent.recording_links() as outer, market.recording_links() as inner:
        parent("laptop")
        market("tv")
        with other.recording_links() as others:
            market("gaming laptop")
            other("tv samsung")
    assert {_context_text(c) for c in inner} == {"tv", "gaming laptop"}
    assert {_context_text(c) for c in outer} == {"laptop"}
    assert {_context_text(c) for c in others} == {"tv samsung"}


# -- the product searched before a negation cue, under the linker's own labels ------------------


def test_the_searched_product_is_linked_under_the_linkers_product_label() -> None:
    """"tv not insignia" (one span) keeps "tv" as the product searched with a linker whose
    label map has its own product-type label (no ``core_product_type``): "tv" linked under
    that label, the brand excluded; the default map still reads ``core_product_type``."""
    from kg.link import EntityLinker, LinkerConfig
    from parser.linking import _product_label

    g = ProductGraph.in_memory()
    g.add_records([TVS, INSIGNIA, Edge(INSIGNIA.iri, Relation.SELLS_IN, TVS.iri)],
                  progress=False)
    config = LinkerConfig(label_kinds={"maker": ["brand"], "item": ["product_type", "category"],
                                       "content": []})
    qp = QueryParser(tagger=PhraseTagger({"tv not insignia": [("tv not insignia", "content")]}),
                     kg=g, linker=EntityLinker(g, config), expander=QueryExpander(g))
    q = qp("tv not insignia")
    linked = [(e.text, e.label, e.kg_id) for e in q.entities if e.kg_id]
    assert linked[:1] == [("tv", "item", TVS.iri)], q.entities
    assert [(x.text, x.kg_id) for x in q.excluded] == [("insignia", INSIGNIA.iri)]
    assert _product_label(None) == "core_product_type"
    assert _product_label(EntityLinker(g, LinkerConfig(label_kinds={"HC": ["product_type"]}))) \
        == "HC"
