"""Metadata in every page: title, description, canonical, Open Graph, Twitter card and JSON-LD."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from publishing_sites import BASE_URL, HOSTILE, NOW, build_demo, write_hostile_site

from careerblog.build import build
from careerblog.config import BuildOptions
from careerblog.metadata import script_json


class Head(HTMLParser):
    """What a crawler reads from <head>: meta tags, links, the title and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, str] = {}
        self.title = ""
        self.json_ld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta.setdefault(a.get("property") or a["name"], []).append(a.get("content", ""))
        elif tag == "link" and "rel" in a:
            self.links[a["rel"]] = a.get("href", "")
        elif tag == "title":
            self._in = "title"
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in = "json"
            self.json_ld.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "json":
            self.json_ld[-1] += data


def read_head(path: Path) -> Head:
    head = Head()
    head.feed(path.read_text(encoding="utf-8"))
    return head


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "careerblog")


def graphs(head: Head) -> list[dict[str, object]]:
    return [json.loads(block) for block in head.json_ld]


def test_every_page_has_title_description_canonical_og_and_twitter(demo: Path) -> None:
    pages = sorted(demo.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        head = read_head(page)
        assert head.title.strip(), page
        for key in ("description", "og:title", "og:type", "og:site_name", "twitter:card", "twitter:title"):
            assert head.meta.get(key, [""])[0], (page, key)
        if page.name == "404.html":
            assert "canonical" not in head.links
            continue
        relative = page.relative_to(demo).as_posix()
        expected = BASE_URL + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)
        assert head.links["canonical"] == expected
        assert head.meta["og:url"] == [expected]


@pytest.mark.parametrize("page", ["index.html", "career/index.html", "resume/index.html"])
def test_profile_pages_carry_profilepage_and_person(demo: Path, page: str) -> None:
    (graph,) = graphs(read_head(demo / page))
    assert graph["@type"] == "ProfilePage"
    person = graph["mainEntity"]
    assert isinstance(person, dict)
    assert person["@type"] == "Person"
    assert person["name"] == "Jordan Ellis"
    assert person["jobTitle"] == "ML Cloud Engineer"
    assert person["worksFor"] == {"@type": "Organization", "name": "Example Logistics"}
    assert "Python" in person["knowsAbout"] and "Machine learning" in person["knowsAbout"]
    assert person["sameAs"] == ["https://github.com/jordan-ellis-example",
                                "https://www.linkedin.com/in/jordan-ellis-example"]
    assert person["image"] == BASE_URL + "images/avatar.svg"


def test_posts_carry_blogposting(demo: Path) -> None:
    page = demo / "posts/from-data-engineer-to-ml-cloud-engineer/index.html"
    head = read_head(page)
    (graph,) = graphs(head)
    assert graph["@type"] == "BlogPosting"
    assert graph["headline"] == "From Data Engineer to ML Cloud Engineer"
    assert graph["datePublished"] == "2025-09-15T00:00:00Z"
    assert graph["url"] == BASE_URL + "posts/from-data-engineer-to-ml-cloud-engineer/"
    assert graph["author"] == {"@type": "Person", "name": "Jordan Ellis", "url": BASE_URL}
    assert head.meta["og:type"] == ["article"]
    assert head.meta["article:published_time"] == ["2025-09-15T00:00:00Z"]
    assert "career" in head.meta["article:tag"]


def test_other_pages_carry_no_person_graph(demo: Path) -> None:
    assert graphs(read_head(demo / "tags/index.html")) == []
    assert graphs(read_head(demo / "posts/index.html")) == []


def test_hostile_text_is_escaped_in_attributes_and_json_ld(site_dir: Path, tmp_path: Path) -> None:
    write_hostile_site(site_dir)
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    for page in ("index.html", "posts/hostile/index.html", "resume/index.html", "career/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        head = read_head(out / page)
        # The parser sees the text exactly: no attribute was cut short, no element injected.
        assert head.meta["og:site_name"] == [HOSTILE]
        if page in ("index.html", "posts/hostile/index.html"):
            assert head.meta["twitter:title"] == [HOSTILE]
        (block,) = head.json_ld
        assert "</script" not in block.lower() and "<!--" not in block and "&" not in block
        assert html.count("<script>alert(1)") == 0
        json.loads(block)
    post = json.loads(read_head(out / "posts/hostile/index.html").json_ld[0])
    assert post["headline"] == HOSTILE
    assert post["keywords"] == [HOSTILE]
    person = json.loads(read_head(out / "resume/index.html").json_ld[0])["mainEntity"]
    assert person["name"] == HOSTILE
    assert person["sameAs"] == ["https://github.com/x?a=1&b=2"]


@given(st.text())
def test_script_json_round_trips_and_never_closes_the_script(value: str) -> None:
    text = str(script_json({"v": value, "k": [value]}))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"v": value, "k": [value]}


