"""Link checking: every internal link, anchor, image, stylesheet and script of every page must resolve."""

from __future__ import annotations

import concurrent.futures
import posixpath
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from careerblog.config import BuildOptions, normalize_base_url
from careerblog.diagnostics import BuildError, Diagnostic
from careerblog.render import KINDS
from careerblog.templating import THEME_DIR

if TYPE_CHECKING:
    from careerblog.build import Rendered

# Attributes that load or link to something, by element.
LINK_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"), "script": ("src",),
    "source": ("src", "srcset"), "iframe": ("src",), "video": ("src", "poster"), "audio": ("src",),
    "track": ("src",), "embed": ("src",), "object": ("data",),
}
# Link relations that name a host to talk to, not a document.
_NOT_DOCUMENTS = ("preconnect", "dns-prefetch")
# Metadata that holds a URL of this site (link previews fetch them).
_URL_METAS = ("og:url", "og:image", "twitter:image")
_SKIPPED_SCHEMES = ("mailto", "tel", "javascript", "data", "about", "blob", "sms")
USER_AGENT = "careerblog-link-check"


@dataclass(frozen=True, slots=True)
class Link:
    target: str  # as written in the page
    line: int  # in the HTML


@dataclass(frozen=True, slots=True)
class ParsedPage:
    links: tuple[Link, ...]
    ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class BrokenLink:
    page: str  # output path of the page holding the link
    target: str
    html_line: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CheckReport:
    pages: int
    links: int
    broken: tuple[BrokenLink, ...]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        if tag == "link" and set(values.get("rel", "").lower().split()) & set(_NOT_DOCUMENTS):
            return
        if tag == "meta" and (values.get("property") or values.get("name")) in _URL_METAS:
            self.links.append(Link(values.get("content", "").strip(), line))
        for name in LINK_ATTRIBUTES.get(tag, ()):
            if name not in values:
                continue
            if name == "srcset":
                for candidate in values[name].split(","):
                    if candidate.strip():
                        self.links.append(Link(candidate.split()[0], line))
            else:
                self.links.append(Link(values[name].strip(), line))

    handle_startendtag = handle_starttag


def parse_page(html: str) -> ParsedPage:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return ParsedPage(tuple(parser.links), frozenset(parser.ids))


def page_url(path: str, base_path: str) -> str:
    """The URL path a visitor sees for an output file: /base/posts/x/ for posts/x/index.html."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_path + path


def is_external(target: str, base_url: str) -> bool:
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") or target.startswith("//"):
        return not (urlsplit(base_url).scheme and target.startswith(base_url))
    return False


def _resolve(target: str, page: str, base_url: str, base_path: str) -> tuple[str | None, str] | None:
    """The output path a link points to and its fragment; None for links that leave the site.

    The path is None when the link points outside the base path, where no file of this site can be.
    """
    parts = urlsplit(target)
    if parts.scheme in _SKIPPED_SCHEMES or is_external(target, base_url):
        return None
    # An absolute URL here lies under base_url; anything else resolves against the page, as a browser does.
    resolved = urlsplit(target if parts.scheme else urljoin("http://site" + base_path + page, target))
    path = resolved.path or "/"
    if not path.startswith(base_path) and path + "/" != base_path:
        return None, resolved.fragment
    relative = unquote(path[len(base_path):])
    normal = posixpath.normpath(relative) if relative else ""
    if normal in (".", ""):
        normal = ""
    elif relative.endswith("/"):
        normal += "/"
    return normal, resolved.fragment


def _target_file(relative: str, files: set[str]) -> str | None:
    """The file a browser gets for a site-relative path; GitHub Pages also serves dir/index.html for dir."""
    candidates = [relative + "index.html"] if relative == "" or relative.endswith("/") else [
        relative, relative + "/index.html"]
    return next((c for c in candidates if c in files), None)


def check_pages(pages: Mapping[str, str], files: set[str], base_url: str, base_path: str) -> CheckReport:
    """Check every link of every HTML page against the set of files the site holds."""
    parsed = {path: parse_page(html) for path, html in sorted(pages.items())}
    broken: list[BrokenLink] = []
    count = 0
    for path, page in parsed.items():
        for link in page.links:
            count += 1
            resolved = _resolve(link.target, path, base_url, base_path)
            if resolved is None:
                continue
            relative, fragment = resolved
            if relative is None:
                broken.append(BrokenLink(path, link.target, link.line, f"outside the base path {base_path}"))
                continue
            target_file = path if link.target.startswith("#") else _target_file(relative, files)
            if target_file is None:
                broken.append(BrokenLink(path, link.target, link.line))
                continue
            anchor = unquote(fragment)
            if anchor and anchor != "top" and target_file in parsed and anchor not in parsed[target_file].ids:
                broken.append(BrokenLink(path, link.target, link.line, f"no element with id {anchor!r}"))
    return CheckReport(len(parsed), count, tuple(broken))


def external_links(pages: Mapping[str, str], base_url: str) -> dict[str, list[tuple[str, int]]]:
    """Every external http(s) link, with the pages and lines that hold it."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path, html in sorted(pages.items()):
        for link in parse_page(html).links:
            if is_external(link.target, base_url):
                url = "https:" + link.target if link.target.startswith("//") else link.target
                found.setdefault(url.split("#", 1)[0], []).append((path, link.line))
    return found


