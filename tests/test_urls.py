"""urls: one slug rule, one place for page URLs and output paths, links under the base path."""

from __future__ import annotations

import pytest

from careerblog import urls


@pytest.mark.parametrize(("text", "slug"), [
    ("Hello, World!", "hello-world"), ("data engineering", "data-engineering"), ("Données", "donnees"),
    ("C++ & Rust", "c-rust"), ("  --Spaces--  ", "spaces"), ("ML", "ml"), ("v1.2", "v1-2"),
])
def test_slugify(text: str, slug: str) -> None:
    assert urls.slugify(text) == slug


def test_text_without_ascii_letters_gets_a_stable_hash_slug() -> None:
    slug = urls.slugify("日本語")
    assert slug.startswith("u-") and len(slug) == 12
    assert urls.slugify("日本語") == slug != urls.slugify("中文")
    assert urls.slugify("   ") == "untitled"


@pytest.mark.parametrize(("slug", "ok"), [
    ("my-post", True), ("v1.2", True), ("2024", True), ("../x", False), ("a..b", False), ("/abs", False),
    ("a\\b", False), ("Has Space", False), ("UPPER", False), ("-lead", False), ("", False),
])
def test_a_hand_given_slug_must_be_one_safe_segment(slug: str, ok: bool) -> None:
    assert urls.is_valid_slug(slug) is ok


def test_page_urls_are_pretty() -> None:
    assert (urls.home_url(), urls.post_url("a"), urls.archive_url(1), urls.archive_url(3)) == (
        "", "posts/a/", "posts/", "posts/page/3/")
    assert (urls.tags_url(), urls.tag_url("ml"), urls.page_url("talks/x")) == ("tags/", "tags/ml/", "talks/x/")


@pytest.mark.parametrize(("url", "path"), [
    ("", "index.html"), ("posts/a/", "posts/a/index.html"), ("404.html", "404.html"), ("feed.xml", "feed.xml")])
def test_output_paths(url: str, path: str) -> None:
    assert urls.output_path(url) == path


@pytest.mark.parametrize(("relative", "inside"), [
    ("a/b.html", True), ("a/../b.html", True), ("../x", False), ("a/../../x", False), ("/etc/passwd", False),
    ("a\\b", False), ("", False), ("a\x00b", False), ("..", False),
])
def test_is_within(relative: str, inside: bool) -> None:
    assert urls.is_within(relative) is inside


@pytest.mark.parametrize(("url", "base", "expected"), [
    ("posts/a/", "/", "/posts/a/"), ("/posts/a/", "/repo/", "/repo/posts/a/"), ("", "/repo/", "/repo/"),
    ("/", "/repo/", "/repo/"), ("https://x.y/z", "/repo/", "https://x.y/z"), ("//cdn.x/y", "/repo/", "//cdn.x/y"),
    ("#top", "/repo/", "#top"), ("mailto:a@b.c", "/repo/", "mailto:a@b.c"),
    ("tags/données/", "/", "/tags/donn%C3%A9es/"), ("/a b/?q=1#f", "/", "/a%20b/?q=1#f"),
])
def test_link_applies_the_base_path(url: str, base: str, expected: str) -> None:
    assert urls.link(url, base) == expected


def test_absolute_urls_for_feeds_and_canonical_links() -> None:
    assert urls.absolute("posts/a/", "https://user.github.io/repo/", "/repo/") == (
        "https://user.github.io/repo/posts/a/")
    assert urls.absolute("https://x.y/", "https://user.github.io/repo/", "/repo/") == "https://x.y/"
    assert urls.absolute("posts/a/", "/repo/", "/repo/") == "/repo/posts/a/"
