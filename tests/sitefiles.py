"""Writing small sites from strings, for tests of every stage."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write a site from {relative path: text}; a site.yml is added when the files have none."""
    files = {"content/site.yml": 'title: Test site\nbase_url: "https://example.org/"\nauthor: Tester\n', **files}
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def printed_by_fresh_python(script: str) -> list[str]:
    """What `script` prints, split into words, run in a new interpreter: for what a process imports."""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return run.stdout.split()
