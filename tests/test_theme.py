"""The default theme, without a browser: colours that pass WCAG AA, pagination, overrides, project Markdown."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog.build import build
from careerblog.config import BuildOptions
from careerblog.markup import highlight_stylesheet
from careerblog.templating import THEME_DIR

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
AA = 4.5


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def palettes() -> dict[str, dict[str, str]]:
    css = (THEME_DIR / "static" / "css" / "site.css").read_text(encoding="utf-8")
    light_block = re.search(r":root \{(.*?)\}", css, re.S)
    dark_block = re.search(r"prefers-color-scheme: dark\) \{\s*:root \{(.*?)\}", css, re.S)
    assert light_block and dark_block
    light = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", light_block.group(1)))
    return {"light": light, "dark": {**light, **dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})",
                                                               dark_block.group(1)))}}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_colours_pass_aa_in_both_schemes(scheme: str) -> None:
    colours = palettes()[scheme]
    pairs = [(text, ground) for text in ("fg", "muted", "accent", "strong") for ground in ("bg", "surface", "chip")]
    pairs += [("fg", "mark"), ("accent-fg", "accent")]
    failing = {f"{t} on {g}": round(contrast(colours[t], colours[g]), 2) for t, g in pairs
               if contrast(colours[t], colours[g]) < AA}
    assert failing == {}


def highlight_blocks() -> dict[str, str]:
    css = highlight_stylesheet()
    light, _, dark = css.partition("@media (prefers-color-scheme: dark)")
    return {"light": light, "dark": dark}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_highlighting_passes_aa_in_both_schemes(scheme: str) -> None:
    block = highlight_blocks()[scheme]
    background = re.search(r"\.highlight \{ background: (#[0-9a-fA-F]{3,6})", block)
    assert background, block[:300]
    rules = re.findall(r"^\s*\.highlight (\.\w+) \{([^}]*)\}", block, re.M)
    assert len(rules) > 40
    failing = {}
    for selector, body in rules:
        colour = re.search(r"(?<!-)color: (#[0-9a-fA-F]{3,6})", body)
        if selector in {".w", ".hll"} or not colour:  # whitespace has no glyphs; .hll sets only a background
            continue
        own_ground = re.search(r"background-color: (#[0-9a-fA-F]{3,6})", body)
        ground = own_ground.group(1) if own_ground else background.group(1)
        if contrast(colour.group(1), ground) < AA:
            failing[selector] = (colour.group(1), ground, round(contrast(colour.group(1), ground), 2))
    assert failing == {}


def _posts(count: int) -> dict[str, str]:
    return {f"content/posts/2024-01-{day:02d}-post-{day}.md": f"---\ntitle: Post {day}\n---\nBody {day}.\n"
            for day in range(1, count + 1)}


def test_archive_pages_link_to_each_other(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/site.yml": 'title: T\nbase_url: "https://example.org/blog/"\npaginate: 2\n',
                          **_posts(5)})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    middle = (out / "posts/page/2/index.html").read_text(encoding="utf-8")
    assert '<a class="button" href="/blog/posts/" rel="prev">' in middle
    assert '<a class="button" href="/blog/posts/page/3/" rel="next">' in middle
    assert "Page 2 of 3" in middle
    first = (out / "posts/index.html").read_text(encoding="utf-8")
    assert 'rel="prev"' not in first and 'href="/blog/posts/page/2/" rel="next"' in first
    assert 'rel="next"' not in (out / "posts/page/3/index.html").read_text(encoding="utf-8")


def test_site_partial_and_static_file_override_the_theme(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {
        "templates/partials/footer.html": '<footer class="site-footer">My own footer</footer>\n',
        "static/favicon.svg": "<svg>mine</svg>\n",
        **_posts(1),
    })
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "My own footer" in home
    assert '<header class="site-header">' in home, "the theme's header partial is still used"
    assert (out / "favicon.svg").read_text(encoding="utf-8") == "<svg>mine</svg>\n"
    assert (out / "css/site.css").read_bytes() == (THEME_DIR / "static/css/site.css").read_bytes()


def test_project_description_is_markdown_with_html_shown_as_text(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {
        "content/site.yml": 'title: T\nbase_url: "https://example.org/blog/"\n',
        "content/data/projects.yml": (
            "- name: Pipeline\n"
            "  description: 'Uses **Airflow**. See [the post](/posts/post-1/). <script>alert(1)</script>'\n"
        ),
        **_posts(1),
    })
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    projects = (out / "projects/index.html").read_text(encoding="utf-8")
    assert "<strong>Airflow</strong>" in projects
    assert '<a href="/blog/posts/post-1/">the post</a>' in projects
    assert "<script>" not in projects and "&lt;script&gt;alert(1)&lt;/script&gt;" in projects


def test_code_blocks_and_tables_are_keyboard_scrollable(site_dir: Path, tmp_path: Path) -> None:
    body = "```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n|---|\n| 3 |\n"
    write_site(site_dir, {"content/posts/2024-01-01-code.md": f"---\ntitle: Code\n---\n{body}"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    post = (out / "posts/code/index.html").read_text(encoding="utf-8")
    assert '<div class="highlight"><pre tabindex="0">' in post
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Table 1"><table>' in post
    assert 'aria-label="Table 2"' in post
