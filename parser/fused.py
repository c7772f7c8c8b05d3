"""One ONNX Runtime call per batch: the tagger's graph and the fusion head joined.

A bundle whose fusion model reads the tagger's own query embeddings ships the fusion head as
``fusion/head.onnx`` (:func:`fusion.onnx.export_head_onnx`). :class:`FusedGraph` joins the two
graphs at load time (the tagger's ``pooled`` output feeds the head's ``text`` input), so one
``session.run`` returns the token logits and the intent logits. That replaces the NumPy head's
twenty-odd small array operations per batch with operators inside the same native call; the
inputs the head needs besides the text (the KG nodes named in the query) are built before the
call, since they depend on the text alone.

The head was exported from the fusion model's weights when the bundle was built. If those
weights change in this process (fine-tuning, ``load_state_dict``), :attr:`FusedGraph.current`
turns False and :class:`parser.QueryParser` goes back to the NumPy head, so the two never
disagree.

Example:
    >>> FUSION_PREFIX
    'fusion/'
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from parser.errors import ModelLoadError

__all__ = ["FUSION_PREFIX", "FusedGraph"]

logger = logging.getLogger(__name__)

FUSION_PREFIX = "fusion/"


class FusedGraph:
    """The tagger's ONNX graph and the fusion head in one ONNX Runtime session.

    Args:
        tagger: an ONNX-backed :class:`parser.tagger.Tagger` with the query-embedding output.
        fusion: the :class:`fusion.FusionModel` the head was exported from.
        head_file: the head's ONNX file (``fusion/head.onnx`` in a bundle).
        num_threads, spin: ONNX Runtime settings, as for the tagger's own session.

    Raises:
        ModelLoadError: the files cannot be joined (a head of another text size, a tagger
            export without the embedding output, a corrupt file).

    Example (``kgqp bundle build`` and ``QueryParser.from_pretrained`` do this for a bundle):
        >>> import tempfile
        >>> from fusion import FusionConfig, FusionModel
        >>> from fusion.onnx import export_head_onnx
        >>> from parser.tagger import Tagger, export_onnx
        >>> from parser.tagger.testing import tiny_tagger
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = export_onnx(tiny_tagger().save(d / "tagger"))
        >>> tagger = Tagger.from_pretrained(d / "tagger", backend="onnx")
        >>> fusion = FusionModel(FusionConfig(text_dim=tagger.embedding_dim, hidden_dim=8,
        ...                                   use_graph=False), labels=["A > B", "C > D"])
        >>> fused = FusedGraph(tagger, fusion, export_head_onnx(fusion, d / "head.onnx"))
        >>> items = tagger.encoder.prepare_many(["apple iphone case"])
        >>> token_logits, intent_logits = fused.run(items, fusion.graph_features([()]))
        >>> intent_logits.shape
        (1, 2)
    """

    def __init__(self, tagger: Any, fusion: Any, head_file: str | Path, *,
                 num_threads: int | None = None, spin: bool = True) -> None:
        from fusion.onnx import HEAD_OUTPUT

        head_file = Path(head_file)
        if tagger.onnx_file is None or not tagger.has_embeddings:
            raise ModelLoadError("the fused graph needs an ONNX tagger export with the "
                                 "query-embedding output")
        self.tagger = tagger
        self.fusion = fusion
        self.head_file = head_file
        self._spin = spin
        # kept until the batch session is made from it: the files may change after loading
        self._model: bytes | None = self._merge()
        self.session = self._session(self._model, num_threads)
        self._batch_session: Any = None
        self._lock = threading.Lock()
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._outputs = ["logits", FUSION_PREFIX + HEAD_OUTPUT]
        self._version = fusion.weights_version()

    def _merge(self) -> bytes:
        """The joined graph, serialised (merged in memory from the two files)."""
        try:
            import onnx
            from onnx import compose
        except ImportError as err:  # pragma: no cover - extras
            raise ModelLoadError("the fused graph needs onnx and onnxruntime: "
                                 "pip install 'kgqp[onnx]'") from err
        from fusion.onnx import HEAD_OUTPUT

        try:
            head = compose.add_prefix(onnx.load(str(self.head_file)), FUSION_PREFIX)
            return compose.merge_models(
                onnx.load(str(self.tagger.onnx_file)), head,
                io_map=[("pooled", FUSION_PREFIX + "text")],
                outputs=["logits", FUSION_PREFIX + HEAD_OUTPUT]).SerializeToString()
        except Exception as err:
            raise ModelLoadError(
                f"cannot join {self.head_file} to the tagger's graph {self.tagger.onnx_file} "
                f"({err}); rebuild the bundle with `kgqp bundle build`") from None

    def _session(self, model: bytes, num_threads: int | None) -> Any:
        import onnxruntime as ort

        from parser.tagger.io import ort_session_options

        try:
            return ort.InferenceSession(
                model, ort_session_options(num_threads=num_threads, spin=self._spin),
                providers=["CPUExecutionProvider"])
        except Exception as err:
            raise ModelLoadError(
                f"cannot load the joined graph of {self.tagger.onnx_file} and {self.head_file} "
                f"({err}); rebuild the bundle with `kgqp bundle build`") from None

    @property
    def batch_session(self) -> Any:
        """A second session on the same graph with one intra-op thread, made on first use:
        :meth:`parser.QueryParser.pipe` calls it from two worker threads at once (ONNX Runtime
        runs a one-thread session on the calling thread) beside its own Python work."""
        with self._lock:
            if self._batch_session is None:
                self._batch_session = self._session(self._model, 1)
                self._model = None
            return self._batch_session

    @property
    def current(self) -> bool:
        """False once the fusion model's weights changed after loading (the head in the graph
        holds the weights it was exported with)."""
        return self.fusion.weights_version() == self._version

    def run(self, items: Sequence[Any], graph: dict[str, np.ndarray], *, batch: bool = False,
            ) -> tuple[np.ndarray, np.ndarray]:
        """``(token logits [B, seq, labels], intent logits [B, n_labels])`` for the tagger's
        prepared texts ``items`` and the fusion head's graph arrays
        (:meth:`fusion.FusionModel.graph_features` of the same queries); ``batch=True`` runs
        on :attr:`batch_session`."""
        tensors = self.tagger.encoder.collate(items)
        feeds: dict[str, np.ndarray] = {"input_ids": tensors.input_ids,
                                        "attention_mask": tensors.attention_mask}
        if "lexicon" in self._inputs:
            feeds["lexicon"] = tensors.lexicon
        for k, v in graph.items():
            if FUSION_PREFIX + k in self._inputs:
                feeds[FUSION_PREFIX + k] = v
        session = self.batch_session if batch else self.session
        logits, intent_logits = session.run(self._outputs, feeds)
        return logits, intent_logits
