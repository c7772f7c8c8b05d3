"""A nearest-neighbour vote over the training queries blended into the intent, under CV.

Issue 16 (lvl1 accuracy). The fusion heads are small MLPs on frozen tagger embeddings, trained
on about 1,340 queries per fold for 199 lvl1 categories (about 7 queries a category); a
k-nearest-neighbour vote over the same training queries remembers every one of them. This
benchmark runs the shipped recipe (``kgqp fusion evaluate --cv``'s ``full`` variant, the same
folds and seeds) once and scores two arms on the **same trained models**, so the difference is
paired: ``model``, the heads' lvl1 distribution as served; ``blend``, ``(1 - alpha) * model +
alpha * knn``, where ``knn`` is the cosine-weighted vote of the ``k`` training queries (real
queries of the fold, not the weak category names) nearest to the query's text embedding, over
the model's labels: :class:`fusion.memory.QueryMemory`, which ``FusionConfig.memory_weight``
blends in the product (this script computed the same vote itself until the memory existed).
``links`` adds a vote keyed on the linker's output (:class:`LinkMemory` here: the
labels of the fold's training queries that linked to each of the query's KG nodes, weighted by
link score and node specificity) with weight ``--beta`` beside the text vote, on the queries
whose links it knows (the others keep ``blend``).
``lexical`` adds, the same way with weight ``--beta``, a vote on the query's words
(:class:`LexicalMemory` here: the labels of the fold's training queries whose content words
are all in the query).
``weakmem`` is ``blend`` with the KG's category names (the weak training queries of
:mod:`fusion.weak`, which the product's memory leaves out) remembered beside the real queries.
``--walk G`` adds the blend's department gate that keeps the heads' out-of-fold department
precision at ``G`` (the tree-walk gate of the expansions: the blend's department
probabilities are lower at the same precision, so the heads' gate would walk less often).
``--slices`` adds the default blend's accuracy per slice of the queries (what they link,
their number of words): where the intent's errors are.
``alpha`` and ``k`` are fixed by their defaults (0.3 and 10, chosen before any run, not
tuned). The department is the best lvl1's, as :class:`fusion.types.Intent` gives it; the hard
filter is the department's probability >= ``--hard`` (0.95, the shipped default), and
``calibrated`` gives, per seed, the threshold whose kept departments are 0.95 precise with 0.9
confidence on that seed's out-of-fold queries (in-sample, the same way for both arms: the
blend's probabilities are flatter, so a fixed threshold would not compare them).

    python bench/fusion_knn.py --kg ~/.cache/kgqp/kg --tagger ~/.cache/kgqp/tagger \\
        --features /tmp/cv/feat-t0 --cache /tmp/cv/cache --report knn-t0.json

The training is wrapped, not changed: ``fusion.cv.train_fusion`` is replaced for the run by a
function that calls it and gives the trained model its fold's training queries as a memory
(``FusionModel.set_memory``; the model's ``memory_weight`` stays 0, so it serves the same
intents), and the model's ``predict_batch`` records the heads' probabilities and the memory's
vote before returning those intents.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _fusion_cv import (  # noqa: E402
    add_arm_arguments,
    add_cv_arguments,
    featurised_inputs,
    shipped_full_cv,
    write_report,
)


@dataclass(frozen=True)
class LinkMemory:
    """The labels of the training queries that linked to each KG node: a vote keyed on the
    linker's output instead of the text. A query's vote is the sum, over its linked nodes
    this memory has seen, of each node's label distribution weighted by the link score and by
    the node's specificity (1 / the number of labels its queries carry, so a node whose
    queries all share one label counts more than a brand spread over thirty categories);
    queries with no such node get no vote.

    Attributes:
        nodes: IRI -> row of ``dist``.
        dist: ``[n_nodes, n_labels]`` label distribution of each node's training queries.
        spread: ``[n_nodes]`` number of distinct labels of each node's training queries.

    """

    nodes: dict[str, int]
    dist: np.ndarray
    spread: np.ndarray

    @classmethod
    def build(cls, links: Sequence[Sequence[tuple[str, float]]],
              labels: Sequence[int] | np.ndarray, *, n_labels: int) -> LinkMemory:
        """From each training query's links (``(iri, link score)``) and label index."""
        labels = np.asarray(labels, dtype=np.int64)
        if len(links) != len(labels) or (labels < 0).any() or (labels >= n_labels).any():
            raise ValueError(f"a link memory needs one label in [0, {n_labels}) per query, "
                             f"got {len(labels)} labels for {len(links)} queries")
        nodes: dict[str, int] = {}
        rows: list[np.ndarray] = []
        for query_links, lab in zip(links, labels, strict=True):
            for iri, score in query_links:
                if iri not in nodes:
                    nodes[iri] = len(rows)
                    rows.append(np.zeros(n_labels))
                rows[nodes[iri]][lab] += float(score)
        dist = np.stack(rows) if rows else np.zeros((0, n_labels))
        total = dist.sum(1, keepdims=True)
        dist = np.where(total > 0, dist / np.where(total > 0, total, 1.0), 0.0)
        return cls(nodes, dist, (dist > 0).sum(1).astype(np.float64))

    def vote(self, links: Sequence[Sequence[tuple[str, float]]]) -> tuple[np.ndarray, np.ndarray]:
        """``([B, n_labels] votes summing to 1, [B] whether the query had a known node)``;
        a query without one gets the uniform distribution and ``False``."""
        n_labels = self.dist.shape[1]
        out = np.zeros((len(links), n_labels))
        for i, query_links in enumerate(links):
            for iri, score in query_links:
                row = self.nodes.get(iri)
                if row is not None and self.spread[row] > 0:
                    out[i] += float(score) / self.spread[row] * self.dist[row]
        total = out.sum(1, keepdims=True)
        seen = total[:, 0] > 0
        return np.where(seen[:, None], out / np.where(seen[:, None], total, 1.0),
                        1.0 / max(n_labels, 1)), seen


