"""Alias index: offsets, boundaries, normalisation, overlaps, speed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg import Candidate, NodeKind
from kg.index import AliasIndex, normalize_key, normalize_with_offsets
from kg.schema import normalize_name


def _index(*names: str) -> AliasIndex:
    return AliasIndex([Candidate(f"https://kgqp.dev/id/brand/{i}", NodeKind.BRAND, n, None, None, n)
                       for i, n in enumerate(names)], version=1)


def spans(index: AliasIndex, text: str) -> list[tuple[int, int, str]]:
    out = [(m.start, m.end, m.text) for m in index.match(text)]
    for s, e, t in out:
        assert text[s:e] == t
    return out


def test_whole_words_only():
    idx = _index("tv", "samsung")
    assert spans(idx, "samsung tvs") == [(0, 7, "samsung")]
    assert spans(idx, "Samsung TV!") == [(0, 7, "Samsung"), (8, 10, "TV")]
    assert spans(idx, "smart-tv") == [(6, 8, "tv")]
    assert spans(idx, "") == [] and spans(idx, "   ") == []


def test_fullwidth_ligature_combining_emoji():
    idx = _index("iphone", "fi", "café", "galaxy s24")
    assert spans(idx, "ｉｐｈｏｎｅ case") == [(0, 6, "ｉｐｈｏｎｅ")]
    assert spans(idx, "wi ﬁ router") == [(3, 4, "ﬁ")]
    assert spans(idx, "cafe\u0301 mug") == [(0, 5, "cafe\u0301")]
    assert spans(idx, "cafe mug") == []
    assert spans(idx, "📱 Galaxy   S24 🔥") == [(2, 14, "Galaxy   S24")]
    assert spans(idx, "galaxy\u00a0s24") == [(0, 10, "galaxy\u00a0s24")]


def test_ligature_is_not_split():
    idx = _index("i")
    assert spans(idx, "ﬁ") == []


def test_cjk_any_boundary_and_mixed():
    idx = _index("三星", "手机", "samsung")
    assert spans(idx, "三星手机壳") == [(0, 2, "三星"), (2, 4, "手机")]
    assert spans(idx, "samsung手机") == [(0, 7, "samsung"), (7, 9, "手机")]


def test_overlapping_matches_all_returned_and_candidates():
    idx = AliasIndex([
        Candidate("a", NodeKind.CATEGORY, "QLED TVs", None, 0.2, "qled tv"),
        Candidate("b", NodeKind.CATEGORY, "TVs", None, 0.9, "tv"),
        Candidate("c", NodeKind.PRODUCT_TYPE, "TV", None, None, "TV"),
    ], version=7)
    ms = idx.match("qled tv")
    assert [(m.start, m.end) for m in ms] == [(0, 7), (5, 7)]
    assert [c.iri for c in ms[1].candidates] == ["b", "c"]  # by popularity
    assert idx.lookup("ＴＶ") == ms[1].candidates and idx.candidates("tv") == ms[1].candidates
    assert len(idx) == 2 and idx.version == 7


def test_normalize_key_compatible_with_schema():
    for s in ["  ＳＡＭＳＵＮＧ   Galaxy ", "Straße", "ﬁne", "Café", "LG\tOLED"]:
        assert normalize_key(s) == normalize_name(s)


def test_bad_input_does_not_crash():
    idx = _index("a", "tv")
    for text in ["\x00tv\x00", "\u202etv", "\ud800 tv", "a" * 100_000, "-" * 50_000,
                 "😀" * 5000, "tv\x84\x9f\uf880"]:
        spans(idx, text)
    assert len(idx.match("a " * 1000)) == 1000


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    [*"abc tvTV ", "ﬁ", "ｔ", "ｖ", "\u0301", "😀", "三", "星", "\u00a0", "ß", "İ", "\t",
     "\u200b", "\x00", "\u200d"]),
    max_size=40))
def test_offsets_property(text):
    idx = _index("tv", "ab", "三星", "fi", "ss", "a b")
    for m in idx.match(text):
        assert text[m.start:m.end] == m.text
        assert 0 <= m.start < m.end <= len(text)
    norm, starts, ends = normalize_with_offsets(text)
    if starts is not None:
        assert len(norm) == len(starts) == len(ends)
        assert starts == sorted(starts)


def test_100k_aliases_build_and_match():
    # (speed: bench/link_bench.py; unit tests assert behaviour, not time)
    cands = [Candidate(f"https://kgqp.dev/id/product/{i}", NodeKind.PRODUCT, f"Product {i}",
                       None, None, f"product model x{i} plus") for i in range(100_000)]
    idx = AliasIndex(cands, version=1)
    text = "product model x4242 plus in red"
    assert [m.text for m in idx.match(text)] == ["product model x4242 plus"]
    assert [c.iri for c in idx.match(text)[0].candidates] == ["https://kgqp.dev/id/product/4242"]


def test_invisible_characters_are_ignored_in_names_and_queries():
    # a soft hyphen or bidi mark (pasted from a web page, or in a name an RDF import carried)
    # does not keep a query from matching the name it looks like; a zero-width space or a
    # control character between words separates them, as a space does
    idx = _index("samsung", "Sam\u00adsung Galaxy", "tv")
    assert spans(idx, "sam\u00adsung tv") == [(0, 8, "sam\u00adsung"), (9, 11, "tv")]
    assert sorted(spans(idx, "\u202asamsung galaxy\x00")) == [
        (1, 8, "samsung"), (1, 15, "samsung galaxy")]
    assert idx.lookup("samsung galaxy")[0].matched_alias == "Sam\u00adsung Galaxy"
    name = "Sam\u00adsung\u200e "
    assert normalize_key(name) == normalize_name(name) == "samsung"
    assert normalize_with_offsets("x\x07y") == ("x y", [0, 1, 2], [1, 2, 3])
    assert spans(idx, "samsung\u200btv") == [(0, 7, "samsung"), (8, 10, "tv")]
    assert spans(idx, "tv\x00samsung") == [(0, 2, "tv"), (3, 10, "samsung")]
    assert normalize_name("samsung\u200btv") == normalize_key("samsung\u200btv") == "samsung tv"
