"""Thread-count settings of the front-ends, scoped: set for a block, restored after it.

``torch.set_num_threads`` and threadpoolctl's ``threadpool_limits(...)`` called as functions
change the whole process for good. A front-end that embeds kgqp (a notebook, a spaCy pipeline, a
Ray worker) must get its settings back once kgqp is done, so the commands and components use
:func:`scoped_threads` (a block) or :class:`BlasLimiter` (around each call).

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
from collections.abc import Iterator
from typing import Any

__all__ = ["BlasLimiter", "scoped_threads"]


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
