"""`careerblog deploy`: build into a temporary folder and push it as a new commit on a gh-pages branch.

Everything happens in a temporary bare repository with its own index, so the user's work tree, index
and branches are never touched; the remote's branch history is kept unless --force.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError
from careerblog.write import MANIFEST

NOJEKYLL = ".nojekyll"
CNAME = "CNAME"
_SCP_LIKE = re.compile(r"^[^/:]+:")  # user@host:path, as git allows for ssh remotes


@dataclass(frozen=True, slots=True)
class DeployResult:
    commit: str
    parent: str | None
    files: int
    message: str


class GitError(Exception):
    def __init__(self, args: tuple[str, ...], code: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args)} exited {code}: {stderr.strip()}")
        self.code = code
        self.stderr = stderr.strip()


def _git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    merged = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, env=merged, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BuildError.single("git", None, "git is not installed", "install git to deploy") from None
    if done.returncode != 0:
        raise GitError(args, done.returncode, done.stderr)
    return done.stdout.strip()


def _fail(message: str, hint: str = "") -> BuildError:
    return BuildError.single("deploy", None, message, hint)


def _absolute_remote(url: str, top: Path) -> str:
    """A remote given as a relative path means a path from the repository's top folder."""
    if "://" in url or _SCP_LIKE.match(url) or Path(url).is_absolute():
        return url
    return str((top / url).resolve())


def _identity(top: Path) -> dict[str, str]:
    def config(key: str, default: str) -> str:
        try:
            return _git("config", key, cwd=top) or default
        except GitError:
            return default

    name = config("user.name", "careerblog")
    email = config("user.email", "careerblog@localhost")
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email}


def _push_failure(stderr: str) -> str:
    """What the remote said and git's one-line verdict, without the progress chatter."""
    lines = [line.strip() for line in stderr.splitlines()]
    said = [line[len("remote:"):].strip() for line in lines if line.startswith("remote:")]
    verdict = [line.lstrip("! ").strip() for line in lines if "rejected]" in line]
    return "; ".join(part for part in (*said, *verdict) if part) or (lines[-1] if lines else "unknown reason")


def deploy_site(options: BuildOptions, *, remote: str = "origin", branch: str = "gh-pages", force: bool = False,
                message: str | None = None, warn: Callable[[str], None] = print) -> DeployResult:
    """Build the site and push it to `remote`'s `branch`; raises BuildError with a hint on every failure."""
    try:
        return _deploy(options, remote, branch, force, message, warn)
    except GitError as exc:  # a git step with no message of its own
        raise _fail(f"git failed: {exc}", "run the command above by hand to see why") from None


def _deploy(options: BuildOptions, remote: str, branch: str, force: bool, message: str | None,
            warn: Callable[[str], None]) -> DeployResult:
    root = options.root
    try:
        top = Path(_git("rev-parse", "--show-toplevel", cwd=root))
    except GitError:
        raise _fail(f"{root} is not in a git repository",
                    "run git init and add a remote, or publish with the GitHub Actions workflow") from None
    try:
        url = _absolute_remote(_git("remote", "get-url", remote, cwd=top), top)
        push_url = _absolute_remote(_git("remote", "get-url", "--push", remote, cwd=top), top)
    except GitError:
        raise _fail(f"no git remote named {remote!r}",
                    f"add one with: git remote add {remote} URL, or pass --remote NAME") from None
    try:
        source = _git("rev-parse", "--short=12", "HEAD", cwd=top)
    except GitError:
        source = "no commit yet"
    dirty = bool(_git("status", "--porcelain", cwd=top))
    if dirty:
        warn("deploy: warning: the work tree has uncommitted changes; the deploy commit is marked dirty")
    text = message or f"Deploy site built from {source}{' (dirty)' if dirty else ''}"
    text += f"\n\nSource: {source}{' + uncommitted changes (dirty work tree)' if dirty else ''}\nBy: careerblog deploy"

    with tempfile.TemporaryDirectory(prefix="careerblog-deploy-") as temp:
        folder = Path(temp)
        site = folder / "site"
        from careerblog.build import build  # deploy sits on top of the build

        # A build into a throwaway folder keeps no record: the record of the user's own output stays theirs.
        result = build(replace(options, output=site, record=False))
        for warning in result.warnings:
            warn(warning.format())
        (site / MANIFEST).unlink(missing_ok=True)  # careerblog's own bookkeeping, not part of the site
        (site / NOJEKYLL).write_bytes(b"")  # GitHub Pages would otherwise run Jekyll and drop _folders
        repo = folder / "repo.git"
        _git("init", "-q", "--bare", str(repo))
        ref = f"refs/heads/{branch}"
        try:
            listed = _git("ls-remote", url, ref, cwd=folder)
        except GitError as exc:
            raise _fail(f"cannot read remote {remote!r} ({url}): {exc.stderr.splitlines()[-1] if exc.stderr else ''}",
                        "check the remote's URL and your access to it") from None
        remote_head = listed.split()[0] if listed else None
        if remote_head:
            _git("--git-dir", str(repo), "fetch", "-q", url, f"+{ref}:{ref}")
            try:
                domain = _git("--git-dir", str(repo), "show", f"{ref}:{CNAME}")
            except GitError:
                domain = ""
            if domain and not (site / CNAME).is_file():
                raise _fail(f"branch {branch} on {remote!r} publishes the custom domain {domain.strip()!r} "
                            "(its CNAME file), and this build has no CNAME; deploying would remove the domain",
                            f"add static/{CNAME} holding {domain.strip()} so every build publishes it")
        env = {"GIT_DIR": str(repo), "GIT_WORK_TREE": str(site), "GIT_INDEX_FILE": str(folder / "index"),
               **_identity(top)}
        _git("add", "--all", "--force", ".", cwd=site, env=env)
        tree = _git("write-tree", cwd=site, env=env)
        parent = None if force else remote_head
        commit = _git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", text, cwd=site, env=env)
        try:
            _git("--git-dir", str(repo), "push", "-q", *(["--force"] if force else []), push_url, f"{commit}:{ref}",
                 cwd=folder)
        except GitError as exc:
            reason = _push_failure(exc.stderr)
            raise _fail(f"push to {remote!r} ({branch}) was rejected: {reason}",
                        "if the branch moved, run deploy again; --force replaces its history") from None
        return DeployResult(commit, parent, result.files + 1, text)
