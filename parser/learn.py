"""Active learning: pick the queries of a log worth labelling, and say why each was picked.

:func:`score_queries` runs the tagger once per query (token logits and the query embedding from
one encoder pass) and, given a KG, matches and links the predicted spans, collecting per query:

* **uncertainty**: the smallest margin between the two most probable tags of a word and the
  largest tag entropy, and their sums over the words (``1 - margin`` and the entropy of every
  word added up), with Monte Carlo dropout (``mc_samples``) each word's BALD score, and with
  ``gradients`` the query's gradient embedding (BADGE): :attr:`SelectionConfig.uncertainty`
  says which one scores the query;
* **NIL spans**: predicted spans of a linkable label that the KG cannot link;
* **KG disagreement**: a KG name the tagger left untagged, or tagged with a label that cannot
  link to the name's kind (``kg.link.DEFAULT_LABEL_KINDS`` or the bundle's linker map);
* **frequency**: the query's count in the log.

:func:`select` combines them (:class:`SelectionConfig` weights), drops near-duplicates (same
words, or query embeddings closer than ``dup_cosine``) and, if asked, spreads the batch over
k-means clusters of the query embeddings (the best query of each cluster first) or gives
diminishing returns to words already labelled or picked (``redundancy``). Each
:class:`Selected` query carries its reasons; :func:`to_tasks` turns the batch into annotation
tasks with the model's spans pre-filled (:mod:`parser.tagger.formats`).

Example:
    >>> from parser.tagger.testing import tiny_tagger
    >>> sigs = score_queries(tiny_tagger(), [LogQuery("usb cable", 3), LogQuery("red shoes")])
    >>> picked = select(sigs, n=1, config=SelectionConfig(clusters=True, seed=0))
    >>> len(picked), picked[0].reasons[-1].startswith("diversity")
    (1, True)
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from parser.errors import ConfigError, DataFormatError
from parser.tagger.data import Span
from parser.tagger.decode import log_softmax
from parser.tagger.formats import Task, check_text, text_lines
from parser.tagger.lexicon import KGLexicon

__all__ = [
    "LogQuery",
    "QuerySignals",
    "Selected",
    "SelectionConfig",
    "iter_signals",
    "kmeans",
    "query_key",
    "read_query_log",
    "score_queries",
    "select",
    "select_from_log",
    "to_tasks",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogQuery:
    """A distinct query of a log and how often it was searched.

    >>> LogQuery("usb cable", count=12).count
    12
    """

    text: str
    count: int = 1


def query_key(text: str) -> str:
    """A query's identity in a log: case-folded, spaces collapsed ("TV" and " tv" are one)."""
    return " ".join(text.casefold().split())


def read_query_log(path: str | os.PathLike[str]) -> list[LogQuery]:
    """Read a query log: one query per line (repeats are counted), or JSONL (``.jsonl``, in
    any case) with ``{"query" or "text": str, "count": int (default 1)}`` per line. Queries
    that differ only in case or spacing are merged (counts summed; the first spelling kept,
    spaces collapsed).
    A bad JSONL line raises :class:`DataFormatError` with its file and line; so does a log
    that holds no queries."""
    p = Path(path)
    if p.is_dir():
        raise DataFormatError(f"query log {p} is a directory; give a query log file")
    if not p.is_file():
        raise DataFormatError(f"query log {p} does not exist: check the path")
    rows: list[tuple[str, int]] = []
    jsonl = p.suffix.casefold() == ".jsonl"  # ".JSONL" too
    for lineno, line in text_lines(p):
        if not line.strip():
            continue
        if jsonl:
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("a line must be a JSON object")
                text = obj.get("query", obj.get("text"))
                count = obj.get("count", 1)
                if not isinstance(text, str):
                    raise ValueError("'query' (or 'text') must be a string")
                if text.strip():
                    check_text(text, "'query'")
                if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                    raise ValueError(f"'count' must be an integer >= 1, got {count!r}")
            except ValueError as err:
                raise DataFormatError(f"{p}:{lineno}: {err}; expected {{\"query\": str, "
                                      "\"count\": int}: fix the line") from None
        else:
            text, count = line, 1
        rows.append((text, count))
    log = merge_log(rows)
    if not log:
        raise DataFormatError(f"query log {p} holds no queries: write one query per line"
                              + (' (JSONL: {"query": str, "count": int})' if jsonl else ""))
    return log


def merge_log(rows: Iterable[tuple[Any, Any]]) -> list[LogQuery]:
    """The distinct queries of ``rows`` (``(query, count)``; a blank query, or one that is no
    string, skipped), in order of first appearance: queries that differ only in case or
    spacing are one (:func:`query_key`; counts summed, the first spelling kept, spaces
    collapsed).

    >>> merge_log([("TV", 2), ("tv ", 1), ("", 5), ("lg  tv", 1)])
    [LogQuery(text='TV', count=3), LogQuery(text='lg tv', count=1)]
    """
    counts: dict[str, list[Any]] = {}
    for text, count in rows:
        if not isinstance(text, str) or not text.strip():
            continue
        text = " ".join(text.split())
        entry = counts.setdefault(query_key(text), [text, 0])
        entry[1] += count
    return [LogQuery(t, c) for t, c in counts.values()]


