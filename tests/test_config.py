"""config: content/site.yml read into SiteConfig, every problem reported; "now" from SOURCE_DATE_EPOCH."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sitefiles import REPO, write_site

from careerblog.config import NavItem, SiteConfig, current_time, load_config, normalize_base_url
from careerblog.diagnostics import BuildError, Diagnostics


def load(site_dir: Path, text: str, base_url: str | None = None) -> tuple[SiteConfig, list[str]]:
    write_site(site_dir, {"content/site.yml": text})
    diags = Diagnostics()
    config = load_config(site_dir, diags, base_url)
    return config, [d.format() for d in diags.items]


def test_the_benchmark_generators_keys_are_enough(site_dir: Path) -> None:
    config, problems = load(site_dir, 'title: "Bench Blog"\nbase_url: "https://example.org/"\nauthor: "A"\n')
    assert problems == []
    assert (config.title, config.base_url, config.author, config.nav) == ("Bench Blog", "https://example.org/",
                                                                          "A", None)


def test_base_url_gets_its_slash_and_gives_the_sub_path(site_dir: Path) -> None:
    config, _ = load(site_dir, "title: T\nbase_url: https://user.github.io/repo\n")
    assert (config.base_url, config.base_path, config.origin) == ("https://user.github.io/repo/", "/repo/",
                                                                  "https://user.github.io")


def test_base_url_override_wins_and_makes_base_url_optional(site_dir: Path) -> None:
    config, problems = load(site_dir, "title: T\n", base_url="https://user.github.io/repo/")
    assert problems == []
    assert config.base_path == "/repo/"


@pytest.mark.parametrize(("value", "expected"), [
    ("https://a.b", "https://a.b/"), ("/sub", "/sub/"), ("ftp://a.b/", None), ("a.b/x", None),
    ("https://a.b/?q=1", None), ("https:///x", None),
])
def test_normalize_base_url(value: str, expected: str | None) -> None:
    assert normalize_base_url(value) == expected


def test_nav_is_a_list_of_title_and_url(site_dir: Path) -> None:
    config, problems = load(site_dir, "title: T\nbase_url: /\nnav:\n  - {title: Posts, url: /posts/}\n"
                                      "  - {title: GitHub, url: 'https://github.com/x'}\n")
    assert problems == []
    assert config.nav == (NavItem("Posts", "/posts/"), NavItem("GitHub", "https://github.com/x"))


def test_every_problem_of_site_yml_is_reported_together(site_dir: Path) -> None:
    _, problems = load(site_dir, "author: A\nbase_url: ftp://x/\ntimezone: Mars/Base\npaginate: 0\n"
                                 "nav:\n  - {title: A}\n  - just text\n  - {title: J, url: 'javascript:x'}\n"
                                 "descripton: typo\n")
    assert problems == [
        "content/site.yml:1: error: site.yml is missing required field 'title'\n  hint: add 'title'",
        "content/site.yml:2:1: error: base_url must be an absolute http(s) URL or a path, found 'ftp://x/'\n"
        "  hint: for a GitHub Pages project site: https://USER.github.io/REPO/",
        "content/site.yml:3:1: error: unknown time zone 'Mars/Base'\n"
        "  hint: use an IANA name such as UTC or Europe/Berlin",
        "content/site.yml:4:1: error: 'paginate' must be at least 1, found 0",
        "content/site.yml:6: error: nav item 1 is missing required field 'url'\n  hint: add 'url'",
        "content/site.yml:7: error: nav item 2 must be a mapping with title and url\n"
        "  hint: - {title: Posts, url: /posts/}",
        "content/site.yml:8:16: error: 'url' has a URL scheme that is not allowed: 'javascript:x'\n"
        "  hint: use an http://, https:// or mailto: address, or a path such as /about/",
        "content/site.yml:9:1: warning: unknown key 'descripton' in site.yml; did you mean 'description'?\n"
        "  hint: rename it to 'description', or remove it",
    ]


def test_unknown_keys_are_kept_for_templates(site_dir: Path) -> None:
    config, problems = load(site_dir, "title: T\nbase_url: /\ntwitter_handle: '@ada'\n")
    assert problems == []
    assert config.extra["twitter_handle"] == "@ada"


def test_site_yml_that_is_a_list_is_refused(site_dir: Path) -> None:
    with pytest.raises(BuildError) as info:
        load(site_dir, "- title: T\n")
    assert [d.format() for d in info.value.diagnostics] == [
        "content/site.yml:1: error: site.yml must be a mapping of settings\n  hint: write keys such as title: My site"
    ]


def test_a_missing_site_yml_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=re.escape("content/site.yml: error: site settings file not found")):
        load_config(tmp_path, Diagnostics())


def test_site_yml_with_bytes_that_are_not_utf8(site_dir: Path) -> None:
    write_site(site_dir, {})
    (site_dir / "content/site.yml").write_bytes(b"title: T\nbase_url: /\nauthor: \xe9\n")
    with pytest.raises(BuildError, match=re.escape("content/site.yml:3: error: file is not valid UTF-8")):
        load_config(site_dir, Diagnostics())


def test_now_is_source_date_epoch_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert current_time() == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)


def test_a_bad_source_date_epoch_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(BuildError, match=re.escape("SOURCE_DATE_EPOCH is not a number of seconds: 'yesterday'")):
        current_time()


def test_now_is_the_clock_without_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert current_time().year >= 2025
    assert current_time().tzinfo is dt.UTC


def test_the_readme_site_yml_example_loads_without_a_problem(site_dir: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Writing content\n", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    config, problems = load(site_dir, example)
    assert problems == []
    assert (config.timezone, config.paginate, config.home_posts, config.feed_limit) == ("Europe/Berlin", 10, 5, 20)
    assert config.nav is not None and len(config.nav) == 2
