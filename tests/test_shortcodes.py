"""shortcodes: `{{< name args >}}` found outside code, blocks never in <p>, escapes written literally.

The unknown-shortcode error and the rendering of the shipped shortcodes are in test_render.py, where
templates exist; here is the finding and placing.
"""

from __future__ import annotations

from careerblog.markup import MarkdownRenderer
from careerblog.shortcodes import ShortcodeCall, expand_shortcodes, extract_shortcodes


def calls(body: str) -> list[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], int, bool]]:
    return [(c.name, c.args, c.kwargs, c.line, c.block) for c in extract_shortcodes(body)[1]]


def html_with(body: str, fragments: dict[str, str]) -> str:
    """Convert `body` and expand each shortcode (by name) to the given fragment."""
    converted = MarkdownRenderer("/").convert(body)
    rendered = {c.token: fragments[c.name] for c in converted.shortcodes}
    return expand_shortcodes(converted.html, rendered)


def test_a_body_without_shortcodes_is_untouched() -> None:
    assert extract_shortcodes("plain {{ jinja }} text\n") == ("plain {{ jinja }} text\n", (), ())


def test_arguments_and_keyword_arguments_are_parsed() -> None:
    assert calls('Intro.\n\n{{< chart skills-evolution title="Skills over time" >}}\n') == [
        ("chart", ("skills-evolution",), (("title", "Skills over time"),), 3, True)]


def test_a_shortcode_alone_on_its_line_is_a_block_and_inline_otherwise() -> None:
    assert calls("{{< timeline >}}\ntext {{< projects featured >}} text\n") == [
        ("timeline", (), (), 1, True), ("projects", ("featured",), (), 2, False)]


def test_block_shortcodes_are_never_wrapped_in_a_paragraph() -> None:
    html = html_with("Before.\n{{< timeline >}}\nAfter.\n", {"timeline": "<ol class=\"timeline\"></ol>"})
    assert html == '<p>Before.</p>\n<ol class="timeline"></ol>\n<p>After.</p>'


def test_inline_shortcodes_stay_inside_their_paragraph() -> None:
    assert html_with("Know {{< badge >}} well.\n", {"badge": "<b>x</b>"}) == "<p>Know <b>x</b> well.</p>"


def test_shortcodes_in_code_spans_stay_text() -> None:
    body = "Write `{{< timeline >}}` to get a timeline, or ``{{< x `y` >}}``.\n"
    assert calls(body) == []
    assert html_with(body, {}) == (
        "<p>Write <code>{{&lt; timeline &gt;}}</code> to get a timeline, or <code>{{&lt; x `y` &gt;}}</code>.</p>")


def test_a_code_span_and_a_real_shortcode_on_one_line() -> None:
    body = "`{{< a >}}` then {{< b >}}\n"
    assert calls(body) == [("b", (), (), 1, False)]
    assert html_with(body, {"b": "B"}) == "<p><code>{{&lt; a &gt;}}</code> then B</p>"


def test_shortcodes_in_fenced_code_stay_text() -> None:
    body = "```markdown\n{{< timeline >}}\n```\n\n~~~~\n```\n{{< projects >}}\n~~~~\n{{< tech-stack >}}\n"
    assert calls(body) == [("tech-stack", (), (), 9, True)]
    html = html_with(body, {"tech-stack": "<dl></dl>"})
    assert "{{&lt; timeline &gt;}}" in html
    assert "{{&lt; projects &gt;}}" in html
    assert html.endswith("<dl></dl>")


def test_an_escaped_shortcode_is_written_literally() -> None:
    body = "Type {{</* timeline */>}} in a post.\n\n{{</* chart skills-evolution */>}}\n"
    assert calls(body) == []
    assert html_with(body, {}) == ("<p>Type {{&lt; timeline &gt;}} in a post.</p>\n"
                                   "<p>{{&lt; chart skills-evolution &gt;}}</p>")


def test_malformed_shortcodes_are_problems_with_their_line() -> None:
    _, found, problems = extract_shortcodes('ok\n{{< "unclosed >}}\n{{< 9bad >}}\n')
    assert found == ()
    assert [(p.line, p.message) for p in problems] == [
        (2, "cannot read shortcode arguments: No closing quotation"),
        (3, "shortcode has no valid name: {{< 9bad >}}"),
    ]


def test_tokens_are_stable_for_the_same_body() -> None:
    first: tuple[ShortcodeCall, ...] = extract_shortcodes("{{< a >}}\n")[1]
    assert first == extract_shortcodes("{{< a >}}\n")[1]


def test_shortcodes_in_indented_code_stay_text() -> None:
    body = "Text.\n\n    {{< timeline >}}\n\n    more code\n\nAfter.\n"
    assert calls(body) == []
    html = html_with(body, {})
    assert html.startswith('<p>Text.</p>\n<div class="highlight"><pre')
    assert "<code>{{&lt; timeline &gt;}}\n\nmore code" in html


def test_an_indented_shortcode_in_a_list_item_or_after_a_paragraph_is_still_a_block() -> None:
    body = "1. Step one\n\n    {{< timeline >}}\n\nPara\n    {{< tech-stack >}}\n"
    assert calls(body) == [("timeline", (), (), 3, True), ("tech-stack", (), (), 6, True)]
    assert html_with(body, {"timeline": "<ol></ol>", "tech-stack": "<dl></dl>"}) == (
        "<ol>\n<li>\n<p>Step one</p>\n<ol></ol>\n</li>\n</ol>\n<p>Para</p>\n<dl></dl>")
