"""Evaluate, fit and cross-validate the entity linker on hand-judged gold mentions.

Gold is JSONL, one mention per line::

    {"id": "q17-2", "query": "nike running shoes men", "mention": "men", "start": 19,
     "end": 22, "label": "department", "gold": ["https://kgqp.dev/id/attribute_value/..."],
     "acceptable_broader": []}

``gold: []`` means the mention is NIL (nothing in the KG is meant). A link is correct when its
IRI is in ``gold`` or in ``acceptable_broader``; a NIL prediction is correct when ``gold`` is
empty.

Figures (:class:`LinkMetrics`): accuracy over all mentions, precision of the links made, recall
of the linkable mentions (gold not NIL), NIL precision and recall; overall and per label. The
exact-match baseline (:class:`ExactLinker`: exact name/alias, plural folded, else NIL) is scored
beside the linker. Because the linker's weights are fitted on gold, :func:`cross_validate` fits
on k-1 folds (grouped by query, so one query never sits in both) and scores the held fold.

Example:
    >>> from kg import ProductGraph, Node, NodeKind
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "sony", "Sony")], progress=False)
    >>> gold = [GoldMention("1", "sony tv", "sony", 0, 4, "creator",
    ...                     ("https://kgqp.dev/id/brand/sony",)),
    ...         GoldMention("2", "sonyx tv", "sonyx", 0, 5, "creator", ())]
    >>> m = evaluate(gold, ExactLinker(g))
    >>> m.overall.accuracy, m.overall.precision
    (1.0, 1.0)
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from kg.index import normalize_key, normalize_with_offsets
from kg.link import EntityLinker, LinkerConfig, LinkGraph, LinkResult, LinkWeights
from kg.link import number_variants as _variants

__all__ = [
    "ExactLinker",
    "GoldMention",
    "LinkEvalReport",
    "LinkMetrics",
    "cross_validate",
    "evaluate",
    "fit_weights",
    "load_gold",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GoldMention:
    """One hand-judged mention (see the module docstring for the JSONL format)."""

    id: str
    query: str
    mention: str
    start: int
    end: int
    label: str
    gold: tuple[str, ...] = ()
    acceptable_broader: tuple[str, ...] = ()
    source: str = ""

    @property
    def nil(self) -> bool:
        return not self.gold

    def correct(self, iri: str | None) -> bool:
        if iri is None:
            return self.nil
        return iri in self.gold or iri in self.acceptable_broader


def load_gold(*paths: str | os.PathLike[str]) -> list[GoldMention]:
    """Read gold JSONL files; a malformed line raises ValueError naming file and line.

    Duplicates across all the files given raise ValueError naming them: a repeated ``id``, or
    a repeated mention (the same query, normalised as the linker reads it, and the same
    ``start``/``end`` in it). They would be scored twice, and a copy whose query differs only in
    case or spacing would land in another cross-validation fold than its original.
    """
    out: list[GoldMention] = []
    where: list[str] = []
    for path in paths:
        p = Path(path)
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ValueError(f"Cannot read gold file {p}: {e}") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                gold = d.get("gold") or []
                broader = d.get("acceptable_broader") or []
                if not isinstance(gold, list) or not isinstance(broader, list):
                    raise TypeError("'gold' and 'acceptable_broader' must be lists of IRIs")
                m = GoldMention(id=str(d["id"]), query=str(d["query"]), mention=str(d["mention"]),
                                start=int(d["start"]), end=int(d["end"]), label=str(d["label"]),
                                gold=tuple(map(str, gold)), acceptable_broader=tuple(
                                    map(str, broader)), source=p.stem)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{p}:{n}: not a gold mention ({type(e).__name__}: {e}); "
                                 'expected {"id","query","mention","start","end","label",'
                                 '"gold":[...],"acceptable_broader":[...]}') from None
            out.append(m)
            where.append(f"{p}:{n}")
    _refuse_duplicates(out, where)
    return out


def _mention_key(g: GoldMention) -> tuple[str, int, int]:
    """``(normalised query, start, end)`` of a mention, its offsets moved into the normalised
    query (:func:`kg.index.normalize_with_offsets`, stripped as :func:`normalize_key`), so a
    copy whose query differs only in case or spacing has the same key."""
    norm, starts, ends = normalize_with_offsets(g.query)
    lead = len(norm) - len(norm.lstrip())
    if starts is None or ends is None:
        return norm.strip(), g.start - lead, g.end - lead
    inside = [i for i, (a, b) in enumerate(zip(starts, ends, strict=True))
              if a >= g.start and b <= g.end]
    if not inside:  # (an empty or whitespace-only span: keep its raw offsets)
        return norm.strip(), g.start, g.end
    return norm.strip(), inside[0] - lead, inside[-1] + 1 - lead


def _refuse_duplicates(gold: Sequence[GoldMention], where: Sequence[str]) -> None:
    """ValueError naming the repeated ids and repeated (normalised query, start, end) mentions
    of ``gold`` (``where``: each mention's file and line), if any."""
    by_id: dict[str, list[str]] = {}
    by_span: dict[tuple[str, int, int], list[str]] = {}
    for g, w in zip(gold, where, strict=True):
        by_id.setdefault(g.id, []).append(w)
        by_span.setdefault(_mention_key(g), []).append(w)
    ids = [f"id {i!r} at {', '.join(ws)}" for i, ws in by_id.items() if len(ws) > 1]
    spans = [f"mention [{s}:{e}] of query {q!r} at {', '.join(ws)}"
             for (q, s, e), ws in by_span.items() if len(ws) > 1]
    problems = ids + spans
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise ValueError(f"duplicate gold mentions ({len(ids)} repeated id(s), {len(spans)} "
                         f"repeated mention(s)): {shown}. Each would be "
                         "scored twice (and a copy whose query differs only in case or spacing "
                         "would sit in another cross-validation fold): give each gold file "
                         "once, and keep one line per id and per mention")


class Linker(Protocol):
    def link(self, mention: str, label: str | None = None, context: str | None = None
             ) -> LinkResult: ...


class ExactLinker:
    """The baseline: exact name/alias match (plural folded), else NIL. Among several nodes of
    the key, a type-compatible one (by the label map) is preferred, then the most popular.
    Nodes marked ``kgqp:linkable false`` are never a link, as for the linker (the baseline
    linked them until 2026-12-04, which made it look weaker than exact matching is).

    Example:
        >>> from kg import ProductGraph, Node, NodeKind
        >>> g = ProductGraph.in_memory()
        >>> _ = g.add_records([Node(NodeKind.CATEGORY, "tv", "TVs")], progress=False)
        >>> ExactLinker(g).link("tv", "core_product_type").best.label
        'TVs'
    """

    def __init__(self, graph: LinkGraph, config: LinkerConfig | None = None) -> None:
        self.graph = graph
        self.config = config or LinkerConfig()

    def link(self, mention: str, label: str | None = None, context: str | None = None
             ) -> LinkResult:
        from kg.link import LinkCandidate, unlinkable_iris

        index = self.graph.alias_index
        unlinkable = unlinkable_iris(self.graph)
        key = normalize_key(mention)
        allowed = self.config.label_kinds.get(label or "", None)

        def linkable(k: str) -> tuple[Any, ...]:
            return tuple(c for c in index.candidates(k) if c.iri not in unlinkable)

        cands = linkable(key) if key else ()
        if not cands and key:
            for v in _variants(key):
                cands = linkable(v)
                if cands:
                    break
        if not cands or allowed == ():
            return LinkResult(mention, label, (), True)

        def ok(c: Any) -> bool:
            if allowed is None:
                return True
            kind = c.kind.value if c.kind is not None else None
            for spec in allowed:
                k, _, a = spec.partition(":")
                if kind == k and (not a or c.attribute == a):
                    return True
            return False

        ranked = sorted(cands, key=lambda c: not ok(c))  # index order = popularity
        out = tuple(LinkCandidate(c.iri, c.kind.value if c.kind else "", c.label, 1.0, "exact",
                                  c.matched_alias, 1.0, 1.0 if ok(c) else 0.0, 0.0, 0.0,
                                  c.attribute) for c in ranked)
        return LinkResult(mention, label, out, False)


@dataclass(frozen=True, slots=True)
class LinkMetrics:
    """Counts and rates of one group of mentions.

    ``linked_correct`` counts every correct link (precision's numerator), including a NIL gold
    mention linked to one of its ``acceptable_broader`` nodes; ``linkable_correct`` counts only
    the correct links of linkable mentions (gold not NIL: recall's numerator, so recall is
    never above 1).

    Example:
        >>> LinkMetrics(n=4, correct=3, linked=3, linked_correct=2, linkable=3,
        ...             nil_pred=1, nil_correct=1, nil_gold=1).precision
        0.6667
    """

    n: int = 0
    correct: int = 0
    linked: int = 0
    linked_correct: int = 0
    linkable: int = 0
    nil_pred: int = 0
    nil_correct: int = 0
    nil_gold: int = 0
    linkable_correct: int = 0

    @staticmethod
    def _rate(a: int, b: int) -> float | None:
        """``a / b`` to 4 places; ``None`` (undefined, not 0) when ``b`` is 0: a group with
        no links has no precision, which is not the same as all of its links being wrong."""
        return round(a / b, 4) if b else None

    @property
    def accuracy(self) -> float | None:
        return self._rate(self.correct, self.n)

    @property
    def precision(self) -> float | None:
        """Share of the links made that are correct (``None`` when none was made)."""
        return self._rate(self.linked_correct, self.linked)

    @property
    def recall(self) -> float | None:
        """Share of the linkable mentions (gold not NIL) linked correctly (``None`` when no
        mention is linkable). A NIL mention linked to an acceptable broader node is right (in
        accuracy and precision) but not counted here: it is not in the denominator."""
        return self._rate(self.linkable_correct, self.linkable)

    @property
    def nil_precision(self) -> float | None:
        return self._rate(self.nil_correct, self.nil_pred)

    @property
    def nil_recall(self) -> float | None:
        return self._rate(self.nil_correct, self.nil_gold)

    def add(self, gold: GoldMention, iri: str | None) -> LinkMetrics:
        ok = gold.correct(iri)
        return LinkMetrics(
            n=self.n + 1, correct=self.correct + ok,
            linked=self.linked + (iri is not None),
            linked_correct=self.linked_correct + (iri is not None and ok),
            linkable=self.linkable + (not gold.nil),
            linkable_correct=self.linkable_correct + (iri is not None and ok and not gold.nil),
            nil_pred=self.nil_pred + (iri is None),
            nil_correct=self.nil_correct + (iri is None and gold.nil),
            nil_gold=self.nil_gold + gold.nil)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "accuracy": self.accuracy, "precision": self.precision,
                "recall": self.recall, "nil_precision": self.nil_precision,
                "nil_recall": self.nil_recall, "linked": self.linked, "nil_pred": self.nil_pred,
                "nil_gold": self.nil_gold}


