"""Incremental and warm builds give exactly the bytes of a cold build, and rewrite only what changed."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog import parallel
from careerblog.build import build
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError
from careerblog.incremental import IncrementalBuilder

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _post(title: str, date: str, tags: str, body: str = "") -> str:
    return (f"---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\n---\n"
            f"First paragraph of {title}.\n\n## A heading\n\n{body or 'More text.'}\n\n"
            "```python\nprint('hello')\n```\n\n## Another\n\nThe end.\n")


FILES = {
    "content/site.yml": 'title: Test site\nbase_url: "https://example.org/blog/"\nauthor: Tester\npaginate: 2\n',
    "content/posts/2024-01-01-one.md": _post("One", "2024-01-01", "python, data"),
    "content/posts/2024-01-02-two.md": _post("Two", "2024-01-02", "python"),
    "content/posts/2024-01-03-three.md": _post("Three", "2024-01-03", "data, career"),
    "content/posts/2024-01-04-four.md": _post("Four", "2024-01-04", "career"),
    "content/posts/2024-01-05-five.md": _post("Five", "2024-01-05", "python, career", "See [one](/posts/one/)."),
    "content/pages/about.md": "---\ntitle: About\n---\nAbout me.\n",
    "content/data/profile.yml": "name: Ada Example\nlabel: Engineer\nsummary: Builds things.\n",
    "static/robots-extra.txt": "hello\n",
}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (empty folders show as entries too, with None-like bytes)."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file():
            found[relative] = path.read_bytes()
        elif path.is_dir() and not any(path.iterdir()):
            found[relative + "/"] = b""
    return found


def cold(root: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / "cold"
    shutil.rmtree(out, ignore_errors=True)
    build(BuildOptions(root=root, output=out, now=NOW, cache=False, jobs=1))
    return tree(out)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# Each change: what it does to the site, and the paths it reports to the builder.
CHANGES: dict[str, Callable[[Path], list[Path]]] = {}


def change(name: str) -> Callable[[Callable[[Path], list[Path]]], Callable[[Path], list[Path]]]:
    def register(func: Callable[[Path], list[Path]]) -> Callable[[Path], list[Path]]:
        CHANGES[name] = func
        return func
    return register


@change("edit a post's body")
def _edit_body(root: Path) -> list[Path]:
    path = root / "content/posts/2024-01-03-three.md"
    _edit(path, "The end.", "The end, rewritten.")
    return [path]


@change("edit a post's summary paragraph")
def _edit_summary(root: Path) -> list[Path]:
    path = root / "content/posts/2024-01-03-three.md"
    _edit(path, "First paragraph of Three.", "A new opening for Three.")
    return [path]


@change("add a post")
def _add(root: Path) -> list[Path]:
    path = root / "content/posts/2024-01-06-six.md"
    path.write_text(_post("Six", "2024-01-06", "ml, python"), encoding="utf-8")
    return [path]


@change("delete a post")
def _delete(root: Path) -> list[Path]:
    path = root / "content/posts/2024-01-02-two.md"
    path.unlink()
    return [path]


@change("rename a post")
def _rename(root: Path) -> list[Path]:
    old = root / "content/posts/2024-01-04-four.md"
    new = root / "content/posts/2024-01-04-four-renamed.md"
    old.rename(new)
    return [old, new]


@change("change a post's tag")
def _retag(root: Path) -> list[Path]:
    path = root / "content/posts/2024-01-04-four.md"
    _edit(path, "tags: [career]", "tags: [leadership]")
    return [path]


@change("change a post's date (its neighbours move)")
def _redate(root: Path) -> list[Path]:
    path = root / "content/posts/2024-01-01-one.md"
    _edit(path, "date: 2024-01-01", "date: 2024-01-04T12:00:00")
    return [path]


@change("change a data file")
def _data(root: Path) -> list[Path]:
    path = root / "content/data/profile.yml"
    _edit(path, "label: Engineer", "label: Staff Engineer")
    return [path]


@change("add a template override")
def _template(root: Path) -> list[Path]:
    path = root / "templates/tag.html"
    path.parent.mkdir(exist_ok=True)
    path.write_text('{% extends "base.html" %}{% block main %}<h1>{{ tag.name }}</h1>'
                    '{% for p in posts %}<p>{{ p.title }}</p>{% endfor %}{% endblock %}\n', encoding="utf-8")
    return [path]


@change("change site.yml")
def _settings(root: Path) -> list[Path]:
    path = root / "content/site.yml"
    _edit(path, "title: Test site", "title: Renamed site")
    return [path]


@change("change a static file")
def _static(root: Path) -> list[Path]:
    path = root / "static/robots-extra.txt"
    path.write_text("changed\n", encoding="utf-8")
    return [path]


@change("edit a standalone page")
def _page(root: Path) -> list[Path]:
    path = root / "content/pages/about.md"
    _edit(path, "About me.", "About me, again.")
    return [path]


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_incremental_rebuild_matches_a_cold_build_and_writes_only_changed_files(
        name: str, site_dir: Path, tmp_path: Path) -> None:
    root = write_site(site_dir, FILES)
    out = tmp_path / "served"
    builder = IncrementalBuilder(BuildOptions(root=root, output=out, now=NOW, jobs=1))
    builder.rebuild()
    assert tree(out) == cold(root, tmp_path)
    before = tree(out)

    changed = CHANGES[name](root)
    result = builder.rebuild(changed)

    after = tree(out)
    assert after == cold(root, tmp_path)
    differing = {p for p in after if before.get(p) != after[p] and not p.endswith("/")}
    differing.discard(".careerblog-manifest.json")
    assert set(result.written) == differing
    assert set(result.removed) == {p for p in before if p not in after and not p.endswith("/")} - {
        ".careerblog-manifest.json"}


def test_an_edit_rerenders_only_the_pages_that_show_the_post(site_dir: Path, tmp_path: Path) -> None:
    root = write_site(site_dir, FILES)
    builder = IncrementalBuilder(BuildOptions(root=root, output=tmp_path / "served", now=NOW, jobs=1))
    first = builder.rebuild()
    path = root / "content/posts/2024-01-03-three.md"
    _edit(path, "title: Three", "title: Three, retitled")
    result = builder.rebuild([path])
    # Three's page, its two neighbours (they link it by title), the archive and tag pages listing it, home,
    # the 404 page (it suggests recent posts) and the feed.
    assert set(result.written) == {
        "posts/three/index.html", "posts/two/index.html", "posts/four/index.html", "posts/page/2/index.html",
        "tags/data/index.html", "tags/career/page/2/index.html", "index.html", "404.html", "feed.xml",
    }
    assert result.rendered_pages < first.rendered_pages / 2


def test_a_series_of_changes_stays_identical_to_cold_builds(site_dir: Path, tmp_path: Path) -> None:
    root = write_site(site_dir, FILES)
    out = tmp_path / "served"
    builder = IncrementalBuilder(BuildOptions(root=root, output=out, now=NOW, jobs=1))
    builder.rebuild()
    for name in sorted(CHANGES):
        builder.rebuild(CHANGES[name](root))
        assert tree(out) == cold(root, tmp_path), name


def test_a_failed_rebuild_keeps_the_last_good_site_and_recovers(site_dir: Path, tmp_path: Path) -> None:
    root = write_site(site_dir, FILES)
    out = tmp_path / "served"
    builder = IncrementalBuilder(BuildOptions(root=root, output=out, now=NOW, jobs=1))
    builder.rebuild()
    good = tree(out)
    path = root / "content/posts/2024-01-02-two.md"
    original = path.read_text(encoding="utf-8")
    path.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        builder.rebuild([path])
    assert "content/posts/2024-01-02-two.md" in str(failure.value)
    assert tree(out) == good
    path.write_text(original.replace("More text.", "Fixed text."), encoding="utf-8")
    builder.rebuild([path])
    assert tree(out) == cold(root, tmp_path)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_warm_build_matches_a_cold_build(name: str, site_dir: Path, tmp_path: Path) -> None:
    root = write_site(site_dir, FILES)
    out = tmp_path / "out"
    options = BuildOptions(root=root, output=out, now=NOW, jobs=1)
    build(options)
    CHANGES[name](root)
    build(options)
    assert tree(out) == cold(root, tmp_path)


def test_warm_build_with_nothing_changed_writes_nothing(site_dir: Path, tmp_path: Path) -> None:
    root = write_site(site_dir, FILES)
    out = tmp_path / "out"
    options = BuildOptions(root=root, output=out, now=NOW, jobs=1)
    build(options)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    inodes = {p: p.stat().st_ino for p in out.rglob("*")}
    build(options)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps
    assert {p: p.stat().st_ino for p in out.rglob("*")} == inodes


def test_parallel_build_gives_the_same_bytes(site_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    root = write_site(site_dir, FILES)
    build(BuildOptions(root=root, output=tmp_path / "two", now=NOW, cache=False, jobs=2))
    assert tree(tmp_path / "two") == cold(root, tmp_path)


def test_serve_rebuilder_reports_changes_and_errors_and_matches_a_cold_build(site_dir: Path, tmp_path: Path) -> None:
    from careerblog.incremental import IncrementalRebuild

    root = write_site(site_dir, FILES)
    folder = tmp_path / "served"
    folder.mkdir()  # serve hands over an empty temporary folder
    rebuild = IncrementalRebuild(BuildOptions(root=root, output=folder, now=NOW, jobs=1), clock=lambda: NOW)
    first = rebuild(frozenset())
    assert first.ok and "posts/one/index.html" in first.written and first.base_path == "/blog/"
    good = tree(folder)

    path = root / "content/posts/2024-01-02-two.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("date: 2024-01-02", "date: soon"), encoding="utf-8")
    failed = rebuild(frozenset({path}))
    assert not failed.ok
    assert [d.format().splitlines()[0] for d in failed.errors] == [
        "content/posts/2024-01-02-two.md:3:1: error: 'date' is not a valid date: 'soon'"]
    assert tree(folder) == good

    path.write_text(original.replace("More text.", "Other text."), encoding="utf-8")
    edited = rebuild(frozenset({path}))
    assert edited.ok and edited.written == ("feed.xml", "posts/two/index.html")  # the feed has full content
    assert tree(folder) == cold(root, tmp_path)
    assert rebuild(frozenset()).changed_output is False  # a full rebuild of the same sources changes nothing
