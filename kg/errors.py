"""Exceptions raised by :mod:`kg`; all derive from :class:`KGError`."""


class KGError(Exception):
    """Base class of every error raised by the kg package."""


class KGLockedError(KGError):
    """Another process holds the write lock on this KG directory."""


class KGNotFoundError(KGError):
    """The KG directory, node or version does not exist."""


class KGLoadError(KGError):
    """A source file could not be loaded (bad format, bad rows, unsafe content)."""


class KGQueryError(KGError):
    """A SPARQL query is malformed or a binding is invalid."""


class KGCorruptError(KGError):
    """The KG store or its version log is damaged or they disagree; the message says how to
    restore it. Nothing was changed or deleted."""


class KGRemoteError(KGError):
    """The KG server could not be reached or kept failing (after the configured retries)."""


class KGConflictError(KGError):
    """Another writer committed the version this transaction was going to create; nothing of
    this transaction was applied (retry it on the new version)."""


class KGWriteError(KGError, OSError):
    """A commit could not be written (the disk full, an I/O error): nothing of it was
    committed, and the writer can commit again once the cause is fixed. An ``OSError`` too,
    with the ``errno`` of the failure (``ENOSPC``) when there is one."""
