"""P6: the same sources give the same bytes, whatever the hash seed, time zone, locale and directory order."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from brokensites import snapshot
from sitefiles import REPO

# Runs careerblog with every directory listing in the opposite order to the one the file system gives.
_REVERSED_LISTINGS = textwrap.dedent("""
    import os, sys
    _scandir, _listdir = os.scandir, os.listdir

    class _Reversed:
        # An iterator like os.scandir's own: os.walk (which Jinja lists templates with) calls next() on it.
        def __init__(self, path="."):
            with _scandir(path) as entries:
                self._entries = iter(list(entries)[::-1])
        def __iter__(self):
            return self
        def __next__(self):
            return next(self._entries)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return False
        def close(self):
            pass

    os.scandir = _Reversed
    os.listdir = lambda path=".": _listdir(path)[::-1]
    from careerblog.cli import main
    sys.argv = ["careerblog", *sys.argv[1:]]
    main()
""")

EXTRA_POSTS = {
    # Tags spelled two ways, unicode, equal dates: everything that could be ordered by accident.
    "2024-05-01-zeta.md": "---\ntitle: Zeta\ntags: [ML, Zürich, c++]\n---\nSame day.\n",
    "2024-05-01-alpha.md": "---\ntitle: Alpha\ntags: [ml, zurich, Python]\n---\nSame day.\n",
    "2024-05-01-mid.md": "---\ntitle: Mid\ndate: 2024-05-01T00:00:00+00:00\ntags: [python, Ops]\n---\nSame instant.\n",
}


def _copy_site(target: Path, reverse: bool) -> Path:
    """The demo site plus a few posts, copied file by file in one order or the other."""
    files: list[tuple[Path, Path]] = []
    for folder in ("content", "templates", "static"):
        source = REPO / folder
        if source.is_dir():
            files += [(p, target / p.relative_to(REPO)) for p in sorted(source.rglob("*")) if p.is_file()]
    for src, dst in (reversed(files) if reverse else files):
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    names = sorted(EXTRA_POSTS, reverse=reverse)
    for name in names:
        (target / "content" / "posts" / name).write_text(EXTRA_POSTS[name], encoding="utf-8")
    return target


def _build(site: Path, env_changes: dict[str, str], reversed_listings: bool) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ", "PYTHONHASHSEED"))}
    env.update({"SOURCE_DATE_EPOCH": "1767225600", **env_changes})
    command = [sys.executable, "-c", _REVERSED_LISTINGS] if reversed_listings else [sys.executable, "-m", "careerblog"]
    result = subprocess.run([*command, "build"], cwd=site, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return site / "_site"


def test_two_machines_build_the_same_bytes(tmp_path: Path) -> None:
    first = _build(_copy_site(tmp_path / "one" / "site", reverse=False),
                   {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
                   reversed_listings=False)
    second = _build(_copy_site(tmp_path / "another-machine" / "mysite", reverse=True),
                    {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LC_ALL": "POSIX", "LANG": "POSIX"},
                    reversed_listings=True)
    one, two = snapshot(first), snapshot(second)
    assert len(one) > 20
    assert sorted(one) == sorted(two), "the two builds wrote different files"
    differing = sorted(path for path in one if one[path] != two[path])
    assert differing == [], f"files that differ between the two machines: {differing}"


def test_a_rebuild_in_place_gives_the_same_bytes(tmp_path: Path) -> None:
    site = _copy_site(tmp_path / "site", reverse=False)
    before = snapshot(_build(site, {"PYTHONHASHSEED": "1"}, reversed_listings=False))
    after = snapshot(_build(site, {"PYTHONHASHSEED": "2", "TZ": "America/St_Johns"}, reversed_listings=True))
    assert before == after