@dataclass(slots=True)
class LinkEvalReport:
    """Metrics overall, per label and per gold file, with each mention's prediction."""

    overall: LinkMetrics = field(default_factory=LinkMetrics)
    by_label: dict[str, LinkMetrics] = field(default_factory=dict)
    by_source: dict[str, LinkMetrics] = field(default_factory=dict)
    predictions: list[tuple[GoldMention, str | None]] = field(default_factory=list)

    def add(self, gold: GoldMention, iri: str | None) -> None:
        self.overall = self.overall.add(gold, iri)
        self.by_label[gold.label] = self.by_label.get(gold.label, LinkMetrics()).add(gold, iri)
        if gold.source:
            self.by_source[gold.source] = self.by_source.get(
                gold.source, LinkMetrics()).add(gold, iri)
        self.predictions.append((gold, iri))

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.to_dict(),
                "by_label": {k: v.to_dict() for k, v in sorted(self.by_label.items())},
                "by_source": {k: v.to_dict() for k, v in sorted(self.by_source.items())}}


def evaluate(gold: Iterable[GoldMention], linker: Linker,
             spans: Mapping[str, Sequence[tuple[int, int, str]]] | None = None,
             *, overlap: bool = False) -> LinkEvalReport:
    """Score ``linker`` on ``gold``.

    Args:
        gold: the judged mentions.
        linker: anything with ``link(mention, label, context) -> LinkResult``.
        spans: end to end: the tagger's ``(start, end, label)`` spans per query text. A gold
            mention is then linked only if the tagger found its exact span (with the tagger's
            label); a missed mention counts as a NIL prediction (right only if gold is NIL).
        overlap: end to end, a linkable gold mention without its exact span is scored by the
            tagger's spans that overlap it, as a user reads the parse: right when one of them
            links a gold node ("dslr lenses lenses" linked to DSLR Lenses for the gold
            mention "lenses"), else the first of their links (a wrong link), else NIL. A NIL
            gold mention is scored as without ``overlap``.

    Example (end to end, the tagger's span longer than the gold one):
        >>> from kg import ProductGraph, Node, NodeKind
        >>> g = ProductGraph.in_memory()
        >>> _ = g.add_records([Node(NodeKind.CATEGORY, "lens", "DSLR Lenses",
        ...                         path="Cameras > DSLR Lenses")], progress=False)
        >>> lenses = next(n.iri for n in g.nodes())
        >>> m = [GoldMention("1", "dslr lenses", "lenses", 5, 11, "core_product_type", (lenses,))]
        >>> spans = {"dslr lenses": [(0, 11, "core_product_type")]}
        >>> [evaluate(m, ExactLinker(g), spans, overlap=o).overall.accuracy for o in (False, True)]
        [0.0, 1.0]
    """
    report = LinkEvalReport()
    for g in gold:
        label: str | None = g.label
        mention = g.mention
        if spans is not None:
            found = [lab for s, e, lab in spans.get(g.query, ()) if s == g.start and e == g.end]
            if not found:
                report.add(g, _overlapping(g, linker, spans) if overlap and not g.nil else None)
                continue
            label = found[0]
            mention = g.query[g.start:g.end] or g.mention
        report.add(g, _link_iri(linker, mention, label, g.query))
    return report


