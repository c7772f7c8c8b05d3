"""The spaCy component ``kgqp``: factory + entry point, ents with KG ids, ``doc._.kgqp``, zh, empty.

Two parsers: a tiny bundle (random tiny BERT tagger from ``tiny_tagger().save``, an on-disk KG of a
dozen nodes, built with ``build_bundle``) for the real load path, and a fixed dictionary tagger
over an in-memory KG for exact expectations (a random tagger's spans are arbitrary).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
import spacy

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.schema import attribute_key
from parser.app.spacy_component import KGQPComponent
from parser.errors import ConfigError
from parser.pipeline import ParserConfig, QueryParser
from parser.tagger.predict import Entity, TaggedText
from parser.types import ParsedEntity, ParsedQuery

SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
HUAWEI = Node(NodeKind.BRAND, "华为", "华为")
TV_HOME = Node(NodeKind.CATEGORY, "bestbuy/tvhome", "TV & Home Theater",
               path="TV & Home Theater")
TVS = Node(NodeKind.CATEGORY, "bestbuy/tvs", "TVs", aliases=("television",),
           path="TV & Home Theater > TVs")
RED = Node(NodeKind.ATTRIBUTE_VALUE, attribute_key("color", "red"), "red", attribute="color")
NODES = [
    SAMSUNG, HUAWEI, TV_HOME, TVS, RED,
    Node(NodeKind.BRAND, "apple", "Apple"),
    Node(NodeKind.BRAND, "sony", "Sony"),
    Node(NodeKind.CATEGORY, "bestbuy/laptops", "Laptops", path="Computers > Laptops"),
    Node(NodeKind.CATEGORY, "jd/phone-cases", "手机壳", path="手机壳"),
    Node(NodeKind.PRODUCT_TYPE, "case", "case"),
    Node(NodeKind.ATTRIBUTE_VALUE, attribute_key("material", "leather"), "leather",
         attribute="material"),
]
EDGES = [Edge(TVS.iri, Relation.PARENT, TV_HOME.iri), Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri)]


def _fill(graph: ProductGraph) -> ProductGraph:
    with graph.transaction("test nodes") as tx:
        tx.add_nodes(NODES)
        tx.add_edges(EDGES)
    return graph


class DictTagger:
    """Tags every occurrence of known phrases (longest first, no overlaps unless asked)."""

    def __init__(self, phrases: dict[str, str], extra: list[Entity] | None = None) -> None:
        self.phrases = phrases
        self.extra = extra or []

    def prepare(self, texts, *, matches=None):  # the pipeline's TokenTagger protocol
        return list(texts)

    def forward(self, items, *, pooled=False, batch=False):
        return None, None

    def decode(self, items, logits):
        return list(self.pipe(items))

    def pipe(self, texts, batch_size: int = 32):
        for text in texts:
            ents, used = [], set()
            for phrase in sorted(self.phrases, key=len, reverse=True):
                start = text.find(phrase)
                while start >= 0:
                    span = set(range(start, start + len(phrase)))
                    if not span & used:
                        used |= span
                        ents.append(Entity(phrase, start, start + len(phrase),
                                           self.phrases[phrase], 0.9))
                    start = text.find(phrase, start + 1)
            ents += [e for e in self.extra if e.end <= len(text)]
            yield TaggedText(text, sorted(ents, key=lambda e: e.start))


@pytest.fixture(scope="module")
def graph() -> ProductGraph:
    return _fill(ProductGraph.in_memory())


def _dict_parser(graph: ProductGraph, extra: list[Entity] | None = None) -> QueryParser:
    tagger = DictTagger({"samsung": "creator", "acme": "creator", "tv": "core_product_type",
                         "red": "color", "under 500": "price", "华为": "HP", "手机壳": "HC"},
                        extra)
    return QueryParser(tagger=tagger, kg=graph, config=ParserConfig(expand=False))


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from parser.bundle import build_bundle
    from parser.tagger.testing import tiny_tagger

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("spacy-bundle")
    tiny_tagger().save(root / "tagger")
    _fill(ProductGraph.open(root / "kg")).close()
    return build_bundle(root / "bundle", tagger=root / "tagger", kg=root / "kg",
                        parser_config={"expand": False})


@pytest.fixture(scope="module")
def bundle_nlp(tiny_bundle: Path) -> spacy.language.Language:
    """One pipeline on the bundle per module (its KG is opened read-only: no lock)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("kgqp", config={"bundle": str(tiny_bundle), "backend": "torch"})
    return nlp


