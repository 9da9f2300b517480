"""Property-based tests: the front-matter parser, slugs and output paths, and text embedded in pages,
JSON-LD, the feed, resume.json and chart JSON."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sitefiles import write_site

from careerblog import urls
from careerblog.build import render_site
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError, Diagnostics
from careerblog.posts import Post, decode_text, load_post, split_front_matter
from careerblog.write import write_file

UTC = dt.UTC
PATH = "content/posts/2024-01-02-p.md"

# Text that looks like front matter often enough to reach the YAML, field and date code.
_YAML_BITS = st.sampled_from([
    "---", "...", "title: ", "date: ", "tags: ", "slug: ", "draft: ", "layout: ", "summary: ", "updated: ",
    "2024-02-30", "2024-2-3", "2024-01-01T10:00:00+05:00", "[a, b]", "{a: 1}", "- x", "&a ", "*a", "<<: ",
    "!!python/object:os.system", "!!set", "!!binary", "'", '"', "\\0", "\t", "  ", ": ", "@", "`", "%", "#",
    "\u2028", "\x85", "\ufeff", "é", "日本", "\x00", "\x1b", "1" * 30, "9" * 4400, "true", "null", "~", "? ", "|", ">",
    "date:", "title:", "date: ~", "title: ''",
])
_LINE = st.lists(st.one_of(_YAML_BITS, st.text(max_size=8)), max_size=6).map("".join)
_FIELD = st.builds(
    "{}:{}".format,
    st.sampled_from(["title", "date", "tags", "slug", "draft", "summary", "updated", "layout", "image", "toc",
                     "titel"]),
    st.one_of(st.sampled_from(["", " ", " ~", " ''", " x", " 2024-02-30", " 2024-1-2", " [a, b]", " a, b", " yes",
                               " 0", " ../x", " javascript:x", " 2024-01-01T10:00:00Z", " [[a]]", " {a: 1}"]),
              _LINE),
)
_FRONT_MATTER_TEXT = st.builds(
    lambda head, fields, close, body: head + "\n".join(fields) + close + body,
    st.sampled_from(["---\n", "--- \n", "---\r\n", "", "\ufeff---\n"]),
    st.one_of(st.lists(_FIELD, max_size=4), st.lists(st.one_of(_FIELD, _LINE), max_size=8)),
    st.sampled_from(["\n---\n", "\n...\n", "\n", "", "\n---"]),
    st.text(max_size=40),
)
ANY_TEXT = st.one_of(st.text(), _FRONT_MATTER_TEXT)


def _load(text: str, path: str = PATH) -> tuple[Post | None, Diagnostics]:
    diags = Diagnostics()
    return load_post(split_front_matter(text, path), UTC, diags), diags


def _assert_located(exc: BuildError, text: str, path: str) -> None:
    assert exc.diagnostics
    lines = text.count("\n") + 1
    for d in exc.diagnostics:
        assert d.path == path
        assert d.line is None or 1 <= d.line <= lines + 1, (d, lines)


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT, st.sampled_from([PATH, "content/posts/no-date-in-name.md"]))
@example("---\n0:\u2028\u2028\u2028ile:\n---", PATH)  # YAML breaks lines at U+2028 too; messages must not
def test_any_text_gives_a_post_or_a_located_error(text: str, path: str) -> None:
    try:
        post, diags = _load(text, path)
    except BuildError as exc:
        _assert_located(exc, text, path)
        return
    lines = text.count("\n") + 1
    for d in diags.items:
        assert d.path == path
        assert d.line is None or 1 <= d.line <= lines + 1, (d, lines)
    if post is None:
        assert diags.has_errors, "a post was dropped without a message"
    else:
        assert isinstance(post.title, str) and post.date.tzinfo is not None


# Mostly text a person would type (control characters are refused, and would hide every other path).
_TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_VALUES = st.one_of(
    st.none(), st.just(""), _TYPED, st.text(max_size=12), st.integers(), st.booleans(), st.dates(), st.floats(),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())), st.lists(st.one_of(st.text(max_size=5), st.none())),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
_MAPPING = st.fixed_dictionaries({}, optional={
    "title": st.one_of(_TYPED, _VALUES), "date": _VALUES, "updated": _VALUES, "summary": _VALUES,
    "tags": st.one_of(st.lists(_TYPED, max_size=3), _VALUES), "extra": _VALUES,
})


@settings(max_examples=400, deadline=None)
@given(_MAPPING, st.sampled_from([PATH, "content/posts/no-date-in-name.md"]))
def test_any_front_matter_mapping_gives_a_post_or_a_message(meta: dict[str, object], path: str) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\nBody.\n"
    try:
        post, diags = _load(text, path)
    except BuildError as exc:
        _assert_located(exc, text, path)
        return
    if post is None:
        assert diags.has_errors, "a post was dropped without a message"
    elif not diags.has_errors:
        assert post.title and post.date.tzinfo is not None and urls.is_valid_slug(post.slug)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(), ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes_give_a_post_or_a_located_error(raw: bytes) -> None:
    try:
        text = decode_text(raw, PATH)
        _load(text)
    except BuildError as exc:
        # A lone CR ends a line too (old Mac files), as decode_text reads it.
        breaks = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
        for d in exc.diagnostics:
            assert d.path == PATH and (d.line is None or 1 <= d.line <= breaks + 2)


def _outcome(raw: bytes) -> object:
    """What a file means: its fields, body and body line, or its messages with their lines."""
    try:
        text = decode_text(raw, PATH)
        source = split_front_matter(text, PATH)
        diags = Diagnostics()
        post = load_post(source, UTC, diags)
    except BuildError as exc:
        return ("error", [d.format() for d in exc.diagnostics])
    return ("ok", dict(source.meta), source.body, source.body_line, post, [d.format() for d in diags.items])


_NO_CR = ANY_TEXT.map(lambda t: t.replace("\r", "").lstrip("\ufeff"))


@settings(max_examples=300, deadline=None)
@given(_NO_CR)
def test_crlf_bom_and_lf_mean_the_same_with_the_same_lines(text: str) -> None:
    lf = text.encode("utf-8", "surrogatepass")
    crlf = text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    bom = b"\xef\xbb\xbf" + lf
    expected = _outcome(lf)
    assert _outcome(crlf) == expected
    assert _outcome(bom) == expected


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_error_line_is_the_line_in_the_file(ending: str, bom: str) -> None:
    text = bom + ending.join(["---", "title: A", "date: 2024-01-01", "title: B", "---", "body"])
    with pytest.raises(BuildError) as caught:
        _load(decode_text(text.encode("utf-8"), PATH))
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (4, 1)
    assert diagnostic.message == "duplicate key 'title' (first given on line 2)"


# ---------------------------------------------------------------- slugs and output paths

@settings(max_examples=500)
@given(st.text())
def test_slugify_always_gives_one_safe_segment(text: str) -> None:
    slug = urls.slugify(text)
    assert urls.is_valid_slug(slug), slug
    assert "/" not in slug and "\\" not in slug and ".." not in slug and slug not in (".", "")
    assert urls.slugify(text) == slug  # one deterministic rule
    assert urls.is_within(urls.output_path(urls.post_url(slug)))
    assert urls.is_within(urls.output_path(urls.tag_url(slug)))


_SEGMENTS = st.sampled_from(["..", ".", "", "a", "out", "out-evil", "out.careerblog-staging", "%2e%2e", "..\\..",
                             "\\", "~", "\x00", "/", "C:", "index.html", "...", ". .", "a/../..", "\u2025", "．．"])
_RELATIVE = st.one_of(
    st.lists(_SEGMENTS, min_size=1, max_size=6).map("/".join),
    st.lists(_SEGMENTS, min_size=1, max_size=4).map("\\".join),
    st.text(max_size=30),
)


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_RELATIVE)
def test_no_relative_path_escapes_the_output_folder(relative: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        out = top / "out"
        out.mkdir()
        sibling = top / "out-evil"  # shares the output folder's name as a prefix
        sibling.mkdir()
        before = _files_under(top) - _files_under(out)
        inside = urls.is_within(relative)
        try:
            write_file(out, relative, b"x")
            wrote = True
        except BuildError:
            wrote = False
        except (OSError, ValueError):
            wrote = False  # the file system refused the name (NUL, too long, a file where a folder must be)
        assert (top.resolve() / "out").exists()
        assert _files_under(top) - _files_under(out) == before, f"{relative!r} wrote outside the output folder"
        if wrote:
            assert inside
            target = (out / relative).resolve()
            assert target.is_relative_to(out.resolve()) and target != out.resolve()


@given(_RELATIVE)
def test_is_within_agrees_with_the_file_system(relative: str) -> None:
    if urls.is_within(relative):
        base = Path("/srv/site/out")
        resolved = Path(_normpath(str(base / relative)))
        assert resolved.is_relative_to(base) and resolved != base.parent


def _normpath(path: str) -> str:
    import posixpath

    return posixpath.normpath(path)


# ---------------------------------------------------------------- text embedded in pages

# Any text a person can put in YAML: no control characters or lone surrogates (YAML refuses those).
_SAFE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff\ufeff\u2028\u2029\x85"),
    min_size=1, max_size=40,
).filter(lambda s: s.strip() == s and s.strip())
_NASTY = st.sampled_from([
    "<script>alert(1)</script>", "</h1><img src=x onerror=alert(1)>", "\"'><svg onload=alert(1)>", "{{ 7*7 }}",
    "{% raw %}", "&amp; &lt; &#x3c;", "]]><!--", "</script><script>alert(1)</script>", "javascript:alert(1)",
    "${7*7}", "\\u003c", "' OR 1=1 --", "<!-- x -->", "&colon;", "«ünïcödé» 日本語 😀",
])
EMBED_TEXT = st.one_of(_NASTY, _SAFE_TEXT, st.builds(lambda a, b: a + " " + b, _NASTY, _SAFE_TEXT))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def _render_site_with(text: str, root: Path) -> dict[str, str]:
    """A site whose post title, tag, summary and author's name are all `text`; its outputs by path."""
    front = yaml.safe_dump({"title": text, "tags": [text], "summary": text}, allow_unicode=True)
    profile = yaml.safe_dump({"name": text, "label": text}, allow_unicode=True)
    skills = yaml.safe_dump({"skills": [{"name": text, "levels": {2020: 2, 2022: 4}}]}, allow_unicode=True)
    write_site(root, {"content/posts/2024-01-02-p.md": f"---\n{front}---\nBody.\n",
                      "content/data/profile.yml": profile, "content/data/skills.yml": skills})
    rendered = render_site(BuildOptions(root=root, output=root / "_site",
                                        now=dt.datetime(2026, 1, 1, tzinfo=UTC)))
    return {o.path: o.content.decode("utf-8") for o in rendered.outputs}


