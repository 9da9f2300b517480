"""Assembling a Site: published posts in order, tags, pages, static files, and URL collisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from careerblog import urls
from careerblog.config import SiteConfig
from careerblog.diagnostics import Diagnostics
from careerblog.posts import Page, Post
from careerblog.profile import Profile

_IGNORED_STATIC = (".DS_Store", "Thumbs.db")


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    slug: str
    posts: tuple[Post, ...]

    @property
    def url(self) -> str:
        return urls.tag_url(self.slug)


@dataclass(frozen=True, slots=True)
class StaticFile:
    path: str  # relative output path, forward slashes
    source: Path


@dataclass(frozen=True, slots=True)
class Site:
    """Everything a build renders, sorted and grouped once; templates only loop and print."""

    config: SiteConfig
    posts: tuple[Post, ...]  # published, newest first
    pages: tuple[Page, ...]
    tags: tuple[Tag, ...]  # by name
    profile: Profile
    static_files: tuple[StaticFile, ...]
    skipped_future: tuple[Post, ...] = ()
    skipped_drafts: tuple[Post | Page, ...] = ()
    neighbours: MappingProxyType[str, tuple[Post | None, Post | None]] = field(
        default_factory=lambda: MappingProxyType({})
    )  # source -> (older, newer)
    post_tags: MappingProxyType[str, tuple[Tag, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def documents(self) -> tuple[Post | Page, ...]:
        """Every published post and page: the Markdown a build converts."""
        return (*self.posts, *self.pages)

    @property
    def has_career(self) -> bool:
        return bool(self.profile.roles) or self.profile.skills is not None

    @property
    def has_projects(self) -> bool:
        return bool(self.profile.projects)

    @property
    def has_resume(self) -> bool:
        return self.profile.person is not None or bool(self.profile.roles)

    @property
    def archive_pages(self) -> int:
        return max(1, -(-len(self.posts) // self.config.paginate))


def _static_files(roots: tuple[Path, ...]) -> tuple[StaticFile, ...]:
    """Theme static files first, then the site's: a site file replaces the theme file of the same path."""
    found: dict[str, Path] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for file in root.rglob("*"):
            name = file.name
            if not file.is_file() or name in _IGNORED_STATIC or name.endswith(("~", ".swp", ".swx")):
                continue
            found[file.relative_to(root).as_posix()] = file
    return tuple(StaticFile(path, found[path]) for path in sorted(found))


def _shown(static: StaticFile, roots: tuple[Path, ...]) -> str:
    """A static file as messages name it: relative to the site (its static/ is the last root), or the theme's."""
    if static.source.is_relative_to(roots[-1]):
        return "static/" + static.source.relative_to(roots[-1]).as_posix()
    return "careerblog/theme/static/" + static.path


def _inside_the_site(files: tuple[StaticFile, ...], roots: tuple[Path, ...],
                     diags: Diagnostics) -> tuple[StaticFile, ...]:
    """Drop the site's static files that are links to files outside the site: a build publishes only the site."""
    site = roots[-1].resolve().parent
    kept = []
    for static in files:
        if static.source.is_relative_to(roots[-1]) and not static.source.resolve().is_relative_to(site):
            diags.warning(_shown(static, roots), None, "links to a file outside the site; it is not published",
                          "copy the file into static/ if it belongs on the site")
            continue
        kept.append(static)
    return tuple(kept)


def _tags(posts: tuple[Post, ...]) -> tuple[tuple[Tag, ...], dict[str, tuple[Tag, ...]]]:
    by_slug: dict[str, list[Post]] = {}
    names: dict[str, set[str]] = {}
    slugs: dict[str, str] = {}  # slugify is pure and tags repeat across posts: slug each name once
    for post in posts:
        # A post lists each tag page once, however many spellings of the tag it gives (linear, not a
        # search of the tag's list per post, which made 5,000 posts cost seconds).
        for slug in dict.fromkeys(slugs.get(n) or slugs.setdefault(n, urls.slugify(n)) for n in post.tags):
            by_slug.setdefault(slug, []).append(post)
        for name in post.tags:
            names.setdefault(slugs[name], set()).add(name)
    # Tags spelled two ways ("ML", "ml") share one page, under the spelling that sorts first.
    tags = {slug: Tag(sorted(names[slug])[0], slug, tuple(items)) for slug, items in by_slug.items()}
    ordered = tuple(sorted(tags.values(), key=lambda t: (t.name.lower(), t.slug)))
    post_tags = {post.source: tuple(tags[s] for s in dict.fromkeys(slugs[n] for n in post.tags)) for post in posts}
    return ordered, post_tags


