"""Work spread over processes: a team of forked workers sharing an ordered map, for the stages that cost CPU."""

from __future__ import annotations

import os
import pickle
import select
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a worker forked for them costs more than it saves (fork, pickling results back).
MIN_ITEMS_PER_WORKER = 40

# A claim on items start..stop. Every claim is written to the shared pipe in one write of at most PIPE_BUF
# bytes, which POSIX makes atomic, and read whole, so no two processes ever take the same items.
_CLAIM = struct.Struct("=II")
MAX_CLAIMS = getattr(select, "PIPE_BUF", 512) // _CLAIM.size


def default_jobs() -> int:
    """One process per core this process may run on; `CAREERBLOG_JOBS` overrides (1: no workers)."""
    given = os.environ.get("CAREERBLOG_JOBS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def release_free_memory() -> None:
    """Give the pages the C allocator holds free back to the system, where it can (glibc's malloc_trim).

    A forked worker's resident size counts every page of its parent's heap that is still mapped, free
    ones included: the buffers of the Markdown cache's save and of the results from the converting
    workers. Before the workers that render fork, this takes 7 to 10 MB off each process's resident
    size at 5,000 posts, for about a millisecond.
    """
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, OSError, AttributeError):  # no ctypes, or a C library without malloc_trim
        return
    trim(0)


