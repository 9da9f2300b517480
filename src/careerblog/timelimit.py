"""A time limit on one piece of work, so that a library caught in a loop stops the build instead of hanging it.

Some of Pygments' lexers never finish on some inputs: MCSchemaLexer on an HTML comment pushes and pops
the same state forever without moving, and a few others backtrack for minutes on a long line. Python's
regular expression engine and loops both let a signal handler run, so a timer's signal stops either.
A timer needs the main thread of a process (where builds convert, in each worker too) and a system with
`setitimer`; elsewhere, or inside a timer someone else set, the work runs without a limit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OutOfTime(BaseException):
    """The limit was reached: raised inside the work, wherever it was. A BaseException, as KeyboardInterrupt
    is, so that the work's own `except Exception` (a fallback, a retry) cannot catch it and go on."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Run the block with OutOfTime raised in it after `seconds` (None or 0: no limit)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # somebody's own timer (a test harness): left alone
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise OutOfTime(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