def probe(url: str, timeout: float) -> str:
    """"" when the URL answers with a success status, else why not."""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if response.status < 400:
                    return ""
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue  # some servers refuse HEAD; ask again with GET
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return f"unreachable ({reason})"
    return "no answer"


def check_external(pages: Mapping[str, str], base_url: str, timeout: float,
                   fetch: Callable[[str, float], str] = probe) -> tuple[BrokenLink, ...]:
    """Ask each external URL once, a few at a time; report every place that links to a failing one."""
    found = external_links(pages, base_url)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(found, pool.map(lambda url: fetch(url, timeout), found), strict=True))
    return tuple(BrokenLink(page, url, line, reason)
                 for url, reason in results.items() if reason
                 for page, line in found[url])


def link_spellings(target: str, base_path: str) -> tuple[list[str], list[str]]:
    """How a link may be written in a source: exact spellings first, then looser clues (anchor, last segment)."""
    parts = urlsplit(target)
    path = parts.path
    exact = [target]
    if path.startswith(base_path) and base_path != "/":
        stripped = "/" + path[len(base_path):]
        exact += [stripped + (f"#{parts.fragment}" if parts.fragment else ""), stripped]
    if path:
        exact += [path, path.lstrip("/")]
    loose = ["#" + parts.fragment] if parts.fragment else []
    segments = [s for s in path.split("/") if s and s not in (".", "..")]
    if segments:
        loose.append(segments[-1])
    return [c for c in dict.fromkeys(exact) if c and c != "/"], loose


def locate_in_source(text: str, target: str, base_path: str, loose: bool = True) -> int | None:
    """The first line of a source (Markdown, template or YAML) where a link to `target` is written."""
    exact, clues = link_spellings(target, base_path)
    lines = text.splitlines()
    for candidate in exact + (clues if loose else []):
        for number, line in enumerate(lines, start=1):
            if candidate in line:
                return number
    return None


def broken_link_diagnostic(link: BrokenLink, source: str, line: int | None, base_path: str) -> Diagnostic:
    message = f"broken link to {link.target} (in {page_url(link.page, base_path)})"
    if link.reason and link.reason.startswith(("HTTP", "unreachable", "no answer")):
        message += f": {link.reason}"
    return Diagnostic(source, line, None, "error", message)


def read_built(folder: Path) -> tuple[dict[str, str], set[str]]:
    """The HTML pages and the set of all files of a built site folder."""
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    pages = {path: (folder / path).read_text(encoding="utf-8", errors="replace")
             for path in files if path.endswith(".html")}
    return pages, files


@dataclass(frozen=True, slots=True)
class CheckResult:
    report: CheckReport
    external: int  # external URLs asked, with --external
    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]


def _base_from_feed(folder: Path) -> str | None:
    """The base URL a built folder was made for, read from its feed's self link."""
    feed = folder / "feed.xml"
    if not feed.is_file():
        return None
    marker = 'rel="self"'
    for line in feed.read_text(encoding="utf-8", errors="replace").splitlines():
        if marker in line and 'href="' in line:
            href = line.split('href="', 1)[1].split('"', 1)[0]
            if href.endswith("feed.xml"):
                return href[: -len("feed.xml")]
    return None


