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

    Example (a bundle built with ``kgqp bundle build`` from a tagger-trained fusion model)::

        fused = FusedGraph(tagger, fusion, bundle / "fusion" / "head.onnx")
        token_logits, intent_logits = fused.run(items, fusion.graph_features(linked))
    """

    def __init__(self, tagger: Any, fusion: Any, head_file: str | Path, *,
                 num_threads: int | None = None, spin: bool = True) -> None:
        try:
            import onnx
            import onnxruntime as ort
            from onnx import compose
        except ImportError as err:  # pragma: no cover - extras
            raise ModelLoadError("the fused graph needs onnx and onnxruntime: "
                                 "pip install 'kgqp[onnx]'") from err
        from fusion.onnx import HEAD_OUTPUT
        from parser.tagger.io import ort_session_options

        head_file = Path(head_file)
        if tagger.onnx_file is None or not tagger.has_embeddings:
            raise ModelLoadError("the fused graph needs an ONNX tagger export with the "
                                 "query-embedding output")
        try:
            head = compose.add_prefix(onnx.load(str(head_file)), FUSION_PREFIX)
            tagger_graph = onnx.load(str(tagger.onnx_file))
            merged = compose.merge_models(
                tagger_graph, head, io_map=[("pooled", FUSION_PREFIX + "text")],
                outputs=["logits", FUSION_PREFIX + HEAD_OUTPUT])
            self.session = ort.InferenceSession(
                merged.SerializeToString(), ort_session_options(num_threads=num_threads,
                                                                spin=spin),
                providers=["CPUExecutionProvider"])
        except Exception as err:
            raise ModelLoadError(
                f"cannot join {head_file} to the tagger's graph {tagger.onnx_file} ({err}); "
                "rebuild the bundle with `kgqp bundle build`") from None
        self.tagger = tagger
        self.fusion = fusion
        self.head_file = head_file
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._outputs = ["logits", FUSION_PREFIX + HEAD_OUTPUT]
        self._params = list(fusion.parameters())
        self._version = self._param_version()

    def _param_version(self) -> tuple[int, ...]:
        return tuple(p._version for p in self._params)

    @property
    def current(self) -> bool:
        """False once the fusion model's weights changed after loading (the head in the graph
        holds the weights it was exported with)."""
        return self._param_version() == self._version

    def run(self, items: Sequence[Any], graph: dict[str, np.ndarray],
            ) -> tuple[np.ndarray, np.ndarray]:
        """``(token logits [B, seq, labels], intent logits [B, n_labels])`` for the tagger's
        prepared texts ``items`` and the fusion head's graph arrays
        (:meth:`fusion.FusionModel.graph_features` of the same queries)."""
        batch = self.tagger.encoder.collate(items)
        feeds: dict[str, np.ndarray] = {"input_ids": batch.input_ids,
                                        "attention_mask": batch.attention_mask}
        if "lexicon" in self._inputs:
            feeds["lexicon"] = batch.lexicon
        for k, v in graph.items():
            if FUSION_PREFIX + k in self._inputs:
                feeds[FUSION_PREFIX + k] = v
        logits, intent_logits = self.session.run(self._outputs, feeds)
        return logits, intent_logits
