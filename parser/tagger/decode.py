"""Constrained Viterbi decoding over word-level scores (numpy; shared by every backend).

Invalid transitions of the tag scheme (``O -> I-x``, ``B-x -> I-y`` ...) are forbidden, so the
decoded tags are always a well-formed BIO/BIOES sequence. With a CRF its transition scores are
added; without one the scores are the classifier's log-probabilities.

Example:
    >>> import numpy as np
    >>> labels = ["O", "B-a", "I-a"]
    >>> dec = Decoder(labels, "bio")
    >>> logp = np.log(np.array([[0.1, 0.2, 0.7], [0.1, 0.1, 0.8]]))
    >>> [labels[i] for i in dec.decode(logp)]   # "I-a I-a" is not allowed to start
    ['B-a', 'I-a']
"""

from __future__ import annotations

import numpy as np

from parser.tagger.data import _split_tag

__all__ = ["Decoder", "log_softmax"]

NEG = -1e4


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis."""
    m = x.max(axis=-1, keepdims=True)
    z = x - m
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _allowed(prev: str, cur: str, scheme: str) -> bool:
    pp, pt = _split_tag(prev)
    cp, ct = _split_tag(cur)
    inside = pp in ("B", "I")  # an entity is open after prev
    if scheme == "bioes":
        if inside:
            return cp in ("I", "E") and ct == pt
        return cp in ("O", "B", "S")
    if cp == "I":
        return pp in ("B", "I") and pt == ct
    return True


class Decoder:
    """Viterbi with scheme constraints (and optional CRF transition scores)."""

    def __init__(self, labels: list[str], scheme: str,
                 crf: dict[str, list] | None = None) -> None:
        n = len(labels)
        trans = np.zeros((n, n), dtype=np.float64)
        start = np.zeros(n)
        end = np.zeros(n)
        if crf is not None:
            trans += np.asarray(crf["transitions"], dtype=np.float64)
            start += np.asarray(crf["start"], dtype=np.float64)
            end += np.asarray(crf["end"], dtype=np.float64)
        for i, a in enumerate(labels):
            for j, b in enumerate(labels):
                if not _allowed(a, b, scheme):
                    trans[i, j] = NEG
            # start behaves like after "O"; end like before "O" (no open entity)
            if not _allowed("O", a, scheme):
                start[i] = NEG
            if scheme == "bioes" and _split_tag(a)[0] in ("B", "I"):
                end[i] = NEG
        self.trans, self.start, self.end = trans, start, end
        self._labels = np.arange(n)  # (to read each label's best score at its argmax)

    def decode_batch(self, scores: np.ndarray, lengths: np.ndarray) -> list[list[int]]:
        """Best tag ids for a padded batch of word scores ``[batch, n_words, n_labels]``;
        ``lengths[b]`` words of row ``b`` are real. The same paths as :meth:`decode` row by
        row, in one pass over the word positions instead of one per text.

        >>> import numpy as np
        >>> dec = Decoder(["O", "B-a", "I-a"], "bio")
        >>> logp = np.log(np.array([[[.1, .2, .7], [.1, .1, .8]], [[.8, .1, .1], [.1, .1, .8]]]))
        >>> dec.decode_batch(logp, np.array([2, 1]))
        [[1, 2], [0]]
        """
        b, n, k = scores.shape
        if b == 0:
            return []
        score = self.start + scores[:, 0]
        back = np.zeros((b, n, k), dtype=np.int64)
        trans = self.trans[None]
        for t in range(1, n):
            cand = score[:, :, None] + trans
            back[:, t] = cand.argmax(1)
            score = np.where((lengths > t)[:, None], cand.max(1) + scores[:, t], score)
        best = (score + self.end).argmax(1).tolist()
        back_l = back.tolist()
        out: list[list[int]] = []
        for i, m in enumerate(lengths.tolist()):
            if m == 0:
                out.append([])
                continue
            j = best[i]
            path = [j]
            rows = back_l[i]
            for t in range(m - 1, 0, -1):
                j = rows[t][j]
                path.append(j)
            out.append(path[::-1])
        return out

    def decode(self, scores: np.ndarray) -> list[int]:
        """Best tag ids for word scores ``[n_words, n_labels]``."""
        n = scores.shape[0]
        if n == 0:
            return []
        score = self.start + scores[0]
        trans, labels = self.trans, self._labels
        back = []  # each word's best previous label for each label
        for t in range(1, n):
            cand = score[:, None] + trans
            prev = cand.argmax(0)
            back.append(prev)
            # the best scores are the candidates argmax picked (one reduction, not two; a
            # max that is -0.0 here and 0.0 there compares and adds up the same)
            score = cand[prev, labels] + scores[t]
        best = int((score + self.end).argmax())
        path = [best]
        for prev in reversed(back):
            best = int(prev[best])
            path.append(best)
        return path[::-1]
