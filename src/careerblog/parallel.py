"""Work spread over processes: an ordered map over forked workers, for the stages that cost CPU."""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a forked worker costs more than it saves (fork, pickling results back).
MIN_ITEMS_PER_WORKER = 40


def default_jobs() -> int:
    """One process per core this process may run on; `CAREERBLOG_JOBS` overrides (1: no workers)."""
    given = os.environ.get("CAREERBLOG_JOBS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _chunks(count: int, parts: int) -> list[range]:
    """`parts` contiguous ranges covering 0..count, sizes differing by at most one."""
    size, extra = divmod(count, parts)
    ranges, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        ranges.append(range(start, end))
        start = end
    return ranges


def ordered_map(func: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """`[func(x) for x in items]`, computed by up to `jobs` processes in contiguous chunks.

    Workers are forked, so `func` may be a closure over anything in memory and nothing is pickled on the
    way in; results come back pickled through a pipe, in input order whatever finishes first. The
    calling process works on the first chunk itself. Where fork is unavailable, or the work is small,
    everything runs in this process.
    """
    workers = min(jobs, len(items) // MIN_ITEMS_PER_WORKER)
    if workers <= 1 or not hasattr(os, "fork") or sys.platform == "win32":
        return [func(item) for item in items]
    ranges = _chunks(len(items), workers)
    children: list[tuple[int, threading.Thread, list[object]]] = []  # (pid, reader, what it read)
    try:
        for span in ranges[1:]:
            read_fd, write_fd = os.pipe()
            _widen(write_fd)
            pid = os.fork()
            if pid == 0:  # the worker: send each result as it is made, then leave without cleanup handlers
                os.close(read_fd)
                code = 0
                try:
                    with os.fdopen(write_fd, "wb") as pipe:
                        try:
                            for i in span:
                                pickle.dump(func(items[i]), pipe, pickle.HIGHEST_PROTOCOL)
                            pickle.dump(_Done(None), pipe, pickle.HIGHEST_PROTOCOL)
                        except BaseException as exc:  # every failure must reach the parent
                            code = 1
                            pickle.dump(_Done(_portable(exc)), pipe, pickle.HIGHEST_PROTOCOL)
                finally:
                    os._exit(code)
            os.close(write_fd)
            received: list[object] = []
            # Read while this process works on its own chunk, so a worker never holds more than one result.
            reader = threading.Thread(target=_receive, args=(read_fd, received), daemon=True)
            reader.start()
            children.append((pid, reader, received))
        results = [func(items[i]) for i in ranges[0]]
        while children:
            pid, reader, received = children.pop(0)
            reader.join()
            os.waitpid(pid, 0)
            end = received.pop() if received else None
            if not isinstance(end, _Done):
                raise RuntimeError("a build worker died without an answer")
            if end.error is not None:
                raise end.error
            results.extend(received)  # type: ignore[arg-type]
        return results
    finally:
        for pid, reader, _ in children:  # an error in this process: stop the workers, leave no zombies
            try:
                os.kill(pid, 9)
                reader.join()
                os.waitpid(pid, 0)
            except OSError:
                pass


# A worker blocks when the pipe is full until this process's reader thread gets the GIL, which can take a
# switch interval (5 ms) each time: with the 64 KiB default, converting 1,000 posts took 0.38 to 0.64 s on
# two processes; with 1 MiB (the most Linux gives without privileges), 0.35 to 0.37 s.
PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """Give a worker's pipe room for many results at once, where the system allows it."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or a lower limit: the default pipe works, only slower


class _Done:
    """The last message from a worker: None when every result was sent, else the error that stopped it."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _receive(read_fd: int, into: list[object]) -> None:
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            try:
                value = pickle.load(pipe)
            except (EOFError, pickle.UnpicklingError):
                return
            into.append(value)
            if isinstance(value, _Done):
                return


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError that names it."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")