def _link_iri(linker: Linker, mention: str, label: str | None, query: str) -> str | None:
    try:
        best = linker.link(mention, label=label, context=query).best
    except ValueError:  # a label the linker does not know: not linked
        best = None
    return best.iri if best is not None else None


def _overlapping(g: GoldMention, linker: Linker,
                 spans: Mapping[str, Sequence[tuple[int, int, str]]]) -> str | None:
    """What the tagger's spans overlapping ``g`` link: a gold node if one does, else the
    first link, else None."""
    links = [iri for s, e, lab in spans.get(g.query, ()) if s < g.end and g.start < e
             if (iri := _link_iri(linker, g.query[s:e], lab, g.query)) is not None]
    return next((iri for iri in links if g.correct(iri)), links[0] if links else None)


# -- fitting -----------------------------------------------------------------------------------
def _rows(linker: EntityLinker, gold: Iterable[GoldMention]
          ) -> list[tuple[GoldMention, list[tuple[list[float], bool, bool, str]]]]:
    """Per mention: (features, is correct, type-compatible, iri) of each generated candidate."""
    out = []
    for g in gold:
        try:
            allowed = linker._allowed(g.label)
        except ValueError:
            allowed = ()
        if allowed == () or not normalize_key(g.mention):
            out.append((g, []))
            continue
        gen = linker.generate(g.mention, g.label, g.query)
        feats = linker.features(g.mention, g.label, g.query, gen) if gen else []
        out.append((g, [(f, g.correct(c.iri), t > 0 or allowed is None, c.iri)
                        for c, _, _, f, t, _ in feats]))
    return out


