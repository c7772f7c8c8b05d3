"""Run the service on a bundle the way ``kgqp serve`` does, optionally with a slow tagger.

Usage: python tests/e2e/serve_bundle.py BUNDLE PORT [DELAY_S]

Used by the SIGTERM test (in-flight requests must finish; exit code 0). The delay wraps the
real tagger with a fixed sleep so that requests are reliably in flight when the signal comes.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any


class _SlowTagger:
    def __init__(self, tagger: Any, delay_s: float) -> None:
        self._tagger, self._delay_s = tagger, delay_s

    def forward(self, items: Any, **kwargs: Any) -> Any:
        # the pipeline calls tagger.prepare/forward/decode; forward is the model call
        time.sleep(self._delay_s)
        return self._tagger.forward(items, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tagger, name)


def main() -> None:
    import torch

    torch.set_num_threads(1)
    from parser.app.service import ServiceLimits, serve
    from parser.pipeline import QueryParser

    logging.basicConfig(level=logging.INFO)
    bundle, port = sys.argv[1], int(sys.argv[2])
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    parser = QueryParser.from_pretrained(bundle)
    if delay:
        parser.tagger = _SlowTagger(parser.tagger, delay)
    serve(parser, port=port, limits=ServiceLimits(max_concurrency=8))


if __name__ == "__main__":
    main()