@dataclass
class QuerySignals:
    """What :func:`score_queries` found out about one query (see the module docstring).
    ``entities`` are the predicted spans with their label, score and KG link."""

    text: str
    count: int
    spans: list[Span]
    entities: list[dict[str, Any]]
    margin: float
    entropy: float
    uncertain_word: str
    uncertain_tag: str
    nil_spans: list[tuple[str, str]]
    disagreements: list[str]
    embedding: np.ndarray
    margin_sum: float | None = None
    entropy_sum: float | None = None
    #: the query's words (casefolded, the tagger's word split) with ``1 - margin`` and the
    #: normalised tag entropy of each (``None``: signals made by hand)
    words: list[str] | None = None
    word_margins: list[float] | None = None
    word_entropies: list[float] | None = None
    #: with Monte Carlo dropout (``score_queries(..., mc_samples=T)``): each word's BALD
    #: score (the mutual information between its tag and the model's weights, normalised by
    #: log(number of tags)) and their sum
    word_bald: list[float] | None = None
    bald_sum: float | None = None
    #: with ``score_queries(..., gradients=True)``: the query's gradient embedding (BADGE,
    #: Ash et al. 2020): the gradient of its tagging loss, taking the predicted tags as
    #: labels, with respect to the classifier's weights and bias (``[tags, hidden + 1]``,
    #: summed over the words), sketched to ``[tags, GRADIENT_SKETCH]`` by a fixed random
    #: projection and flattened; its norm grows with how unsure and how long the query is
    gradient: np.ndarray | None = None

    def uncertainty(self, kind: str) -> float:
        """The query's uncertainty score of ``kind`` (:attr:`SelectionConfig.uncertainty`);
        without the sums (signals made by hand) a sum is that of the least sure word.

        >>> s = QuerySignals("a b", 1, [], [], 0.2, 0.5, "a", "O", [], [], np.zeros(2), 1.3, 0.9)
        >>> round(s.uncertainty("min_margin"), 2), s.uncertainty("sum_margin")
        (0.8, 1.3)
        """
        if kind == "min_margin":
            return 1.0 - self.margin
        if kind == "sum_margin":
            return 1.0 - self.margin if self.margin_sum is None else self.margin_sum
        if kind == "sum_entropy":
            return self.entropy if self.entropy_sum is None else self.entropy_sum
        if kind == "sum_bald":
            if self.bald_sum is None:
                raise ConfigError("uncertainty='sum_bald' needs signals scored with Monte Carlo "
                                  "dropout (score_queries(..., mc_samples=T))")
            return self.bald_sum
        if kind == "badge":
            if self.gradient is None:
                raise ConfigError("uncertainty='badge' needs signals scored with gradient "
                                  "embeddings (score_queries(..., gradients=True))")
            return float(np.linalg.norm(self.gradient))
        raise ConfigError(f"uncertainty={kind!r}: use one of {', '.join(UNCERTAINTY)}")

    def discounted(self, kind: str, seen: Mapping[str, int], redundancy: float) -> float:
        """The summed uncertainty of ``kind`` with each word's share weighted by
        ``(1 + seen[word]) ** -redundancy`` (``seen``: how often the word is already labelled
        or picked): the summed uncertainty with diminishing returns on words the labels
        already hold. ``min_margin``, or signals without per-word values: :meth:`uncertainty`.

        >>> s = QuerySignals("a b", 1, [], [], 0.2, 0.5, "a", "O", [], [], np.zeros(2), 1.3,
        ...                  0.9, words=["a", "b"], word_margins=[0.8, 0.5],
        ...                  word_entropies=[0.6, 0.3])
        >>> round(s.discounted("sum_margin", {"a": 3}, 0.5), 2)  # 0.8 / 2 + 0.5
        0.9
        """
        if kind not in UNCERTAINTY:
            raise ConfigError(f"uncertainty={kind!r}: use one of {', '.join(UNCERTAINTY)}")
        per = {"sum_margin": self.word_margins, "sum_entropy": self.word_entropies,
               "sum_bald": self.word_bald}.get(kind)
        if per is None or self.words is None or not redundancy:
            return self.uncertainty(kind)
        return float(sum(u * (1.0 + seen.get(w, 0)) ** -redundancy
                         for w, u in zip(self.words, per, strict=True)))


UNCERTAINTY = ("min_margin", "sum_margin", "sum_entropy", "sum_bald", "badge")
#: columns of the random projection that sketches a gradient embedding's hidden dimension
#: (:attr:`QuerySignals.gradient`): distances between sketches match those between the full
#: gradients to about 1/sqrt(GRADIENT_SKETCH) (Johnson-Lindenstrauss)
GRADIENT_SKETCH = 128


