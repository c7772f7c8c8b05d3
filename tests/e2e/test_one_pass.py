"""One parse, one pass, as served: a bundle whose fusion model was trained on its own tagger's
embeddings and links (``QueryParser.featurize``), served through ONNX Runtime INT8.

- the intent reads the linker's output (forcing every link to NIL changes it);
- a query parses the same whatever else is in its batch (``__call__``, ``pipe``);
- a KG commit reaches links, intent and expansions on the next parse, in-process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import ParseKey, train_small_fusion

QUERIES = [
    ("samsung tv", "Electronics > TVs"), ("lg television", "Electronics > TVs"),
    ("55 inch tv", "Electronics > TVs"), ("sony tv red", "Electronics > TVs"),
    ("dell laptop", "Electronics > Laptops"), ("apple notebook", "Electronics > Laptops"),
    ("laptop black", "Electronics > Laptops"), ("sony headphones", "Electronics > Headphones"),
    ("headphones blue", "Electronics > Headphones"), ("nike shoes", "Clothing > Shoes"),
    ("red sneakers", "Clothing > Shoes"), ("shoes black", "Clothing > Shoes"),
]


@pytest.fixture(scope="module")
def onnx_tagger_dir(tmp_path_factory, tagger_dir: Path) -> Path:
    from parser.tagger import export_onnx

    d = tmp_path_factory.mktemp("served") / "tagger"
    shutil.copytree(tagger_dir, d, ignore=shutil.ignore_patterns("checkpoint", "*.onnx"))
    export_onnx(d, int8=True)
    return d


@pytest.fixture(scope="module")
def served_bundle(tmp_path_factory, onnx_tagger_dir: Path, kg_dir: Path) -> Path:
    from parser.bundle import build_bundle

    tmp = tmp_path_factory.mktemp("served-fusion")
    # trained on what the bundle serves: the ONNX INT8 tagger's embeddings and links
    fusion, kg = train_small_fusion(tmp, onnx_tagger_dir, kg_dir, QUERIES)
    return build_bundle(tmp / "bundle", tagger=onnx_tagger_dir, kg=kg, fusion=fusion)


def _counting(session) -> list:
    calls: list = []
    run = session.run
    session.run = lambda names, feeds: calls.append(names) or run(names, feeds)
    return calls


def _key(p) -> ParseKey:
    return ParseKey(p)


def test_bundle_parses_in_one_encoder_pass(served_bundle: Path):
    from parser.pipeline import QueryParser

    manifest = json.loads((served_bundle / "kgqp-bundle.json").read_text())
    assert manifest["text_encoder"] is None and manifest["fusion_head"] is None
    qp = QueryParser.from_pretrained(served_bundle)
    assert qp.tagger.backend == "onnx" and qp.fusion.text_encoder_name == qp.name
    calls = _counting(qp.tagger.session)
    parsed = qp("samsung tv")
    assert len(calls) == 1 and calls[0] == ["logits", "states"]  # tags and embeds at once
    assert parsed.intent is not None and parsed.intent.category in {q[1] for q in QUERIES}
    assert [e.kg_label for e in parsed.entities if e.kg_id] == ["Samsung", "TVs"]


def test_the_intent_reads_the_links(served_bundle: Path):
    from kg.link import LinkResult
    from parser.pipeline import QueryParser

    qp = QueryParser.from_pretrained(served_bundle)

    class NoLinks:  # the linker forced to NIL; everything else is the bundle's
        def link(self, mention: str, label: str | None = None, context: str | None = None):
            return LinkResult(mention, label, (), True)

    cut = QueryParser(tagger=qp.tagger, kg=qp.kg, linker=NoLinks(),  # type: ignore[arg-type]
                      fusion=qp.fusion, expander=qp.expander, config=qp.config)
    texts = [q for q, _ in QUERIES]
    with_links, without = [qp(t) for t in texts], [cut(t) for t in texts]
    linked = [i for i, p in enumerate(with_links) if any(e.kg_id for e in p.entities)]
    assert len(linked) >= 8
    assert all(not e.kg_id for p in without for e in p.entities)
    for i in linked:  # same text embedding, other graph inputs: another distribution
        assert with_links[i].intent.top_k != without[i].intent.top_k, texts[i]
    # and the expansions come from the links too
    assert [p.expansions for p in with_links] != [p.expansions for p in without]


def test_a_query_parses_the_same_in_any_batch(served_bundle: Path):
    from parser.pipeline import InputError, QueryParser

    qp = QueryParser.from_pretrained(served_bundle)
    texts = [q for q, _ in QUERIES] * 3 + ["a much longer query about samsung televisions",
                                           "", "zorbo"]
    alone = [_key(qp(t)) for t in texts]
    for bs, window in ((1, 1), (4, 1), (5, 8), (64, 8)):
        got = list(qp.pipe(texts, batch_size=bs, sort_window=window))
        assert [g.text for g in got] == texts
        assert [_key(g) for g in got] == alone, (bs, window)
    for i, t in enumerate(texts[:12]):
        assert _key(next(iter(qp.pipe([t, "a much longer query about samsung tv"])))) == alone[i]
    assert qp.tagger._batch_session is not None  # pipe() overlapped its model calls
    # a bad query: every query before it is yielded, then the error
    got = []
    with pytest.raises(InputError, match="lone surrogate"):
        for p in qp.pipe([*texts[:30], "bad \ud800", *texts[30:]], batch_size=4, sort_window=2):
            got.append(_key(p))
    assert got == alone[:30]


def test_int8_logits_and_embeddings_do_not_depend_on_the_batch(onnx_tagger_dir: Path):
    from parser.tagger import Tagger

    t = Tagger.from_pretrained(onnx_tagger_dir, backend="onnx")
    assert t.onnx_file.name == "model.int8.onnx"
    texts = ["samsung tv", "red nike running shoes size 10 for men", "usb", ""]
    batch_logits, batch_emb = t.forward(t.prepare(texts), pooled=True)
    for i, text in enumerate(texts):
        logits, emb = t.forward(t.prepare([text]), pooled=True)
        n = logits.shape[1]
        np.testing.assert_array_equal(logits[0], batch_logits[i, :n])
        # the query embedding too: pooled over exactly its own tokens, outside the graph
        np.testing.assert_array_equal(emb[0], batch_emb[i])


def test_a_kg_commit_reaches_the_next_parse(served_bundle: Path, tmp_path: Path):
    from kg import Edge, Node, NodeKind, Relation
    from kg.schema import brand_key
    from parser.pipeline import QueryParser

    bundle = tmp_path / "bundle"
    shutil.copytree(served_bundle, bundle)
    qp = QueryParser.from_pretrained(bundle, read_only=False)
    laptops = "Electronics > Laptops"

    def p_laptops(text: str) -> float:
        return dict(qp(text).intent.top_k).get(laptops, 0.0)

    before = qp("zorbo notebook")
    assert not any(e.kg_id and e.text == "zorbo" for e in before.entities)
    p_before = p_laptops("zorbo notebook")
    laptops_iri = next(n.iri for n in qp.kg.nodes(NodeKind.CATEGORY) if n.label == "Laptops")
    zorbo = Node(NodeKind.BRAND, brand_key("Zorbo"), "Zorbo")
    with qp.kg.transaction("a new brand") as tx:
        tx.add_node(zorbo)
        tx.add_edge(Edge(zorbo.iri, Relation.SELLS_IN, laptops_iri))
    after = qp("zorbo notebook")
    linked = {e.text: e.kg_label for e in after.entities if e.kg_id}
    assert linked.get("zorbo") == "Zorbo", after.entities
    assert p_laptops("zorbo notebook") > p_before
    assert any(x.iri == laptops_iri or laptops_iri in str(x.provenance)
               for x in after.expansions) or after.filters.get("brand")


def test_a_kg_update_through_the_service_reaches_the_next_parse(served_bundle: Path,
                                                                 tmp_path: Path):
    import httpx
    from support import start_server

    from parser.pipeline import QueryParser

    bundle = tmp_path / "bundle"
    shutil.copytree(served_bundle, bundle)
    qp = QueryParser.from_pretrained(bundle, read_only=False)
    laptops = "Electronics > Laptops"
    srv = start_server(qp)
    try:
        with httpx.Client(base_url=srv.url, timeout=30) as client:
            def parse() -> dict:
                r = client.post("/parse", json={"query": "zorbo notebook"})
                assert r.status_code == 200, r.text
                return r.json()

            before = parse()
            laptops_iri = next(e["kg_id"] for e in before["entities"]
                               if e["text"] == "notebook")
            r = client.post("/kg/update", json={
                "add_nodes": [{"kind": "brand", "key": "zorbo", "label": "Zorbo"}],
                "add_edges": [{"source": "https://kgqp.dev/id/brand/zorbo",
                               "relation": "sells_in", "target": laptops_iri}],
                "message": "a new brand"})
            assert r.status_code == 200, r.text
            after = parse()
    finally:
        srv.stop()
    assert [e["kg_label"] for e in after["entities"] if e["text"] == "zorbo"] == ["Zorbo"]

    def p(d: dict) -> float:
        return dict(map(tuple, d["intent"]["top_k"])).get(laptops, 0.0)

    assert p(after) > p(before)


def test_a_bundle_links_its_own_labels(tmp_path: Path, tagger_dir: Path, kg_dir: Path):
    """The label -> KG kinds map is settable per bundle (manifest ``linker``) and from the CLI
    (``kgqp bundle build --linker-config``): a label the default map does not know links."""
    from typer.testing import CliRunner

    from parser.app.cli import app
    from parser.errors import ConfigError
    from parser.pipeline import QueryParser
    from parser.tagger.predict import Entity

    settings = tmp_path / "linker.json"
    settings.write_text(json.dumps({"label_kinds": {"maker": ["brand"]}}))
    r = CliRunner().invoke(app, ["bundle", "build", str(tmp_path / "b"), "--tagger",
                                 str(tagger_dir), "--kg", str(kg_dir), "--linker-config",
                                 str(settings)])
    assert r.exit_code == 0, r.output
    qp = QueryParser.from_pretrained(tmp_path / "b")
    maker = Entity("samsung", 0, 7, "maker", 0.9)
    assert qp.link_entity("samsung tv", maker).kg_label == "Samsung"
    plain = QueryParser(tagger=qp.tagger, kg=qp.kg)
    assert plain.link_entity("samsung tv", maker).kg_id is None  # unknown label: not linked
    settings.write_text(json.dumps({"label_kinds": {"maker": ["planet"]}}))
    from parser.bundle import build_bundle

    with pytest.raises(ConfigError, match="planet"):
        build_bundle(tmp_path / "c", tagger=tagger_dir, kg=kg_dir,
                     linker_config=json.loads(settings.read_text()))