def _fit_logistic(x: list[list[float]], y: list[bool], *, l2: float = 1.0,
                  iters: int = 50) -> list[float]:
    """L2-regularised logistic regression by Newton's method (numpy)."""
    import numpy as np

    X = np.asarray(x, dtype=float)
    t = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    reg = np.full(X.shape[1], l2)
    reg[0] = 1e-6  # the bias is not shrunk
    for _ in range(iters):
        z = np.clip(X @ w, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = X.T @ (p - t) + reg * w
        h = (X * (p * (1 - p))[:, None]).T @ X + np.diag(reg)
        step = np.linalg.solve(h, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w]


def _decide(rows: list[tuple[list[float], bool, bool, str]], coef: Sequence[float]
            ) -> tuple[str | None, float]:
    best: tuple[float, str] | None = None
    for f, _, ok, iri in rows:
        if not ok:
            continue
        z = sum(w * v for w, v in zip(coef, f, strict=True))
        p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
        if best is None or p > best[0] or (p == best[0] and iri < best[1]):
            best = (p, iri)
    return (best[1], best[0]) if best else (None, 0.0)


#: Cost of a wrong link relative to a missed one when the NIL threshold is picked: the
#: threshold maximises ``correct - WRONG_LINK_COST * wrong links`` on the training mentions. A
#: wrong link (a false brand or category filter) hurts search more than a missed one; 0.35 was
#: chosen by 5-fold cross-validation on both gold files (precision >= 0.90 at the best accuracy).
WRONG_LINK_COST = 0.35


def fit_weights(graph: LinkGraph, gold: Sequence[GoldMention], *,
                config: LinkerConfig | None = None, l2: float = 1.0,
                wrong_link_cost: float = WRONG_LINK_COST) -> LinkWeights:
    """Fit the scorer on ``gold`` and pick the NIL threshold that maximises its accuracy, a
    wrong link counting ``1 + wrong_link_cost`` errors (see :data:`WRONG_LINK_COST`).

    Every generated candidate of every mention is one training row, labelled by whether its IRI
    is in the mention's gold (or acceptable broader) set.
    """
    linker = EntityLinker(graph, config)
    rows = _rows(linker, gold)
    return _fit_rows(rows, l2=l2, wrong_link_cost=wrong_link_cost)


def _fit_rows(rows: list[tuple[GoldMention, list[tuple[list[float], bool, bool, str]]]], *,
              l2: float, wrong_link_cost: float = WRONG_LINK_COST) -> LinkWeights:
    if wrong_link_cost < 0:
        raise ValueError(f"wrong_link_cost must be >= 0, got {wrong_link_cost}")
    x = [f for _, cands in rows for f, _, _, _ in cands]
    y = [ok for _, cands in rows for _, ok, _, _ in cands]
    if not x or all(y) or not any(y):
        raise ValueError("Cannot fit link weights: the gold needs mentions whose candidates "
                         "include both correct and wrong nodes")
    coef = _fit_logistic(x, y, l2=l2)
    decided = [(g, *_decide(cands, coef)) for g, cands in rows]
    best_t, best_obj, best_acc = 0.5, -math.inf, 0
    for t in [i / 40 for i in range(1, 40)]:
        acc = sum(g.correct(iri if p >= t else None) for g, iri, p in decided)
        wrong = sum(1 for g, iri, p in decided if p >= t and iri is not None and not g.correct(iri))
        obj = acc - wrong_link_cost * wrong
        if obj > best_obj or (obj == best_obj and abs(t - 0.5) < abs(best_t - 0.5)):
            best_t, best_obj, best_acc = t, obj, acc
    n_pos = sum(y)
    return LinkWeights(tuple(coef), best_t, meta={
        "mentions": len(rows), "candidates": len(x), "positives": n_pos, "l2": l2,
        "wrong_link_cost": wrong_link_cost,
        "train_accuracy": round(best_acc / max(len(rows), 1), 4)})


@dataclass(slots=True)
class CrossValidation:
    """Held-out figures of the linker (fitted per fold) and of the exact-match baseline."""

    linker: LinkEvalReport
    baseline: LinkEvalReport
    folds: int
    fold_weights: list[LinkWeights]

    def to_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "linker": self.linker.to_dict(),
                "baseline": self.baseline.to_dict(),
                "thresholds": [w.threshold for w in self.fold_weights]}