@pytest.fixture(scope="module")
def baseline_tags() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        page = _Page()
        page.feed(_render_site_with("plain", Path(tmp))["posts/p/index.html"])
        return page.tags


_JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
_FIGURE = re.compile(r'<script type="application/json" class="chart-figure">(.*?)</script>', re.S)
ATOM = "{http://www.w3.org/2005/Atom}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=EMBED_TEXT)
def test_any_text_comes_back_intact_and_inert_in_pages_feeds_and_json(text: str, baseline_tags: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outputs = _render_site_with(text, Path(tmp))
    post_page = outputs["posts/p/index.html"]
    page = _Page()
    page.feed(post_page)
    assert page.h1 == text  # intact: the reader sees exactly the text given
    assert page.tags == baseline_tags  # inert: not one element more or less than with a plain title
    assert not [name for name, _ in page.attributes if name.startswith("on")]

    # JSON-LD: valid JSON holding the text, and nothing in it can end the <script> element early.
    blocks = _JSON_LD.findall(post_page)
    assert blocks
    for block in blocks:
        assert "</" not in block and "<!--" not in block
        data = json.loads(block)
        if data.get("@type") == "BlogPosting":
            assert data["headline"] == text and data["author"]["name"] == text

    # The feed: well-formed XML whose entry title is the text.
    feed = ET.fromstring(outputs["feed.xml"].encode("utf-8"))
    titles = [t.text for t in feed.iter(ATOM + "title")]
    assert text in titles

    # resume.json: the name as given.
    assert json.loads(outputs["resume.json"])["basics"]["name"] == text

    # Chart JSON on the career page: the skill's trace carries the name, and cannot end its <script> early.
    career = outputs["career/index.html"]
    figures = _FIGURE.findall(career)
    assert figures
    names = []
    for block in figures:
        assert "</" not in block and "<!--" not in block
        names += [trace.get("name") for trace in json.loads(block)["data"]]
    # plotly.js reads trace names as its own small HTML, so they are stored escaped and show as the text.
    assert text in [html.unescape(str(name)) for name in names]
    checked = _Page()
    checked.feed(career)
    assert not [name for name, _ in checked.attributes if name.startswith("on")]