def test_link_previews_get_raster_images_only(site_dir: Path, tmp_path: Path) -> None:
    from sitefiles import write_site

    write_site(site_dir, {
        "content/posts/2024-01-02-photo.md": "---\ntitle: Photo\nimage: /img/cover.png\n---\nBody.\n",
        "content/posts/2024-01-03-drawing.md": "---\ntitle: Drawing\nimage: /img/cover.svg\n---\nBody.\n",
        "static/img/cover.png": "png", "static/img/cover.svg": "<svg/>",
    })
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    photo = read_head(out / "posts/photo/index.html")
    assert photo.meta["og:image"] == ["https://example.org/img/cover.png"]
    assert photo.meta["twitter:image"] == ["https://example.org/img/cover.png"]
    assert photo.meta["twitter:card"] == ["summary_large_image"]
    drawing = read_head(out / "posts/drawing/index.html")
    assert "og:image" not in drawing.meta and "twitter:image" not in drawing.meta
    assert drawing.meta["twitter:card"] == ["summary"]
    assert graphs(drawing)[0]["image"] == "https://example.org/img/cover.svg"


def test_the_site_image_stands_in_for_pages_without_a_raster_image(site_dir: Path, tmp_path: Path) -> None:
    """site.yml's `image` (a card made for sharing) before the author's photo; a page's own picture first."""
    from sitefiles import write_site

    write_site(site_dir, {
        "content/site.yml": 'title: T\nbase_url: "https://example.org/blog/"\nimage: /img/card.png\n',
        "content/data/profile.yml": "name: Ada\nlabel: Engineer\nimage: /img/ada.jpg\n",
        "content/posts/2024-01-02-photo.md": "---\ntitle: Photo\nimage: /img/cover.png\n---\nBody.\n",
        "content/posts/2024-01-03-drawing.md": "---\ntitle: Drawing\nimage: /img/cover.svg\n---\nBody.\n",
        "static/img/card.png": "png", "static/img/cover.png": "png", "static/img/cover.svg": "<svg/>",
        "static/img/ada.jpg": "jpg",
    })
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    card = "https://example.org/blog/img/card.png"
    for page in ("index.html", "posts/drawing/index.html", "posts/index.html"):
        head = read_head(out / page)
        assert (head.meta["og:image"], head.meta["twitter:image"]) == ([card], [card]), page
        assert head.meta["twitter:card"] == ["summary_large_image"], page
    assert read_head(out / "posts/photo/index.html").meta["og:image"] == ["https://example.org/blog/img/cover.png"]

    (site_dir / "content/site.yml").write_text('title: T\nbase_url: "https://example.org/blog/"\n', encoding="utf-8")
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    home = read_head(out / "index.html")  # without it, the author's photo, as a small card
    assert home.meta["og:image"] == ["https://example.org/blog/img/ada.jpg"]
    assert home.meta["twitter:card"] == ["summary"]


def test_an_svg_site_image_is_an_error_at_its_line(site_dir: Path, tmp_path: Path) -> None:
    from sitefiles import write_site

    from careerblog.diagnostics import BuildError

    write_site(site_dir, {"content/site.yml": 'title: T\nbase_url: "https://example.org/"\nimage: /img/card.svg\n'})
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=site_dir, output=tmp_path / "out", now=NOW))
    assert [d.format() for d in caught.value.diagnostics] == [
        "content/site.yml:3:1: error: 'image' must be a PNG, JPEG, WebP or GIF picture for link previews, "
        "found '/img/card.svg'\n  hint: link previews do not show SVG; export a 1200x630 PNG, for example "
        "/images/card.png"]


def test_the_demo_shares_its_card(demo: Path) -> None:
    """The demo's avatar is an SVG, so its link previews show site.yml's card, which the build ships."""
    for page in ("index.html", "career/index.html", "posts/index.html"):
        head = read_head(demo / page)
        assert head.meta["og:image"] == [BASE_URL + "images/card.jpg"], page
    assert (demo / "images/card.jpg").read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG


def test_a_site_image_without_an_extension_is_taken_on_trust(site_dir: Path, tmp_path: Path) -> None:
    """A GitHub avatar's URL has no file extension; only an SVG is known to fail in link previews."""
    from sitefiles import write_site

    avatar = "https://avatars.githubusercontent.com/u/583231?v=4"
    write_site(site_dir, {"content/site.yml": f'title: T\nbase_url: "https://example.org/"\nimage: "{avatar}"\n'})
    build(BuildOptions(root=site_dir, output=tmp_path / "out", now=NOW))
    assert read_head(tmp_path / "out/index.html").meta["og:image"] == [avatar]