def _compatible(kinds: set[str], specs: Sequence[str]) -> bool:
    return any(k == s or k.startswith(s + ":") for k in kinds for s in specs)


def _disagreements(text: str, spans: list[Span], matches: Iterable[tuple[int, int, str]],
                   label_kinds: Mapping[str, Sequence[str]]) -> list[str]:
    by_span: dict[tuple[int, int], set[str]] = {}
    for a, b, kind in matches:
        by_span.setdefault((a, b), set()).add(kind)
    out = []
    for (a, b), kinds in sorted(by_span.items()):
        exact = [s for s in spans if (s.start, s.end) == (a, b)]
        overlapping = [s for s in spans if s.start < b and a < s.end]
        kind_names = "/".join(sorted(k for k in kinds if ":" not in k) or sorted(kinds))
        if not overlapping:
            out.append(f"KG names {text[a:b]!r} ({kind_names}); the tagger left it untagged")
        elif exact:
            label = exact[0].label
            specs = label_kinds.get(label, ())
            # an attribute value of the label's own name agrees ("for men", a KG department
            # value, tagged department), whatever the linker's kinds for the label
            if specs and not _compatible(kinds, specs) \
                    and f"attribute_value:{label}" not in kinds:
                out.append(f"KG names {text[a:b]!r} ({kind_names}); the tagger says "
                           f"{exact[0].label}")
    return out


def score_queries(tagger: Any, queries: Sequence[LogQuery], *, kg: Any = None,
                  link: Any = None, label_kinds: Mapping[str, Sequence[str]] | None = None,
                  batch_size: int = 64, mc_samples: int = 0, gradients: bool = False,
                  progress: bool = False) -> list[QuerySignals]:
    """Signals of each query (:class:`QuerySignals`) from one tagger pass per query, in the
    order of ``queries``.

    ``tagger`` is a :class:`parser.tagger.Tagger`; ``kg`` (a :class:`kg.ProductGraph`) gives the
    lexicon matches (also the tagger's lexicon features) and the disagreement signal; ``link``
    is ``link(text, entity) -> ParsedEntity`` (:meth:`parser.QueryParser.link_entity`) for
    the NIL signal. Without them only the tagger signals are computed. ``mc_samples`` T > 0
    also runs T passes with dropout active (torch backend) for each word's BALD score
    (:attr:`QuerySignals.word_bald`, ``uncertainty="sum_bald"``); ``gradients`` adds each
    query's gradient embedding (torch backend, :attr:`QuerySignals.gradient`,
    ``uncertainty="badge"``) from the same pass.
    """
    res = dict(iter_signals(tagger, queries, kg=kg, link=link, label_kinds=label_kinds,
                            batch_size=batch_size, mc_samples=mc_samples, gradients=gradients,
                            progress=progress))
    return [res[i] for i in range(len(queries))]


