"""Sites the publishing tests share: the demo under a GitHub Pages sub-path, and a hostile one."""

from __future__ import annotations

import datetime as dt
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
