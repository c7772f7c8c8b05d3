"""One encoder pass per parse: a fusion model trained on the tagger's own query embeddings
(``kgqp fusion train --tagger``), bundled with that tagger and served through ONNX Runtime."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

QUERIES = [
    ("samsung tv", "Electronics > TVs"), ("lg television", "Electronics > TVs"),
    ("55 inch tv", "Electronics > TVs"), ("sony tv red", "Electronics > TVs"),
    ("dell laptop", "Electronics > Laptops"), ("apple notebook", "Electronics > Laptops"),
    ("laptop black", "Electronics > Laptops"), ("sony headphones", "Electronics > Headphones"),
    ("headphones blue", "Electronics > Headphones"), ("nike shoes", "Clothing > Shoes"),
    ("red sneakers", "Clothing > Shoes"), ("shoes black", "Clothing > Shoes"),
]


def _jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for q, lvl1 in rows:
            facets = {"hierarchicalCategories.lvl0": [{"value": lvl1.split(" > ")[0], "count": 3}],
                      "hierarchicalCategories.lvl1": [{"value": lvl1, "count": 3}]}
            fh.write(json.dumps({"query": q, "instant_search": {"facets": {
                "exact_matches": facets}}}) + "\n")
    return path


@pytest.fixture(scope="module")
def onnx_tagger_dir(tmp_path_factory, tagger_dir: Path) -> Path:
    from parser.tagger import export_onnx

    d = tmp_path_factory.mktemp("shared") / "tagger"
    shutil.copytree(tagger_dir, d, ignore=shutil.ignore_patterns("checkpoint", "*.onnx"))
    export_onnx(d, int8=True)
    return d


@pytest.fixture(scope="module")
def shared_bundle(tmp_path_factory, onnx_tagger_dir: Path, kg_dir: Path) -> Path:
    from fusion import FusionConfig
    from fusion.gnn import GNNConfig
    from fusion.train import train_from_files
    from kg import ProductGraph
    from parser.bundle import build_bundle
    from parser.tagger.embed import TaggerTextEncoder, load_embedding_tagger

    tmp = tmp_path_factory.mktemp("shared-fusion")
    kg = tmp / "kg"
    shutil.copytree(kg_dir, kg)
    with ProductGraph.open(kg, read_only=True) as g:
        enc = TaggerTextEncoder(load_embedding_tagger(onnx_tagger_dir))
        assert enc.tagger.backend == "onnx"  # trained on what the bundle serves
        train_from_files(g, _jsonl(tmp / "train.jsonl", QUERIES), _jsonl(tmp / "dev.jsonl",
                                                                         QUERIES[::3]),
                         tmp / "fusion", config=FusionConfig(hidden_dim=16, epochs=5),
                         gnn_config=GNNConfig(hidden_dim=8, out_dim=8, steps=3),
                         text_encoder="hashing", query_encoder=enc, cache_dir=tmp / "cache",
                         progress=False)
    return build_bundle(tmp / "bundle", tagger=onnx_tagger_dir, kg=kg, fusion=tmp / "fusion")


def _counting(session) -> list:
    calls: list = []
    run = session.run
    session.run = lambda names, feeds: calls.append(names) or run(names, feeds)
    return calls


def test_bundle_has_no_second_encoder_and_parses_in_one_call(shared_bundle: Path):
    from parser.pipeline import QueryParser

    manifest = json.loads((shared_bundle / "kgqp-bundle.json").read_text())
    assert manifest["text_encoder"] is None and not (shared_bundle / "text_encoder").exists()
    assert manifest["fusion_head"] == "fusion/head.onnx"
    assert "fusion/head.onnx" in manifest["checksums"]
    qp = QueryParser.from_pretrained(shared_bundle, read_only=True)
    assert qp.tagger.backend == "onnx" and qp.shares_encoder and qp.fused is not None
    tagger_calls, fused_calls = _counting(qp.tagger.session), _counting(qp.fused.session)
    parsed = qp("samsung tv")
    # tags and intent from one ORT call on the joined graph; the tagger's own session idle
    assert tagger_calls == [] and len(fused_calls) == 1
    assert parsed.intent is not None and parsed.intent.category in {q[1] for q in QUERIES}
    # the same intent as the two-pass path (embedding computed separately, NumPy head)
    from fusion.model import FusionInput

    emb = qp.text_encoder.encode(["samsung tv"])[0]
    two_pass = qp.fusion.predict(FusionInput(emb, tuple(qp._fusion_inputs(["samsung tv"],
                                                                           None)[0].linked)))
    assert two_pass.category == parsed.intent.category
    assert two_pass.score == pytest.approx(parsed.intent.score, abs=1e-5)


def _comparable(p) -> dict:
    d = p.to_dict()
    d.pop("timings")
    return d


def test_fused_graph_equals_numpy_head_and_follows_weight_changes(shared_bundle: Path):
    import torch

    from parser.pipeline import QueryParser

    texts = [q for q, _ in QUERIES] + ["samsung", "", "unknown words only", "nike " * 30]
    fused = QueryParser.from_pretrained(shared_bundle, read_only=True)
    plain = QueryParser.from_pretrained(shared_bundle, read_only=True)
    plain.fused = None
    a, b = [fused(t) for t in texts], [plain(t) for t in texts]
    for x, y in zip(a, b, strict=True):
        assert x.entities == y.entities and x.expansions == y.expansions
        assert x.intent.category == y.intent.category
        assert x.intent.score == pytest.approx(y.intent.score, abs=1e-5)
    # fine-tuning the loaded fusion model in place: the joined graph holds the old weights,
    # so the parser goes back to the NumPy head rather than disagree with the model
    assert fused._use_fused()
    with torch.no_grad():
        fused.fusion.classifier[-1].bias[0] += 50.0
    assert not fused._use_fused()
    assert {fused(t).intent.category for t in texts} == {fused.fusion.labels[0]}


def _by_length(qp, texts: list[str], batch_size: int, window: int) -> list[dict]:
    """What ``pipe`` computes: windows of ``batch_size * window`` queries, batched by length."""
    out: list[dict] = []
    for w in range(0, len(texts), batch_size * window):
        chunk = texts[w:w + batch_size * window]
        order = sorted(range(len(chunk)), key=lambda i: len(chunk[i]))
        res: dict[int, dict] = {}
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            for i, p in zip(idx, qp._parse_batch([chunk[i] for i in idx]), strict=True):
                res[i] = _comparable(p)
        out += [res[i] for i in range(len(chunk))]
    return out


def test_pipe_batches_by_length_and_keeps_input_order(shared_bundle: Path):
    from parser.pipeline import InputError, QueryParser

    qp = QueryParser.from_pretrained(shared_bundle, read_only=True)
    texts = [q for q, _ in QUERIES] * 3 + ["a much longer query about samsung televisions"]
    one_by_one = [_comparable(qp(t)) for t in texts]
    assert [_comparable(p) for p in qp.pipe(texts, batch_size=1)] == one_by_one
    # INT8 activations are quantised per batch, so the same query in another batch can differ
    # in the last digits: compare with the same batches run directly
    for bs, window in ((4, 1), (4, 2), (5, 8), (64, 8)):
        got = [_comparable(p) for p in qp.pipe(texts, batch_size=bs, sort_window=window)]
        assert [g["text"] for g in got] == texts
        assert got == _by_length(qp, texts, bs, window)
    # a bad query: every query before it is yielded, then the error
    got = []
    with pytest.raises(InputError, match="lone surrogate"):
        for p in qp.pipe([*texts[:9], "bad \ud800", *texts[9:]], batch_size=4):
            got.append(_comparable(p))
    assert got == _by_length(qp, texts[:9], 4, 8)
    # across windows, overlapped: the model call of the next batch runs on the one-thread
    # session in a worker thread
    got = []
    with pytest.raises(InputError, match="lone surrogate"):
        for p in qp.pipe([*texts[:30], "bad \ud800", *texts[30:]], batch_size=4, sort_window=2):
            got.append(_comparable(p))
    assert got == _by_length(qp, texts[:30], 4, 2)
    assert qp.fused._batch_session is not None
    with pytest.raises(InputError):
        next(qp.pipe(["bad \ud800", *texts], batch_size=4))
    # one batch: no worker thread, the default session
    single = QueryParser.from_pretrained(shared_bundle, read_only=True)
    assert len(list(single.pipe(texts[:5], batch_size=64))) == 5
    assert single.fused._batch_session is None


def test_tag_and_embed_matches_tag_and_embed_apart(onnx_tagger_dir: Path):
    from parser.tagger import Tagger

    for backend in ("torch", "onnx"):
        t = Tagger.from_pretrained(onnx_tagger_dir, backend=backend, int8=False)
        texts = ["samsung tv", "red nike shoes under 50", ""]
        tagged, emb = t.tag_and_embed(texts)
        assert [x.entities for x in tagged] == [x.entities for x in t.pipe(texts)]
        assert emb.shape == (3, t.embedding_dim) and emb.dtype == np.float32
        half = t.embedding_dim // 2  # two L2-normalised halves: embedding layer, last layer
        np.testing.assert_allclose(np.linalg.norm(emb[:, :half], axis=1), 1, atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(emb[:, half:], axis=1), 1, atol=1e-5)
        np.testing.assert_allclose(t.embed(texts), emb, atol=1e-5)
    torch_emb = Tagger.from_pretrained(onnx_tagger_dir).embed(texts)
    onnx_emb = Tagger.from_pretrained(onnx_tagger_dir, backend="onnx", int8=False).embed(texts)
    np.testing.assert_allclose(onnx_emb, torch_emb, atol=1e-4)


def test_wrong_or_old_tagger_is_refused(tmp_path: Path, shared_bundle: Path, tagger_dir: Path,
                                        onnx_tagger_dir: Path, kg_dir: Path):
    import onnx

    from parser.bundle import build_bundle
    from parser.errors import ConfigError, ModelLoadError
    from parser.pipeline import QueryParser
    from parser.tagger import Tagger
    from parser.tagger.embed import TaggerTextEncoder
    from parser.tagger.testing import tiny_tagger

    other = tiny_tagger().save(tmp_path / "other")
    with pytest.raises(ConfigError, match="retrain with `kgqp fusion train --tagger"):
        build_bundle(tmp_path / "b", tagger=other, kg=kg_dir, fusion=shared_bundle / "fusion")
    # a bundle whose tagger was swapped afterwards: refused at load, naming the fix
    swapped = tmp_path / "swapped"
    shutil.copytree(shared_bundle, swapped)
    shutil.rmtree(swapped / "tagger")
    shutil.copytree(other, swapped / "tagger")
    with pytest.raises(ModelLoadError, match="trained on the embeddings of tagger"):
        QueryParser.from_pretrained(swapped, verify=False, read_only=True)
    # an ONNX export from before the embedding output: tagging works, embeddings say what to do
    old = tmp_path / "old"
    shutil.copytree(onnx_tagger_dir, old)
    m = onnx.load(str(old / "model.onnx"))
    keep = [o for o in m.graph.output if o.name == "logits"]
    del m.graph.output[:]
    m.graph.output.extend(keep)
    onnx.save(m, str(old / "model.onnx"))
    t = Tagger.from_pretrained(old, backend="onnx", int8=False)
    assert not t.has_embeddings and t("samsung tv").text == "samsung tv"
    with pytest.raises(ConfigError, match="export-onnx"):
        TaggerTextEncoder(t)