def iter_signals(tagger: Any, queries: Sequence[LogQuery], *, kg: Any = None,
                 link: Any = None, label_kinds: Mapping[str, Sequence[str]] | None = None,
                 batch_size: int = 64, mc_samples: int = 0, gradients: bool = False,
                 progress: bool = False) -> Iterator[tuple[int, QuerySignals]]:
    """``(index in queries, signals)`` of each query, a batch at a time (queries batched by
    length): :func:`score_queries` without holding every query's signals at once."""
    if label_kinds is None:
        from kg.link import DEFAULT_LABEL_KINDS

        label_kinds = DEFAULT_LABEL_KINDS
    uses_lexicon = bool(getattr(tagger.config, "lexicon_kinds", None))
    labels = tagger.config.labels
    order = sorted(range(len(queries)), key=lambda i: len(queries[i].text))
    sketch: np.ndarray | None = None
    steps = range(0, len(order), batch_size)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="scoring queries", unit="batch", leave=False)
    for k in steps:
        idx = order[k:k + batch_size]
        texts = [queries[i].text for i in idx]
        matches = [KGLexicon.spans(kg.match(t)) for t in texts] if kg is not None else None
        items = tagger.prepare(texts, matches=matches if uses_lexicon else None)
        if gradients:
            logits, pooled, feats = tagger.forward_features(items)
            if sketch is None:
                sketch = _sketch(feats.shape[-1] + 1)
        else:
            logits, pooled = tagger.forward(items, pooled=True)
        tagged = tagger.decode(items, logits)
        samples = tagger.sample_logits(items, mc_samples, seed=k) if mc_samples else None
        for j, (i, p, tt) in enumerate(zip(idx, items, tagged, strict=True)):
            has = np.nonzero(p.first >= 0)[0]
            margin, entropy, word, tag = 1.0, 0.0, "", ""
            margin_sum = entropy_sum = 0.0
            words: list[str] = []
            word_margins: list[float] = []
            word_entropies: list[float] = []
            word_bald: list[float] | None = [] if samples is not None else None
            gradient = np.zeros(len(labels) * GRADIENT_SKETCH, dtype=np.float32) \
                if gradients else None
            if len(has):
                lp = log_softmax(logits[j, p.first[has]].astype(np.float64))
                prob = np.exp(lp)
                top2 = np.sort(prob, axis=-1)[:, -2:]
                margins = top2[:, 1] - top2[:, 0]
                w = int(np.argmin(margins))
                margin = float(margins[w])
                ents_w = (-(prob * lp).sum(-1)) / math.log(prob.shape[-1])
                entropy = float(ents_w.max())
                margin_sum = float((1.0 - margins).sum())
                entropy_sum = float(ents_w.sum())
                for h in has:
                    wa, wb = p.to_original(*p.words[h])
                    words.append(query_key(p.text[wa:wb]))
                word_margins = [float(x) for x in 1.0 - margins]
                word_entropies = [float(x) for x in ents_w]
                if samples is not None:
                    word_bald = _bald(samples[:, j, p.first[has]])
                if gradients:
                    gradient = _gradient(prob, feats[j, p.first[has]], sketch)
                a, b = p.words[has[w]]
                a, b = p.to_original(a, b)
                word, tag = p.text[a:b], labels[int(np.argmax(prob[w]))]
            spans = [Span(e.start, e.end, e.label) for e in tt.entities]
            ents, nils = [], []
            for e in tt.entities:
                d: dict[str, Any] = {"text": e.text, "start": e.start, "end": e.end,
                                     "label": e.label, "score": round(float(e.score), 4)}
                if link is not None:
                    pe = link(p.text, e)
                    d.update(kg_id=pe.kg_id, kg_label=pe.kg_label, kg_kind=pe.kg_kind)
                    if pe.kg_id is None and label_kinds.get(e.label):
                        nils.append((e.text, e.label))
                ents.append(d)
            dis = _disagreements(p.text, spans, matches[j], label_kinds) \
                if matches is not None else []
            yield i, QuerySignals(
                text=queries[i].text, count=queries[i].count, spans=spans, entities=ents,
                margin=margin, entropy=entropy, uncertain_word=word, uncertain_tag=tag,
                nil_spans=nils, disagreements=dis,
                embedding=np.asarray(pooled[j], dtype=np.float32),
                margin_sum=margin_sum, entropy_sum=entropy_sum, words=words,
                word_margins=word_margins, word_entropies=word_entropies,
                word_bald=word_bald,
                bald_sum=None if word_bald is None else float(sum(word_bald)),
                gradient=gradient,
            )


