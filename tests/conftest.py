"""Fixtures every test module may use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# `make test` (and so CI) draws the same examples every run: a green run stays green, a red one is
# repeatable. HYPOTHESIS_PROFILE=explore draws new random ones on each run, to look for new failures.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """Where a test writes its site (kept apart from the build output in tmp_path)."""
    return tmp_path / "site"
