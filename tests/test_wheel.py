"""Packaging: the wheel carries the theme; installed in a fresh venv it builds a site outside the checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from sitefiles import REPO

FIXTURE = REPO / "tests" / "fixture-site"


def run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """A fresh venv with the wheel of this checkout installed, reusing this environment's dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp / "wheels"
    run([sys.executable, "-m", "pip", "wheel", REPO, "--no-build-isolation", "--no-deps", "--no-index", "-w",
         wheels], tmp, env)
    (wheel,) = wheels.glob("careerblog-*.whl")

    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", venv], tmp, env)
    python = venv / "bin" / "python"
    venv_site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp,
                         env).stdout.strip())
    # A venv made from inside a venv does not see its packages: point it at ours (jinja2, markdown, ...).
    (venv_site / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", wheel], tmp, env)
    return venv, env, wheel


def test_the_wheel_holds_the_theme(installed: tuple[Path, dict[str, str], Path]) -> None:
    names = set(zipfile.ZipFile(installed[2]).namelist())
    for name in ("careerblog/theme/templates/base.html", "careerblog/theme/templates/shortcodes/timeline.html",
                 "careerblog/theme/static/css/site.css", "careerblog/cli.py",
                 "careerblog/theme/templates/_chart.html", "careerblog/theme/static/js/charts.js",
                 "careerblog/vendor/plotly-basic.min.js"):
        assert name in names, name
    assert not any(n.startswith(("tests/", "content/")) for n in names)


def test_careerblog_is_imported_from_the_venv_not_the_checkout(installed: tuple[Path, dict[str, str], Path],
                                                               tmp_path: Path) -> None:
    venv, env, _ = installed
    found = run([venv / "bin/python", "-c", "import careerblog.templating as t; print(t.__file__); print(t.THEME_DIR)"],
                tmp_path, env).stdout.split()
    for path in found:
        assert Path(path).resolve().is_relative_to(venv.resolve()), path
        assert not Path(path).resolve().is_relative_to(REPO / "src"), path


def test_the_installed_command_builds_the_fixture_site_outside_the_checkout(
        installed: tuple[Path, dict[str, str], Path], tmp_path: Path) -> None:
    venv, env, _ = installed
    site = tmp_path / "mysite"
    shutil.copytree(FIXTURE, site)
    result = run([venv / "bin/careerblog", "build"], site / "content", {**env, "SOURCE_DATE_EPOCH": "1767225600"})
    summary = rf"built \d+ files into {re.escape(str(site / '_site'))} in \d+\.\d\d s, 0 warnings\n"
    assert re.fullmatch(summary, result.stdout)
    out = site / "_site"
    for page in ("index.html", "posts/every-key/index.html", "career/index.html", "resume/index.html",
                 "tags/index.html", "404.html"):
        assert (out / page).is_file(), page
    assert (out / "css/site.css").read_bytes() == (REPO / "src/careerblog/theme/static/css/site.css").read_bytes()
    assert '<ol class="timeline">' in (out / "posts/career-story/index.html").read_text()
    result = run([venv / "bin/python", "-m", "careerblog", "--version"], tmp_path, env)
    assert result.stdout.startswith("careerblog, version ")