def _sketch(width: int) -> np.ndarray:
    """The fixed random projection ``[width, GRADIENT_SKETCH]`` of the gradient embeddings
    (Gaussian, scaled so that it keeps lengths on average; the same for every call)."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((width, GRADIENT_SKETCH)) / math.sqrt(GRADIENT_SKETCH)


def _gradient(prob: np.ndarray, feats: np.ndarray, sketch: np.ndarray) -> np.ndarray:
    """A query's sketched gradient embedding from its words' tag probabilities ``[words,
    tags]`` and the classifier's inputs at them ``[words, hidden]``: the gradient of the
    cross-entropy with the predicted tags as labels with respect to the classifier's weights
    and bias is the sum over the words of ``(prob - onehot(argmax)) x [feats, 1]``; the
    hidden side is projected by ``sketch``. (With a CRF the words' softmax stands in for
    their marginals: an approximation.)

    >>> g = _gradient(np.array([[1.0, 0.0]]), np.ones((1, 3)), _sketch(4))
    >>> float(np.abs(g).max())  # a sure word: no gradient
    0.0
    """
    u = prob.copy()
    u[np.arange(len(u)), prob.argmax(-1)] -= 1.0
    x = np.concatenate([feats.astype(np.float64), np.ones((len(feats), 1))], axis=1) @ sketch
    return (u.T @ x).astype(np.float32).ravel()


def _bald(logits: np.ndarray) -> list[float]:
    """BALD of each word from ``[T, words, tags]`` Monte Carlo logits: the entropy of the mean
    tag distribution minus the mean entropy of the T distributions (the information a word's
    label gives about the model's weights; Houlsby et al. 2011), over log(number of tags).

    >>> [round(x, 3) for x in _bald(np.log(np.array([[[0.5, 0.5]], [[0.5, 0.5]]])))]
    [0.0]
    >>> round(_bald(np.log(np.array([[[0.99, 0.01]], [[0.01, 0.99]]])))[0], 2)
    0.92
    """
    lp = log_softmax(logits.astype(np.float64))
    prob = np.exp(lp)
    mean = prob.mean(0)
    h_mean = -(mean * np.log(np.maximum(mean, 1e-12))).sum(-1)
    mean_h = -(prob * lp).sum(-1).mean(0)
    return [float(x) for x in np.maximum(h_mean - mean_h, 0.0) / math.log(logits.shape[-1])]


@dataclass
class SelectionConfig:
    """How :func:`select` ranks and spreads queries.

    The score of a query is ``(w_uncertainty * U + w_nil * [NIL span] + w_disagreement *
    [KG disagreement]) * (1 + w_frequency * log(1 + count) / log(1 + max count))``, where the
    uncertainty ``U`` is, by ``uncertainty``: ``"min_margin"``, 1 - the smallest top-2 margin
    of a word (the least sure word alone); ``"sum_margin"``, the sum of 1 - margin over the
    words (grows with the number of uncertain words, like the total token entropy of Settles
    & Craven 2008); ``"sum_entropy"``, the sum of the words' normalised tag entropies. The
    ``pool_factor * n`` best queries (after near-duplicate removal) are clustered into
    ``round(cluster_fraction * n)`` k-means clusters of their embeddings (none if
    ``clusters`` is false); the best of each cluster is taken, then the best of the rest in
    score order. A reason is given for a margin below ``margin_below``, a NIL span, a
    disagreement, a count in the top ``frequent_quantile`` of the log, and the cluster.
    ``density`` > 0 multiplies each score by the query's information density to that power
    (the mean cosine of its embedding to its ``density_neighbours`` nearest queries of the
    pool: typical queries before outliers; off by default: it did not help in the QueryNER
    simulation). ``redundancy`` > 0 (with ``sum_margin`` or ``sum_entropy``, no clusters)
    weights each word's uncertainty by ``(1 + c) ** -redundancy``, where ``c`` counts the word
    in the already labelled queries (:func:`select`'s ``exclude``) and in the picks made so
    far, and picks greedily (lazy greedy: a score only falls as the picks grow): a batch of
    250 no longer spends its budget on the same uncertain words (diminishing returns, as in
    the submodular batch selection of Wei et al. 2015); 0 (the default) is off: in the
    QueryNER simulation 0.5 labelled fewer tokens and lost 0.7 F1 points at 1,250 labels.
    ``uncertainty="badge"`` (signals scored with ``gradients=True``) replaces ranking and
    clustering by BADGE (Ash et al. 2020): k-means++ seeding over the queries' gradient
    embeddings (:attr:`QuerySignals.gradient`), which picks queries that are unsure (a long
    gradient) and unlike each other at once; the NIL, disagreement and frequency weights do
    not enter it.

    The defaults (``sum_margin``, no clusters: near-duplicates dropped, then the ranking) won
    the QueryNER simulation of ``bench/active_learning.py`` against ``min_margin`` with
    ``n`` clusters (docs/benchmarks.md, "Active learning on QueryNER"); with the sum, the NIL
    and disagreement weights (0.5) count as much as half a wholly uncertain word.

    >>> SelectionConfig(w_nil=0.0).w_uncertainty
    1.0
    """

    w_uncertainty: float = 1.0
    w_nil: float = 0.5
    w_disagreement: float = 0.5
    w_frequency: float = 0.5
    pool_factor: float = 4.0
    dup_cosine: float = 0.97
    margin_below: float = 0.5
    frequent_quantile: float = 0.9
    clusters: bool = False
    seed: int = 0
    uncertainty: str = "sum_margin"
    cluster_fraction: float = 1.0
    density: float = 0.0
    density_neighbours: int = 10
    redundancy: float = 0.0

    def __post_init__(self) -> None:
        if self.uncertainty not in UNCERTAINTY:
            raise ConfigError(f"uncertainty={self.uncertainty!r}: use one of "
                              f"{', '.join(UNCERTAINTY)}")
        if not 0 < self.cluster_fraction <= 1:
            raise ConfigError(f"cluster_fraction={self.cluster_fraction}: use a value in "
                              "(0, 1] (or clusters=False for none)")
        for name in ("w_uncertainty", "w_nil", "w_disagreement", "w_frequency"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}={getattr(self, name)}: use a weight >= 0")
        if self.pool_factor < 1:
            raise ConfigError(f"pool_factor={self.pool_factor}: use a value >= 1")
        if not 0 < self.dup_cosine <= 1:
            raise ConfigError(f"dup_cosine={self.dup_cosine}: use a value in (0, 1]")
        if self.density < 0:
            raise ConfigError(f"density={self.density}: use an exponent >= 0 (0: off)")
        if self.density_neighbours < 1:
            raise ConfigError(f"density_neighbours={self.density_neighbours}: use a value "
                              ">= 1")
        if self.redundancy < 0:
            raise ConfigError(f"redundancy={self.redundancy}: use an exponent >= 0 (0: off)")
        if self.uncertainty == "badge" and (self.clusters or self.redundancy or self.density):
            raise ConfigError("uncertainty='badge' spreads the batch itself (k-means++ over "
                              "the gradient embeddings): use it with clusters=False, "
                              "redundancy=0 and density=0")
        if self.redundancy and (self.clusters or self.uncertainty == "min_margin"):
            raise ConfigError(f"redundancy={self.redundancy} needs a summed uncertainty "
                              "(sum_margin or sum_entropy) and clusters=False: it is a "
                              "diversity rule of its own")


@dataclass
class Selected:
    """A query picked for labelling, with its score and the reasons it was picked."""

    signals: QuerySignals
    score: float
    reasons: list[str] = field(default_factory=list)
    cluster: int = -1


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iters: int = 25) -> np.ndarray:
    """Cluster ids of the rows of ``x`` (``[n, d]``) by k-means with k-means++ seeding.

    >>> kmeans(np.array([[0.0, 0], [0, 0.1], [5, 5], [5, 5.1]]), 2).tolist() in ([0, 0, 1, 1],
    ...                                                                          [1, 1, 0, 0])
    True
    """
    n = len(x)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    centers = [x[rng.integers(n)]]
    d2 = ((x - centers[0]) ** 2).sum(1)
    for _ in range(1, k):
        total = d2.sum()
        i = int(rng.choice(n, p=d2 / total)) if total > 0 else int(rng.integers(n))
        centers.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(1))
    c = np.stack(centers)
    assign = np.zeros(n, dtype=np.int64)
    for _ in range(iters):
        dist = (x ** 2).sum(1)[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None, :]
        new = dist.argmin(1)
        if _ and np.array_equal(new, assign):
            break
        assign = new
        for j in range(k):
            members = x[assign == j]
            if len(members):
                c[j] = members.mean(0)
    return assign


def _score(s: QuerySignals, cfg: SelectionConfig, max_count: int, uncertainty: float) -> float:
    base = (cfg.w_uncertainty * uncertainty + cfg.w_nil * bool(s.nil_spans)
            + cfg.w_disagreement * bool(s.disagreements))
    freq = math.log1p(s.count) / math.log1p(max_count) if max_count > 1 else 0.0
    return base * (1.0 + cfg.w_frequency * freq)


def _scores(signals: Sequence[QuerySignals], cfg: SelectionConfig,
            max_count: int | None = None) -> np.ndarray:
    if max_count is None:
        max_count = max((s.count for s in signals), default=1)
    return np.array([_score(s, cfg, max_count, s.uncertainty(cfg.uncertainty))
                     for s in signals], dtype=np.float64)


def _reasons(s: QuerySignals, cfg: SelectionConfig, frequent: int) -> list[str]:
    out = []
    if s.margin < cfg.margin_below and s.uncertain_word:
        total = "" if cfg.uncertainty in ("min_margin", "badge") else \
            f" ({cfg.uncertainty} over the words {s.uncertainty(cfg.uncertainty):.2f})"
        out.append(f"uncertain: {s.uncertain_word!r} tagged {s.uncertain_tag} with margin "
                   f"{s.margin:.2f} over the next tag{total}")
    out += [f"NIL: the KG cannot link {t!r} ({lab})" for t, lab in s.nil_spans]
    out += [f"disagreement: {d}" for d in s.disagreements]
    if s.count > 1 and s.count >= frequent:
        out.append(f"frequent: searched {s.count} times")
    return out


def _unit(rows: Sequence[np.ndarray]) -> np.ndarray:
    emb = np.stack(rows).astype(np.float64)
    return emb / np.linalg.norm(emb, axis=1, keepdims=True).clip(min=1e-9)


def _density(unit: np.ndarray, k: int, block: int = 1024) -> np.ndarray:
    """Per row of ``unit`` (unit-length query embeddings): the mean cosine to its ``k`` nearest
    other rows, clipped at 0 (how typical of the pool the query is: the information density of
    Settles & Craven 2008, over a neighbourhood)."""
    k = min(k, len(unit) - 1)
    if k < 1:
        return np.ones(len(unit))
    out = np.empty(len(unit))
    for a in range(0, len(unit), block):
        sims = unit[a:a + block] @ unit.T
        np.fill_diagonal(sims[:, a:a + block], -np.inf)
        out[a:a + block] = np.partition(sims, -k, axis=1)[:, -k:].mean(1).clip(min=0.0)
    return out


def select(signals: Sequence[QuerySignals], n: int, *, config: SelectionConfig | None = None,
           exclude: Iterable[str] = (), log_counts: Sequence[int] | None = None,
           word_mode: str = "whitespace") -> list[Selected]:
    """The ``n`` queries to label next, best first (see :class:`SelectionConfig`); queries
    whose text is in ``exclude`` (already labelled) are never picked. ``log_counts``: the
    counts of the whole log when ``signals`` hold only part of it (frequencies are scaled by
    the log's largest count, "frequent" is its top quantile). ``word_mode``: how the tagger
    splits words (its ``config.word_mode``), for counting the words of ``exclude`` under
    :attr:`SelectionConfig.redundancy`."""
    cfg = config or SelectionConfig()
    if n < 1:
        raise ConfigError(f"n={n}: ask for at least one query")
    exclude = list(exclude)
    skip = {query_key(t) for t in exclude}
    cand = [i for i, s in enumerate(signals) if query_key(s.text) not in skip]
    if not cand:
        return []
    max_count = max(log_counts, default=1) if log_counts else \
        max((s.count for s in signals), default=1)
    counts = sorted(log_counts) if log_counts else sorted(signals[i].count for i in cand)
    frequent = counts[min(len(counts) - 1, int(cfg.frequent_quantile * len(counts)))]
    unit = _unit([signals[i].embedding for i in cand])  # rows in cand's order
    density = _density(unit, cfg.density_neighbours) ** cfg.density if cfg.density > 0 \
        else None
    if cfg.uncertainty == "badge":
        return _select_badge(signals, cand, unit, n, cfg, frequent)
    if cfg.redundancy:
        return _select_greedy(signals, cand, unit, n, cfg, exclude, word_mode, frequent,
                              max_count, density)
    scores = _scores(signals, cfg, max_count)
    if density is not None:
        scores[cand] *= density
    order = sorted(range(len(cand)), key=lambda r: (-scores[cand[r]], signals[cand[r]].text))
    cand = [cand[r] for r in order]
    emb = unit[order]
    pos = {i: r for r, i in enumerate(cand)}
    # near-duplicates: walk down the ranking, keep a query unless it repeats a kept one
    want = max(n, math.ceil(cfg.pool_factor * n))
    pool: list[int] = []
    kept = _NearDuplicates(emb, cfg.dup_cosine)
    for i in cand:
        if kept.repeats(signals[i].text, pos[i]):
            continue
        pool.append(i)
        kept.add(signals[i].text, pos[i])
        if len(pool) >= want:
            break
    k = min(max(1, round(cfg.cluster_fraction * n)), len(pool))
    clusters = kmeans(emb[[pos[i] for i in pool]], k, seed=cfg.seed) if cfg.clusters \
        else np.arange(len(pool))
    picked: list[tuple[int, int]] = []
    seen: set[int] = set()
    for r, i in enumerate(pool):  # pool is in score order: the first of a cluster is its best
        c = int(clusters[r])
        if c not in seen:
            seen.add(c)
            picked.append((i, c))
    taken = {i for i, _ in picked}
    firsts = set(taken)
    for r, i in enumerate(pool):
        if len(picked) >= n:
            break
        if i not in taken:
            picked.append((i, int(clusters[r])))
    picked = sorted(picked, key=lambda ic: pos[ic[0]])[:n]
    out = []
    for i, c in picked:
        reasons = _reasons(signals[i], cfg, frequent)
        if not cfg.clusters:
            reasons.append("rank")
        elif i in firsts:
            reasons.append(f"diversity: best of embedding cluster {c + 1}/{k}")
        else:
            reasons.append(f"rank: embedding cluster {c + 1}/{k} already has a pick")
        out.append(Selected(signals[i], round(float(scores[i]), 6), reasons, c))
    return out


class _NearDuplicates:
    """The near-duplicate rule of :func:`select`: a query repeats a kept one when it has the
    same words (in any order, case ignored) or its embedding (a row of ``emb``, unit length)
    is within ``dup_cosine`` of a kept one's."""

    def __init__(self, emb: np.ndarray, dup_cosine: float) -> None:
        self.emb, self.dup_cosine = emb, dup_cosine
        self.rows: list[int] = []
        self.words: set[tuple[str, ...]] = set()

    @staticmethod
    def _words(text: str) -> tuple[str, ...]:
        return tuple(sorted(query_key(text).split()))

    def repeats(self, text: str, row: int) -> bool:
        return self._words(text) in self.words or (
            bool(self.rows) and float((self.emb[self.rows] @ self.emb[row]).max())
            >= self.dup_cosine)

    def add(self, text: str, row: int) -> None:
        self.rows.append(row)
        self.words.add(self._words(text))


def _select_greedy(signals: Sequence[QuerySignals], cand: list[int], unit: np.ndarray, n: int,
                   cfg: SelectionConfig, exclude: Sequence[str], word_mode: str,
                   frequent: int, max_count: int, density: np.ndarray | None,
                   ) -> list[Selected]:
    """:func:`select` with :attr:`SelectionConfig.redundancy`: lazy greedy over every
    candidate, each word's uncertainty discounted by how often it is labelled or picked."""
    import heapq
    from collections import Counter

    from parser.tagger.text import split_words

    seen: Counter[str] = Counter()
    for t in exclude:
        seen.update(query_key(t[a:b]) for a, b in split_words(t, mode=word_mode))  # type: ignore[arg-type]

    def score(r: int) -> float:
        s = signals[cand[r]]
        return _score(s, cfg, max_count, s.discounted(cfg.uncertainty, seen, cfg.redundancy)) \
            * (1.0 if density is None else float(density[r]))

    heap = [(-score(r), signals[i].text, r) for r, i in enumerate(cand)]
    heapq.heapify(heap)
    picked: list[tuple[int, float]] = []
    kept = _NearDuplicates(unit, cfg.dup_cosine)
    while heap and len(picked) < n:
        _, text, r = heapq.heappop(heap)
        cur = score(r)
        if heap and cur < -heap[0][0]:
            heapq.heappush(heap, (-cur, text, r))  # stale: its words were picked meanwhile
            continue
        if kept.repeats(text, r):
            continue
        picked.append((cand[r], cur))
        kept.add(text, r)
        seen.update(signals[cand[r]].words or ())
    out = []
    for i, sc in picked:
        reasons = _reasons(signals[i], cfg, frequent)
        reasons.append("rank: uncertainty of words not yet labelled or picked counts most")
        out.append(Selected(signals[i], round(float(sc), 6), reasons, -1))
    return out


def _select_badge(signals: Sequence[QuerySignals], cand: list[int], unit: np.ndarray, n: int,
                  cfg: SelectionConfig, frequent: int) -> list[Selected]:
    """:func:`select` with ``uncertainty="badge"`` (Ash et al. 2020): k-means++ seeding over
    the candidates' gradient embeddings: the largest first, then each next one drawn with
    probability proportional to its squared distance to the nearest pick (seeded by
    :attr:`SelectionConfig.seed`), so the batch is both unsure and diverse; near-duplicates of
    a pick are not drawn. Fewer than ``n`` when the rest of the candidates have no gradient
    (every word sure) or repeat a pick."""
    missing = next((i for i in cand if signals[i].gradient is None), None)
    if missing is not None:
        signals[missing].uncertainty("badge")  # raises the clear error
    grads = np.stack([signals[i].gradient for i in cand]).astype(np.float64)  # type: ignore[misc]
    sq = (grads ** 2).sum(1)
    rng = np.random.default_rng(cfg.seed)
    kept = _NearDuplicates(unit, cfg.dup_cosine)
    d2 = sq.copy()
    picked: list[int] = []
    first = True
    while len(picked) < n:
        total = d2.sum()
        if total <= 0:
            break
        r = int(np.argmax(d2)) if first else int(rng.choice(len(cand), p=d2 / total))
        d2[r] = 0.0
        if kept.repeats(signals[cand[r]].text, r):
            continue
        first = False
        picked.append(r)
        kept.add(signals[cand[r]].text, r)
        d2 = np.minimum(d2, ((grads - grads[r]) ** 2).sum(1))
    out = []
    for k, r in enumerate(picked):
        s = signals[cand[r]]
        reasons = _reasons(s, cfg, frequent)
        reasons.append("largest gradient embedding" if k == 0 else
                       "diversity: drawn by k-means++ over the gradient embeddings (BADGE)")
        out.append(Selected(s, round(math.sqrt(float(sq[r])), 6), reasons, -1))
    return out


def select_from_log(tagger: Any, log: Sequence[LogQuery], n: int, *,
                    config: SelectionConfig | None = None, exclude: Iterable[str] = (),
                    keep: int | None = None, **signal_args: Any) -> list[Selected]:
    """:func:`select` over a whole log in bounded memory: the log is scored a batch at a time
    (:func:`iter_signals`, ``signal_args``: ``kg``, ``link``, ``label_kinds``, ``batch_size``,
    ``progress``) and only the ``keep`` best-scored queries (default: ten times the pool
    :func:`select` draws from, at least 2,000) are held for the near-duplicate removal and the
    clustering. The same picks as ``select(score_queries(...))`` whenever the pool
    :func:`select` draws (the best ``pool_factor * n`` after near-duplicate removal) lies
    within the ``keep`` best-scored queries."""
    import heapq

    cfg = config or SelectionConfig()
    if n < 1:
        raise ConfigError(f"n={n}: ask for at least one query")
    keep = keep or max(10 * math.ceil(cfg.pool_factor * n), 2000)
    exclude = list(exclude)
    skip = {query_key(t) for t in exclude}
    counts = [q.count for q in log]
    max_count = max(counts, default=1)
    heap: list[tuple[float, int, QuerySignals]] = []
    for i, sig in iter_signals(tagger, log, **signal_args):
        if query_key(sig.text) in skip:
            continue
        item = (float(_scores([sig], cfg, max_count)[0]), -i, sig)
        if len(heap) < keep:
            heapq.heappush(heap, item)
        else:
            heapq.heappushpop(heap, item)
    kept = [sig for _, _, sig in sorted(heap, key=lambda t: -t[1])]  # log order
    return select(kept, n, config=cfg, exclude=exclude, log_counts=counts,
                  word_mode=getattr(tagger.config, "word_mode", "whitespace"))


def to_tasks(selected: Sequence[Selected]) -> list[Task]:
    """Annotation tasks with the model's spans pre-filled and the reasons in ``meta``."""
    out = []
    for k, s in enumerate(selected):
        sig = s.signals
        meta = {"rank": k + 1, "score": s.score, "reasons": list(s.reasons),
                "count": sig.count, "margin": round(sig.margin, 4),
                "entropy": round(sig.entropy, 4), "cluster": s.cluster,
                "entities": sig.entities}
        out.append(Task(sig.text, list(sig.spans), meta, id=k + 1, source="prediction"))
    return out
