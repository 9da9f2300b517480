"""Writing small sites from strings, for tests of every stage."""

from __future__ import annotations

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
