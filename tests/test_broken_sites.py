"""P1-P4 on the corpus of broken sites: `careerblog build` as a real subprocess on a copy of each case."""

from __future__ import annotations

from pathlib import Path

import pytest
from brokensites import (
    CACHE,
    SENTINEL,
    SENTINEL_TEXT,
    Case,
    all_cases,
    broken_internal_links,
    careerblog,
    check_messages,
    check_output,
    command_args,
    outside_output,
    prepare,
    skip_paths,
    snapshot,
    staging_like,
)

CASES = [case for case in all_cases() if case.applies_to("build")]
BASE_PATH = "/blog/"  # every case's site.yml has base_url https://example.org/blog/


def test_corpus_is_large_and_every_case_is_complete() -> None:
    assert len(CASES) >= 60
    for case in CASES:
        assert (case.folder / "case.yml").is_file()
        assert case.spec.get("about"), f"{case.name}: case.yml needs an 'about' line"
        if case.exit == 1:
            assert case.spec.get("messages"), f"{case.name}: an error case must pin its message"
        elif case.exit == 0:
            checks = ("exists", "absent", "contains", "not_contains", "order", "messages", "then")
            assert any(case.spec.get(k) for k in checks), f"{case.name}: a success case must assert something"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_build(case: Case, tmp_path: Path) -> None:
    work = prepare(case, tmp_path)
    everything_before = snapshot(work.top, (work.site / CACHE,))
    outside_before = outside_output(snapshot(work.top, skip_paths(work)), work)
    staging_before = staging_like(work.top)

    result = careerblog(command_args(case, work, "build"), work.site, work.env)

    report = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == case.exit, report
    assert "Traceback" not in result.stderr, report
    assert "internal error" not in result.stderr, report
    assert check_messages(case.spec, result) == [], report
    if case.exit == 1:
        # P1: located messages, and a count at the end.
        assert "careerblog: failed with" in result.stderr, report
    assert staging_like(work.top) == staging_before, "a staging folder was left behind"

    if case.exit != 0:
        # P3 and P4: a failed run changes nothing at all, the previous output included.
        assert snapshot(work.top, (work.site / CACHE,)) == everything_before
        if work.planted:
            assert work.output is not None
            assert (work.output / SENTINEL).read_bytes() == SENTINEL_TEXT
        return

    # P4: a good build changes nothing outside its output, staging folder and cache.
    assert outside_output(snapshot(work.top, skip_paths(work)), work) == outside_before
    assert work.output is not None
    assert check_output(case.spec, work.output) == [], report
    if case.spec.get("links_resolve", True):
        assert broken_internal_links(work.output, BASE_PATH) == []

    then = case.spec.get("then")
    if then:
        for old, new in (then.get("rename") or {}).items():
            (work.site / old).rename(work.site / new)
        for gone in then.get("delete") or []:
            (work.site / gone).unlink()
        outside_before = snapshot(work.top, skip_paths(work))
        again = careerblog(command_args(case, work, "build"), work.site, work.env)
        report = f"second build: exit {again.returncode}\n{again.stderr}"
        assert again.returncode == int(then.get("exit", 0)), report
        assert check_output(then, work.output) == [], report
        assert snapshot(work.top, skip_paths(work)) == outside_before
        assert broken_internal_links(work.output, BASE_PATH) == []
