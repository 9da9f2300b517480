"""markup: Markdown to HTML with highlighting, tables, footnotes, anchors, TOC, summary and safe links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sitefiles import printed_by_fresh_python

from careerblog.markup import Converted, DocumentConverter, MarkdownRenderer, highlight_stylesheet
from careerblog.posts import Post


def convert(body: str, base_path: str = "/") -> Converted:
    return MarkdownRenderer(base_path).convert(body)


def test_fenced_code_is_highlighted_with_css_classes() -> None:
    html = convert("```python\ndef f():\n    return 1\n```\n").html
    assert html.startswith('<div class="highlight"><pre')
    assert '<code><span class="k">def</span>' in html
    assert "style=" not in html


def test_an_unknown_language_is_still_a_code_block() -> None:
    assert "<code>plain &lt;text&gt;\n</code>" in convert("```nosuchlang\nplain <text>\n```\n").html


def test_highlight_stylesheet_has_a_light_and_a_dark_style() -> None:
    css = highlight_stylesheet()
    light, dark = css.split("@media (prefers-color-scheme: dark) {")
    assert ".highlight .k " in light
    assert ".highlight .k " in dark
    assert css == highlight_stylesheet()


def test_tables_and_footnotes() -> None:
    html = convert("| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^n].\n\n[^n]: Note.\n").html
    assert "<table>\n<thead>\n<tr>\n<th>a</th>" in html
    assert '<sup id="fnref:n"><a class="footnote-ref" href="#fn:n">1</a></sup>' in html
    assert '<li id="fn:n">\n<p>Note.&#160;<a class="footnote-backref" href="#fnref:n"' in html


def test_headings_get_ids_and_permalink_anchors() -> None:
    html = convert("## Données & more\n\n## Données & more\n").html
    assert html == (
        '<h2 id="donnees-more">Données &amp; more<a class="anchor" href="#donnees-more" '
        'title="Link to this section">#</a></h2>\n'
        '<h2 id="donnees-more_1">Données &amp; more<a class="anchor" href="#donnees-more_1" '
        'title="Link to this section">#</a></h2>')


def test_a_table_of_contents_needs_two_headings() -> None:
    converted = convert("## One\n\ntext\n\n### Two\n")
    assert converted.headings == 2
    assert converted.toc_html.startswith('<div class="toc">\n<ul>\n<li><a href="#one">One</a><ul>\n'
                                         '<li><a href="#two">Two</a></li>')
    assert convert("## Only\n").toc_html == ""


def test_summary_is_the_text_before_the_more_marker() -> None:
    converted = convert("First.\n\nSecond.\n\n<!--more-->\n\nThird.\n")
    assert converted.summary_html.strip() == "<p>First.</p>\n<p>Second.</p>"
    assert "<!--more-->" not in converted.html


def test_summary_is_otherwise_the_first_paragraph() -> None:
    assert convert("## Heading\n\nFirst *para*.\n\nSecond.\n").summary_html == "<p>First <em>para</em>.</p>"


def test_reading_time_counts_prose_words_not_code() -> None:
    words = " ".join(["word"] * 500)
    converted = convert(words + "\n\n```\n" + "code " * 5000 + "\n```\n")
    assert (converted.words, converted.reading_minutes) == (500, 3)
    assert convert("tiny").reading_minutes == 1


def test_root_relative_links_and_images_go_under_the_sub_path() -> None:
    converted = convert("[a](/about/) ![i](/img/x.png) [r](../other/) [e](https://x.y/) [f](#top)\n",
                        "/repo/")
    assert converted.html == (
        '<p><a href="/repo/about/">a</a> <img alt="i" decoding="async" loading="lazy" src="/repo/img/x.png"> '
        '<a href="../other/">r</a> <a href="https://x.y/">e</a> <a href="#top">f</a></p>')
    assert [(ref.target, ref.line, ref.kind) for ref in converted.links] == [
        ("/about/", 1, "link"), ("/img/x.png", 1, "image"), ("../other/", 1, "link")]


@pytest.mark.parametrize("target", ["javascript:alert(1)", "JavaScript:alert(1)", "javascript&#58;alert(1)",
                                    "jav&#x61;script:alert(1)", "vbscript:x", "data:text/html,x"])
def test_script_links_never_become_links(target: str) -> None:
    html = convert(f"[click]({target}) and ![img]({target})\n\n[ref][1]\n\n[1]: {target}\n").html
    assert "href" not in html
    assert "src" not in html
    assert "<a>click</a>" in html


def test_raw_html_is_the_authors_own() -> None:
    assert convert('<div class="note">Raw <em>HTML</em></div>\n').html == '<div class="note">Raw <em>HTML</em></div>'


def test_the_renderer_is_reset_between_documents() -> None:
    renderer = MarkdownRenderer("/")
    first = renderer.convert("## A\n\n## B\n\nx[^1]\n\n[^1]: n\n")
    second = renderer.convert("plain\n")
    assert (second.html, second.toc_html, second.links) == ("<p>plain</p>", "", ())
    assert renderer.convert("## A\n\n## B\n\nx[^1]\n\n[^1]: n\n") == first


def _post(source: str, body: str, slug: str) -> Post:
    return Post(source=source, title=slug, date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), slug=slug, body=body,
                body_line=5)


def test_documents_offered_while_reading_are_converted_once_and_kept_only_if_submitted(tmp_path: Path) -> None:
    """A build's workers start on documents as they are read; one dropped later (a draft) is not kept."""
    from careerblog.cache import ConvertedCache

    first = _post("a.md", "# One\n\nSee [two](../two/).\n", "one")
    draft = _post("b.md", "Draft text.\n", "draft")
    last = _post("c.md", "```python\nx = 1\n```\n", "three")
    cache = ConvertedCache.load(tmp_path, "/blog/")
    with DocumentConverter("/blog/", 2, cache, early=True) as converter:
        converter.offer(first)
        converter.offer(draft)
        converter.submit((first, last))
        documents = converter.results()
    renderer = MarkdownRenderer("/blog/")
    assert documents == {"a.md": renderer.convert(first.body, first.url), "c.md": renderer.convert(last.body, last.url)}
    cache.save()
    again = ConvertedCache.load(tmp_path, "/blog/")
    assert again.get(first.body, first.url) == documents["a.md"]
    assert again.get(draft.body, draft.url) is None  # converted for nothing, but never stored


