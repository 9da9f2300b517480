"""bench/run.py, run small: the benchmark itself must keep working, not only the builds it times."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sitefiles import REPO


def test_a_small_benchmark_run_times_every_build_and_writes_its_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    run = subprocess.run([sys.executable, str(REPO / "bench/run.py"), "--sizes", "20", "--runs", "1", "--edits", "1",
                          "--no-peers", "--results", str(results), "--sites-dir", str(tmp_path / "sites")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    table = results.read_text(encoding="utf-8")
    for row in ("| demo site | demo cold |", "| 20 | careerblog cold |", "| 20 | careerblog warm |"):
        assert row in table
    assert "One-post edit" in table and "\n| 20 | " in table.split("One-post edit")[1]
    assert not list((tmp_path / "sites").glob("outputs/*")), "the run deletes its outputs when it is over"
