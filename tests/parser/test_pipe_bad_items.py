"""``QueryParser.pipe`` and bad items: no query is lost to the read-ahead. Reading stops at a
bad query, whose :class:`InputError` says where it is (``index``); the results before it are
those of the queries before it, in order; going on with the same iterator (or the rest of a
list) parses every good query exactly once, each as ``parser(query)`` parses it. Checked on
both paths of ``pipe``: in this thread (a word tagger) and with the model calls in worker
threads (a tiny tagger run by ONNX Runtime)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kg import Node, NodeKind, ProductGraph
from parser.pipeline import InputError, ParserConfig, QueryParser

from .word_tagger import WordTagger

LIMIT = 48
BASES = ["tv", "samsung tv", "red laptop for work", "samsung 55 inch tv with a wall mount"]
#: 300 distinct queries of mixed lengths (sorting by length inside a window reorders them)
GOOD = [f"{BASES[i % len(BASES)]} {i}" for i in range(300)]
#: bad queries placed among them: in the first window, two in a row further on, the last one
BAD = {10: None, 150: "tv \ud800", 151: "x" * (LIMIT + 1), 302: 5}


def _inputs() -> list:
    """GOOD with the BAD queries at their positions."""
    good = iter(GOOD)
    return [BAD[i] if i in BAD else next(good) for i in range(len(GOOD) + len(BAD))]


class _Counted:
    """An iterator over ``items`` that counts the items taken from it."""

    def __init__(self, items: list) -> None:
        self._it = iter(items)
        self.taken = 0

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        item = next(self._it)
        self.taken += 1
        return item


def _graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([Node(NodeKind.CATEGORY, "tvs", "TVs", aliases=("tv",)),
                   Node(NodeKind.CATEGORY, "laptops", "Laptops", aliases=("laptop",)),
                   Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
    return g


@pytest.fixture(scope="module")
def onnx_tagger(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    from parser.tagger.onnx import export_onnx
    from parser.tagger.predict import Tagger
    from parser.tagger.testing import tiny_tagger

    d = tmp_path_factory.mktemp("onnx-tagger") / "tagger"
    tiny_tagger(seed=2).save(d)
    export_onnx(d)
    return Tagger.from_pretrained(d, backend="onnx", int8=False)


@pytest.fixture(params=["in-thread", "overlapped"])
def parser(request):
    """A parser refusing queries over LIMIT characters, on each path of ``pipe``."""
    g = _graph()
    config = ParserConfig(max_query_chars=LIMIT, on_too_long="error")
    if request.param == "in-thread":
        qp = QueryParser(tagger=WordTagger(), kg=g, config=config)
        assert getattr(qp.tagger, "batch_session", None) is None
    else:
        qp = QueryParser(tagger=request.getfixturevalue("onnx_tagger"), kg=g, config=config)
        assert qp.tagger.batch_session is not None  # pipe() runs the model in worker threads
    yield qp
    g.close()


def _key(parsed) -> dict:
    """A parse without its timings, entity scores rounded (a batch runs other float kernels
    than one query alone: the tiny random tagger's scores differ in their 6th decimal)."""
    d = parsed.to_dict()
    d.pop("timings")
    d["entities"] = [{**e, "score": round(e["score"], 4)} for e in d["entities"]]
    return d


@pytest.mark.parametrize(("batch_size", "sort_window"), [(1, 1), (4, 2), (16, 8)])
def test_going_on_with_the_same_iterator_parses_every_good_query_once(parser, batch_size,
                                                                      sort_window):
    inputs = _inputs()
    it = _Counted(inputs)
    got, errors = [], []
    while True:
        start, before = it.taken, len(got)
        try:
            for parsed in parser.pipe(it, batch_size=batch_size, sort_window=sort_window):
                got.append(parsed)
            break
        except InputError as err:
            # nothing read past the bad query: it is the last item taken from the iterator
            assert inputs[it.taken - 1] is BAD[it.taken - 1]
            # its index is its position in this call's input, after the results before it
            assert err.index == it.taken - 1 - start == len(got) - before
            errors.append(it.taken - 1)
    assert errors == sorted(BAD)
    assert [p.text for p in got] == GOOD
    for p in got[:: 7]:
        assert _key(p) == _key(parser(p.text))


def test_a_list_goes_on_after_the_index_of_its_bad_query(parser):
    rest, got = _inputs(), []
    while True:
        try:
            for p in parser.pipe(rest, batch_size=4, sort_window=2):
                got.append(p.text)
            break
        except InputError as err:
            got += ["<bad>"]
            rest = rest[err.index + 1:]
    assert got == ["<bad>" if i in BAD else x for i, x in enumerate(_inputs())]


def test_the_results_before_a_bad_query_are_those_of_the_queries_before_it(parser):
    got = []
    with pytest.raises(InputError, match="must be a str") as caught:
        for p in parser.pipe(_inputs()[:200], batch_size=16, sort_window=8):
            got.append(p.text)
    assert got == GOOD[:10] and caught.value.index == 10


def test_an_error_of_the_input_itself_comes_after_the_results_read_before_it(parser):
    """An iterator that raises (a damaged file read lazily): its error, after the results of
    every query it gave."""

    def damaged():
        yield from GOOD[:50]
        raise EOFError("compressed file ended before the end-of-stream marker")

    got = []
    with pytest.raises(EOFError, match="end-of-stream"):
        for p in parser.pipe(damaged(), batch_size=16, sort_window=8):
            got.append(p.text)
    assert got == GOOD[:50]