def test_factory_loads_a_bundle(bundle_nlp: spacy.language.Language) -> None:
    nlp = bundle_nlp
    assert isinstance(nlp.get_pipe("kgqp"), KGQPComponent)
    doc = nlp("samsung 55 inch tv under 500")
    parsed = doc._.kgqp
    assert isinstance(parsed, ParsedQuery) and parsed.text == doc.text
    assert parsed.intent is None and parsed.expansions == [] and parsed.filters == {}
    assert len(doc.ents) <= len(parsed.entities)
    for ent in doc.ents:
        pe = ent._.kgqp
        assert isinstance(pe, ParsedEntity)
        assert ent.label_ == pe.label and ent.kb_id_ == (pe.kg_id or "NIL")
        assert ent.start_char <= pe.start and pe.end <= ent.end_char
    # the same bundle through nlp.pipe gives the same parses
    again = list(nlp.pipe(["samsung 55 inch tv under 500", ""], batch_size=2))
    assert again[0]._.kgqp.entities == parsed.entities
    assert again[1]._.kgqp.entities == [] and again[1].ents == ()


def test_ents_carry_kg_ids(graph: ProductGraph) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("kgqp").parser = _dict_parser(graph)
    doc = nlp("samsung red tv by acme under 500")
    got = [(e.text, e.label_, e.kb_id_) for e in doc.ents]
    assert got == [
        ("samsung", "creator", SAMSUNG.iri),
        ("red", "color", RED.iri),
        ("tv", "core_product_type", TVS.iri),
        ("acme", "creator", "NIL"),  # linked to nothing: spaCy's NIL
        ("under 500", "price", "NIL"),  # never linked
    ]
    assert doc.ents[0]._.kgqp.kg_label == "Samsung"
    assert doc._.kgqp.entities[0].link_score > 0.55


def test_extensions_survive_docbin_and_to_bytes(graph: ProductGraph) -> None:
    from spacy.tokens import Doc, DocBin

    nlp = spacy.blank("en")
    nlp.add_pipe("kgqp").parser = _dict_parser(graph)
    docs = list(nlp.pipe(["samsung red tv by acme under 500", ""]))
    data = DocBin(docs=docs, store_user_data=True).to_bytes()
    restored = list(DocBin(store_user_data=True).from_bytes(data).get_docs(nlp.vocab))
    for doc, back in zip(docs, restored, strict=True):
        assert back._.kgqp == doc._.kgqp and isinstance(back._.kgqp, ParsedQuery)
        assert [(e.text, e.label_, e.kb_id_) for e in back.ents] == \
            [(e.text, e.label_, e.kb_id_) for e in doc.ents]
        assert [e._.kgqp for e in back.ents] == [e._.kgqp for e in doc.ents]
    assert restored[0].ents[0]._.kgqp.kg_id == SAMSUNG.iri
    again = Doc(nlp.vocab).from_bytes(docs[0].to_bytes())
    assert again._.kgqp == docs[0]._.kgqp


def test_bundle_kg_is_opened_read_only(tiny_bundle: Path,
                                       bundle_nlp: spacy.language.Language) -> None:
    parser = bundle_nlp.get_pipe("kgqp").parser
    assert parser.kg.read_only
    # a writer can still take the lock: the component holds none
    from parser.bundle import BundleManifest

    kg_dir = tiny_bundle / BundleManifest.read(tiny_bundle).kg_path
    with ProductGraph.open(kg_dir) as writer:
        assert not writer.read_only


def test_overlapping_entities_are_skipped(graph: ProductGraph) -> None:
    extra = [Entity("sams", 0, 4, "creator", 0.5), Entity("ung r", 4, 9, "color", 0.5)]
    kgqp = KGQPComponent(_dict_parser(graph, extra))
    doc = kgqp(spacy.blank("en")("samsung red"))
    # "samsung" (0-7) wins; "sams" and "ung r" overlap it (and split no token)
    assert [(e.text, e.label_) for e in doc.ents] == [("samsung", "creator"), ("red", "color")]
    assert [t.text for t in doc] == ["samsung", "red"]
    assert len(doc._.kgqp.entities) == 4


