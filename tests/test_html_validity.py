"""Every HTML page passes the Nu Html Checker (vnu.jar, run with Java) with zero errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from publishing_sites import NOW, build_demo, write_hostile_site
from sitefiles import REPO

from careerblog.build import build
from careerblog.config import BuildOptions

VNU = REPO / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_demo_and_hostile_site_pages_have_no_html_errors(tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java and VNU.is_file(), "java or vnu.jar is missing: run `make test` (tools/ensure-browser.sh)"
    demo = build_demo(tmp_path / "www" / "careerblog")
    hostile = tmp_path / "hostile"
    write_hostile_site(tmp_path / "hostile-site")
    build(BuildOptions(root=tmp_path / "hostile-site", output=hostile, now=NOW))
    pages = [*demo.rglob("*.html"), *hostile.rglob("*.html")]
    assert len(pages) > 20
    # --stdout: without it vnu writes its report to stderr.
    done = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout",
                           "--skip-non-html", str(demo), str(hostile)],
                          capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(done.stdout)
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in report["messages"]]
    assert errors == []
    assert done.returncode == 0, done.stderr[-2000:]
