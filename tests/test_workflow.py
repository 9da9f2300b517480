"""The GitHub Pages workflow passes offline linters and keeps to least privilege."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sitefiles import REPO

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
# Every workflow careerblog ships: this repository's, and the one `careerblog init` writes into a new site.
SHIPPED = [WORKFLOW, *sorted((REPO / "src" / "careerblog").rglob("*.yml"))]
BIN = Path(sys.executable).parent


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, cwd=REPO, timeout=120,
                          check=False)


def shipped_workflows() -> list[Path]:
    return [p for p in SHIPPED if p == WORKFLOW or "jobs:" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("workflow", shipped_workflows(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_workflow_matches_the_github_workflow_schema(workflow: Path) -> None:
    done = lint("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", shipped_workflows(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_zizmor_finds_nothing_even_when_pedantic(workflow: Path) -> None:
    for persona in ("regular", "pedantic"):
        done = lint("zizmor", "--offline", "--persona", persona, str(workflow))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No findings to report" in done.stdout + done.stderr


def test_zizmor_is_live(tmp_path: Path) -> None:
    # The linter fails a workflow that interpolates into a shell and keeps credentials, so the test above can fail.
    bad = tmp_path / "bad-workflow.yml"
    bad.write_text(WORKFLOW.read_text(encoding="utf-8").replace(
        'run: careerblog build --base-url "$BASE_URL" --strict',
        "run: careerblog build --base-url ${{ github.event.head_commit.message }}"), encoding="utf-8")
    assert lint("zizmor", "--offline", str(bad)).returncode != 0


def test_shape_pins_and_permissions() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    triggers = data[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert data["permissions"] == {}
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    steps = {step["uses"].split("@")[0]: step for step in build["steps"] if "uses" in step}
    assert steps["actions/checkout"]["with"]["persist-credentials"] is False
    assert steps["actions/upload-pages-artifact"]["with"]["path"] == "_site"
    assert any(s.get("run") == "python -m pip install ." for s in build["steps"])
    run_build = next(s for s in build["steps"] if "careerblog build" in s.get("run", ""))
    assert run_build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert steps["actions/configure-pages"]["id"] == "pages"
    for job in (build, deploy):
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step
    uses = re.findall(r"uses: (\S+)@(\S+) # (v\d+)", text)
    assert {u[0] for u in uses} == {"actions/checkout", "actions/setup-python", "actions/configure-pages",
                                    "actions/upload-pages-artifact", "actions/deploy-pages"}
    assert all(re.fullmatch(r"[0-9a-f]{40}", sha) for _, sha, _ in uses)