def check_site(options: BuildOptions, built: Path | None = None, external: bool = False, timeout: float = 5.0,
               fetch: Callable[[str, float], str] = probe) -> CheckResult:
    """Render the site in memory (or read `built`) and check every link; raises BuildError when it cannot build."""
    from careerblog.build import render_site  # check sits on top of the build

    rendered: Rendered | None = None
    warnings: tuple[Diagnostic, ...] = ()
    if built is None:
        rendered = render_site(options)
        warnings = rendered.warnings
        pages = {o.path: o.content.decode("utf-8", "replace") for o in rendered.outputs if o.path.endswith(".html")}
        for static in rendered.site.static_files:
            if static.path.endswith(".html") and static.path not in pages:
                pages[static.path] = static.source.read_text(encoding="utf-8", errors="replace")
        files = {o.path for o in rendered.outputs} | {s.path for s in rendered.site.static_files}
        base_url = rendered.site.config.base_url
    else:
        if not built.is_dir():
            raise BuildError.single(str(built), None, "not a folder", "pass the folder a build wrote, such as _site")
        pages, files = read_built(built)
        try:
            rendered = render_site(options)  # only to name the sources of pages in messages
        except BuildError:
            rendered = None
        base_url = options.base_url or _base_from_feed(built) or (rendered.site.config.base_url if rendered else "/")
        base_url = normalize_base_url(base_url) or "/"
    base_path = urlsplit(base_url).path or "/"

    report = check_pages(pages, files, base_url, base_path)
    broken = list(report.broken)
    asked = 0
    if external:
        asked = len(external_links(pages, base_url))
        broken += check_external(pages, base_url, timeout, fetch)

    sources = _page_sources(rendered, options.root, options.theme_dir) if rendered else {}
    elsewhere = _shared_sources(options) if rendered and broken else []
    texts: dict[str, str] = {}

    def text_of(display: str, file: Path) -> str:
        if display not in texts:
            try:
                texts[display] = file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                texts[display] = ""
        return texts[display]

    errors = []
    for link in broken:
        if link.page in sources:
            display, file = sources[link.page]
            line = locate_in_source(text_of(display, file), link.target, base_path, loose=False)
            if line is None:
                # Not written in the page's own source: a nav entry in site.yml, a link in the base template...
                for other, other_file in elsewhere:
                    line = locate_in_source(text_of(other, other_file), link.target, base_path, loose=False)
                    if line is not None:
                        display = other
                        break
                else:
                    line = locate_in_source(text_of(display, file), link.target, base_path)
        else:
            display = (built / link.page).as_posix() if built is not None else link.page
            line = link.html_line
        errors.append(broken_link_diagnostic(link, display, line, base_path))
    # The build's own warnings about links in posts are reported above as errors, in check's format.
    kept = tuple(w for w in warnings if not w.message.startswith(("broken link to", "missing image to")))
    # One line per distinct problem: a page may hold the same link twice (the 404 page repeats the menu).
    return CheckResult(report, asked, tuple(dict.fromkeys(errors)), kept)


def _shared_sources(options: BuildOptions) -> list[tuple[str, Path]]:
    """Files whose links reach many pages: site settings, career data, then every template."""
    root = options.root
    found = [("content/site.yml", root / "content" / "site.yml")]
    found += [(p.relative_to(root).as_posix(), p) for p in sorted((root / "content" / "data").glob("*.yml"))]
    found += [(p.relative_to(root).as_posix(), p) for p in sorted((root / "templates").rglob("*.html"))]
    theme = (options.theme_dir or THEME_DIR) / "templates"
    found += [("careerblog/theme/" + p.relative_to(theme.parent).as_posix(), p) for p in sorted(theme.rglob("*.html"))]
    return found


def _generated_kind(path: str) -> str:
    """The page kind of a generated output path, by the URL patterns of render.PAGE_KINDS."""
    parts = path.split("/")
    if path == "404.html":
        return "404"
    if parts[0] == "posts":
        return "archive"
    if parts[0] == "tags":
        return "tags" if len(parts) == 2 else "tag"
    if parts[0] in KINDS and len(parts) == 2:
        return parts[0]
    return "home"


def _page_sources(rendered: Rendered, root: Path, theme_dir: Path | None = None) -> dict[str, tuple[str, Path]]:
    """For each output page: the source named in messages and the file that holds its text."""
    found: dict[str, tuple[str, Path]] = {}
    theme = (theme_dir or THEME_DIR) / "templates"
    for output in rendered.outputs:
        if output.source.startswith("careerblog/theme/"):  # a generated page, named by the theme template
            found[output.path] = (output.source, theme.parent / output.source[len("careerblog/theme/"):])
        elif output.source:
            found[output.path] = (output.source, root / output.source)
        elif output.path.endswith(".html"):
            # A generated page without a named source: its links are written in its kind's template.
            name = KINDS[_generated_kind(output.path)].template
            site_file = root / "templates" / name
            found[output.path] = ((f"templates/{name}", site_file) if site_file.is_file()
                                  else (f"careerblog/theme/templates/{name}", theme / name))
    for static in rendered.site.static_files:
        if static.path.endswith(".html"):
            try:
                display = static.source.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                display = static.source.as_posix()
            found[static.path] = (display, static.source)
    return found
