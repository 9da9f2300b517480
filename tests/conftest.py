"""Fixtures every test module may use."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """Where a test writes its site (kept apart from the build output in tmp_path)."""
    return tmp_path / "site"
