"""Thread-count and garbage-collector settings of the front-ends, scoped: set for a block,
restored after it.

``torch.set_num_threads`` and threadpoolctl's ``threadpool_limits(...)`` called as functions
change the whole process for good. A front-end that embeds kgqp (a notebook, a spaCy pipeline, a
Ray worker) must get its settings back once kgqp is done, so the commands and components use
:func:`scoped_threads` (a block) or :class:`BlasLimiter` (around each call).

A loaded parser holds about a million objects the garbage collector tracks (the KG's views
and indexes, the linker's tables); each full collection walks them all and stops every thread
for about half a second on a 2-core machine. A front-end that owns its process (the service, a
Ray actor) takes them out of the collector's reach for good after loading (:func:`freeze_heap`);
one that runs in someone else's process (``kgqp parse`` through :func:`parser.app.batch.
parse_file`, which a notebook may call) does so for its run only (:func:`frozen_heap`).

Example:
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with scoped_threads(torch_threads=1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

__all__ = ["BlasLimiter", "freeze_heap", "frozen_heap", "scoped_threads"]


@contextlib.contextmanager
def scoped_threads(*, torch_threads: int | None = None,
                   blas_threads: int | None = None) -> Iterator[None]:
    """Limit torch's intra-op threads and the BLAS thread pools inside the block only.

    Args:
        torch_threads: ``torch.set_num_threads`` value for the block (None: leave it).
        blas_threads: threadpoolctl limit of the BLAS pools (NumPy's OpenBLAS/MKL) for the block
            (None: leave them).
    """
    with contextlib.ExitStack() as stack:
        if torch_threads is not None:
            import torch

            before = torch.get_num_threads()
            torch.set_num_threads(torch_threads)
            stack.callback(torch.set_num_threads, before)
        if blas_threads is not None:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=blas_threads, user_api="blas"))
        yield


class BlasLimiter:
    """Limit the BLAS pools around each call (cheap: the thread-pool libraries are looked up
    once, at construction), e.g. around each parse of a component living in someone else's
    process.

    Example:
        >>> limiter = BlasLimiter(1)
        >>> with limiter:
        ...     pass
    """

    def __init__(self, limit: int | None = 1) -> None:
        self.limit = limit
        self._controller: Any = None
        self._active: list[Any] = []

    def __enter__(self) -> BlasLimiter:
        if self.limit is not None:
            if self._controller is None:
                from threadpoolctl import ThreadpoolController

                self._controller = ThreadpoolController()
            self._active.append(self._controller.limit(limits=self.limit, user_api="blas"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._active:
            self._active.pop().restore_original_limits()


def freeze_heap() -> None:
    """Collect, then move every object alive now (a loaded parser, libraries) to the
    collector's permanent generation, for the life of the process: full collections then walk
    only the objects made since. Objects frozen are still freed when their last reference
    goes; only a reference cycle among them is never collected (so call this once a process
    has loaded what it keeps).

    >>> freeze_heap(); gc.get_freeze_count() > 0
    True
    >>> gc.unfreeze()
    """
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """:func:`freeze_heap` for the block, undone after it (``gc.unfreeze``: the objects go back
    to the oldest generation, a parser dropped since is collected as usual). Does nothing
    where the process has frozen objects already (its owner decides: a service, or code that
    called ``gc.freeze`` itself), since the freeze is one per process and not nested.

    >>> with frozen_heap():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count()
    0
    """
    if gc.get_freeze_count():
        yield
        return
    freeze_heap()
    try:
        yield
    finally:
        gc.unfreeze()
