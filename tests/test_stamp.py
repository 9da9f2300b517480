"""A build with nothing changed since the last one is skipped, and every kind of change undoes the skip."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sitefiles import write_site
from test_incremental import tree

from careerblog import build as build_module
from careerblog import stamp
from careerblog.build import BuildResult, build
from careerblog.config import BuildOptions
from careerblog.write import CACHE_DIR

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = 3600 * 10**9

FILES = {
    "content/site.yml": 'title: Test site\nbase_url: "https://example.org/"\nauthor: Tester\npaginate: 2\n',
    "content/posts/2024-01-01-one.md": "---\ntitle: One\ntags: [python]\n---\nSee [nowhere](/missing/).\n",
    "content/posts/2024-01-02-two.md": "---\ntitle: Two\ntags: [python, data]\n---\nText two.\n",
    "content/posts/2024-06-01-later.md": "---\ntitle: Later\n---\nDue in June.\n",
    "content/posts/2024-01-03-draft.md": "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout me.\n",
    "templates/partials/footer.html": "<footer>Footer</footer>\n",
    "static/notes.txt": "hello\n",
}
BEFORE_LATER = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)  # "Later" is held back as future


def age(root: Path, hours: int = 1, only_fresh: bool = False) -> None:
    """Date source files `hours` ago, well before the build, so that their readings are trusted: every
    file, or `only_fresh` the ones written in the last half hour (what a change just wrote)."""
    now = time.time_ns()
    for path in root.rglob("*"):
        source = path.is_file() and CACHE_DIR not in path.parts and "_site" not in path.parts
        if source and (not only_fresh or path.stat().st_mtime_ns > now - HOUR // 2):
            os.utime(path, ns=(now - hours * HOUR, now - hours * HOUR))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = write_site(tmp_path / "site", FILES)
    age(root)
    return root


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[BuildOptions]:
    """The options of every build that really rendered (rather than replaying the last report)."""
    seen: list[BuildOptions] = []
    real = build_module.render_site

    def counting(options: BuildOptions, *args: object, **kwargs: object) -> build_module.Rendered:
        seen.append(options)
        return real(options, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "render_site", counting)
    return seen


def options_for(root: Path, **changes: object) -> BuildOptions:
    return dataclasses.replace(BuildOptions(root=root, output=root.parent / "out", now=BEFORE_LATER, jobs=1),
                               **changes)  # type: ignore[arg-type]


def cold(options: BuildOptions) -> dict[str, bytes]:
    out = options.root.parent / "cold"
    shutil.rmtree(out, ignore_errors=True)
    build(dataclasses.replace(options, output=out, cache=False))
    return tree(out)


def stamps(folder: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_a_build_with_nothing_changed_is_skipped_and_repeats_its_report(site: Path,
                                                                      renders: list[BuildOptions]) -> None:
    options = options_for(site)
    first = build(options)
    assert not first.up_to_date and len(renders) == 1
    written = stamps(options.output)

    again = build(options)
    assert again.up_to_date and again.rendered is None
    assert len(renders) == 1  # nothing was rendered
    assert stamps(options.output) == written  # nor written
    assert again.report == first.report
    assert [w.message for w in again.warnings] == ["broken link to /missing/"]
    assert again.report.notes == ("content/posts/2024-06-01-later.md: skipped, dated in the future "
                                  "(2024-06-01T00:00:00+00:00); --future includes it",)
    assert again.report.skipped_drafts == ("content/posts/2024-01-03-draft.md",)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_record_holds_the_output_as_its_files_were_written_without_walking_it(
        jobs: int, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The readings of the output come from the writes, in whichever process wrote each file (jobs=2: a
    worker forked to render), and are exactly what walking the output reads."""
    from careerblog import parallel

    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    walked: list[Path] = []
    walk = stamp._walk

    def walking(folder: Path, prefix: str, into: stamp.Readings) -> None:
        walked.append(Path(folder))
        walk(folder, prefix, into)

    monkeypatch.setattr(stamp, "_walk", walking)
    options = options_for(site, jobs=jobs)
    build(options)
    assert options.output.resolve() not in walked
    record = json.loads((site / CACHE_DIR / stamp.RECORD).read_bytes())
    found: stamp.Readings = {}
    walk(options.output.resolve(), "", found)
    assert record["outputs"] == found
    assert {"index.html", "notes.txt", ".careerblog-manifest.json", "feed.xml"} <= set(found)


def _edit_same_size(root: Path) -> None:
    path = root / "content/posts/2024-01-02-two.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Text two.", "Text 2!!."), encoding="utf-8")


