"""A team of forked workers sharing an ordered map: order, sharing, early set-up, and every failure reported."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from careerblog import parallel
from careerblog.parallel import Team


def test_ordered_map_keeps_order_and_reports_a_worker_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    assert parallel.ordered_map(lambda x: x * x, list(range(50)), 3) == [x * x for x in range(50)]
    parent = os.getpid()

    def fail_in_worker(x: int) -> int:
        if os.getpid() != parent:
            raise ValueError(f"item {x} is bad")
        time.sleep(0.002)  # leave the workers items to take
        return x

    with pytest.raises(ValueError, match=r"item \d+ is bad"):
        parallel.ordered_map(fail_in_worker, list(range(50)), 3)


def test_an_error_in_this_process_stops_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    parent = os.getpid()

    def fail_here(x: int) -> int:
        if os.getpid() == parent:
            raise KeyError("here")
        return x

    before = _children()
    with pytest.raises(KeyError, match="here"):
        parallel.ordered_map(fail_here, list(range(50)), 2)
    assert _children() == before  # no worker left behind, not even a zombie


def _children() -> set[str]:
    pid = os.getpid()
    return set(Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8").split())


def test_a_worker_that_dies_holding_items_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    parent = os.getpid()

    def die_in_worker(x: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # killed mid-item, as by the out-of-memory killer
        time.sleep(0.002)
        return x

    with pytest.raises(RuntimeError, match="a build worker died without an answer"):
        parallel.ordered_map(die_in_worker, list(range(40)), 2)


def test_a_worker_that_dies_before_taking_items_costs_nothing() -> None:
    parent = os.getpid()

    def setup() -> Callable[[int], int]:
        if os.getpid() != parent:
            os._exit(3)  # as if killed while importing
        return lambda x: x + 1

    with Team(2, setup) as team:
        team.submit(list(range(100)))
        assert team.collect() == list(range(1, 101))


def test_items_go_to_whichever_process_is_free() -> None:
    """Not halves fixed in advance: a worker that starts late still gets what is left, in order."""

    def setup() -> Callable[[int], tuple[int, int]]:
        def work(x: int) -> tuple[int, int]:
            time.sleep(0.002)
            return x, os.getpid()

        return work

    with Team(2, setup) as team:
        team.submit(list(range(120)))
        results = team.collect()
    assert [x for x, _ in results] == list(range(120))
    pids = [pid for _, pid in results]
    assert os.getpid() in pids and len(set(pids)) == 2
    # Runs of at most two items (120 items fit in MAX_CLAIMS runs), so the two interleave.
    changes = sum(1 for a, b in itertools.pairwise(pids) if a != b)
    assert changes > 2


def test_workers_set_up_before_the_items_exist(tmp_path: Path) -> None:
    """A build's workers import Python-Markdown while the sources are still being read."""
    ready = tmp_path / "ready"
    parent = os.getpid()

    def setup() -> Callable[[str], str]:
        if os.getpid() != parent:
            ready.write_text("set up", encoding="utf-8")
        return str.upper

    with Team(2, setup) as team:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready.exists()  # before submit: the worker did not wait for the items to set up
        items = [f"post {i}" for i in range(300)]
        team.submit(items)
        assert team.collect() == [item.upper() for item in items]


def test_nothing_to_do_sets_nothing_up() -> None:
    made: list[int] = []

    def setup() -> Callable[[int], int]:
        made.append(os.getpid())
        return lambda x: x

    with Team(2, setup) as team:
        team.submit([])
        assert team.collect() == []
    assert made == []  # this process never set up; the worker was stopped


def test_one_process_runs_everything_here() -> None:
    with Team(1, lambda: str.lower) as team:
        team.submit(["A", "B"])
        assert team.collect() == ["a", "b"]


