"""Build hook: put the demo site (content/, templates/, static/) inside the wheel for `careerblog init`.

The demo lives at the repository root, where `careerblog build` in a checkout builds it; a wheel carries a
copy under careerblog/starter/site/. An editable install needs no copy: `careerblog init` falls back to
the checkout's root. Folders the demo does not have are skipped, so the hook never fails on a missing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DEMO_FOLDERS = ("content", "templates", "static")


class DemoSiteHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        for name in DEMO_FOLDERS:
            if (root / name).is_dir():
                build_data["force_include"][str(root / name)] = f"careerblog/starter/site/{name}"
