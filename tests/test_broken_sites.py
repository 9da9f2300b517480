"""P1-P4 on the corpus of broken sites: `careerblog build` and `careerblog check` as real subprocesses.

Each case runs on its own copy (see brokensites.py for what is checked). The runs are started together
on a thread pool, so the subprocesses overlap, and each parametrised test waits for its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from brokensites import Case, all_cases, verify

CASES = all_cases()
COMMANDS = ("build", "check")
RUNS = [(command, case) for command in COMMANDS for case in CASES if case.applies_to(command)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Future[list[str]]]]:
    workers = max(2, min(6, (os.cpu_count() or 2) + 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            (command, case.name): pool.submit(verify, case, command, tmp_path_factory.mktemp(f"{command}-{case.name}"))
            for command, case in RUNS
        }
        yield futures
        for future in futures.values():
            future.cancel()


def test_corpus_is_large_and_every_case_is_complete() -> None:
    assert len(CASES) >= 100
    for case in CASES:
        assert (case.folder / "case.yml").is_file()
        assert case.spec.get("about"), f"{case.name}: case.yml needs an 'about' line"
        if case.exit == 1:
            assert case.spec.get("messages"), f"{case.name}: an error case must pin its message"
        elif case.exit == 0:
            checks = ("exists", "absent", "contains", "not_contains", "order", "messages", "then", "inert")
            assert any(case.spec.get(k) for k in checks), f"{case.name}: a success case must assert something"


@pytest.mark.parametrize("case", [c for c in CASES if c.applies_to("build")], ids=lambda c: c.name)
def test_build(case: Case, runs: dict[tuple[str, str], Future[list[str]]]) -> None:
    problems = runs["build", case.name].result(timeout=600)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("case", [c for c in CASES if c.applies_to("check")], ids=lambda c: c.name)
def test_check(case: Case, runs: dict[tuple[str, str], Future[list[str]]]) -> None:
    problems = runs["check", case.name].result(timeout=600)
    assert problems == [], "\n".join(problems)
