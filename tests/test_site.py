"""site: what is published (drafts, future), in what order, tags, static files and URL collisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sitefiles import write_site

from careerblog.config import load_config
from careerblog.diagnostics import Diagnostics
from careerblog.posts import load_posts
from careerblog.profile import load_profile
from careerblog.site import Site, assemble_site
from careerblog.templating import THEME_DIR

NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def assemble(site_dir: Path, files: dict[str, str], *, drafts: bool = False, future: bool = False,
             now: dt.datetime = NOW) -> tuple[Site, list[str]]:
    write_site(site_dir, files)
    diags = Diagnostics()
    config = load_config(site_dir, diags)
    posts, pages = load_posts(site_dir, config.tzinfo, diags)
    profile = load_profile(site_dir, diags)
    site = assemble_site(config, posts, pages, profile, (THEME_DIR / "static", site_dir / "static"),
                         now=now, drafts=drafts, future=future, diags=diags)
    return site, [d.format() for d in diags.items]


def post(title: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\nBody of {title}.\n"


P = "content/posts/"


def test_posts_are_newest_first_with_neighbours(site_dir: Path) -> None:
    site, msgs = assemble(site_dir, {P + "2024-01-01-a.md": post("A"), P + "2024-03-01-c.md": post("C"),
                                     P + "2024-02-01-b.md": post("B")})
    assert msgs == []
    assert [p.slug for p in site.posts] == ["c", "b", "a"]
    older, newer = site.neighbours["content/posts/2024-02-01-b.md"]
    assert (older and older.slug, newer and newer.slug) == ("a", "c")
    assert site.neighbours["content/posts/2024-03-01-c.md"][1] is None


def test_posts_on_the_same_day_have_one_stable_order(site_dir: Path) -> None:
    site, _ = assemble(site_dir, {P + "2024-01-01-b.md": post("B"), P + "2024-01-01-a.md": post("A"),
                                  P + "z.md": post("Z", "date: 2024-01-01T00:00:00Z\n")})
    assert [p.slug for p in site.posts] == ["a", "b", "z"]


def test_drafts_are_left_out_unless_asked_for(site_dir: Path) -> None:
    files = {P + "2024-01-01-a.md": post("A", "draft: true\n"), "content/pages/wip.md": post("W", "draft: true\n"),
             P + "2024-01-02-b.md": post("B")}
    site, _ = assemble(site_dir, files)
    assert [p.slug for p in site.posts] == ["b"]
    assert [d.source for d in site.skipped_drafts] == ["content/posts/2024-01-01-a.md", "content/pages/wip.md"]
    site, _ = assemble(site_dir, files, drafts=True)
    assert ([p.slug for p in site.posts], [p.slug for p in site.pages], site.skipped_drafts) == (["b", "a"],
                                                                                                ["wip"], ())


def test_future_posts_are_skipped_unless_asked_for(site_dir: Path) -> None:
    files = {P + "2025-06-02-tomorrow.md": post("T"), P + "now.md": post("N", "date: 2025-06-01T12:00:00Z\n")}
    site, _ = assemble(site_dir, files)
    assert [p.slug for p in site.posts] == ["now"]
    assert [p.slug for p in site.skipped_future] == ["tomorrow"]
    site, _ = assemble(site_dir, files, future=True)
    assert [p.slug for p in site.posts] == ["tomorrow", "now"]
    site, _ = assemble(site_dir, files, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert site.skipped_future == ()


def test_tags_group_spellings_and_keep_unicode_and_spaces(site_dir: Path) -> None:
    site, _ = assemble(site_dir, {P + "2024-01-01-a.md": post("A", "tags: [ML, data engineering, Données]\n"),
                                  P + "2024-01-02-b.md": post("B", "tags: [ml, ml]\n")})
    assert [(t.name, t.slug, [p.slug for p in t.posts]) for t in site.tags] == [
        ("data engineering", "data-engineering", ["a"]), ("Données", "donnees", ["a"]), ("ML", "ml", ["b", "a"])]
    assert [t.url for t in site.post_tags["content/posts/2024-01-02-b.md"]] == ["tags/ml/"]


def test_two_posts_with_one_url_name_both_sources(site_dir: Path) -> None:
    _, msgs = assemble(site_dir, {P + "2024-01-01-a.md": post("A", "slug: same\n"),
                                  P + "2024-01-02-b.md": post("B", "slug: same\n")})
    # At the line of the slug that makes the clash (line 3: after "---" and the title).
    assert msgs == ["content/posts/2024-01-01-a.md:3:1: error: URL /posts/same/ is also written by "
                    "content/posts/2024-01-02-b.md\n  hint: give one of them another slug (front matter slug: ...)"]


def test_a_page_cannot_take_a_built_in_url(site_dir: Path) -> None:
    _, msgs = assemble(site_dir, {"content/pages/tags.md": post("Tags"),
                                  "content/pages/posts/page/2.md": post("Two"),
                                  P + "2024-01-01-a.md": post("A"), P + "2024-01-02-b.md": post("B"),
                                  "content/site.yml": "title: T\nbase_url: /\npaginate: 1\n"})
    assert msgs == [
        "content/pages/posts/page/2.md:1: error: URL /posts/page/2/ is also written by page 2 of the post archive\n"
        "  hint: give one of them another slug (front matter slug: ...)",
        "content/pages/tags.md:1: error: URL /tags/ is also written by the tag index\n"
        "  hint: give one of them another slug (front matter slug: ...)",
    ]


def test_a_page_whose_slug_takes_a_tag_url_is_named_at_its_slug(site_dir: Path) -> None:
    _, msgs = assemble(site_dir, {"content/pages/tags/snake.md": post("Python", "draft: false\nslug: python\n"),
                                  P + "2024-01-01-a.md": post("A", "tags: [Python]\n")})
    assert msgs == ["content/pages/tags/snake.md:4:1: error: URL /tags/python/ is also written by the page of tag "
                    "'Python'\n  hint: give the page another slug (front matter slug: ...)"]


def test_a_page_and_a_tag_page_cannot_share_a_url(site_dir: Path) -> None:
    _, msgs = assemble(site_dir, {"content/pages/tags/python.md": post("Python"),
                                  P + "2024-01-01-a.md": post("A", "tags: [Python]\n")})
    assert msgs == ["content/pages/tags/python.md:1: error: URL /tags/python/ is also written by the page of tag "
                    "'Python'\n  hint: give the page another slug (front matter slug: ...)"]


def test_career_pages_exist_only_with_their_data(site_dir: Path) -> None:
    site, _ = assemble(site_dir, {})
    assert (site.has_career, site.has_projects, site.has_resume) == (False, False, False)
    site, _ = assemble(site_dir, {"content/data/projects.yml": "- name: P\n"})
    assert (site.has_career, site.has_projects, site.has_resume) == (False, True, False)
    site, _ = assemble(site_dir, {"content/data/profile.yml": "name: N\n"})
    assert (site.has_career, site.has_resume) == (False, True)
    site, _ = assemble(site_dir, {"content/data/career.yml": "- {position: P, organization: O, start_date: 2020}\n"})
    assert (site.has_career, site.has_resume) == (True, True)


def test_a_site_static_file_wins_over_the_themes(site_dir: Path) -> None:
    site, _ = assemble(site_dir, {"static/favicon.svg": "<svg/>", "static/img/a.png": "png",
                                  "static/.DS_Store": "x", "static/notes.txt~": "x"})
    by_path = {s.path: s.source for s in site.static_files}
    assert by_path["favicon.svg"] == site_dir / "static/favicon.svg"
    assert by_path["css/site.css"] == THEME_DIR / "static/css/site.css"
    assert "img/a.png" in by_path
    assert ".DS_Store" not in by_path and "notes.txt~" not in by_path
    assert [s.path for s in site.static_files] == sorted(by_path)


def test_a_static_file_cannot_overwrite_a_page(site_dir: Path) -> None:
    _, msgs = assemble(site_dir, {"static/about/index.html": "<p>static</p>", "content/pages/about.md": post("About")})
    assert msgs == ["static/about/index.html: error: static file about/index.html "
                    "would overwrite content/pages/about.md\n  hint: rename or remove the static file"]
