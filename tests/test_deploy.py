"""`careerblog deploy` against local bare repositories: history, .nojekyll, CNAME guard, failures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from publishing_sites import commit_with_remote, git
from sitefiles import write_site

from careerblog.cli import main

PAGE = {"content/pages/about.md": "---\ntitle: About\n---\nHello.\n"}
def deploy(site: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["deploy", "--root", str(site), *args], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A committed site with `origin` pointing at an empty bare repository (a relative path, as people write)."""
    site = write_site(tmp_path / "site", {**PAGE, ".gitignore": "_site/\n.careerblog-cache/\n"})
    remote = tmp_path / "remote.git"
    commit_with_remote(site, remote)
    return site, remote


def published(remote: Path, branch: str = "gh-pages") -> list[str]:
    return git("ls-tree", "-r", "--name-only", branch, cwd=remote).splitlines()


def test_two_deploys_leave_two_commits_with_nojekyll(repo: tuple[Path, Path]) -> None:
    site, remote = repo
    status_before = git("status", "--porcelain", cwd=site)
    head = git("rev-parse", "HEAD", cwd=site)
    first = deploy(site)
    assert first.exit_code == 0, first.output
    second = deploy(site)
    assert second.exit_code == 0, second.output
    log = git("log", "--format=%H %P%n%s", "gh-pages", cwd=remote).splitlines()
    assert len(log) == 4  # two commits, each with its subject
    _, parent = log[0].split()
    assert log[2].split()[0] == parent  # the second commit sits on top of the first
    assert log[1] == f"Deploy site built from {head[:12]}"
    files = published(remote)
    assert ".nojekyll" in files and "index.html" in files and "about/index.html" in files
    assert ".careerblog-manifest.json" not in files
    # The user's repository is as it was: same HEAD, same status, no new branch, no output folder.
    assert git("rev-parse", "HEAD", cwd=site) == head
    assert git("status", "--porcelain", cwd=site) == status_before
    assert git("branch", "--format=%(refname:short)", cwd=site) == "main"
    assert not (site / "_site").exists()


def test_force_replaces_history(repo: tuple[Path, Path]) -> None:
    site, remote = repo
    assert deploy(site).exit_code == 0
    assert deploy(site).exit_code == 0
    assert deploy(site, "--force").exit_code == 0
    assert git("rev-list", "--count", "gh-pages", cwd=remote) == "1"


def test_cname_is_published_and_guarded(repo: tuple[Path, Path]) -> None:
    site, remote = repo
    (site / "static").mkdir()
    (site / "static" / "CNAME").write_text("blog.example.org\n", encoding="utf-8")
    git("add", "-A", cwd=site)
    git("commit", "-q", "-m", "domain", cwd=site)
    assert deploy(site).exit_code == 0
    assert "CNAME" in published(remote)
    before = git("rev-parse", "gh-pages", cwd=remote)

    (site / "static" / "CNAME").unlink()
    result = deploy(site)
    assert result.exit_code == 1
    assert "deploy: error: branch gh-pages on 'origin' publishes the custom domain 'blog.example.org'" in result.stderr
    assert "hint: add static/CNAME holding blog.example.org" in result.stderr
    assert git("rev-parse", "gh-pages", cwd=remote) == before


def test_dirty_work_tree_is_a_warning_named_in_the_commit(repo: tuple[Path, Path]) -> None:
    site, remote = repo
    (site / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nChanged.\n", encoding="utf-8")
    result = deploy(site)
    assert result.exit_code == 0
    warning = "deploy: warning: the work tree has uncommitted changes; the deploy commit is marked dirty\n"
    assert warning in result.stderr
    message = git("log", "-1", "--format=%B", "gh-pages", cwd=remote)
    assert message.splitlines()[0].endswith("(dirty)")
    assert git("rev-parse", "--short=12", "HEAD", cwd=site) in message


def test_a_rejected_push_exits_1(repo: tuple[Path, Path]) -> None:
    site, remote = repo
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    result = deploy(site)
    assert result.exit_code == 1
    assert "deploy: error: push to 'origin' (gh-pages) was rejected" in result.stderr
    assert "pushes are closed today" in result.stderr
    assert "Traceback" not in result.output


def test_missing_remote_exits_1(repo: tuple[Path, Path]) -> None:
    site, _ = repo
    result = deploy(site, "--remote", "upstream")
    assert result.exit_code == 1
    assert "deploy: error: no git remote named 'upstream'" in result.stderr
    assert "hint: add one with: git remote add upstream URL" in result.stderr


def test_unreachable_remote_exits_1(repo: tuple[Path, Path], tmp_path: Path) -> None:
    site, _ = repo
    git("remote", "set-url", "origin", str(tmp_path / "gone.git"), cwd=site)
    result = deploy(site)
    assert result.exit_code == 1
    assert "deploy: error: cannot read remote 'origin'" in result.stderr


def test_not_a_git_repository_exits_1(tmp_path: Path) -> None:
    site = write_site(tmp_path / "plain", PAGE)
    result = deploy(site)
    assert result.exit_code == 1
    assert "is not in a git repository" in result.stderr


def test_a_failed_build_exits_1_and_pushes_nothing(repo: tuple[Path, Path]) -> None:
    site, remote = repo
    (site / "content" / "posts").mkdir()
    (site / "content" / "posts" / "2024-01-01-bad.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    result = deploy(site)
    assert result.exit_code == 1
    assert "content/posts/2024-01-01-bad.md:" in result.stderr
    assert git("branch", "--list", cwd=remote) == ""


def test_deploy_leaves_the_record_of_the_last_build_alone(repo: tuple[Path, Path]) -> None:
    """Deploy builds into a throwaway folder; the user's own `_site` must still count as up to date after."""
    site, _ = repo
    old = 1_600_000_000
    for path in (site / "content").rglob("*"):
        os.utime(path, (old, old))  # older than the 2 s in which a build cannot vouch for a source
    built = CliRunner().invoke(main, ["build", "--root", str(site)], catch_exceptions=False)
    assert built.exit_code == 0 and "is up to date" not in built.output, built.output
    assert deploy(site).exit_code == 0
    again = CliRunner().invoke(main, ["build", "--root", str(site)], catch_exceptions=False)
    assert again.exit_code == 0
    assert "is up to date" in again.output, again.output