def test_keeps_other_components_ents(graph: ProductGraph) -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "CHEAP", "pattern": "cheap"},
                        {"label": "TV_WORD", "pattern": "tv"}])
    nlp.add_pipe("kgqp").parser = _dict_parser(graph)
    doc = nlp("cheap samsung tv")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("cheap", "CHEAP"), ("samsung", "creator"), ("tv", "core_product_type")]


def test_chinese_blank_pipeline(graph: ProductGraph,
                                bundle_nlp: spacy.language.Language) -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe("kgqp").parser = _dict_parser(graph)
    doc = nlp("华为手机壳 红色")
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents] == [
        ("华为", "HP", HUAWEI.iri),
        ("手机壳", "HC", "https://kgqp.dev/id/category/jd/phone-cases"),
    ]
    # the real tiny bundle on Chinese text (characters unknown to its vocabulary)
    nlp2 = spacy.blank("zh")
    nlp2.add_pipe("kgqp").parser = bundle_nlp.get_pipe("kgqp").parser
    doc2 = nlp2("华为手机壳")
    assert doc2._.kgqp.text == "华为手机壳"
    assert all(e._.kgqp is not None for e in doc2.ents)


def test_empty_and_whitespace_text(graph: ProductGraph) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("kgqp").parser = _dict_parser(graph)
    for text in ("", "   "):
        doc = nlp(text)
        assert doc.ents == () and doc._.kgqp.entities == []


def test_errors_say_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="backend"):
        KGQPComponent(backend="tensorflow")
    monkeypatch.setenv("KGQP_HOME", str(tmp_path))
    nlp = spacy.blank("en")
    nlp.add_pipe("kgqp")  # no bundle: resolved on first use
    with pytest.raises(ConfigError, match="kgqp quickstart"):
        nlp("samsung tv")


def test_entry_point_is_declared() -> None:
    eps = importlib.metadata.entry_points(group="spacy_factories")
    assert {ep.name: ep.value for ep in eps}.get("kgqp") == "parser.app.spacy_component:make_kgqp"


@pytest.mark.slow  # a fresh interpreter importing spaCy (and through thinc, torch): ~7 s
def test_entry_point_registers_the_factory() -> None:
    # a fresh interpreter that never imports kgqp finds the factory through the entry point
    code = ("import spacy, sys; nlp = spacy.blank('en'); c = nlp.add_pipe('kgqp'); "
            "print(type(c).__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "parser.app.spacy_component"


def test_docbin_round_trip_keeps_every_field() -> None:
    """A parse with an intent, filters, expansions (with and without a KG path), boosts and
    suggestions comes back equal from DocBin, whose msgpack returns every list as a tuple."""
    from dataclasses import asdict

    from spacy.tokens import DocBin

    from parser.types import (
        BoostResult,
        CategorySuggestionResult,
        ExpansionResult,
        FilterSourceResult,
        IntentResult,
    )

    full = ParsedQuery(
        text="samsung tv", normalized="samsung tv",
        entities=[ParsedEntity("samsung", 0, 7, "creator", 0.97, SAMSUNG.iri, "Samsung",
                               "brand", 0.98)],
        intent=IntentResult("TV & Home Theater > TVs", "TV & Home Theater", 0.85,
                            top_k=[("TV & Home Theater > TVs", 0.85), ("Computers > Laptops", 0.1)],
                            lvl0_score=0.9),
        expansions=[ExpansionResult("television", "synonym", 1.0, [], None, "rules.txt:1"),
                    ExpansionResult("4K TVs", "child_category", 0.5,
                                    [(TVS.iri, "parent", TV_HOME.iri)], TVS.iri)],
        filters={"brand": ["Samsung"], "category": ["TV & Home Theater > TVs"],
                 "price_max": 500.0},
        applied_rules=["rules.txt:1"], rewritten="samsung television",
        boosts=[BoostResult("brand:samsung", "UP", 2.0, "rules.txt:2")],
        category_suggestions=[CategorySuggestionResult("Computers > Laptops", 0.1, "intent")],
        filter_sources=[FilterSourceResult("brand", "Samsung", f"link:{SAMSUNG.iri}")],
        timings={"total_ms": 1.5},
    )
    nlp = spacy.blank("en")
    doc = nlp.make_doc(full.text)
    doc._.kgqp_data = asdict(full)
    back = next(DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab))
    assert back._.kgqp == full
    assert isinstance(back._.kgqp.filters["brand"], list)


