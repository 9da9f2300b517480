"""posts: Markdown files with front matter read into Posts and Pages; every problem pinned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog.diagnostics import Diagnostics
from careerblog.posts import Page, Post, load_posts

BERLIN = dt.timezone(dt.timedelta(hours=1))
POST = "content/posts/2024-01-02-hello.md"


def load(site_dir: Path, files: dict[str, str | bytes],
         tz: dt.tzinfo = dt.UTC) -> tuple[tuple[Post, ...], tuple[Page, ...], list[str]]:
    write_site(site_dir, {k: v for k, v in files.items() if isinstance(v, str)})
    for relative, raw in files.items():
        if isinstance(raw, bytes):
            (site_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (site_dir / relative).write_bytes(raw)
    diags = Diagnostics()
    posts, pages = load_posts(site_dir, tz, diags)
    return posts, pages, [d.format() for d in diags.items]


def problems(site_dir: Path, text: str | bytes, name: str = POST) -> list[str]:
    return load(site_dir, {name: text})[2]


def test_jekyll_style_name_gives_date_and_slug(site_dir: Path) -> None:
    (post,), _, msgs = load(site_dir, {POST: "---\ntitle: Hello\n---\nBody.\n"})
    assert msgs == []
    assert (post.date, post.slug, post.url) == (dt.datetime(2024, 1, 2, tzinfo=dt.UTC), "hello", "posts/hello/")
    assert (post.body, post.body_line) == ("Body.\n", 4)


def test_markdown_suffix_and_unpadded_jekyll_date(site_dir: Path) -> None:
    (post,), _, msgs = load(site_dir, {"content/posts/2024-3-9-long-name.markdown": "---\ntitle: T\n---\nx\n"})
    assert msgs == []
    assert (post.date.date(), post.slug) == (dt.date(2024, 3, 9), "long-name")


def test_every_front_matter_key(site_dir: Path) -> None:
    (post,), _, msgs = load(site_dir, {"content/posts/any-name.md": (
        "---\ntitle: T\ndate: 2024-02-29T09:30:00+02:00\nupdated: 2024-03-01\nsummary: S\ntags: [a, b]\n"
        "draft: true\nslug: my-slug\nimage: /img/x.png\nlayout: special\ntoc: false\nmood: calm\n---\nBody\n")})
    assert msgs == []
    assert post.date == dt.datetime(2024, 2, 29, 7, 30, tzinfo=dt.UTC)
    assert post.updated == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert (post.summary, post.tags, post.draft, post.slug, post.image) == ("S", ("a", "b"), True, "my-slug",
                                                                            "/img/x.png")
    assert (post.layout, post.layout_at, post.toc, dict(post.extra)) == ("special", (10, 1), False, {"mood": "calm"})


def test_dates_without_a_zone_are_read_in_the_sites_zone(site_dir: Path) -> None:
    posts, _, _ = load(site_dir, {"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\n",
                                  "content/posts/b.md": "---\ntitle: B\ndate: 2024-01-02 10:00\n---\n",
                                  "content/posts/c.md": "---\ntitle: C\ndate: 2024-01-02T10:00:00Z\n---\n"},
                       tz=BERLIN)
    assert [p.date.astimezone(dt.UTC).isoformat() for p in posts] == [
        "2024-01-01T23:00:00+00:00", "2024-01-02T09:00:00+00:00", "2024-01-02T10:00:00+00:00"]


def test_unpadded_dates_are_read(site_dir: Path) -> None:
    (post,), _, msgs = load(site_dir, {"content/posts/x.md": "---\ntitle: T\ndate: 2024-2-3\n---\n"})
    assert (msgs, post.date) == ([], dt.datetime(2024, 2, 3, tzinfo=dt.UTC))


def test_a_front_matter_date_wins_over_the_file_name(site_dir: Path) -> None:
    (post,), _, _ = load(site_dir, {POST: "---\ntitle: T\ndate: 2023-05-06\n---\n"})
    assert post.date.date() == dt.date(2023, 5, 6)


def test_malformed_yaml_is_located_in_the_file_fence_included(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: T\nsummary: Python: a guide\n---\nBody\n") == [
        "content/posts/2024-01-02-hello.md:3:16: error: mapping values are not allowed in this context\n"
        '  hint: a value that contains \': \' must be quoted, for example title: "Python: a guide"'
    ]


def test_all_missing_fields_are_listed_at_once(site_dir: Path) -> None:
    assert problems(site_dir, "---\nsummary: s\n---\nBody\n", "content/posts/no-date.md") == [
        "content/posts/no-date.md:2: error: post is missing required fields 'title', 'date'\n"
        "  hint: add them to the front matter, or name the file YYYY-MM-DD-slug.md for the date"
    ]


def test_wrongly_typed_fields_are_all_reported(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: [a]\ndraft: yes please\ntags: 3\ntoc: maybe\n---\n") == [
        "content/posts/2024-01-02-hello.md:2:1: error: 'title' must be text, found a list\n"
        '  hint: quote the value: title: "..."',
        "content/posts/2024-01-02-hello.md:3:1: error: 'draft' must be true or false, found 'yes please'\n"
        "  hint: draft: true",
        "content/posts/2024-01-02-hello.md:4:1: error: 'tags' must be a list, found a number\n  hint: tags: [a, b]",
        "content/posts/2024-01-02-hello.md:5:1: error: 'toc' must be true or false, found 'maybe'\n  hint: toc: true",
    ]


def test_an_impossible_date_names_the_file_and_the_key(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: T\ndate: 2024-02-30\n---\n") == [
        "content/posts/2024-01-02-hello.md:3:1: error: 'date' is not a valid date: '2024-02-30' "
        "(day is out of range for month)\n"
        "  hint: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, optionally with a zone such as +02:00"
    ]


def test_an_impossible_updated_date_names_its_key(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: T\nupdated: 2023-13-01\n---\n")[0].startswith(
        "content/posts/2024-01-02-hello.md:3:1: error: 'updated' is not a valid date: '2023-13-01' "
        "(month must be in 1..12)")


def test_an_impossible_date_in_the_file_name(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: T\n---\n", "content/posts/2024-02-30-x.md") == [
        "content/posts/2024-02-30-x.md:1: error: the file name's date 2024-02-30 is not a real date\n"
        "  hint: name the file YYYY-MM-DD-slug.md with a real date",
        "content/posts/2024-02-30-x.md:2: error: post is missing required field 'date'\n"
        "  hint: add them to the front matter, or name the file YYYY-MM-DD-slug.md for the date",
    ]


def test_duplicate_keys_name_both_lines(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: A\ntags: [x]\ntitle: B\n---\n") == [
        "content/posts/2024-01-02-hello.md:4:1: error: duplicate key 'title' (first given on line 2)\n"
        "  hint: each key may appear once; remove or rename one of them"
    ]


def test_a_typo_of_a_known_key_warns_with_did_you_mean(site_dir: Path) -> None:
    (post,), _, msgs = load(site_dir, {POST: "---\ntitle: T\nsumary: s\n---\n"})
    assert msgs == [
        "content/posts/2024-01-02-hello.md:3:1: warning: unknown key 'sumary' in post front matter; "
        "did you mean 'summary'?\n  hint: rename it to 'summary', or remove it"
    ]
    assert post.extra["sumary"] == "s"


def test_tags_as_a_string_is_an_error_never_a_list_of_letters(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: T\ntags: python, data\n---\n") == [
        "content/posts/2024-01-02-hello.md:3:1: error: 'tags' must be a list, found text 'python, data'\n"
        "  hint: write it as a list: tags: [python, data]"
    ]


def test_front_matter_never_closed(site_dir: Path) -> None:
    assert problems(site_dir, "---\ntitle: T\n\nBody\n") == [
        "content/posts/2024-01-02-hello.md:1:1: error: front matter opened on line 1 is never closed\n"
        "  hint: add a line with --- after the last front matter field"
    ]


@pytest.mark.parametrize(("front", "kind"), [("- a\n- b\n", "a list"), ("just text\n", "a single value")])
def test_front_matter_must_be_a_mapping(site_dir: Path, front: str, kind: str) -> None:
    assert problems(site_dir, f"---\n{front}---\nBody\n") == [
        f"content/posts/2024-01-02-hello.md:2:1: error: front matter must be a mapping of fields, found {kind}\n"
        "  hint: write fields as key: value lines, for example title: My post"
    ]


def test_empty_front_matter_and_empty_file_report_the_missing_title(site_dir: Path) -> None:
    _, _, msgs = load(site_dir, {POST: "---\n---\nBody\n", "content/posts/2024-01-03-empty.md": ""})
    assert msgs == [
        "content/posts/2024-01-02-hello.md:1: error: post is missing required field 'title'\n"
        "  hint: add them to the front matter, or name the file YYYY-MM-DD-slug.md for the date",
        "content/posts/2024-01-03-empty.md:1: error: post is missing required field 'title'\n"
        "  hint: add them to the front matter, or name the file YYYY-MM-DD-slug.md for the date",
    ]


def test_bom_and_crlf_give_identical_posts_and_line_numbers(site_dir: Path, tmp_path: Path) -> None:
    text = "---\ntitle: T\nsumary: s\n---\nLine one.\n\nLine two.\n"
    plain = load(site_dir, {POST: text})
    other = load(tmp_path / "other", {POST: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()})
    assert plain == other
    assert plain[2][0].startswith("content/posts/2024-01-02-hello.md:3:1: warning:")


def test_bom_and_crlf_keep_error_lines(site_dir: Path) -> None:
    raw = b"\xef\xbb\xbf---\r\ntitle: T\r\ndate: 2024-02-30\r\n---\r\n"
    assert problems(site_dir, raw)[0].startswith("content/posts/2024-01-02-hello.md:3:1: error: 'date'")


def test_bytes_that_are_not_utf8_are_an_error_with_the_line(site_dir: Path) -> None:
    assert problems(site_dir, b"---\ntitle: T\n---\nfine\ncaf\xe9\n") == [
        "content/posts/2024-01-02-hello.md:5:4: error: file is not valid UTF-8 (byte 0xe9)\n"
        "  hint: save the file with UTF-8 encoding"
    ]


def test_non_markdown_editor_and_underscore_files_are_not_posts(site_dir: Path) -> None:
    posts, _, msgs = load(site_dir, {
        POST: "---\ntitle: T\n---\n", "content/posts/notes.txt": "not a post",
        "content/posts/.2024-01-02-hidden.md": "x", "content/posts/2024-01-02-b.md~": "x",
        "content/posts/_unfinished/2024-01-02-c.md": "x", "content/posts/#2024-01-02-d.md#": "x",
    })
    assert (len(posts), msgs) == (1, [])
    (site_dir / "content/posts/image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert len(load_posts(site_dir, dt.UTC, Diagnostics())[0]) == 1


def test_a_slug_that_is_not_one_safe_segment_is_refused(site_dir: Path) -> None:
    for bad in ("../escape", "/abs", "a\\\\b", "Has Space"):
        assert problems(site_dir, f'---\ntitle: T\nslug: "{bad}"\n---\n')[0].startswith(
            "content/posts/2024-01-02-hello.md:3:1: error: slug "), bad


def test_every_post_problem_of_a_run_is_reported_together(site_dir: Path) -> None:
    _, _, msgs = load(site_dir, {"content/posts/2024-01-01-a.md": "---\ntitle: [x\n---\n",
                                 "content/posts/2024-01-02-b.md": "---\ndate: 2024-02-30\n---\n",
                                 "content/pages/c.md": "---\nsummary: no title\n---\n"})
    assert [m.split(": error:")[0] for m in msgs] == [
        "content/pages/c.md:2", "content/posts/2024-01-01-a.md:3:1", "content/posts/2024-01-02-b.md:2",
        "content/posts/2024-01-02-b.md:2:1"]


def test_pages_and_nested_pages(site_dir: Path) -> None:
    _, pages, msgs = load(site_dir, {"content/pages/about.md": "---\ntitle: About\n---\nMe.\n",
                                     "content/pages/Talks/PyCon 2024.md": "---\ntitle: Talk\n---\n",
                                     "content/pages/talks/other.md": "---\ntitle: O\nslug: renamed\n---\n"})
    assert msgs == []
    assert sorted((p.slug, p.url) for p in pages) == [("about", "about/"), ("talks/pycon-2024", "talks/pycon-2024/"),
                                                ("talks/renamed", "talks/renamed/")]


def test_a_page_without_title_is_an_error(site_dir: Path) -> None:
    assert load(site_dir, {"content/pages/about.md": "---\ntitel: About\n---\n"})[2] == [
        "content/pages/about.md:2: error: page front matter is missing required field 'title'\n"
        "  hint: add 'title'",
        "content/pages/about.md:2:1: warning: unknown key 'titel' in page front matter; did you mean 'title'?\n"
        "  hint: rename it to 'title', or remove it",
    ]