def test_a_cached_document_is_not_offered(tmp_path: Path) -> None:
    from careerblog.cache import ConvertedCache

    post = _post("a.md", "Text.\n", "one")
    cache = ConvertedCache.load(tmp_path, "/")
    cache.put(post.body, post.url, MarkdownRenderer("/").convert(post.body, post.url))
    with DocumentConverter("/", 2, cache, early=True) as converter:
        converter.offer(post)
        converter.submit((post,))
        assert list(converter.results()) == ["a.md"]
    assert (cache.hits, cache.misses) == (1, 0)  # looked up once, when offered; never converted


def test_a_failure_on_the_fast_road_falls_back_to_python_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected error from pyromark is not the author's problem: the document takes the other road."""
    from careerblog import fastmark

    body = "# Title\n\nSome *text* and `code`.\n"
    expected = MarkdownRenderer("/", fast=False).convert(body, "posts/a/")

    def broken(self: object, text: str, page_url: str | None) -> object:
        raise ValueError("an event of a shape never seen")

    monkeypatch.setattr(fastmark.FastRenderer, "render", broken)
    assert MarkdownRenderer("/").convert(body, "posts/a/") == expected


def test_the_fast_road_highlights_with_the_options_codehilite_makes_of_its_settings() -> None:
    """The fast road does not load Python-Markdown, so it names Pygments' options itself: they must be the ones
    codehilite derives from careerblog's settings, or the two roads would highlight differently."""
    from markdown.extensions.codehilite import CodeHilite, CodeHiliteExtension

    from careerblog import markup

    renderer = MarkdownRenderer("/")
    (extension,) = (e for e in renderer._md.registeredExtensions if isinstance(e, CodeHiliteExtension))
    settings = extension.getConfigs()
    reading = CodeHilite("", style=settings.pop("pygments_style"), **settings)
    assert reading.options == markup._PYGMENTS_OPTIONS
    assert reading.lang_prefix == markup._LANG_PREFIX
    assert (reading.guess_lang, reading.use_pygments) == (False, True)