def test_first_calls_from_several_threads_load_the_bundle_once(tiny_bundle: Path,
                                                               monkeypatch) -> None:
    """8 threads' first calls loaded the bundle 8 times (memory 845 -> 1,638 MB with 4)."""
    import pickle
    import threading

    component = KGQPComponent(bundle=tiny_bundle, backend="torch")
    loads = []
    real = component._load

    def counting():
        loads.append(1)
        return real()

    monkeypatch.setattr(component, "_load", counting)
    start = threading.Barrier(8)

    def first_call():
        start.wait()
        assert component.parser is not None

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(loads) == 1
    again = pickle.loads(pickle.dumps(KGQPComponent(bundle=tiny_bundle)))  # (spawn workers)
    assert again.bundle == tiny_bundle and again._parser is None


def test_a_parser_closes_the_kg_it_opened(tiny_bundle: Path, tmp_path: Path) -> None:
    """A writer parser dropped without closing its KG kept the write lock until the process
    ended: a reloaded parser could not open it for writing."""
    import shutil

    bundle = Path(shutil.copytree(tiny_bundle, tmp_path / "b"))
    with QueryParser.from_pretrained(bundle, backend="torch", read_only=False,
                                     warmup=False) as qp:
        assert qp("samsung tv").text == "samsung tv"
    again = QueryParser.from_pretrained(bundle, backend="torch", read_only=False, warmup=False)
    again.close()
    kg = ProductGraph.in_memory()
    with QueryParser(tagger=again.tagger, kg=kg):  # a KG passed in is the caller's to close
        pass
    assert len(kg) == 0  # still open


# -- entity spans are the parse's characters, never a whole token around them --------------------


def _exact(doc) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def test_entities_inside_one_token_split_it(graph: ProductGraph) -> None:
    # a zero-width space is no separator for spaCy: "red\u200btv" was one token, and the
    # entity "red" was widened to it (color, Red's IRI, over "red\u200btv"; "tv" dropped)
    nlp = spacy.blank("en")
    nlp.add_pipe("kgqp").parser = _dict_parser(graph)
    doc = nlp("red\u200btv samsung")
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents] == [
        ("red", "color", RED.iri), ("tv", "core_product_type", TVS.iri),
        ("samsung", "creator", SAMSUNG.iri)]
    assert [(e.start_char, e.end_char) for e in doc.ents] == \
        [(e.start, e.end) for e in doc._.kgqp.entities]
    assert doc.text == "red\u200btv samsung"  # (the split keeps the text and its spaces)
    assert [t.text for t in doc] == ["red", "\u200b", "tv", "samsung"]
    assert [e._.kgqp.kg_id for e in doc.ents] == [RED.iri, TVS.iri, SAMSUNG.iri]
    # Chinese in an English pipeline: one token of five characters, the parse has 0-2 and 2-5
    doc = nlp("华为手机壳")
    assert _exact(doc) == [(0, 2, "HP"), (2, 5, "HC")]
    # through nlp.pipe too
    assert [_exact(d) for d in nlp.pipe(["red\u200btv", "tv"])] == [
        [(0, 3, "color"), (4, 6, "core_product_type")], [(0, 2, "core_product_type")]]


def test_a_truncated_parse_ends_its_entities_where_it_stopped(graph: ProductGraph) -> None:
    # a first word longer than max_query_chars is cut at it: the entity ended at character 14
    # of the parse, the span ran on to the end of the spaCy token (18)
    tagger = DictTagger({"samsung": "creator"})
    parser = QueryParser(tagger=tagger, kg=graph,
                         config=ParserConfig(expand=False, max_query_chars=14))
    doc = KGQPComponent(parser)(spacy.blank("en")("aaaaaaasamsungbbbb tv"))
    assert doc._.kgqp.truncated and doc._.kgqp.entities[0].end == 14
    assert _exact(doc) == [(7, 14, "creator")]
    assert doc.text == "aaaaaaasamsungbbbb tv"


