"""A parse reads one KG version: a commit landing between a parse's KG match (the tagger's
lexicon features) and its linking never gives a result that neither version would give, for
one query (inside a pinned block) or a batch of ``pipe()`` (matched in one pinned block and
linked in a later one, with the model call in between on a worker thread)."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("onnxruntime")

from kg import Node, NodeKind, ProductGraph
from kg.schema import brand_key
from parser.pipeline import QueryParser

KINDS = ["brand", "category"]
QUERY = "zorblax tv"
TVS = Node(NodeKind.CATEGORY, "tvs", "TVs", aliases=("tv",))
ZORBLAX = Node(NodeKind.BRAND, brand_key("Zorblax"), "Zorblax")


@pytest.fixture(scope="module")
def onnx_tagger(tmp_path_factory):
    """A tiny random tagger with KG lexicon features, run by ONNX Runtime: ``pipe()`` overlaps
    its model calls (worker threads) with linking. Seed 2 tags "tv" as a department (linked
    to TVs), and the lexicon features move its tags."""
    from parser.tagger.onnx import export_onnx
    from parser.tagger.predict import Tagger
    from parser.tagger.testing import tiny_tagger

    d = tmp_path_factory.mktemp("onnx-tagger") / "tagger"
    tiny_tagger(lexicon_kinds=KINDS, seed=2).save(d)
    export_onnx(d)
    return Tagger.from_pretrained(d, backend="onnx", int8=False)


@pytest.fixture()
def parser(onnx_tagger):
    g = ProductGraph.in_memory()
    g.add_records([TVS], progress=False)
    qp = QueryParser(tagger=onnx_tagger, kg=g)
    assert qp.tagger.batch_session is not None  # pipe() runs overlapped
    yield qp
    g.close()


def _update(g: ProductGraph) -> None:
    """The KG's next version: brand Zorblax added (the lexicon features of "zorblax" move)
    and the category TVs removed ("tv" no longer links)."""
    with g.transaction("update") as tx:
        tx.add_node(ZORBLAX)
        tx.remove_node(TVS.iri)


def _key(parsed) -> tuple:
    return tuple((e.text, e.label, e.score, e.kg_id) for e in parsed.entities)


def test_a_parse_in_a_pinned_block_reads_its_version_while_another_thread_commits(parser):
    g = parser.kg
    before = _key(parser(QUERY))
    with g.pinned():
        assert _key(parser(QUERY)) == before
        writer = threading.Thread(target=_update, args=(g,))
        writer.start()
        writer.join()  # committed, and the views of the new version swapped in
        assert _key(parser(QUERY)) == before
        assert _key(next(iter(parser.pipe([QUERY])))) == before
        assert g.version == 1  # (the block's)
    after = _key(parser(QUERY))
    assert g.version == 2 and after != before
    assert after[1][3] is None  # TVs is gone


def test_a_pipe_batch_matched_before_a_commit_is_linked_on_the_same_version(parser):
    """The batches pipe() has matched (and handed to the model) when a commit lands are
    finished on the version they were matched on: each result is that of the KG before or
    the KG after the commit, and the first ones after it are those of the KG before."""
    g = parser.kg
    before = _key(parser(QUERY))
    results = parser.pipe([QUERY] * 16, batch_size=1, sort_window=8)
    first = [_key(next(results)) for _ in range(8)]  # the first window; more are matched
    _update(g)  # this thread, between two results: no block of it is pinned
    rest = [_key(r) for r in results]
    after = _key(parser(QUERY))
    assert after != before
    assert first == [before] * 8
    mixed = [r for r in rest if r not in (before, after)]
    assert not mixed, f"parses of neither KG version: {mixed[:2]} (before {before}, after {after})"
    assert rest[0] == before and rest[-1] == after  # matched before the commit / after it
