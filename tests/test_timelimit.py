"""timelimit: work stopped at its time limit, and nobody else's timer or thread disturbed."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from careerblog.timelimit import OutOfTime, time_limit


def _spin() -> None:
    while True:
        pass


def test_work_past_the_limit_is_stopped_and_the_signal_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(OutOfTime, match=r"stopped after 0\.05 s"), time_limit(0.05):
        _spin()
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_except_exception_in_the_work_cannot_swallow_the_stop() -> None:
    def retrying() -> None:
        try:
            _spin()
        except Exception:  # what a library's fallback looks like
            return

    with pytest.raises(OutOfTime), time_limit(0.05):
        retrying()


def test_work_within_the_limit_runs_as_it_would() -> None:
    with time_limit(5):
        value = sum(range(1000))
    assert value == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_somebody_elses_timer_is_left_running() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with time_limit(0.01):
            remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0 < remaining <= 0.2
        while not fired:
            time.sleep(0.01)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_there_is_no_limit() -> None:
    finished: list[bool] = []

    def work() -> None:
        with time_limit(0.01):
            time.sleep(0.05)
        finished.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert finished == [True]