def test_a_workers_pipe_holds_many_results_at_once() -> None:
    """With the 64 KiB default a worker waited on this process's GIL every few results."""
    import fcntl

    read_fd, write_fd = os.pipe()
    try:
        parallel._widen(write_fd)
        assert fcntl.fcntl(write_fd, fcntl.F_GETPIPE_SZ) == parallel.PIPE_BYTES
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_ordered_map_keeps_order_across_a_full_pipe() -> None:
    """Results much larger than the pipe still arrive whole and in order."""
    big = [str(i) * 200_000 for i in range(120)]
    assert parallel.ordered_map(lambda text: text[::-1], big, 2) == [text[::-1] for text in big]


def _tagged(x: int) -> tuple[int, int]:
    return x, os.getpid()


def test_every_item_is_taken_exactly_once_whatever_the_count() -> None:
    most = parallel.MAX_CLAIMS
    for count in (1, 2, most - 1, most, most + 1, 3 * most + 7):
        with Team(3, lambda: _tagged) as team:
            team.submit(list(range(count)))
            assert [x for x, _ in team.collect()] == list(range(count))


def _slow_double(x: int) -> int:
    time.sleep(0.1)
    return 2 * x


def test_items_offered_while_they_are_made_go_to_an_idle_worker_and_come_first() -> None:
    with Team(2, lambda: _slow_double) as team:
        taken = [team.offer(x) for x in (1, 2, 3, 4)]
        # One at work and one waiting: a busy worker is offered no more, and the rest wait for submit.
        assert taken == [True, True, False, False]
        team.submit([3, 4, 5])
        assert team.collect() == [2, 4, 6, 8, 10]


def test_only_a_team_forked_without_its_items_takes_offers() -> None:
    items = list(range(50))
    with Team(2, lambda: _tagged, items) as team:
        assert team.offer(99) is False
        team.submit(items)
        assert [x for x, _ in team.collect()] == items
    with Team(1, lambda: _tagged) as team:
        assert team.offer(99) is False


def test_offered_items_alone_are_enough() -> None:
    with Team(2, lambda: _slow_double) as team:
        assert team.offer(21)
        team.submit([])
        assert team.collect() == [42]


def test_closing_while_the_items_are_still_being_sent_neither_hangs_nor_leaves_a_worker() -> None:
    """A build that fails right after handing out its documents (a bad profile, say) stops at once."""
    parent = os.getpid()

    def setup() -> Callable[[str], int]:
        if os.getpid() != parent:
            time.sleep(60)  # still importing: it reads nothing yet, and the items fill its pipe
        return len

    before = _children()
    started = time.monotonic()
    with Team(2, setup) as team:
        team.submit(["x" * 100_000] * 200)  # 20 MB: the sending thread blocks on the full pipe
    assert time.monotonic() - started < 30  # it did not wait for the worker to finish importing
    assert _children() == before


def test_an_offer_to_a_worker_that_is_gone_is_refused_and_this_process_does_the_work() -> None:
    parent = os.getpid()

    def setup() -> Callable[[int], int]:
        if os.getpid() != parent:
            os._exit(3)  # as if killed while importing
        return lambda x: x * 10

    with Team(2, setup) as team:
        (worker,) = team._workers
        deadline = time.monotonic() + 10
        while Path(f"/proc/{worker.pid}/stat").read_text(encoding="ascii").split(")")[-1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the worker did not exit"
            time.sleep(0.01)
        assert team.offer(1) is False
        team.submit([1, 2, 3])
        assert team.collect() == [10, 20, 30]


def _resident() -> int:
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_workers_forked_with_items_do_not_map_the_heaps_free_pages() -> None:
    """A forked worker's resident size counts its parent's heap; what the parent freed is given back first."""
    blocks = [bytes(2000) + i.to_bytes(4, "big") for i in range(20_000)]  # 40 MB in the C heap, not pymalloc's
    kept = blocks[::50]  # holes all over the heap: free() alone returns none of it
    del blocks
    freed_but_mapped = _resident()
    sizes = parallel.ordered_map(lambda _: _resident(), range(2 * parallel.MIN_ITEMS_PER_WORKER), 2)
    assert len(kept) == 400
    assert freed_but_mapped - _resident() > 20 * 2**20  # this process gave back most of the 40 MB
    assert max(sizes) < freed_but_mapped - 20 * 2**20  # and both processes ran without them
