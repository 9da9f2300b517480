"""Rendering: every page kind, in one table, from the assembled Site into Outputs (no writing here)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup, escape

from careerblog import urls
from careerblog.config import NavItem
from careerblog.diagnostics import Diagnostic, Diagnostics
from careerblog.markup import Converted
from careerblog.metadata import page_metadata
from careerblog.parallel import ordered_map
from careerblog.posts import Page, Post
from careerblog.shortcodes import expand_shortcodes
from careerblog.site import Site, Tag
from careerblog.templating import ShortcodeArgumentError, fail, template_error, template_origin
from careerblog.write import Output

if TYPE_CHECKING:
    from careerblog.incremental import PageMemo

# An incremental rebuild's memo of entries: source -> (record, conversion, entry) of the last build.
EntryMemo = dict[str, tuple["Post | Page", Converted, "Entry"]]


@dataclass(frozen=True, slots=True)
class PageInfo:
    """The `page` variable every template gets: what this page is and how it presents itself."""

    kind: str
    url: str
    title: str
    description: str = ""
    source: str = ""
    image: str = ""
    noindex: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """A post or page ready to show: its record plus rendered content and what lists need."""

    item: Post | Page
    content: Markup
    summary: Markup
    toc: Markup
    reading_minutes: int
    words: int
    tags: tuple[Tag, ...] = ()
    plain_summary: str = ""  # the summary as text, at most 300 characters: the page's description


    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def url(self) -> str:
        return self.item.url


@dataclass(frozen=True, slots=True)
class Paginator:
    number: int
    total: int
    previous_url: str | None
    next_url: str | None
    page_urls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageKind:
    """A kind of HTML page: its name, default template, URL pattern, and when it exists."""

    name: str
    template: str
    pattern: str
    exists: Callable[[Site], bool] = field(default=lambda site: True)


# The one list of HTML page kinds (DESIGN.md, "Pages the theme renders").
PAGE_KINDS: tuple[PageKind, ...] = (
    PageKind("home", "home.html", "/"),
    PageKind("archive", "archive.html", "/posts/ and /posts/page/N/"),
    PageKind("post", "post.html", "/posts/<slug>/"),
    PageKind("tags", "tags.html", "/tags/"),
    PageKind("tag", "tag.html", "/tags/<tag>/ and /tags/<tag>/page/N/"),
    PageKind("career", "career.html", "/career/", lambda site: site.has_career),
    PageKind("projects", "projects.html", "/projects/", lambda site: site.has_projects),
    PageKind("resume", "resume.html", "/resume/", lambda site: site.has_resume),
    PageKind("page", "page.html", "/<page>/"),
    PageKind("404", "404.html", "/404.html"),
)
KINDS = {kind.name: kind for kind in PAGE_KINDS}


@dataclass(frozen=True, slots=True)
class PlannedPage:
    kind: str
    url: str
    template: str
    info: PageInfo
    context: dict[str, Any]
    template_line: int | None = None  # where a layout was chosen in the source, for messages


def default_nav(site: Site) -> tuple[NavItem, ...]:
    """Without a `nav` in site.yml: the sections that exist, then the top-level standalone pages."""
    items = []
    if site.posts:
        items.append(NavItem("Posts", "/posts/"))
    if site.has_career:
        items.append(NavItem("Career", "/career/"))
    if site.has_projects:
        items.append(NavItem("Projects", "/projects/"))
    if site.has_resume:
        items.append(NavItem("Résumé", "/resume/"))
    items.extend(NavItem(p.title, "/" + p.url) for p in site.pages if "/" not in p.slug)
    return tuple(items)


def _description(site: Site, text: str) -> str:
    return text or site.config.description or (site.profile.person.summary if site.profile.person else "")


def _plain(html: str) -> str:
    return " ".join(Markup(html).striptags().split())


def plan_pages(site: Site, entries: dict[str, Entry]) -> Iterator[PlannedPage]:
    """Every HTML page of the site, in a stable order, with its template and context."""
    person = site.profile.person
    home_title = site.config.title
    yield PlannedPage("home", "", KINDS["home"].template,
                      PageInfo("home", "", home_title, _description(site, ""), image=person.image if person else ""),
                      {"posts": [entries[p.source] for p in site.posts[: site.config.home_posts]],
                       "featured_projects": [p for p in site.profile.projects if p.featured]})

    per_page = site.config.paginate
    total = site.archive_pages
    page_urls = tuple(urls.archive_url(n) for n in range(1, total + 1))
    for number in range(1, total + 1):
        chunk = site.posts[(number - 1) * per_page : number * per_page]
        paginator = Paginator(number, total, page_urls[number - 2] if number > 1 else None,
                              page_urls[number] if number < total else None, page_urls)
        title = "Posts" if number == 1 else f"Posts, page {number} of {total}"
        yield PlannedPage("archive", urls.archive_url(number), KINDS["archive"].template,
                          PageInfo("archive", urls.archive_url(number), title,
                                   f"All posts on {site.config.title}, newest first."),
                          {"posts": [entries[p.source] for p in chunk], "paginator": paginator})

    for post in site.posts:
        entry = entries[post.source]
        older, newer = site.neighbours[post.source]
        yield PlannedPage("post", post.url, f"{post.layout}.html",
                          PageInfo("post", post.url, post.title, entry.plain_summary, post.source,
                                   post.image),
                          {"post": entry, "previous": entries[older.source] if older else None,
                           "next": entries[newer.source] if newer else None})

    yield PlannedPage("tags", urls.tags_url(), KINDS["tags"].template,
                      PageInfo("tags", urls.tags_url(), "Tags", f"Posts on {site.config.title} by topic."), {})
    for tag in site.tags:
        # Paginated like the archive, so a tag page costs the same at 50 posts and at 5,000.
        count = len(tag.posts)
        total = max(1, -(-count // per_page))
        page_urls = tuple(urls.tag_url(tag.slug, n) for n in range(1, total + 1))
        description = f"{count} post{'s' if count != 1 else ''} tagged {tag.name}."
        for number in range(1, total + 1):
            chunk = tag.posts[(number - 1) * per_page : number * per_page]
            paginator = Paginator(number, total, page_urls[number - 2] if number > 1 else None,
                                  page_urls[number] if number < total else None, page_urls)
            title = f"Posts tagged {tag.name}" + (f", page {number} of {total}" if number > 1 else "")
            url = page_urls[number - 1]
            yield PlannedPage("tag", url, KINDS["tag"].template, PageInfo("tag", url, title, description),
                              {"tag": tag, "posts": [entries[p.source] for p in chunk], "paginator": paginator})

    for name, title in (("career", "Career"), ("projects", "Projects"), ("resume", "Résumé")):
        kind = KINDS[name]
        if kind.exists(site):
            url = f"{name}/"
            description = _description(site, "")
            if person:
                description = {"career": f"The career of {person.name}: roles, skills and how they grew.",
                               "projects": f"Projects by {person.name}, with their measured outcomes.",
                               "resume": f"Résumé of {person.name}{', ' + person.label if person.label else ''}."}[name]
            yield PlannedPage(name, url, kind.template, PageInfo(name, url, title, description), {})

    for page in site.pages:
        entry = entries[page.source]
        yield PlannedPage("page", page.url, f"{page.layout}.html",
                          PageInfo("page", page.url, page.title, entry.plain_summary or page.summary,
                                   page.source, page.image), {"entry": entry})

    yield PlannedPage("404", "404.html", KINDS["404"].template,
                      PageInfo("404", "404.html", "Page not found", "This page does not exist.", noindex=True), {})


def base_context(site: Site) -> dict[str, Any]:
    """What every template and shortcode sees: the documented context of the README."""
    return {
        "site": site,
        "config": site.config,
        "profile": site.profile,
        "person": site.profile.person,
        "nav": site.config.nav if site.config.nav is not None else default_nav(site),
        "fail": fail,
    }


def _shortcode_names(env: jinja2.Environment) -> list[str]:
    return sorted(n[len("shortcodes/"):-len(".html")] for n in env.list_templates()
                  if n.startswith("shortcodes/") and n.endswith(".html"))


def make_entries(site: Site, documents: dict[str, Converted], env: jinja2.Environment, root: Path,
                 diags: Diagnostics, memo: EntryMemo | None = None) -> dict[str, Entry]:
    """Expand each document's shortcodes and wrap it for templates; problems are located in the source.

    With a `memo` (an incremental rebuild), a document whose record and conversion are unchanged and that
    holds no shortcodes keeps its Entry from the last build. Without one, each document in `documents` is
    replaced by a copy without its HTML once its entry holds that HTML: only one copy of a site's HTML is
    in memory at a time (5,000 posts: 30 MB less, and less again in every worker forked to render pages).
    """
    context = base_context(site)
    entries: dict[str, Entry] = {}
    for item in site.documents:
        doc = documents[item.source]
        tags = site.post_tags.get(item.source, ())
        known = memo.get(item.source) if memo is not None else None
        if known is not None and known[1] is doc and not doc.shortcodes and not doc.problems and known[0] == item:
            # The same Entry object when its tags have the same names and links: pages compare it by identity.
            # Its Tag objects may be last build's, whose lists of other posts the page does not show.
            entry = known[2]
            if [(t.name, t.slug) for t in entry.tags] != [(t.name, t.slug) for t in tags]:
                entry = replace(entry, tags=tags)
            entries[item.source] = entry
            if memo is not None:
                memo[item.source] = (item, doc, entry)
            continue
        for problem in doc.problems:
            diags.error(item.source, item.body_line + problem.line - 1, problem.message,
                        'write a shortcode as {{< name arg key="value" >}}')
        rendered: dict[str, str] = {}
        for call in doc.shortcodes:
            line = item.body_line + call.line - 1
            try:
                template = env.get_template(f"shortcodes/{call.name}.html")
            except jinja2.TemplateNotFound:
                diags.error(item.source, line, f"unknown shortcode {call.name!r}",
                            "available shortcodes: " + ", ".join(_shortcode_names(env)))
                rendered[call.token] = ""
                continue
            except jinja2.TemplateSyntaxError as exc:
                diags.add(template_error(exc, root, f"expanding shortcode {call.name!r} in {item.source}:{line}"))
                rendered[call.token] = ""
                continue
            try:
                html = template.render({**context, "args": call.args, "kwargs": dict(call.kwargs),
                                        "source": item.source, "line": line})
            except Exception as exc:  # any template failure becomes a located message
                if isinstance(exc, ShortcodeArgumentError):
                    diags.error(item.source, line, str(exc), exc.hint)
                else:
                    diags.add(template_error(exc, root, f"expanding shortcode {call.name!r} in {item.source}:{line}"))
                html = ""
            rendered[call.token] = html.strip()
        content = expand_shortcodes(doc.html, rendered) if rendered else doc.html
        summary_html = expand_shortcodes(doc.summary_html, rendered) if rendered else doc.summary_html
        summary = Markup(escape(item.summary)) if item.summary else Markup(summary_html)
        entries[item.source] = Entry(item, Markup(content), summary, Markup(doc.toc_html),
                                     doc.reading_minutes, doc.words, tags, _plain(summary)[:300])
        if memo is not None:
            memo[item.source] = (item, doc, entries[item.source])
        else:  # freed now, its memory is reused for the next entry's HTML
            documents[item.source] = replace(doc, html="", summary_html="", toc_html="")
    if memo is not None:
        for gone in set(memo) - set(entries):
            del memo[gone]
    return entries


def _known_targets(site: Site, page_urls: Iterable[str]) -> set[str]:
    known = set(page_urls) | {s.path for s in site.static_files}
    known |= {"feed.xml", "sitemap.xml", "robots.txt", "404.html", "css/highlight.css"}
    if site.has_resume:
        known.add("resume.json")
    return known


def _resolve(target: str, page_url: str) -> str | None:
    """The site-relative path a link in a page points to; None for links that leave the site."""
    parts = urlsplit(target)
    if parts.scheme or target.startswith("//") or not parts.path:
        return None
    path = unquote(parts.path)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(page_url, path)
    normal = posixpath.normpath(joined) if joined else ""
    if normal == ".":
        normal = ""
    if joined.endswith("/") and normal:
        normal += "/"
    return normal


def check_document_links(site: Site, documents: dict[str, Converted], page_urls: Iterable[str],
                         diags: Diagnostics) -> None:
    """Warn about links in posts and pages that point to no page or file of this site."""
    known = _known_targets(site, page_urls)
    for item in site.documents:
        for ref in documents[item.source].links:
            path = _resolve(ref.target, item.url)
            if path is None:
                continue
            candidates = {path, path + "/" if path and not path.endswith("/") else path,
                          urls.output_path(path)}
            if not candidates & known:
                what = "missing image" if ref.kind == "image" else "broken link"
                diags.warning(item.source, item.body_line + ref.line - 1, f"{what} to {ref.target}",
                              "point it at a page or file that this site builds")


# A problem met while rendering a page, with what makes it the same mistake on another page (or None).
Problem = tuple[str | None, Diagnostic]


def render_page(page: PlannedPage, site: Site, env: jinja2.Environment, context: dict[str, Any], root: Path,
                entries: dict[str, Entry]) -> tuple[Output | None, tuple[Problem, ...]]:
    """One planned page as an Output, or the problems that stopped it."""
    doing = f"rendering /{page.url}" + (f" from {page.info.source}" if page.info.source else "")
    try:
        template = env.get_template(page.template)
    except jinja2.TemplateNotFound:
        if page.info.source and page.template not in {k.template for k in PAGE_KINDS}:
            layout = page.template[: -len(".html")]
            line, col = entries[page.info.source].item.layout_at or (None, None)
            return None, ((None, Diagnostic(page.info.source, line, col, "error", f"layout {layout!r} does not exist",
                                            f"add templates/{page.template}, or remove 'layout' to use the default")),)
        return None, ((None, Diagnostic(page.template, None, None, "error",
                                        f"template {page.template!r} not found ({doing})")),)
    except jinja2.TemplateSyntaxError as exc:
        return None, ((str(exc), template_error(exc, root, doing)),)
    except OSError as exc:  # a template the file system will not give
        return None, ((None, Diagnostic(template_origin(env, page.template, root), None, None, "error",
                                        f"cannot read the template: {exc.strerror or exc} ({doing})",
                                        "check the file's permissions")),)
    try:
        html = template.render({**context, **page.context, "page": page.info,
                                "meta": page_metadata(site, page.info, page.context.get("post"))})
    except Exception as exc:  # any template failure becomes a located message
        failure = template_error(exc, root, doing)
        return None, ((f"{failure.path}:{failure.line}:{exc}", failure),)
    source = page.info.source or template_origin(env, page.template, root, template)  # generated: the template
    return Output(urls.output_path(page.url), html.encode("utf-8"), source), ()


def render_pages(site: Site, entries: dict[str, Entry], env: jinja2.Environment, root: Path,
                 diags: Diagnostics, jobs: int = 1, memo: PageMemo | None = None,
                 deliver: Callable[[Output], Output] | None = None,
                 meanwhile: Callable[[], object] | None = None) -> tuple[list[Output], list[PlannedPage]]:
    """Render every planned HTML page, over `jobs` processes; a failing page is reported, the others render.

    With a `memo` (an incremental rebuild), a page whose template, context and site-wide inputs are the
    same as last time keeps its last Output, and only the others are rendered. With `deliver`, each page
    is handed to it in the process that rendered it (a build: written to the staging folder there), and
    what it returns is kept instead.
    """
    context = base_context(site)
    planned = list(plan_pages(site, entries))
    kept: dict[int, Output] = {}
    todo = list(range(len(planned)))
    if memo is not None:
        memo.begin(site, context, env)
        todo = []
        for index, page in enumerate(planned):
            output = memo.lookup(page)
            if output is None:
                todo.append(index)
            else:
                kept[index] = output
    def render(index: int) -> tuple[Output | None, tuple[Problem, ...]]:
        output, problems = render_page(planned[index], site, env, context, root, entries)
        return (deliver(output) if deliver is not None and output is not None else output), problems

    results = ordered_map(render, todo, jobs, meanwhile)
    failures: dict[str, list[Diagnostic]] = {}
    for index, (output, problems) in zip(todo, results, strict=True):
        for group, problem in problems:
            if group is None:
                diags.add(problem)
            else:
                failures.setdefault(group, []).append(problem)
        if output is not None:
            kept[index] = output
            if memo is not None:
                memo.store(planned[index], output)
    for same in failures.values():
        # One mistake in base.html fails every page: say it once, with how many pages it broke.
        more = f", and {len(same) - 1} more page{'s' if len(same) > 2 else ''})" if len(same) > 1 else ")"
        diags.add(replace(same[0], message=same[0].message.removesuffix(")") + more))
    return [kept[i] for i in sorted(kept)], planned
