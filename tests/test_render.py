"""render: every page kind from one table, the template context, layouts, shortcodes, template errors."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog.build import Rendered, render_site
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError
from careerblog.render import KINDS, PAGE_KINDS

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
P = "content/posts/"
POST = P + "2024-01-01-a.md"
CAREER = {
    "content/data/profile.yml": "name: Ada\nlabel: Engineer\n",
    "content/data/career.yml": (
        "- {position: Data Engineer, organization: Acme, start_date: 2018-01, end_date: 2021-06}\n"
        "- {position: ML Engineer, organization: Beta, start_date: 2021-07}\n"),
    "content/data/projects.yml": "- {name: Pipeline, summary: Fast, featured: true}\n- {name: Hidden, summary: Slow}\n",
    "content/data/skills.yml": "technologies:\n  - {name: Spark, category: Data, adopted: 2018-03}\n"
                               "  - {name: Hadoop, category: Data, adopted: 2018-01, retired: 2020-06}\n",
}


def render(site_dir: Path, files: dict[str, str], **options: object) -> Rendered:
    write_site(site_dir, files)
    return render_site(BuildOptions(root=site_dir, output=site_dir.parent / "out", now=NOW, **options))  # type: ignore[arg-type]


def pages(rendered: Rendered) -> dict[str, str]:
    return {o.path: o.content.decode("utf-8") for o in rendered.outputs if o.path.endswith(".html")}


def errors(site_dir: Path, files: dict[str, str]) -> list[str]:
    with pytest.raises(BuildError) as info:
        render(site_dir, files)
    return [d.format() for d in info.value.diagnostics]


def post(title: str, body: str = "Body.\n", extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\n{body}"


def test_one_table_lists_every_html_page_kind() -> None:
    assert [(k.name, k.template, k.pattern) for k in PAGE_KINDS] == [
        ("home", "home.html", "/"), ("archive", "archive.html", "/posts/ and /posts/page/N/"),
        ("post", "post.html", "/posts/<slug>/"), ("tags", "tags.html", "/tags/"),
        ("tag", "tag.html", "/tags/<tag>/ and /tags/<tag>/page/N/"),
        ("career", "career.html", "/career/"), ("projects", "projects.html", "/projects/"),
        ("resume", "resume.html", "/resume/"), ("page", "page.html", "/<page>/"), ("404", "404.html", "/404.html"),
    ]
    assert set(KINDS) == {k.name for k in PAGE_KINDS}


def test_a_site_with_every_kind_renders_every_kind(site_dir: Path) -> None:
    rendered = render(site_dir, {**CAREER, POST: post("A", extra="tags: [x]\n"),
                                 "content/pages/about.md": post("About")})
    assert sorted(pages(rendered)) == [
        "404.html", "about/index.html", "career/index.html", "index.html", "posts/a/index.html", "posts/index.html",
        "projects/index.html", "resume/index.html", "tags/index.html", "tags/x/index.html"]
    assert any(o.path == "css/highlight.css" for o in rendered.outputs)


def test_only_pages_that_show_code_link_the_code_stylesheet(site_dir: Path) -> None:
    code = "Before.\n\n```python\nprint('hi')\n```\n"
    html = pages(render(site_dir, {POST: post("Code", code), P + "2024-01-02-b.md": post("Prose"),
                                   "content/pages/about.md": post("About", code)}))
    linked = sorted(path for path, text in html.items() if 'href="/css/highlight.css"' in text)
    assert linked == ["about/index.html", "posts/a/index.html"]  # not the home page, lists, or the prose post


def test_posts_only_site_has_no_career_projects_or_resume(site_dir: Path) -> None:
    html = pages(render(site_dir, {POST: post("A")}))
    assert not {"career/index.html", "projects/index.html", "resume/index.html"} & set(html)
    assert '<a href="/posts/">Posts</a>' in html["index.html"]
    assert "/career/" not in html["index.html"]


def test_default_nav_is_the_sections_and_pages_that_exist(site_dir: Path) -> None:
    html = pages(render(site_dir, {**CAREER, POST: post("A"), "content/pages/about.md": post("About"),
                                   "content/pages/talks/one.md": post("Talk one")}))["index.html"]
    nav = html.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert [line.split('">')[1].split("<")[0] for line in nav.split("<li>")[1:]] == [
        "Posts", "Career", "Projects", "Résumé", "About"]


class _RelLinks(HTMLParser):
    """The href of each <a rel=...> in a page: prev/next links, whatever the theme writes around them."""

    def __init__(self) -> None:
        super().__init__()
        self.rel: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("rel") and found.get("href"):
            self.rel.setdefault(str(found["rel"]), []).append(str(found["href"]))


def rel_links(html: str) -> dict[str, list[str]]:
    parser = _RelLinks()
    parser.feed(html)
    return parser.rel


def test_pagination_and_prev_next(site_dir: Path) -> None:
    files = {P + f"2024-01-0{n}-p{n}.md": post(f"P{n}") for n in range(1, 6)}
    html = pages(render(site_dir, {"content/site.yml": "title: T\nbase_url: /blog/\npaginate: 2\n", **files}))
    assert [p for p in sorted(html) if p.startswith("posts/page")] == ["posts/page/2/index.html",
                                                                       "posts/page/3/index.html"]
    assert rel_links(html["posts/index.html"]) == {"next": ["/blog/posts/page/2/"]}
    assert rel_links(html["posts/page/2/index.html"]) == {"prev": ["/blog/posts/"], "next": ["/blog/posts/page/3/"]}
    assert rel_links(html["posts/page/3/index.html"]) == {"prev": ["/blog/posts/page/2/"]}
    assert rel_links(html["posts/p3/index.html"]) == {"prev": ["/blog/posts/p2/"], "next": ["/blog/posts/p4/"]}
    assert rel_links(html["posts/p5/index.html"]) == {"prev": ["/blog/posts/p4/"]}


def test_text_from_sources_is_escaped(site_dir: Path) -> None:
    html = pages(render(site_dir, {POST: post('"<script>alert(1)</script>"', extra="tags: ['<b>']\n")}))
    assert "<script>alert" not in html["posts/a/index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html["posts/a/index.html"]


def test_the_shipped_shortcodes_render_from_the_data_files(site_dir: Path) -> None:
    body = "Intro.\n\n{{< timeline >}}\n\n{{< projects featured >}}\n\n{{< tech-stack >}}\n"
    content = pages(render(site_dir, {**CAREER, POST: post("A", body)}))["posts/a/index.html"]
    timeline = content.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert timeline.index("ML Engineer") < timeline.index("Data Engineer")
    assert "Pipeline" in content and "Hidden" not in content
    assert '<dl class="tech-stack">' in content and "<li>Spark</li>" in content and "Hadoop" not in content
    assert "<p><ol" not in content and "<p><div" not in content and "<p><dl" not in content


def test_an_unknown_shortcode_names_the_post_and_line(site_dir: Path) -> None:
    assert errors(site_dir, {POST: post("A", "One.\n\n{{< timelin >}}\n")}) == [
        "content/posts/2024-01-01-a.md:6: error: unknown shortcode 'timelin'\n"
        "  hint: available shortcodes: chart, projects, tech-stack, timeline"]


def test_a_site_shortcode_is_found_and_listed(site_dir: Path) -> None:
    files = {"templates/shortcodes/note.html": '<aside class="note">{{ args | join(" ") }} {{ kwargs.kind }}</aside>',
             POST: post("A", '{{< note hello world kind="tip" >}}\n')}
    assert '<aside class="note">hello world tip</aside>' in pages(render(site_dir, files))["posts/a/index.html"]
    files[POST] = post("A", "{{< nope >}}\n")
    assert errors(site_dir, files)[0].endswith("available shortcodes: chart, note, projects, tech-stack, timeline")


def test_a_shortcode_can_fail_with_a_message_at_its_line(site_dir: Path) -> None:
    assert errors(site_dir, {POST: post("A", "x\n\n{{< chart skills-growth >}}\n")}) == [
        "content/posts/2024-01-01-a.md:6: error: unknown chart 'skills-growth'\n"
        "  hint: charts: skills-evolution, knowledge-areas, technology-adoption"]


def test_a_custom_layout_reads_extra_front_matter_keys(site_dir: Path) -> None:
    layout = ('{% extends "base.html" %}{% block main %}{% set doc = post if page.kind == "post" else entry %}'
              '<p class="venue">{{ doc.extra.venue | default("none") }}</p>{{ doc.content }}{% endblock %}')
    html = pages(render(site_dir, {"templates/talk.html": layout, POST: post("A", extra="layout: talk\nvenue: PyCon\n"),
                                   "content/pages/p.md": post("P", extra="layout: talk\n")}))
    assert '<p class="venue">PyCon</p><p>Body.</p>' in html["posts/a/index.html"]
    assert '<p class="venue">none</p>' in html["p/index.html"]


def test_an_unknown_layout_names_the_post_and_line(site_dir: Path) -> None:
    assert errors(site_dir, {POST: post("A", extra="tags: [x]\nlayout: fancy\n")}) == [
        "content/posts/2024-01-01-a.md:4:1: error: layout 'fancy' does not exist\n"
        "  hint: add templates/fancy.html, or remove 'layout' to use the default"]


def test_a_site_template_overrides_the_themes(site_dir: Path) -> None:
    html = pages(render(site_dir, {POST: post("A"), "templates/404.html": "<p>Lost: {{ config.title }}</p>\n"}))
    assert html["404.html"] == "<p>Lost: Test site</p>\n"


def test_an_undefined_variable_names_template_line_and_page(site_dir: Path) -> None:
    assert errors(site_dir, {POST: post("A"), "templates/post.html": (
        '{% extends "base.html" %}\n{% block main %}\n<h1>{{ post.title }}</h1>\n{{ psot.content }}\n{% endblock %}\n'
    )}) == ["templates/post.html:4: error: 'psot' is undefined "
            "(rendering /posts/a/ from content/posts/2024-01-01-a.md)\n"
            "  hint: check the variable names against the template context in the README"]


def test_a_template_syntax_error_names_template_line_and_page(site_dir: Path) -> None:
    (message,) = errors(site_dir, {POST: post("A"), "templates/post.html": (
        '{% extends "base.html" %}\n{% block main %}\n{% if post.title %}\n{% endblock %}\n')})
    # The middle is Jinja's own wording, which changes between its versions.
    assert message.startswith("templates/post.html:4: error: template syntax error: Encountered unknown tag 'endblock'")
    assert message.endswith("(rendering /posts/a/ from content/posts/2024-01-01-a.md)\n  hint: fix the template syntax")


def test_a_mistake_in_base_html_is_reported_once_with_a_count(site_dir: Path) -> None:
    base = "{% block main %}{% endblock %}\n{{ page.nope }}\n"
    assert errors(site_dir, {POST: post("A"), "templates/base.html": base}) == [
        "templates/base.html:2: error: 'careerblog.render.PageInfo object' has no attribute 'nope' "
        "(rendering /, and 4 more pages)\n"
        "  hint: check the variable names against the template context in the README"]


def test_a_syntax_error_in_a_shortcode_template(site_dir: Path) -> None:
    assert errors(site_dir, {POST: post("A", "x\n\n{{< box >}}\n"), "templates/shortcodes/box.html": "{% if %}"}) == [
        "templates/shortcodes/box.html:1: error: template syntax error: Expected an expression, got 'end of "
        "statement block' (expanding shortcode 'box' in content/posts/2024-01-01-a.md:6)\n"
        "  hint: fix the template syntax"]


def test_broken_links_and_missing_images_warn_with_the_line(site_dir: Path) -> None:
    rendered = render(site_dir, {POST: post("A", "Fine [tags](/tags/) and [home](../../).\n\n[gone](/nowhere/)\n"
                                                 "![pic](/img/none.png)\n")})
    assert [w.format() for w in rendered.warnings] == [
        "content/posts/2024-01-01-a.md:6: warning: broken link to /nowhere/\n"
        "  hint: point it at a page or file that this site builds",
        "content/posts/2024-01-01-a.md:7: warning: missing image to /img/none.png\n"
        "  hint: point it at a page or file that this site builds",
    ]


def test_strict_turns_warnings_into_errors(site_dir: Path) -> None:
    write_site(site_dir, {POST: post("A", extra="sumary: s\n")})
    with pytest.raises(BuildError) as info:
        render_site(BuildOptions(root=site_dir, output=site_dir.parent / "out", now=NOW, strict=True))
    assert [d.format() for d in info.value.diagnostics] == [
        "content/posts/2024-01-01-a.md:3:1: error: unknown key 'sumary' in post front matter; did you mean 'summary'?\n"
        "  hint: rename it to 'summary', or remove it"]


def test_future_posts_are_named_in_a_note(site_dir: Path) -> None:
    rendered = render(site_dir, {POST: post("A"), P + "2030-01-01-later.md": post("Later")})
    assert rendered.notes == ("content/posts/2030-01-01-later.md: skipped, dated in the future "
                              "(2030-01-01T00:00:00+00:00); --future includes it",)
    assert "posts/later/index.html" not in pages(rendered)
    assert "posts/later/index.html" in pages(render(site_dir, {}, future=True))


def test_drafts_are_built_with_drafts_and_marked(site_dir: Path) -> None:
    files = {POST: post("A", extra="draft: true\n")}
    assert "posts/a/index.html" not in pages(render(site_dir, files))
    html = pages(render(site_dir, files, drafts=True))["posts/a/index.html"]
    assert '<span class="badge">draft</span>' in html


def test_page_descriptions_read_well_without_optional_data(site_dir: Path) -> None:
    html = pages(render(site_dir, {"content/data/profile.yml": "name: Ada\n"}))["resume/index.html"]
    assert '<meta name="description" content="Résumé of Ada.">' in html
    html = pages(render(site_dir, {"content/data/profile.yml": "name: Ada\nlabel: Engineer\n"}))["resume/index.html"]
    assert '<meta name="description" content="Résumé of Ada, Engineer.">' in html
