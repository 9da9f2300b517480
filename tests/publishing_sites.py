"""Sites the publishing tests share: the demo under a GitHub Pages sub-path, and a hostile one."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from sitefiles import REPO, write_site

from careerblog.build import build
from careerblog.config import BuildOptions

BASE_URL = "https://example.github.io/careerblog/"
BASE_PATH = "/careerblog/"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

# Text that breaks naive escaping in HTML attributes, XML and JSON inside <script>.
HOSTILE = 'Tom & "Jerry" </script><script>alert(1)</script> <!-- <b>bold</b> \'quoted\' \u2028'


def build_demo(output: Path, **options: object) -> Path:
    """The demo site, built as the GitHub Actions workflow builds it for a project site."""
    build(BuildOptions(root=REPO, output=output, base_url=BASE_URL, now=NOW, **options))  # type: ignore[arg-type]
    return output


def write_hostile_site(root: Path) -> Path:
    """A small complete site whose every text field holds HOSTILE."""
    quoted = HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\u2028", "\\u2028")
    return write_site(root, {
        "content/site.yml": f'title: "{quoted}"\ndescription: "{quoted}"\nauthor: "{quoted}"\n'
                            f'base_url: "{BASE_URL}"\n',
        "content/posts/2024-05-01-hostile.md": f'---\ntitle: "{quoted}"\nsummary: "{quoted}"\n'
                                               f'tags: ["{quoted}"]\n---\nBody with {HOSTILE.replace("<", "&lt;")}.\n',
        "content/data/profile.yml": f'name: "{quoted}"\nlabel: "{quoted}"\nsummary: "{quoted}"\n'
                                    'profiles:\n  - {network: GitHub, url: "https://github.com/x?a=1&b=2"}\n',
        "content/data/career.yml": f'- position: "{quoted}"\n  organization: "{quoted}"\n  start_date: 2020-01\n',
        "content/data/skills.yml": f'scale: {{min: 0, max: 5}}\nskills:\n  - name: "{quoted}"\n'
                                   '    category: Languages\n    levels: {2020: 2, 2022: 4}\n',
    })


GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "Test",
                "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(*args: str, cwd: Path) -> str:
    """Run git with a test identity; its output, stripped."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_IDENTITY})
    return done.stdout.strip()


def commit_with_remote(site: Path, remote: Path) -> None:
    """Commit `site` on main, with `origin` an empty bare repository given by a relative path, as people write."""
    git("init", "-q", "--bare", str(remote), cwd=remote.parent)
    git("init", "-q", "-b", "main", cwd=site)
    git("add", "-A", cwd=site)
    git("commit", "-q", "-m", "first", cwd=site)
    git("remote", "add", "origin", os.path.relpath(remote, site), cwd=site)
