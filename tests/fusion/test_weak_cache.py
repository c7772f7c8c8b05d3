"""The KG's featurised category names kept in a features folder (``cached_taxonomy_weak``):
read back while the featurizer, KG version and names are the same, featurised again when not."""

from __future__ import annotations

import torch

from fusion.types import FusionInput
from fusion.weak import cached_taxonomy_weak, featurize_weak, taxonomy_queries
from kg import ProductGraph
from kg.schema import Node, NodeKind

from .conftest import _records


class _Counting:
    """A text-only featurizer that counts the texts it featurises."""

    def __init__(self, encoder, name="enc-a"):
        self.encoder, self.name, self.calls = encoder, name, 0

    def featurize(self, texts, progress=False):
        self.calls += len(texts)
        return [FusionInput(e, (), t) for t, e in zip(texts, self.encoder.encode(texts),
                                                      strict=True)]


def _same(a, b) -> bool:
    return [(x.input.text, x.path) for x in a] == [(x.input.text, x.path) for x in b] and all(
        torch.equal(x.input.text_embedding, y.input.text_embedding) for x, y in zip(a, b,
                                                                                    strict=True))


def test_read_back_while_the_inputs_hold(tmp_path, encoder):
    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    g = ProductGraph.open(kg_dir, read_only=True)
    fz = _Counting(encoder)
    fresh = featurize_weak(taxonomy_queries(g), _Counting(encoder))
    first = cached_taxonomy_weak(g, fz, tmp_path / "feat")
    n = fz.calls
    assert n == len(fresh) > 0 and _same(first, fresh)
    again = cached_taxonomy_weak(g, fz, tmp_path / "feat")
    assert fz.calls == n and _same(again, fresh)  # read back, nothing featurised
    other = _Counting(encoder, name="enc-b")  # another tagger: featurised again
    assert _same(cached_taxonomy_weak(g, other, tmp_path / "feat"), fresh)
    assert other.calls == n
    # a damaged folder is featurised again (and rewritten), not an error
    (tmp_path / "feat" / "taxonomy" / "text.safetensors").write_bytes(b"not safetensors")
    assert _same(cached_taxonomy_weak(g, other, tmp_path / "feat"), fresh)
    assert other.calls == 2 * n
    assert cached_taxonomy_weak(g, other, None) and other.calls == 3 * n  # no cache


def test_a_kg_commit_is_featurised_again(tmp_path, encoder):
    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    fz = _Counting(encoder)
    with ProductGraph.open(kg_dir, read_only=True) as g:
        cached_taxonomy_weak(g, fz, tmp_path / "feat")
    n = fz.calls
    with ProductGraph.open(kg_dir) as g, g.transaction() as tx:
        tx.add_node(Node(NodeKind.CATEGORY, "bb/gnomes", "Garden Gnomes",
                         path="Garden > Garden Gnomes"))
    with ProductGraph.open(kg_dir, read_only=True) as g:
        weak = cached_taxonomy_weak(g, fz, tmp_path / "feat")
    assert fz.calls == 2 * n + 1
    assert "Garden Gnomes" in {ex.input.text for ex in weak}