@dataclass(frozen=True)
class LexicalMemory:
    """The labels of the training queries whose content words are all in a new query: a vote
    on the words themselves, beside the text embedding's. Best Buy labels a query by the
    category holding most of the products that match ALL its words, so a training query
    whose words are a subset of the new one's names a superset of its matches; the more of
    the new query's words it covers, the closer the two result sets. A new query's vote is
    the sum, over the remembered queries whose word set is a non-empty subset of its own, of
    their label weighted by ``(covered words / query words) ** 2``; a query with no such
    training query gets no vote. Words: :func:`kg.link.word_set` of the normalised text
    (plural-folded, stop words dropped), the linker's own.

    >>> mem = LexicalMemory.build(["tv", "tv mounts", "samsung"], [0, 1, 2], n_labels=3)
    >>> vote, seen = mem.vote(["fixed tv mount", "cooktop"])
    >>> vote.round(2).tolist()[0], seen.tolist()
    ([0.2, 0.8, 0.0], [True, False])
    """

    words: tuple[frozenset[str], ...]
    labels: np.ndarray
    n_labels: int

    @staticmethod
    def _words(text: str) -> frozenset[str]:
        from kg.index import normalize_key
        from kg.link import word_set

        return word_set(normalize_key(text))

    @classmethod
    def build(cls, texts: Sequence[str], labels: Sequence[int] | np.ndarray, *,
              n_labels: int) -> LexicalMemory:
        """From the training queries' texts and label indices."""
        labels = np.asarray(labels, dtype=np.int64)
        if len(texts) != len(labels) or (labels < 0).any() or (labels >= n_labels).any():
            raise ValueError(f"a lexical memory needs one label in [0, {n_labels}) per query, "
                             f"got {len(labels)} labels for {len(texts)} queries")
        return cls(tuple(cls._words(t) for t in texts), labels, n_labels)

    def vote(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``([B, n_labels] votes summing to 1, [B] whether any training query matched)``;
        a query without one gets the uniform distribution and ``False``."""
        out = np.zeros((len(texts), self.n_labels))
        for i, text in enumerate(texts):
            words = self._words(text)
            if not words:
                continue
            for known, lab in zip(self.words, self.labels, strict=True):
                if known and known <= words:
                    out[i, lab] += (len(known) / len(words)) ** 2
        total = out.sum(1, keepdims=True)
        seen = total[:, 0] > 0
        return np.where(seen[:, None], out / np.where(seen[:, None], total, 1.0),
                        1.0 / max(self.n_labels, 1)), seen


def _probs(r: dict, alpha: float, beta: float = 0.0, vote: str = "knn", extra: str = "links"):
    """The arm's lvl1 distribution for one record: ``(1 - alpha - beta) * heads + alpha *
    text vote + beta * extra vote`` on the queries the ``extra`` memory (``links``: the link
    memory; ``lexical``: the lexical memory) has a vote for, ``(1 - alpha) * heads + alpha *
    text vote`` on the others; ``vote`` names the text vote (``knn``: the fold's real
    training queries; ``knn_weak``: with the KG's category names)."""
    p = (1 - alpha) * r["model"] + alpha * r[vote]
    if beta:
        g = (1 - alpha - beta) * r["model"] + alpha * r[vote] + beta * r[extra]
        p = np.where(r[f"{extra}_seen"][:, None], g, p)
    return p


def _link_slice(linked: Sequence) -> str:
    """What a query links, for ``--slices``: ``category`` (a category, with or without other
    kinds), ``brand only``, ``other links`` or ``no link``."""
    kinds = {e.kind for e in linked}
    if "category" in kinds:
        return "category"
    if kinds == {"brand"}:
        return "brand only"
    return "other links" if kinds else "no link"


def _word_slice(text: str) -> str:
    """The query's number of words, for ``--slices`` (4 and more together)."""
    n = len(text.split())
    return "4+ words" if n >= 4 else f"{n} word{'s' * (n != 1)}"


def _slices(records: list[dict], alpha: float) -> dict:
    """lvl1 and lvl0 accuracy of the blend with weight ``alpha`` per slice of the queries
    (what they link; their number of words), pooled over all seeds' out-of-fold queries."""
    acc: dict[str, dict[str, list[int]]] = {"links": {}, "words": {}}
    for r in records:
        best, dept, _ = _decode(_probs(r, alpha), r["to_lvl0"])
        for i in range(len(best)):
            for kind in ("links", "words"):
                a = acc[kind].setdefault(r[f"slice_{kind}"][i], [0, 0, 0])
                a[0] += int(best[i] == r["gold1"][i])
                a[1] += int(dept[i] == r["gold0"][i])
                a[2] += 1
    return {kind: {name: {"share": round(n / sum(v[2] for v in by.values()), 4),
                          "lvl1": round(h1 / n, 4), "lvl0": round(h0 / n, 4)}
                   for name, (h1, h0, n) in sorted(by.items())}
            for kind, by in acc.items()}


def _decode(p: np.ndarray, to_lvl0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``p``: the best lvl1, its department and the department's probability
    (``Intent.lvl0_score``)."""
    best = p.argmax(1)
    dept = to_lvl0[best]
    return best, dept, np.array([p[i][to_lvl0 == d].sum() for i, d in enumerate(dept)])


def _score(records: list[dict], alpha: float, hard: float, beta: float = 0.0,
           vote: str = "knn", extra: str = "links") -> dict:
    """Per seed: lvl1 and lvl0 accuracy of the blend with weight ``alpha`` on the vote, and
    the hard filter's precision and coverage, over all the seed's out-of-fold queries."""
    from fusion.cv import calibrate_threshold

    per: dict[int, list[float]] = {}
    dept_scores: dict[int, tuple[list[float], list[bool]]] = {}
    for r in records:
        best, dept, p0 = _decode(_probs(r, alpha, beta, vote, extra), r["to_lvl0"])
        gold1, gold0 = r["gold1"], r["gold0"]
        acc = per.setdefault(r["seed"], [0, 0, 0, 0, 0])
        acc[0] += int((best == gold1).sum())
        acc[1] += int((dept == gold0).sum())
        acc[2] += len(best)
        kept = p0 >= hard
        acc[3] += int(kept.sum())
        acc[4] += int((dept[kept] == gold0[kept]).sum())
        sc, ok = dept_scores.setdefault(r["seed"], ([], []))
        sc += p0.tolist()
        ok += (dept == gold0).tolist()
    out = {"seed_lvl1": {}, "seed_lvl0": {}, "hard_precision": {}, "hard_coverage": {},
           "calibrated": {}}
    for s, (h1, h0, n, kept, ok) in sorted(per.items()):
        out["seed_lvl1"][s] = round(h1 / n, 4)
        out["seed_lvl0"][s] = round(h0 / n, 4)
        out["hard_precision"][s] = round(ok / kept, 4) if kept else None
        out["hard_coverage"][s] = round(kept / n, 4)
        t, prec, cov = calibrate_threshold(*dept_scores[s], target=0.95, confidence=0.9)
        out["calibrated"][s] = {"threshold": round(t, 4), "precision": round(prec, 4),
                                "coverage": round(cov, 4)}
    for key in ("seed_lvl1", "seed_lvl0"):
        vals = list(out[key].values())
        out[key.replace("seed_", "mean_")] = round(sum(vals) / len(vals), 4)
    out["crossfit"] = _crossfit(records, alpha, beta, vote, extra)
    return out


def _departments(records: list[dict], alpha: float) -> tuple:
    """Pooled over all records: each query's department probability under the blend with
    weight ``alpha`` (``Intent.lvl0_score``), whether that department is right, and its seed."""
    scores, ok, seeds = [], [], []
    for r in records:
        _, dept, p0 = _decode(_probs(r, alpha), r["to_lvl0"])
        scores.append(p0)
        ok.append(dept == r["gold0"])
        seeds.append(np.full(len(dept), r["seed"]))
    return np.concatenate(scores), np.concatenate(ok), np.concatenate(seeds)


def _matched_gate(records: list[dict], alpha: float, gate: float) -> dict:
    """The department gate of the blend that keeps the heads' department precision at
    ``gate`` (the expander's ``walk_min_department_prob``): the heads' out-of-fold precision
    and coverage at ``gate``, then the lowest blend threshold whose kept departments reach
    that precision (``calibrate_threshold``, observed precision), pooled and per seed."""
    from fusion.cv import calibrate_threshold

    out: dict = {}
    hs, hok, hseed = _departments(records, 0.0)
    bs, bok, bseed = _departments(records, alpha)
    for name, sel in [("pooled", None)] + [(str(s), s) for s in sorted(set(hseed.tolist()))]:
        h = slice(None) if sel is None else hseed == sel
        b = slice(None) if sel is None else bseed == sel
        kept = hs[h] >= gate
        prec = float(hok[h][kept].mean())
        t, bprec, bcov = calibrate_threshold(bs[b].tolist(), bok[b].tolist(), target=prec)
        out[name] = {"heads_precision": round(prec, 4), "heads_coverage": round(
            float(kept.mean()), 4), "blend_threshold": round(t, 4),
            "blend_precision": round(bprec, 4), "blend_coverage": round(bcov, 4)}
    return out


def _crossfit(records: list[dict], alpha: float, beta: float = 0.0, vote: str = "knn",
              extra: str = "links") -> dict:
    """The product's calibration (``fusion.cv._calibrate``: thresholds from all out-of-fold
    predictions, each fold judged with the threshold calibrated on the seed's other folds) of
    the blend with weight ``alpha``."""
    import fusion.cv as cv

    oof: dict[int, list[dict]] = {}
    for r in records:
        p = _probs(r, alpha, beta, vote, extra)
        best, dept, p0 = _decode(p, r["to_lvl0"])
        oof.setdefault(r["seed"], []).append({
            "score": p[np.arange(len(best)), best], "lvl0_score": p0,
            "lvl1_ok": best == r["gold1"], "lvl0_ok": dept == r["gold0"]})
    _, calibration = cv._calibrate(oof, cv.CVConfig())
    return {name: {k: v for k, v in c.items() if k != "default"}
            for name, c in calibration.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cv_arguments(ap)
    add_arm_arguments(ap, "model,blend,links")
    ap.add_argument("--alpha", type=float, default=0.3, help="weight of the vote in the blend")
    ap.add_argument("--k", type=int, default=10, help="neighbours that vote")
    ap.add_argument("--beta", type=float, default=0.2,
                    help="arms `links` and `lexical`: weight of the link memory's vote "
                    "(LinkMemory, in this script) or the lexical memory's (LexicalMemory) "
                    "beside --alpha, on the queries it has a vote for")
    ap.add_argument("--hard", type=float, default=0.95, help="hard-filter threshold")
    ap.add_argument("--slices", action="store_true",
                    help="also give the default blend's accuracy per slice of the queries: "
                    "what they link (a category, a brand only, other kinds, nothing) and "
                    "their number of words")
    ap.add_argument("--walk", type=float, default=None,
                    help="also give the blend's department gate that keeps the heads' "
                    "department precision at this gate (ExpansionConfig."
                    "walk_min_department_prob, 0.9 by default)")
    args = ap.parse_args()

    import fusion.cv as cv
    from fusion.memory import QueryMemory
    from fusion.weak import featurize_weak, taxonomy_queries

    graph, featurizer, examples = featurised_inputs(ap, args)
    weak = featurize_weak(taxonomy_queries(graph), featurizer)
    by_input = {id(ex.input): ex for ex in examples}
    records: list[dict] = []
    weak_sizes: list[int] = []
    train_fusion = cv.train_fusion

    def recording_train(fcfg, kg, train, dev, *, train_config, **kw):
        model = train_fusion(fcfg, kg, train, dev, train_config=train_config, **kw)
        # the fold's real training queries (not the weak ones), as the product remembers them;
        # the served model's memory_weight is 0, so its own intents are unchanged
        model.set_memory(train)
        index = {lab: i for i, lab in enumerate(model.labels)}
        # arm weakmem: the same memory with the KG's category names (the weak queries)
        with_weak = [ex for ex in train if ex.lvl1 in index]
        weak_memory = QueryMemory.build(
            np.stack([ex.input.text_embedding.detach().float().numpy() for ex in with_weak]),
            [index[ex.lvl1] for ex in with_weak])
        weak_sizes.append(sum(ex.weak for ex in with_weak))
        # the fold's real training queries' links (weak ones have none of their own)
        real = [ex for ex in train if not ex.weak and ex.lvl1 in index]
        links = LinkMemory.build([[(e.iri, e.score) for e in ex.input.linked] for ex in real],
                                 [index[ex.lvl1] for ex in real], n_labels=len(model.labels))
        lexical = LexicalMemory.build([ex.input.text for ex in real],
                                      [index[ex.lvl1] for ex in real], n_labels=len(model.labels))
        to_lvl0 = model.lvl1_to_lvl0.numpy()
        lvl0_index = {lab: i for i, lab in enumerate(model.lvl0_labels)}
        served = model.predict_batch

        def predict_batch(inputs):
            test = [by_input[id(x)] for x in inputs]
            probs = model._numpy_head().probs(inputs)
            text = np.stack([x.text_embedding.numpy() for x in inputs])
            records.append({
                "seed": train_config.seed, "model": probs,
                "knn": model.memory.vote(text, n_labels=len(model.labels), k=args.k),
                "knn_weak": weak_memory.vote(text, n_labels=len(model.labels), k=args.k),
                "to_lvl0": to_lvl0,
                "slice_links": [_link_slice(x.linked) for x in inputs],
                "slice_words": [_word_slice(x.text) for x in inputs],
                **dict(zip(("links", "links_seen"), links.vote(
                    [[(e.iri, e.score) for e in x.linked] for x in inputs]), strict=True)),
                **dict(zip(("lexical", "lexical_seen"), lexical.vote(
                    [x.text for x in inputs]), strict=True)),
                "gold1": np.array([index.get(ex.lvl1, -1) for ex in test]),
                "gold0": np.array([lvl0_index.get(ex.lvl0, -1) for ex in test]),
            })
            return served(inputs)

        model.predict_batch = predict_batch
        return model

    cv.train_fusion = recording_train
    try:
        res = shipped_full_cv(graph, featurizer, examples, weak, args, args.cache)
    finally:
        cv.train_fusion = train_fusion
    out = {"cv_summary_full": res["summary"], "cv_seed_lvl1": res["seed_lvl1"],
           "alpha": args.alpha, "k": args.k}
    out["beta"] = args.beta
    for extra in ("links", "lexical"):
        out[f"{extra}_seen"] = round(float(np.mean(np.concatenate(
            [r[f"{extra}_seen"] for r in records]))), 4)
    for arm in args.arms.split(","):
        if arm not in ("model", "blend", "links", "weakmem", "lexical"):
            ap.error(f"unknown arm {arm!r}: model, blend, links, weakmem or lexical")
        out[arm] = _score(records, 0.0 if arm == "model" else args.alpha, args.hard,
                          args.beta if arm in ("links", "lexical") else 0.0,
                          "knn_weak" if arm == "weakmem" else "knn",
                          "lexical" if arm == "lexical" else "links")
    out["weak_in_memory"] = round(float(np.mean(weak_sizes)), 1)
    if args.slices:
        out["slices_of_blend"] = _slices(records, args.alpha)
    if args.walk is not None:
        out["matched_walk_gate"] = _matched_gate(records, args.alpha, args.walk)
    write_report(out, args.report)


if __name__ == "__main__":
    main()