def _built_in_urls(profile: Profile, archive_pages: int) -> dict[str, str]:
    taken = {
        "": "the home page", "posts/": "the post archive", "tags/": "the tag index",
        "404.html": "the 404 page", "feed.xml": "the feed", "sitemap.xml": "the sitemap",
        "robots.txt": "robots.txt",
    }
    for number in range(2, archive_pages + 1):
        taken[urls.archive_url(number)] = f"page {number} of the post archive"
    if profile.roles or profile.skills is not None:
        taken["career/"] = "the career page"
    if profile.projects:
        taken["projects/"] = "the projects page"
    if profile.person is not None or profile.roles:
        taken["resume/"] = "the resume page"
        taken["resume.json"] = "resume.json"
    return taken


def assemble_site(
    config: SiteConfig,
    posts: tuple[Post, ...],
    pages: tuple[Page, ...],
    profile: Profile,
    static_roots: tuple[Path, ...],
    *,
    now: dt.datetime,
    drafts: bool,
    future: bool,
    diags: Diagnostics,
) -> Site:
    """Choose what is published, order it, group it, and refuse two sources for one URL."""
    skipped_drafts: list[Post | Page] = []
    skipped_future: list[Post] = []
    published: list[Post] = []
    for post in posts:
        if post.draft and not drafts:
            skipped_drafts.append(post)
        elif post.date > now and not future:
            skipped_future.append(post)
        else:
            published.append(post)
    shown_pages = []
    for page in pages:
        if page.draft and not drafts:
            skipped_drafts.append(page)
        else:
            shown_pages.append(page)
    ordered = tuple(sorted(published, key=lambda p: (-p.date.timestamp(), p.source)))
    tags, post_tags = _tags(ordered)
    neighbours = {
        post.source: (ordered[i + 1] if i + 1 < len(ordered) else None, ordered[i - 1] if i > 0 else None)
        for i, post in enumerate(ordered)
    }

    owners: dict[str, str] = dict(_built_in_urls(profile, max(1, -(-len(ordered) // config.paginate))))
    items: tuple[Post | Page, ...] = (*ordered, *shown_pages)
    by_source = {item.source: item for item in items}
    for item in items:
        url = item.url
        if url in owners:  # at the slug that makes the URL, or the file as a whole when its name does
            line, col = item.slug_at or (1, None)
            diags.error(item.source, line, f"URL /{url} is also written by {owners[url]}",
                        "give one of them another slug (front matter slug: ...)", col=col)
        else:
            owners[url] = item.source
    for tag in tags:
        if tag.url in owners:
            owner = by_source.get(owners[tag.url])
            line, col = (owner.slug_at if owner else None) or (1, None)
            diags.error(owners[tag.url], line, f"URL /{tag.url} is also written by the page of tag {tag.name!r}",
                        "give the page another slug (front matter slug: ...)", col=col)
        else:
            owners[tag.url] = f"the page of tag {tag.name!r}"

    static_files = _inside_the_site(_static_files(static_roots), static_roots, diags)
    for static in static_files:
        page_url = static.path[: -len("index.html")] if static.path.endswith("index.html") else static.path
        if page_url in owners:
            diags.error(_shown(static, static_roots), None,
                        f"static file {static.path} would overwrite {owners[page_url]}",
                        "rename or remove the static file")
    return Site(
        config=config,
        posts=ordered,
        pages=tuple(sorted(shown_pages, key=lambda p: p.slug)),
        tags=tags,
        profile=profile,
        static_files=static_files,
        skipped_future=tuple(skipped_future),
        skipped_drafts=tuple(skipped_drafts),
        neighbours=MappingProxyType(neighbours),
        post_tags=MappingProxyType(post_tags),
    )