def test_python_markdown_is_loaded_only_for_a_document_the_fast_road_does_not_take() -> None:
    script = (
        "import sys\n"
        "from careerblog.markup import MarkdownRenderer\n"
        "renderer = MarkdownRenderer('/')\n"
        "renderer.convert('# Title\\n\\n```python\\nx = 1\\n```\\n')\n"
        "print('markdown' in sys.modules)\n"
        "print('fnref' in renderer.convert('Text.[^1]\\n\\n[^1]: A footnote.\\n').html)\n"
        "print('markdown' in sys.modules)\n"
    )
    assert printed_by_fresh_python(script) == ["False", "True", "True"]


# MCSchemaLexer pushes and pops one state forever at an HTML comment, without moving: Pygments never returns.
STUCK = "Intro.\n\nMore.\n\n```mcschema\n<!-- a comment -->\n```\n\nAfter.\n"


@pytest.mark.parametrize("road", ["fast", "python-markdown"])
def test_a_code_block_whose_lexer_never_finishes_is_stopped_at_the_time_limit(road: str) -> None:
    from careerblog.markup import ConversionStopped

    body = STUCK if road == "fast" else STUCK + "\n<div markdown=\"1\">Raw HTML: Python-Markdown's road.</div>\n"
    renderer = MarkdownRenderer("/", seconds=0.2)
    with pytest.raises(ConversionStopped) as stopped:
        renderer.convert(body, "posts/stuck/")
    assert (stopped.value.page_url, stopped.value.line, stopped.value.language) == ("posts/stuck/", 5, "mcschema")
    assert str(stopped.value) == ("highlighting this mcschema code block took more than 0.2 s and was stopped "
                                  "(Pygments' lexer for it loops or backtracks on this code)")
    # The renderer goes on with the next document as if nothing happened.
    assert renderer.convert(body.replace("mcschema", "text"), "posts/stuck/").html.count("a comment") == 1


def test_a_document_that_keeps_python_markdown_busy_is_stopped_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of unclosed brackets take Python-Markdown's inline patterns seconds: no code block to blame."""
    from careerblog import markup
    from careerblog.diagnostics import BuildError

    monkeypatch.setattr(markup, "CONVERT_SECONDS", 0.2)
    busy = _post("content/posts/busy.md", "[" * 8000 + "x\n", "busy")
    with DocumentConverter("/", 1) as converter, pytest.raises(BuildError) as failed:
        converter.submit((_post("content/posts/fine.md", "Fine.\n", "fine"), busy))
        converter.results()
    (problem,) = failed.value.diagnostics
    assert (problem.path, problem.line) == ("content/posts/busy.md", None)
    assert problem.message == "converting this document took more than 0.2 s and was stopped"
    assert "unclosed brackets" in problem.hint


def test_a_document_offered_then_dropped_that_is_stopped_is_named_by_its_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A draft read (and offered to a worker) before the site knew to leave it out still converts: its error
    names its file, though its record is gone."""
    from careerblog import markup
    from careerblog.diagnostics import BuildError

    monkeypatch.setattr(markup, "CONVERT_SECONDS", 0.2)
    stuck = _post("content/posts/draft.md", STUCK, "draft")
    with DocumentConverter("/", 2, early=True) as converter, pytest.raises(BuildError) as failed:
        converter.offer(stuck)
        converter.submit((_post("content/posts/fine.md", "Fine.\n", "fine"),))
        converter.results()
    (problem,) = failed.value.diagnostics
    assert (problem.path, problem.line) == ("content/posts/draft.md", None)
    assert problem.message.startswith("highlighting this mcschema code block took more than 0.2 s")
