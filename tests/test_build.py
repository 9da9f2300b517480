"""End-to-end builds: the demo site and small sites from strings."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sitefiles import REPO, write_site

from careerblog.build import build, find_root
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_demo_site_builds_every_page_kind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(root=REPO, output=out, now=NOW))
    for page in ("index.html", "posts/index.html", "tags/index.html", "career/index.html",
                 "projects/index.html", "resume/index.html", "about/index.html", "404.html"):
        assert (out / page).is_file(), page
    posts = sorted((REPO / "content" / "posts").glob("*.md"))
    assert posts
    built_posts = [p for p in (out / "posts").iterdir() if p.is_dir() and p.name != "page"]
    assert len(built_posts) == len(posts)


def test_posts_only_site_has_no_career_pages(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nBody text.\n"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    assert (out / "posts/hello/index.html").is_file()
    assert not (out / "career").exists()
    assert not (out / "resume").exists()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("breakage", [
    {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\nsummary: Python: a guide\n---\n"},
    {"content/posts/2024-01-03-b.md": "---\ntitle: B\nlayout: nope\n---\n"},
    {"templates/post.html": "{{ undefined_thing }}"},
    {"content/data/career.yml": "- {position: P}\n"},
])
def test_a_failed_build_leaves_the_previous_output_byte_for_byte(site_dir: Path, tmp_path: Path,
                                                                 breakage: dict[str, str]) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nBody text.\n"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    before = tree(out)
    write_site(site_dir, breakage)
    with pytest.raises(BuildError):
        build(BuildOptions(root=site_dir, output=out, now=NOW))
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_a_build_touches_nothing_but_its_output(site_dir: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nBody text.\n",
                          "static/a.txt": "a", "templates/page.html": "{{ entry.content }}"})
    before = tree(site_dir)
    build(BuildOptions(root=site_dir, output=site_dir / "_site", now=NOW))
    after = tree(site_dir)
    # P4: the output and the cache of converted Markdown are the only places a build writes.
    assert {k: v for k, v in after.items() if not k.startswith(("_site/", ".careerblog-cache/"))} == before
    assert sorted(p.name for p in site_dir.iterdir()) == [".careerblog-cache", "_site", "content", "static",
                                                          "templates"]


def test_a_deleted_post_is_gone_from_the_next_build(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\ntags: [once]\n---\n",
                          "content/posts/2024-01-03-other.md": "---\ntitle: Other\n---\n"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    (site_dir / "content/posts/2024-01-02-hello.md").unlink()
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    assert not (out / "posts/hello").exists()
    assert not (out / "tags/once").exists()
    assert "Hello" not in (out / "index.html").read_text()


def test_find_root_walks_up_like_git(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/posts/deep/er/x.txt": ""})
    assert find_root(site_dir / "content/posts/deep/er") == site_dir.resolve()
    assert find_root(site_dir) == site_dir.resolve()
    assert find_root(tmp_path) is None


def test_the_benchmark_site_builds_with_no_edits(tmp_path: Path) -> None:
    generated = tmp_path / "bench"
    subprocess.run([sys.executable, str(REPO / "bench/gen_site.py"), "30", str(generated), "--layout", "careerblog"],
                   check=True, capture_output=True)
    result = build(BuildOptions(root=generated, output=generated / "_site", now=NOW))
    assert result.warnings == ()
    sources = sorted((generated / "content/posts").glob("*.md"))
    assert len(sources) == 30
    built = [p for p in (generated / "_site/posts").iterdir() if p.is_dir() and p.name != "page"]
    assert len(built) == 30
    assert (generated / "_site/posts/page/3/index.html").is_file()  # 30 posts, 10 a page
    assert len(list((generated / "_site/tags").iterdir())) > 10


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_code_block_pygments_never_finishes_stops_the_build_with_its_file_and_line(
        jobs: int, site_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MCSchemaLexer loops forever on an HTML comment: the build stops at the time limit, never hangs."""
    from careerblog import markup

    posts = {f"content/posts/2024-01-{day:02d}-p{day}.md": f"---\ntitle: P{day}\n---\nText {day}.\n"
             for day in range(1, 6)}
    write_site(site_dir, posts)
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW, jobs=jobs))
    before = tree(out)
    write_site(site_dir, {"content/posts/2024-02-01-stuck.md":
                          "---\ntitle: Stuck\n---\nIntro.\n\n```mcschema\n<!-- a comment -->\n```\n"})
    monkeypatch.setattr(markup, "CONVERT_SECONDS", 0.3)
    with pytest.raises(BuildError) as failed:
        build(BuildOptions(root=site_dir, output=out, now=NOW, jobs=jobs))
    (problem,) = failed.value.diagnostics
    assert (problem.path, problem.line) == ("content/posts/2024-02-01-stuck.md", 6)
    assert problem.message.startswith("highlighting this mcschema code block took more than 0.3 s and was stopped")
    assert "```text" in problem.hint
    assert tree(out) == before
