"""bench/run.py, run small: the benchmark itself must keep working, not only the builds it times."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sitefiles import REPO


def _bench(tmp_path: Path, results: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, str(REPO / "bench/run.py"), "--sizes", "20", "--runs", "1", "--edits", "1",
                          "--no-peers", "--results", str(results), "--sites-dir", str(tmp_path / "sites")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run


def test_a_small_benchmark_run_times_every_build_and_writes_its_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    run = _bench(tmp_path, results)
    assert "warning" not in run.stderr
    table = results.read_text(encoding="utf-8")
    for row in ("| demo site | demo cold |", "| 20 | careerblog cold |", "| 20 | careerblog warm |"):
        assert row in table
    assert "One-post edit" in table and "\n| 20 | " in table.split("One-post edit")[1]
    assert not list((tmp_path / "sites").glob("outputs/*")), "the run deletes its outputs when it is over"


def test_a_run_right_after_another_warns_that_its_new_files_may_be_slow(tmp_path: Path) -> None:
    """The last run's deletions make every tool's new files slower for minutes on ext4 without a journal."""
    _bench(tmp_path, tmp_path / "first.md")
    again = _bench(tmp_path, tmp_path / "second.md")
    assert "warning: the last run deleted its outputs" in again.stderr
