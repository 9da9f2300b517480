"""Deploy faults with the real `careerblog deploy` process against local bare repositories: every failure
exits 1 with a located message and no traceback, leaves the remote branch and the site's folder as they
were, and leaves no temporary folder behind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from brokensites import SOURCE_DATE_EPOCH, plant_previous_output, snapshot
from publishing_sites import GIT_IDENTITY, commit_with_remote, git
from sitefiles import write_site


@dataclass
class Repo:
    top: Path
    site: Path
    remote: Path
    tmpdir: Path

    def deploy(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **GIT_IDENTITY, "TMPDIR": str(self.tmpdir), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        return subprocess.run([sys.executable, "-m", "careerblog", "deploy", *args], cwd=self.site, env=env,
                              capture_output=True, text=True, timeout=180)

    def branch(self) -> str:
        try:
            return git("rev-parse", "refs/heads/gh-pages", cwd=self.remote)
        except subprocess.CalledProcessError:
            return ""


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    top = tmp_path / "work"
    site = write_site(top / "site", {"content/pages/about.md": "---\ntitle: About\n---\nHello.\n",
                                     "static/CNAME": "blog.example.org\n",
                                     ".gitignore": "_site/\n.careerblog-cache/\n"})
    remote = top / "remote.git"
    commit_with_remote(site, remote)
    tmpdir = top / "tmp"
    tmpdir.mkdir()
    plant_previous_output(site / "_site")  # deploy builds elsewhere: _site/ must stay as it is
    made = Repo(top, site, remote, tmpdir)
    first = made.deploy()
    assert first.returncode == 0, first.stderr
    return made


def _reject_pushes(repo: Repo) -> None:
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)


def _drop_cname(repo: Repo) -> None:
    (repo.site / "static" / "CNAME").unlink()


def _break_a_post(repo: Repo) -> None:
    post = repo.site / "content" / "posts" / "2024-01-01-bad.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text("---\ntitle: Bad\ntitle: Twice\n---\n", encoding="utf-8")


def _remove_git(repo: Repo) -> None:
    shutil.rmtree(repo.site / ".git")


FAULTS: list[tuple[str, Callable[[Repo], None], list[str], str]] = [
    ("rejected-push", _reject_pushes, [], r"deploy: error: push to 'origin' \(gh-pages\) was rejected: .*closed today"),
    ("missing-remote", lambda repo: None, ["--remote", "upstream"], r"deploy: error: no git remote named 'upstream'"),
    ("unreachable-remote", lambda repo: git("remote", "set-url", "origin", "../gone.git", cwd=repo.site), [],
     r"deploy: error: cannot read remote 'origin'"),
    ("cname-guard", _drop_cname, [],
     r"deploy: error: branch gh-pages on 'origin' publishes the custom domain 'blog\.example\.org'"),
    ("failed-build", _break_a_post, [], r"content/posts/2024-01-01-bad\.md:3:1: error: duplicate key 'title'"),
    ("not-a-repository", _remove_git, [], r"deploy: error: .* is not in a git repository"),
    ("usage-error", lambda repo: None, ["--no-such-flag"], r"No such option"),
]


@pytest.mark.parametrize(("name", "fault", "args", "message"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_failed_deploy_changes_nothing(repo: Repo, name: str, fault: Callable[[Repo], None], args: list[str],
                                         message: str) -> None:
    fault(repo)
    branch_before = repo.branch()
    site_before = snapshot(repo.site, (repo.site / ".careerblog-cache",))
    remote_before = snapshot(repo.remote)

    result = repo.deploy(*args)

    assert result.returncode == (2 if name == "usage-error" else 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert repo.branch() == branch_before
    assert {k: v for k, v in snapshot(repo.remote).items() if not k.startswith("hooks/")} == {
        k: v for k, v in remote_before.items() if not k.startswith("hooks/")}
    assert snapshot(repo.site, (repo.site / ".careerblog-cache",)) == site_before  # _site/ and sources untouched
    assert list(repo.tmpdir.iterdir()) == []  # no temporary folder left behind


def test_a_dirty_work_tree_deploys_with_a_warning_and_says_so(repo: Repo) -> None:
    (repo.site / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nEdited.\n", encoding="utf-8")
    before = repo.branch()
    site_before = snapshot(repo.site, (repo.site / ".careerblog-cache",))
    result = repo.deploy()
    assert result.returncode == 0, result.stderr
    assert "warning: the work tree has uncommitted changes" in result.stderr
    assert git("rev-parse", "refs/heads/gh-pages~1", cwd=repo.remote) == before  # history kept
    assert "(dirty)" in git("log", "-1", "--format=%s", "gh-pages", cwd=repo.remote)
    assert "CNAME" in git("ls-tree", "--name-only", "gh-pages", cwd=repo.remote).split()
    assert snapshot(repo.site, (repo.site / ".careerblog-cache",)) == site_before
    assert list(repo.tmpdir.iterdir()) == []