def ordered_map(func: Callable[[T], R], items: Sequence[T], jobs: int,
                meanwhile: Callable[[], object] | None = None) -> list[R]:
    """`[func(x) for x in items]`, computed by up to `jobs` processes.

    Workers are forked with the items in memory, so `func` may be a closure over anything and nothing is
    pickled on the way in; results come back pickled, in input order. Where fork is unavailable, or the
    work is small, everything runs in this process. `meanwhile` runs in this process once the workers
    have started, before it takes items itself: work that needs none of the results.
    """
    with Team(min(jobs, len(items) // MIN_ITEMS_PER_WORKER), lambda: func, items) as team:
        team.submit(items)
        if meanwhile is not None:
            meanwhile()
        return team.collect()


class Team(Generic[T, R]):
    """This process and `size - 1` forked workers, sharing one ordered map.

    The workers fork at once and call `setup` straight away, so they import and prepare while this
    process goes on (say, reading the sources). A team forked without its items may be `offer`ed them one
    by one while this process makes them: a worker with little to do starts on one at once. `submit`
    hands out the rest, and `collect` has this process take its share and returns every result in order,
    the offered items first. The rest go out in short runs through a shared pipe, each to whichever
    process is free: none waits while work is left, however unevenly the items cost or the processes
    start. This process calls `setup` only if it takes a run itself.
    """

    def __init__(self, size: int, setup: Callable[[], Callable[[T], R]], items: Sequence[T] | None = None) -> None:
        self._setup = setup
        self._items = items
        self._offered: list[T] = []
        self._claims_read, self._claims_write = -1, -1
        self._workers: list[_Worker] = []
        self._sender: threading.Thread | None = None
        if size <= 1 or not can_fork():
            return
        if items is not None:
            release_free_memory()  # the workers map this process's heap: not its free pages too
        self._claims_read, self._claims_write = os.pipe()
        try:
            for _ in range(size - 1):
                self._workers.append(_Worker.fork(setup, items, self._claims_read, self._claims_write))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Team[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def offer(self, item: T) -> bool:
        """Give `item` to a worker that is idle or about to be, if any (the team must have been forked
        without its items, and not yet `submit`ted them); False when none is."""
        if self._items is not None:
            return False
        for worker in self._workers:
            if worker.inbox >= 0 and worker.sent - len(worker.received) < _BACKLOG \
                    and worker.post((len(self._offered), item)):
                self._offered.append(item)
                return True
        return False

    def submit(self, items: Sequence[T]) -> None:
        """Hand out `items` (the same ones the team was forked with, if any); returns without waiting."""
        self._items = items
        if not self._workers:
            return
        if not items and not self._offered:
            self.close()  # nothing to do: the workers need not finish setting up
            return
        if any(worker.inbox >= 0 for worker in self._workers):
            # A thread writes them: a worker still importing reads nothing yet, and this process goes on.
            rest = _Rest(list(items), len(self._offered))
            self._sender = threading.Thread(target=self._send, args=(rest,), daemon=True)
            self._sender.start()
        if not items:
            os.close(self._claims_write)
            self._claims_write = -1
            return
        run = -(-len(items) // MAX_CLAIMS)
        os.write(self._claims_write, b"".join(_CLAIM.pack(start, min(start + run, len(items)))
                                              for start in range(0, len(items), run)))
        os.close(self._claims_write)
        self._claims_write = -1

    def _send(self, rest: _Rest) -> None:
        for worker in list(self._workers):
            worker.post_last(rest)

    def collect(self) -> list[R]:
        """Take runs of items until none are left, then every result in input order; a worker's error is raised."""
        items = self._items
        if items is None:
            raise RuntimeError("Team.collect() before submit()")
        if not self._workers:
            if not items:
                return []
            func = self._setup()
            return [func(item) for item in items]
        offset = len(self._offered)
        results: list[Any] = [_MISSING] * (offset + len(items))
        func_here: Callable[[T], R] | None = None
        for start, stop in _claims(self._claims_read):
            func_here = func_here or self._setup()
            for i in range(start, stop):
                results[offset + i] = func_here(items[i])
        error: BaseException | None = None
        for worker in self._workers:
            done = worker.join()
            for i, value in worker.received:
                results[i] = value
            if done is not None and done.error is not None:
                error = error or done.error
        self._workers = []
        self.close()
        if error is not None:
            raise error
        # A worker that died before taking any items did no harm; one that died holding some did.
        if any(value is _MISSING for value in results):
            raise RuntimeError("a build worker died without an answer")
        return results

    def close(self) -> None:
        """Stop any worker still running and leave no zombies; safe to call more than once."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.kill()  # from now on a write to its inbox fails at once, so the sender cannot hang
        if self._sender is not None:
            self._sender.join()
            self._sender = None
        for worker in workers:
            worker.close_inbox()  # only now: the sender may have been writing to it
        for fd in (self._claims_read, self._claims_write):
            if fd >= 0:
                os.close(fd)
        self._claims_read, self._claims_write = -1, -1


_MISSING = object()
# Items offered to a worker and not yet done: one at work and one waiting keeps it busy, and no more
# leaves this process's share of the rest as large as it can be.
_BACKLOG = 2


class _Rest:
    """The last message in a worker's inbox: the items handed out in runs, numbered after the offered ones."""

    def __init__(self, items: list[Any], offset: int) -> None:
        self.items = items
        self.offset = offset


def _claims(fd: int) -> Iterator[tuple[int, int]]:
    """The runs (start, stop) this process takes from the shared pipe, until it is empty and closed."""
    while chunk := os.read(fd, _CLAIM.size):
        yield _CLAIM.unpack(chunk)


class _Worker:
    """One forked process of a team, as seen from this process: its pid, its inbox and what it sent."""

    def __init__(self, pid: int, inbox: int, results: int) -> None:
        self.pid = pid
        self.inbox = inbox  # where its items go, if it was forked without them; -1 once all are sent
        self.sent = 0  # items offered to it
        self.received: list[tuple[int, Any]] = []
        self.done: _Done | None = None
        # Read while this process works, so a worker never waits on a full pipe for long.
        self.reader = threading.Thread(target=self._receive, args=(results,), daemon=True)
        self.reader.start()

    @classmethod
    def fork(cls, setup: Callable[[], Callable[[Any], Any]], items: Sequence[Any] | None,
             claims_read: int, claims_write: int) -> _Worker:
        inbox_read, inbox_write = os.pipe() if items is None else (-1, -1)
        results_read, results_write = os.pipe()
        _widen(results_write)
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            os.close(claims_write)
            os.close(results_read)
            if inbox_write >= 0:
                os.close(inbox_write)
            _work(setup, items, inbox_read, claims_read, results_write)
        os.close(results_write)
        if inbox_read >= 0:
            os.close(inbox_read)
        return cls(pid, inbox_write, results_read)

    def post(self, message: tuple[int, Any]) -> bool:
        """One offered item, with its place among the results; False if the worker is gone."""
        if _write_all(self.inbox, pickle.dumps(message, pickle.HIGHEST_PROTOCOL)):
            self.sent += 1
            return True
        self.close_inbox()  # the worker died: offered nothing more, and collect() reports it if it held items
        return False

    def post_last(self, rest: _Rest) -> None:
        """The items handed out in runs; then the inbox is closed."""
        if self.inbox >= 0:
            # Pickled straight into the pipe, a frame at a time: never the whole list in one buffer, which
            # the allocator would keep for the rest of the build (a tenth of the peak memory at 5,000 posts).
            try:
                with open(self.inbox, "wb", closefd=True) as inbox:
                    pickle.dump(rest, inbox, pickle.HIGHEST_PROTOCOL)
            except OSError:
                pass  # the worker died; collect() reports it if it held items
            self.inbox = -1

    def join(self) -> _Done | None:
        """Wait for the worker to finish; its last message, or None if it died without one."""
        self.reader.join()
        os.waitpid(self.pid, 0)
        self.pid = 0
        return self.done

    def _receive(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            while True:
                try:
                    value = pickle.load(pipe)
                except (EOFError, pickle.UnpicklingError):
                    return
                if isinstance(value, _Done):
                    self.done = value
                    return
                self.received.append(value)

    def close_inbox(self) -> None:
        if self.inbox >= 0:
            os.close(self.inbox)
            self.inbox = -1

    def kill(self) -> None:
        if self.pid:
            try:
                os.kill(self.pid, 9)
                self.reader.join()
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0


def _work(setup: Callable[[], Callable[[Any], Any]], items: Sequence[Any] | None, inbox: int, claims: int,
          results: int) -> None:
    """A worker's life: set up, wait for the items, send each result of the runs it takes, then leave
    without running this process's cleanup handlers (they belong to the parent)."""
    code = 0
    try:
        with os.fdopen(results, "wb") as pipe:
            try:
                func = setup()
                offset = 0
                if items is None:
                    with os.fdopen(inbox, "rb") as source:
                        while not isinstance(message := pickle.load(source), _Rest):
                            index, item = message  # offered while this process read the rest
                            pickle.dump((index, func(item)), pipe, pickle.HIGHEST_PROTOCOL)
                            pipe.flush()
                    items, offset = message.items, message.offset
                for start, stop in _claims(claims):
                    for i in range(start, stop):
                        pickle.dump((offset + i, func(items[i])), pipe, pickle.HIGHEST_PROTOCOL)
                pickle.dump(_Done(None), pipe, pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # every failure must reach the parent
                code = 1
                pickle.dump(_Done(_portable(exc)), pipe, pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(code)


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


def _write_all(fd: int, data: bytes) -> bool:
    """Write every byte, however many writes the pipe takes; False if the reader is gone."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        return False
    return True


class _Done:
    """The last message from a worker: None when every result was sent, else the error that stopped it."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError that names it."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