def folds_by_query(gold: Sequence[GoldMention], k: int, *, seed: int = 0) -> list[int]:
    """Fold number of each mention; all mentions of one query text share a fold."""
    queries = sorted({g.query for g in gold})
    random.Random(seed).shuffle(queries)
    fold_of = {q: i % k for i, q in enumerate(queries)}
    return [fold_of[g.query] for g in gold]


def cross_validate(graph: LinkGraph, gold: Sequence[GoldMention], *, k: int = 5,
                   config: LinkerConfig | None = None, l2: float = 1.0, seed: int = 0,
                   wrong_link_cost: float = WRONG_LINK_COST,
                   spans: Mapping[str, Sequence[tuple[int, int, str]]] | None = None,
                   progress: Callable[[int], None] | None = None,
                   overlap: bool = False) -> CrossValidation:
    """k-fold cross-validation: fit on k-1 folds, score the held one; the held-out predictions
    of all folds make one report. The baseline is scored on the same mentions."""
    if k < 2:
        raise ValueError(f"k must be >= 2, got {k}")
    config = config or LinkerConfig()
    base = EntityLinker(graph, config)
    rows = _rows(base, gold)
    fold = folds_by_query(gold, k, seed=seed)
    report = LinkEvalReport()
    weights: list[LinkWeights] = []
    held: list[tuple[int, str | None]] = []
    for f in range(k):
        train = [r for r, fi in zip(rows, fold, strict=True) if fi != f]
        w = _fit_rows(train, l2=l2, wrong_link_cost=wrong_link_cost)
        weights.append(w)
        linker = EntityLinker(graph, replace(config, weights=w, nil_threshold=w.threshold))
        test = [(i, g) for i, (g, fi) in enumerate(zip(gold, fold, strict=True)) if fi == f]
        sub = evaluate([g for _, g in test], linker, spans, overlap=overlap)
        held += [(i, iri) for (i, _), (_, iri) in zip(test, sub.predictions, strict=True)]
        if progress is not None:
            progress(f)
    for i, iri in sorted(held):
        report.add(gold[i], iri)
    baseline = evaluate(gold, ExactLinker(graph, config), spans, overlap=overlap)
    return CrossValidation(report, baseline, k, weights)




