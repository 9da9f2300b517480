"""templating: the Jinja2 environment, its filters, and site templates before the theme's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import pytest
from sitefiles import write_site

from careerblog.config import SiteConfig
from careerblog.fields import PartialDate
from careerblog.templating import format_date, make_environment

CONFIG = SiteConfig(title="T", base_url="https://user.github.io/repo/", timezone="Europe/Berlin")


def render(site_dir: Path, source: str, **context: object) -> str:
    site_dir.mkdir(parents=True, exist_ok=True)
    return make_environment(site_dir, CONFIG).from_string(source).render(context)


def test_url_and_absolute_url_filters(site_dir: Path) -> None:
    links = "{{ '/about/' | url }} {{ 'posts/a/' | url }} {{ '' | url }} {{ 'https://x.y/' | url }}"
    assert render(site_dir, links) == "/repo/about/ /repo/posts/a/ /repo/ https://x.y/"
    assert render(site_dir, "{{ 'posts/a/' | absolute_url }}") == "https://user.github.io/repo/posts/a/"


def test_date_filters_use_the_site_zone_and_english_names(site_dir: Path) -> None:
    late = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.UTC)  # already 1 March in Berlin
    assert render(site_dir, "{{ d | date }}|{{ d | date('%b %Y') }}|{{ d | isodate }}", d=late) == (
        "1 March 2024|Mar 2024|2024-02-29T23:30:00Z")
    assert format_date(dt.date(2024, 3, 5), "%-d %B %Y", dt.UTC) == "5 March 2024"


def test_partial_date_and_slugify_filters(site_dir: Path) -> None:
    assert render(site_dir, "{{ a | partial_date }}, {{ b | partial_date }}, {{ none | partial_date }}",
                  a=PartialDate(2019, 6), b=PartialDate(2020)) == "Jun 2019, 2020, Present"
    assert render(site_dir, "{{ 'Données & ML' | slugify }}") == "donnees-ml"


def test_autoescape_and_strict_undefined(site_dir: Path) -> None:
    assert render(site_dir, "{{ t }}", t="<script>") == "&lt;script&gt;"
    with pytest.raises(jinja2.UndefinedError, match="'nothing' is undefined"):
        render(site_dir, "{{ nothing }}")


def test_site_templates_come_before_the_themes(site_dir: Path) -> None:
    write_site(site_dir, {"templates/404.html": "mine"})
    env = make_environment(site_dir, CONFIG)
    assert env.get_template("404.html").render() == "mine"
    assert "{% extends" in (env.loader.get_source(env, "post.html")[0])  # type: ignore[union-attr]


def test_the_date_filters_work_out_each_value_once_and_keep_their_own_errors(site_dir: Path) -> None:
    """Dates are cached by value; a value that cannot be cached (a list from front matter) still gets the
    filter's own error, which the page's message names, not "unhashable type"."""
    moment = dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC)
    twice = "{{ d | date }}|{{ d | date }}|{{ d | isodate }}"
    assert render(site_dir, twice, d=moment) == "5 March 2024|5 March 2024|2024-03-05T12:00:00Z"
    with pytest.raises(AttributeError, match="month"):
        render(site_dir, "{{ d | date }}", d=["2024"])
