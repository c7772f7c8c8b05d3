"""One error handler and one exit-code policy for every ``kgqp`` command.

Every command of every package (``kgqp kg``, ``kgqp tagger``, ``kgqp fusion``, ``kgqp parse`` ...)
runs inside :func:`cli_errors`. An error becomes one line on stderr, ``error: <message>``, and one
of these exit codes (no traceback; ``kgqp -v ...`` adds it):

====  ============================================================================================
code  meaning
====  ============================================================================================
0     success
1     runtime error: KG (missing, damaged, bad SPARQL), model or fusion artefact that cannot be
      loaded, I/O error, or an unexpected error (a bug: rerun with ``-v`` and report it)
2     usage error or bad input data: a bad option or argument (click's own usage errors exit 2
      too), a malformed data file (:class:`~parser.errors.DataFormatError`,
      :class:`~kg.errors.KGLoadError`, :class:`~fusion.errors.FusionDataError`, rules syntax), an
      unusable query (:class:`~parser.errors.InputError`), an input file that does not exist,
      compressed input that is truncated or damaged (``EOFError``, ``gzip.BadGzipFile``,
      ``zlib.error``: a cut download is bad data, not a bug)
3     the KG is locked by another writer (:class:`~kg.errors.KGLockedError`): retry later, or
      stop the other writer (``kgqp serve`` holds its KG's write lock)
130   interrupted (Ctrl-C): ``error: interrupted`` on stderr (``kgqp kg load`` also says
      whether the KG was committed, ``kgqp tagger train`` / ``distill`` what OUT holds and
      whether its checkpoint can be resumed; both exit 143 when stopped by SIGTERM)
141   stdout was closed by its reader (``kgqp kg export KG | head``): the command stops quietly,
      with no ``error:`` line, and exits 128 + SIGPIPE like other Unix producers (``head``,
      ``cat``, ``yes``); with ``set -o pipefail``, accept 141 or read the whole output
====  ============================================================================================

Example:
    >>> from kg.errors import KGLockedError
    >>> exit_code(KGLockedError("locked")), exit_code(ValueError("bad")), exit_code(OSError())
    (3, 2, 1)
    >>> error_line(ValueError("--batch-size must be >= 1"))
    'error: --batch-size must be >= 1'
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import sys
import traceback
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "EXIT_BUSY",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_USAGE",
    "check_model_out",
    "cli_errors",
    "error_line",
    "exit_code",
    "set_verbose",
    "sigterm_as_interrupt",
]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_PIPE = 141  # 128 + SIGPIPE: stdout's reader went away
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C

_state = {"verbose": False}

_DAMAGE_HINT = (
    "Restore it from a backup, or rebuild it from the version log: "
    "python -c \"from kg import ProductGraph; ProductGraph.restore('KGDIR')\""
)


def check_model_out(out: Path, *, held_files: Sequence[str], force: bool,
                    hint: str = "") -> None:
    """Refuse a training command's ``--out`` that would lose a model: a file, or a folder that
    holds one of ``held_files``, unless ``force``. Nothing is removed here: the trainers
    replace the old model whole (its stale files too) only when they save the new one, so a
    bad input or an interrupted run keeps it. ``hint``: another way out, named in the message
    (``"--resume to ..., "``)."""
    from parser.errors import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file: give a folder")
    held = [f for f in held_files if (out / f).exists()]
    if held and not force:
        raise ConfigError(f"--out {out} already holds a model ({', '.join(held)}): pass --force "
                          f"to replace it, {hint}or give another folder")


def set_verbose(verbose: bool) -> None:
    """Print tracebacks with the error lines (the root ``kgqp -v`` option sets this)."""
    _state["verbose"] = bool(verbose)


def exit_code(exc: BaseException) -> int:
    """The exit code of ``exc`` under the policy of the module docstring."""
    from fusion.errors import FusionDataError, RuleSyntaxError
    from kg.errors import KGLoadError, KGLockedError
    from parser.errors import DataFormatError, InputError

    if isinstance(exc, KGLockedError):
        return EXIT_BUSY
    if isinstance(exc, KGLoadError | DataFormatError | InputError | FusionDataError
                  | RuleSyntaxError | FileNotFoundError | UnicodeDecodeError | _DAMAGED_DATA):
        return EXIT_USAGE
    if isinstance(exc, ValueError | TypeError):  # ConfigError, FusionConfigError, bad values
        return EXIT_USAGE
    return EXIT_ERROR  # KGError, ModelLoadError, FusionLoadError, OSError, bugs


_OWN_PACKAGES = frozenset({"kg", "parser", "fusion"})

#: what reading truncated or damaged compressed data raises (gzip.BadGzipFile is an OSError)
_DAMAGED_DATA = EOFError | gzip.BadGzipFile | zlib.error


def error_line(exc: BaseException) -> str:
    """The one line printed for ``exc``: ``error: <message>``."""
    from kg.errors import KGError
    from parser.errors import ParserError

    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError | RuntimeError) and "corruption" in message.lower():
        # RocksDB found damage while reading the KG store
        return f"error: the KG store is damaged ({message}). {_DAMAGE_HINT}"
    if isinstance(exc, ImportError):
        top = (exc.name or "").split(".")[0]
        if isinstance(exc, ModuleNotFoundError) and top and top not in _OWN_PACKAGES:
            return (f"error: {message} (an optional dependency is missing: `pip install "
                    "'kgqp[dev]'`, or `pip install -e '.[dev]'` in a clone, installs them all)")
        if top in _OWN_PACKAGES or "cannot import name" in message:
            # one of kgqp's own modules failed to import: a bug or a broken install, not a
            # missing extra
            return (f"error: ImportError: {message} (a broken kgqp install? rerun with "
                    "`kgqp -v ...` for the traceback)")
        return f"error: {message}"  # our own ImportErrors say what to install
    if isinstance(exc, _DAMAGED_DATA):  # (where no command named the file first)
        return f"error: the input data is truncated or damaged ({type(exc).__name__}: {message})"
    if isinstance(exc, OSError | ValueError | TypeError | KGError | ParserError) or \
            type(exc).__module__.split(".")[0] in ("kg", "parser", "fusion"):
        return f"error: {message}"
    # not one of ours and not a usual input/OS error: name the type, it is probably a bug
    return f"error: {type(exc).__name__}: {message} (rerun with `kgqp -v ...` for the traceback)"


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Run a command body: an exception becomes one ``error: ...`` line and its exit code.

    click/typer's own exits and usage errors pass through (usage errors exit 2 there too).
    Usable as a context manager or a decorator.
    """
    import click
    import typer

    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.ClickException,
            click.exceptions.Abort, typer.TyperException):
        # (typer.TyperException: the usage errors of typer's own copy of click, e.g.
        # typer.BadParameter, which are not click's classes since typer 0.20)
        raise
    except KeyboardInterrupt:
        # Ctrl-C: one line and 130 (128 + SIGINT), not click's bare "Aborted!" or nothing
        click.echo("error: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError as exc:
        if not _stdout_closed():
            _report(exc)
        # the reader of stdout went away (`kgqp ... | head`): stop quietly, as the Python docs
        # advise (Note on SIGPIPE): stdout to devnull, so that the flush at exit does not fail
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        raise typer.Exit(EXIT_PIPE) from None
    except Exception as exc:
        _report(exc)


def _report(exc: BaseException) -> None:
    """Print ``exc``'s error line (and its traceback under ``-v``); exit with its code."""
    import click
    import typer

    if _state["verbose"]:
        traceback.print_exception(exc, file=sys.stderr)
    else:
        logger.debug("command failed", exc_info=exc)
    click.echo(error_line(exc), err=True)
    raise typer.Exit(exit_code(exc)) from None


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (the BrokenPipeError came from it, not
    from some other pipe or socket). True where it cannot be told (no poll())."""
    import select

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (captured): not a closed pipe
        return False
    if not hasattr(select, "poll"):
        return True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):
        return True


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[dict[str, int | None]]:
    """While the block runs, SIGTERM (``timeout``, systemd, CI runners) raises
    :class:`KeyboardInterrupt` as SIGINT does, so the block's cleanup runs; yields a dict whose
    ``"signal"`` is the signal that interrupted it (``None`` until one does). The old handler
    is restored after (a thread other than the main one cannot set handlers: nothing is
    installed there)."""
    import signal
    import threading

    got: dict[str, int | None] = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield got
        return

    def on_signal(signum: int, frame: object) -> None:
        got["signal"] = signum
        raise KeyboardInterrupt

    old_term = signal.signal(signal.SIGTERM, on_signal)
    old_int = signal.getsignal(signal.SIGINT)
    if old_int is signal.default_int_handler:  # to tell SIGINT from SIGTERM; same behaviour
        signal.signal(signal.SIGINT, on_signal)
    try:
        yield got
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if old_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, old_int)


@contextlib.contextmanager
def interrupts_exit(state: Callable[[KeyboardInterrupt], str]) -> Iterator[None]:
    """Run a long command's work: SIGINT, or SIGTERM from ``timeout``, systemd or a CI runner
    (:func:`sigterm_as_interrupt`), stops it with one line on stderr saying what it left
    (``state(exc)``, "" for nothing to say) and exit 128 + the signal's number (130, 143)."""
    import signal

    import typer

    with sigterm_as_interrupt() as got:
        try:
            yield
        except KeyboardInterrupt as exc:
            signum = got["signal"] or signal.SIGINT
            said = state(exc)
            typer.echo(f"error: interrupted ({signal.Signals(signum).name})"
                       f"{'; ' + said if said else ''}", err=True)
            raise typer.Exit(128 + signum) from None