def test_whitespace_at_an_entity_edge_is_no_part_of_its_span(graph: ProductGraph) -> None:
    # a parse's span with a space at its edge ('"red " tv': the quote trimmed, not the space):
    # the span is the token, not the token and the next one, and never wider than the parse's
    extra = [Entity("red ", 1, 5, "color", 0.5), Entity("  ", 9, 11, "color", 0.5)]
    kgqp = KGQPComponent(_dict_parser(graph, extra))
    kgqp.parser.tagger.phrases = {"tv": "core_product_type"}
    doc = kgqp(spacy.blank("en")('"red " tv  '))
    assert [(e.text, e.start_char, e.end_char) for e in doc.ents] == [("red", 1, 4), ("tv", 7, 9)]
    assert doc.ents[0]._.kgqp.text == "red "  # (the parse's entity as it is)


def test_a_split_keeps_the_other_annotations(graph: ProductGraph) -> None:
    from spacy.tokens import Doc

    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=["big", "red\u200btv", "now"], heads=[1, 1, 1],
              deps=["amod", "ROOT", "advmod"], tags=["JJ", "NN", "RB"],
              pos=["ADJ", "NOUN", "ADV"], lemmas=["big", "red\u200btv", "now"],
              ents=["B-X", "O", "B-Y"])
    doc = KGQPComponent(_dict_parser(graph))(doc)
    assert [(t.text, t.head.text, t.dep_, t.tag_, t.pos_, t.lemma_) for t in doc] == [
        ("big", "red", "amod", "JJ", "ADJ", "big"),
        ("red", "red", "ROOT", "NN", "NOUN", "red"),
        ("\u200b", "red", "dep", "NN", "NOUN", "\u200b"),
        ("tv", "red", "dep", "NN", "NOUN", "tv"),
        ("now", "red", "advmod", "RB", "ADV", "now")]
    # the other component's entities outside kgqp's stay, on their characters
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("big", "X"), ("red", "color"), ("tv", "core_product_type"), ("now", "Y")]
    # sentence starts without a parse: a piece of a token starts no sentence
    sentencizer = spacy.blank("en")
    sentencizer.add_pipe("sentencizer")
    sentencizer.add_pipe("kgqp").parser = _dict_parser(graph)
    doc = sentencizer("one. red\u200btv. two three.")
    assert [s.text for s in doc.sents] == ["one.", "red\u200btv.", "two three."]


# -- a split keeps doc.spans and doc.tensor aligned with the tokens ------------------------------


def test_a_split_keeps_the_span_groups_on_their_characters(graph: ProductGraph) -> None:
    # spans of doc.spans were held on token indices: after splitting "red\u200btv" into three
    # tokens, the span "big dog" (tokens 2-3) read "tv now"; each group keeps its spans'
    # characters, label, kb_id and id, and its attrs
    nlp = spacy.blank("en")
    doc = nlp("red\u200btv now big dog")
    doc.spans["sc"] = [doc[2:4], doc.char_span(0, 6, label="X", kb_id="Q1", span_id="s1")]
    doc.spans["sc"].attrs["source"] = "other"
    doc.spans["empty"] = []
    doc = KGQPComponent(_dict_parser(graph))(doc)
    assert [t.text for t in doc] == ["red", "\u200b", "tv", "now", "big", "dog"]
    group = doc.spans["sc"]
    assert [(s.text, s.start_char, s.end_char) for s in group] == [
        ("big dog", 11, 18), ("red\u200btv", 0, 6)]
    assert (group[1].label_, group[1].kb_id_, group[1].id_) == ("X", "Q1", "s1")
    assert group.attrs == {"source": "other"} and group.name == "sc"
    assert list(doc.spans["empty"]) == []


def test_a_split_gives_each_piece_the_tokens_tensor_row(graph: ProductGraph) -> None:
    # spaCy's split left doc.tensor with a row too many (3 tokens, 3 rows -> 5 tokens, 6 rows)
    # and the pieces' rows zero: each piece gets the split token's row, the others keep theirs
    import numpy

    nlp = spacy.blank("en")
    doc = nlp("big red\u200btv now")
    doc.tensor = numpy.arange(12, dtype="float32").reshape(3, 4)
    doc = KGQPComponent(_dict_parser(graph))(doc)
    assert len(doc) == 5
    assert doc.tensor.tolist() == [[0, 1, 2, 3]] + [[4, 5, 6, 7]] * 3 + [[8, 9, 10, 11]]
    # a doc with no tensor (the blank pipeline's empty one) keeps it empty
    doc = KGQPComponent(_dict_parser(graph))(nlp("red\u200btv"))
    assert len(doc) == 3 and doc.tensor.size == 0