def _touch_only(root: Path) -> None:
    path = root / "content/posts/2024-01-02-two.md"
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - 10**9))


def _replace_by_rename(root: Path) -> None:  # as editors save: a new inode, the same size and time
    path = root / "content/pages/about.md"
    info = path.stat()
    new = path.with_name("about.md.tmp")
    new.write_bytes(path.read_bytes())
    os.utime(new, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(new, path)


# Changes to what the build reads. The files a change writes are dated in the past afterwards (every
# other file keeps its readings), so only the comparison of readings can notice it.
SOURCE_CHANGES: dict[str, Callable[[Path], None]] = {
    "edit a post, same size": _edit_same_size,
    "only the modification time": _touch_only,
    "replace a file by rename": _replace_by_rename,
    "add a post": lambda root: (root / "content/posts/2024-01-04-new.md").write_text("---\ntitle: New\n---\nNew.\n"),
    "delete a post": lambda root: (root / "content/posts/2024-01-02-two.md").unlink(),
    "change site.yml": lambda root: (root / "content/site.yml").write_text(
        'title: Renamed\nbase_url: "https://example.org/"\nauthor: Tester\npaginate: 2\n'),
    "change a template": lambda root: (root / "templates/partials/footer.html").write_text("<footer>New</footer>\n"),
    "delete a template": lambda root: (root / "templates/partials/footer.html").unlink(),
    "add a static file": lambda root: (root / "static/more.txt").write_text("more\n"),
    "change a data file": lambda root: (root / "content/data/profile.yml").write_text("name: Ada\n"),
}


@pytest.mark.parametrize("name", sorted(SOURCE_CHANGES))
def test_a_change_to_a_source_builds_again(name: str, site: Path, renders: list[BuildOptions]) -> None:
    options = options_for(site)
    build(options)
    (site / "content/data").mkdir(exist_ok=True)
    SOURCE_CHANGES[name](site)
    age(site, hours=2, only_fresh=True)  # the files it wrote too are old now: only their readings tell
    result = build(options)
    assert not result.up_to_date and len(renders) == 2
    assert tree(options.output) == cold(options)


# Changes to the options, to the output folder, and to the code and libraries the build runs.
def test_other_options_build_again(site: Path, renders: list[BuildOptions]) -> None:
    build(options_for(site))
    for changes in ({"base_url": "https://example.org/sub/"}, {"drafts": True}, {"future": True},
                    {"output": site.parent / "elsewhere"}):
        options = options_for(site, **changes)
        assert not build(options).up_to_date, changes
        assert tree(options.output) == cold(options), changes
        assert build(options).up_to_date, changes  # and the record now describes this build


@pytest.mark.parametrize("damage", ["edit", "delete", "add"])
def test_a_changed_output_folder_is_built_again(damage: str, site: Path, renders: list[BuildOptions]) -> None:
    options = options_for(site)
    build(options)
    page = options.output / "about/index.html"
    if damage == "edit":
        page.write_bytes(page.read_bytes().replace(b"About me.", b"Defaced!!"))
    elif damage == "delete":
        page.unlink()
    else:  # a file careerblog did not write: the full build refuses it, as it always did
        (options.output / "stray.txt").write_text("mine")
        with pytest.raises(Exception, match=r"did not write: stray\.txt"):
            build(options)
        return
    assert not build(options).up_to_date
    assert tree(options.output) == cold(options)


def test_a_post_coming_due_builds_again(site: Path, renders: list[BuildOptions]) -> None:
    options = options_for(site)
    build(options)
    assert build(dataclasses.replace(options, now=dt.datetime(2024, 5, 31, tzinfo=dt.UTC))).up_to_date
    due = dataclasses.replace(options, now=dt.datetime(2024, 6, 2, tzinfo=dt.UTC))
    result = build(due)
    assert not result.up_to_date and result.report.notes == ()
    assert "Later" in (options.output / "index.html").read_text(encoding="utf-8")
    # And back before the newest post shown ("Later" is shown now): built again, held back again.
    assert not build(options).up_to_date
    assert "Later" not in (options.output / "index.html").read_text(encoding="utf-8")


def test_a_new_library_or_careerblog_version_builds_again(site: Path, renders: list[BuildOptions],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    options = options_for(site)
    build(options)
    real = stamp._library_files
    monkeypatch.setattr(stamp, "_library_files", lambda: {**real(), "markdown": [1, 2, 3]})
    assert not build(options).up_to_date
    assert build(options).up_to_date
    monkeypatch.setattr(stamp, "__version__", "9.9.9")
    assert not build(options).up_to_date


def test_a_source_changed_just_before_the_last_build_is_not_trusted(site: Path, renders: list[BuildOptions]) -> None:
    options = options_for(site)
    (site / "content/pages/about.md").write_text("---\ntitle: About\n---\nJust written.\n")  # fresh, not aged
    build(options)
    assert not build(options).up_to_date  # its time may not tell a later write from this one
    age(site)
    assert not build(options).up_to_date
    assert build(options).up_to_date


@pytest.mark.parametrize("garbage", [b"", b"{", b"[]", b'{"key": 1}', b"\xff\xfe", None])
def test_a_damaged_record_is_ignored(garbage: bytes | None, site: Path, renders: list[BuildOptions]) -> None:
    options = options_for(site)
    build(options)
    record = site / CACHE_DIR / stamp.RECORD
    if garbage is None:  # well formed, every value of the wrong type
        data = json.loads(record.read_bytes())
        record.write_text(json.dumps({k: "x" for k in data} | {"key": data["key"], "inputs": data["inputs"]}))
    else:
        record.write_bytes(garbage)
    assert not build(options).up_to_date
    assert tree(options.output) == cold(options)
    assert build(options).up_to_date


def test_a_folder_reached_through_a_link_is_never_skipped(site: Path, renders: list[BuildOptions]) -> None:
    elsewhere = site.parent / "shared-posts"
    elsewhere.mkdir()
    (elsewhere / "2024-01-05-linked.md").write_text("---\ntitle: Linked\n---\nFrom elsewhere.\n")
    (site / "content/posts/shared").symlink_to(elsewhere)
    age(site)
    age(elsewhere)
    options = options_for(site)
    build(options)
    assert not build(options).up_to_date
    assert not (site / CACHE_DIR / stamp.RECORD).exists()


def test_without_the_cache_nothing_is_recorded(site: Path) -> None:
    options = options_for(site, cache=False)
    build(options)
    assert not build(options).up_to_date
    assert not (site / CACHE_DIR / stamp.RECORD).exists()


def test_the_command_says_the_site_is_up_to_date_and_repeats_warnings(site: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(BEFORE_LATER.timestamp()))}

    def run() -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "careerblog", "build", "-v"], cwd=site, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    first, second = run(), run()
    assert first.stdout.startswith("built ")
    assert second.stdout.startswith(f"{site / '_site'} is up to date: nothing changed since the last build")
    assert second.stderr == first.stderr  # the broken link warning, the future post and the draft, again
    assert "broken link to /missing/" in second.stderr and "skipped, draft" in second.stderr