def link_eval(graph: LinkGraph, gold: Sequence[GoldMention], *, folds: int = 5,
              config: LinkerConfig | None = None, l2: float = 1.0, seed: int = 0,
              spans: Mapping[str, Sequence[tuple[int, int, str]]] | None = None,
              overlap: bool = False) -> dict[str, Any]:
    """The figures of ``kgqp kg link-eval`` as a JSON-ready dict: the linker (cross-validated
    when ``folds >= 2``, else as configured) and the exact-match baseline, overall, per label
    and per gold file (``overlap``: see :func:`evaluate`)."""
    config = config or LinkerConfig()
    if overlap and spans is None:
        raise ValueError("overlap scoring is for end-to-end evaluation (the tagger's spans)")
    if not gold:
        raise ValueError("no gold mentions to score (the gold files are empty)")
    if folds == 1 or folds < 0:
        raise ValueError(f"folds must be 0 (the configured weights) or >= 2, got {folds}")
    unknown = sorted({g.label for g in gold} - set(config.label_kinds))
    if unknown:  # (the linker scored them NIL, the baseline linked them: a silent mismatch)
        raise ValueError(f"gold labels the linker does not know: {unknown}; known: "
                         f"{sorted(config.label_kinds)} (fix the gold, or add them to the "
                         "linker config's label_kinds)")
    if folds >= 2:
        cv = cross_validate(graph, gold, k=folds, config=config, l2=l2, seed=seed, spans=spans,
                            overlap=overlap)
        linker, baseline = cv.linker, cv.baseline
        how = f"{folds}-fold cross-validation grouped by query (fit on {folds - 1} folds)"
    else:
        linker = evaluate(gold, EntityLinker(graph, config), spans, overlap=overlap)
        baseline = evaluate(gold, ExactLinker(graph, config), spans, overlap=overlap)
        how = "configured weights, no refit" + (
            f" ({config.link_weights.meta.get('fitted_on', 'fitted on gold')})")
    return {"mentions": len(gold), "evaluation": how, "end_to_end": spans is not None,
            "overlap": overlap,
            "linker": linker.to_dict(), "baseline": baseline.to_dict(),
            "gain": {k: _gain(linker.overall.to_dict()[k], baseline.overall.to_dict()[k])
                     for k in ("accuracy", "precision", "recall")}}


def _gain(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)
