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


@pytest.mark.parametrize("spelled", ["as given", "through ..", "relative"])
def test_a_loaded_templates_origin_is_told_by_its_file_without_looking_at_the_folder(
        spelled: str, site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from careerblog.templating import template_origin

    write_site(site_dir, {"templates/404.html": "mine"})
    root = {"as given": site_dir, "through ..": site_dir / "templates" / "..",
            "relative": Path(site_dir.name)}[spelled]
    monkeypatch.chdir(site_dir.parent)
    env = make_environment(root, CONFIG)
    mine, theirs = env.get_template("404.html"), env.get_template("post.html")
    monkeypatch.setattr(Path, "is_file", lambda self: pytest.fail(f"looked at {self}"))
    assert template_origin(env, "404.html", root, mine) == "templates/404.html"
    assert template_origin(env, "post.html", root, theirs) == "careerblog/theme/templates/post.html"


def test_the_date_filters_work_out_each_value_once_and_keep_their_own_errors(site_dir: Path) -> None:
    """Dates are cached by value; a value that cannot be cached (a list from front matter) still gets the
    filter's own error, which the page's message names, not "unhashable type"."""
    moment = dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC)
    twice = "{{ d | date }}|{{ d | date }}|{{ d | isodate }}"
    assert render(site_dir, twice, d=moment) == "5 March 2024|5 March 2024|2024-03-05T12:00:00Z"
    with pytest.raises(AttributeError, match="month"):
        render(site_dir, "{{ d | date }}", d=["2024"])


PRECOMPILE_SITE = {  # under a sub-path and with a date format of its own, unlike precompile_theme's settings
    "content/site.yml": 'title: Sub\nbase_url: "https://user.github.io/repo/"\nauthor: A\ndate_format: "%Y/%m/%d"\n',
    "content/posts/2024-01-01-one.md": "---\ntitle: One\ntags: [a]\n---\nText with `code`.\n\n```python\nx = 1\n```\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout.\n",
    "content/data/career.yml": "- position: Engineer\n  organization: Example\n  start_date: 2020-01\n",
}


@pytest.fixture
def theme(tmp_path: Path) -> Path:
    """A copy of the built-in theme, without whatever `make` precompiled into the package."""
    import shutil

    from careerblog.templating import THEME_DIR

    return Path(shutil.copytree(THEME_DIR, tmp_path / "theme", ignore=shutil.ignore_patterns("__pycache__")))


def _build_compiling(site: Path, theme: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bytes],
                                                                                                  list[str]]:
    """Build cold with `theme`; returns the output's files and the templates Jinja had to compile."""
    from careerblog.build import build
    from careerblog.config import BuildOptions

    compiled: list[str] = []
    compile_source = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, filename: str | None = None,
                 *args: object, **kwargs: object) -> object:
        compiled.append(name or "")
        return compile_source(self, source, name, filename, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    build(BuildOptions(root=site, output=out, theme_dir=theme, cache=False, jobs=1,
                       now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    monkeypatch.undo()
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}, compiled


@pytest.mark.parametrize("own", [{}, {"templates/partials/footer.html": "<footer>Mine {{ config.title }}</footer>\n",
                                    "templates/base.html": "{% extends 'theme-base.html' %}"}])
def test_a_precompiled_theme_is_loaded_instead_of_compiled_and_renders_the_same_bytes(
        own: dict[str, str], tmp_path: Path, theme: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """And a site's own templates, which may stand in for the theme's, are still compiled from the site."""
    from careerblog.templating import precompile_theme

    if own:  # the site's base.html wraps the theme's, kept under another name
        (theme / "templates" / "theme-base.html").write_bytes((theme / "templates" / "base.html").read_bytes())
    site = write_site(tmp_path / "site", {**PRECOMPILE_SITE, **own})
    plain, compiled = _build_compiling(site, theme, tmp_path / "plain", monkeypatch)
    assert {"base.html", "post.html", "_macros.html", "career.html"} <= set(compiled)

    assert precompile_theme(theme).is_file()
    loaded, compiled = _build_compiling(site, theme, tmp_path / "loaded", monkeypatch)
    assert sorted(compiled) == sorted(name.removeprefix("templates/") for name in own)
    assert loaded == plain and len(plain) > 10
    assert (b"<footer>Mine Sub</footer>" in loaded["index.html"]) == bool(own)


def test_a_theme_template_changed_since_it_was_precompiled_is_compiled_afresh(
        tmp_path: Path, theme: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from careerblog.templating import precompile_theme

    site = write_site(tmp_path / "site", PRECOMPILE_SITE)
    precompile_theme(theme)
    footer = theme / "templates" / "partials" / "footer.html"
    footer.write_text(footer.read_text(encoding="utf-8") + "<!-- changed since -->\n", encoding="utf-8")
    files, compiled = _build_compiling(site, theme, tmp_path / "out", monkeypatch)
    assert compiled == ["partials/footer.html"]
    assert b"<!-- changed since -->" in files["index.html"]


@pytest.mark.parametrize("damage", ["other settings", "garbage", "empty"])
def test_a_precompiled_theme_of_other_settings_or_damaged_is_ignored(
        damage: str, tmp_path: Path, theme: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from careerblog import templating

    site = write_site(tmp_path / "site", PRECOMPILE_SITE)
    plain, _ = _build_compiling(site, theme, tmp_path / "plain", monkeypatch)
    made = templating.precompile_theme(theme)
    if damage == "other settings":  # as after an upgrade of Jinja, or a filter now given the context
        monkeypatch.setattr(templating.jinja2, "__version__", "0.0-other")
    else:
        made.write_bytes(b"\x00not marshal" if damage == "garbage" else b"")
    with monkeypatch.context() as patched:
        files, compiled = _build_compiling(site, theme, tmp_path / "out", patched)
    assert "base.html" in compiled
    assert files == plain


def test_a_theme_template_that_does_not_compile_is_left_out_and_reported_where_it_is_used(
        tmp_path: Path, theme: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from careerblog.build import build
    from careerblog.config import BuildOptions
    from careerblog.diagnostics import BuildError
    from careerblog.templating import precompile_theme

    (theme / "templates" / "page.html").write_text("{% extends 'base.html' %}\n{% block main %}{% if %}\n",
                                                   encoding="utf-8")
    assert precompile_theme(theme).is_file()  # the other templates are compiled ahead
    site = write_site(tmp_path / "site", PRECOMPILE_SITE)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=site, output=tmp_path / "out", theme_dir=theme, cache=False, jobs=1))
    (problem,) = caught.value.diagnostics
    assert problem.path.endswith("templates/page.html") and problem.line == 2