def test_results_expose_the_report(site: Path) -> None:
    result: BuildResult = build(options_for(site))
    assert result.files == result.report.files > 0
    assert result.warnings == result.report.warnings


def test_a_build_with_nothing_to_do_loads_no_stage(site: Path) -> None:
    """Start-up is most of an up-to-date build: it must not import the stages or their libraries."""
    build(options_for(site))
    script = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from careerblog.build import build\n"
        "from careerblog.config import BuildOptions\n"
        f"root = Path({str(site)!r})\n"
        "result = build(BuildOptions(root=root, output=root.parent / 'out', jobs=1,\n"
        f"                            now=dt.datetime.fromisoformat({BEFORE_LATER.isoformat()!r})))\n"
        "assert result.up_to_date, 'built again'\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'markdown', 'pygments', 'plotly')\n"
        "                or m in ('careerblog.render', 'careerblog.markup', 'careerblog.posts', 'careerblog.site'))\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_cache_builds_everything_and_leaves_no_cache(site: Path) -> None:
    def run(*extra: str) -> str:
        done = subprocess.run([sys.executable, "-m", "careerblog", "build", *extra], cwd=site, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run("--no-cache").startswith("built ")
    assert not (site / CACHE_DIR).exists()
    assert run().startswith("built ")
    assert "is up to date" in run()
    assert run("--no-cache").startswith("built ")  # the record is there, and not read


def test_a_build_with_nothing_to_do_lists_the_output_folder_once(site: Path, renders: list[BuildOptions],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The record's comparison already reads every file of the output: a second listing to look for files
    careerblog did not write is left to a build that stages (test_a_changed_output_folder_is_built_again)."""
    from careerblog import write

    options = options_for(site)
    build(options)
    monkeypatch.setattr(write, "_files_in", lambda folder: pytest.fail(f"listed {folder} again"))
    assert build(options).up_to_date
    assert len(renders) == 1
