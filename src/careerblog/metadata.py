"""Search-engine and social metadata for every page: Open Graph, Twitter card and JSON-LD, built in Python."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import Markup

from careerblog import urls
from careerblog.config import VECTOR_IMAGE_TYPES
from careerblog.posts import Post

if TYPE_CHECKING:  # render.py imports this module to fill `meta`
    from careerblog.render import Entry, PageInfo
    from careerblog.site import Site

# Pages that present the author: they carry a ProfilePage + Person graph.
PROFILE_KINDS = ("home", "career", "resume")

# Characters that could end a <script> element or start a comment or entity inside it; JSON allows
# writing any of them as a \uXXXX escape, so the data parses the same and the HTML parser never sees them.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029"}


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The `meta` variable of every page template: what `_meta.html` prints into <head>."""

    title: str
    description: str
    canonical: str  # "" on pages that must not be indexed (404)
    site_name: str
    og_type: str  # website, article or profile
    locale: str
    image: str = ""  # absolute URL or ""
    twitter_card: str = "summary"
    published: str = ""  # ISO 8601, posts only
    modified: str = ""
    tags: tuple[str, ...] = ()
    json_ld: Markup = field(default_factory=Markup)  # printed inside <script type="application/ld+json">


def script_json(data: Any) -> Markup:
    """JSON that is safe inside an HTML <script> element: no `</script>`, `<!--` or `&` can appear."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.translate(_SCRIPT_ESCAPES))


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _locale(language: str) -> str:
    # Open Graph writes locales as language_TERRITORY; a bare language is passed on as it is.
    return language.replace("-", "_")


def person_data(site: Site) -> dict[str, Any] | None:
    """schema.org Person from the profile, current roles and skills; None when the site has no profile."""
    person = site.profile.person
    config = site.config
    absolute = _absolute(site)
    if person is None and not config.author:
        return None
    data: dict[str, Any] = {"@type": "Person", "name": person.name if person else config.author,
                            "url": absolute("")}
    if person is None:
        return data
    if person.label:
        data["jobTitle"] = person.label
    if person.summary:
        data["description"] = person.summary
    if person.image:
        data["image"] = absolute(person.image)
    if person.email:
        data["email"] = f"mailto:{person.email}"
    if str(person.location):
        address = {"@type": "PostalAddress"}
        for key, value in (("addressLocality", person.location.city), ("addressRegion", person.location.region),
                           ("addressCountry", person.location.country_code)):
            if value:
                address[key] = value
        data["address"] = address
    current = [role for role in site.profile.roles if role.current]
    if current:
        organizations = []
        for role in current:
            organization: dict[str, Any] = {"@type": "Organization", "name": role.organization}
            if role.url:
                organization["url"] = absolute(role.url)
            organizations.append(organization)
        data["worksFor"] = organizations[0] if len(organizations) == 1 else organizations
        if not person.label:
            data["jobTitle"] = current[-1].position
    known: list[str] = []
    if site.profile.skills is not None:
        known.extend(skill.name for skill in site.profile.skills.skills)
        known.extend(area.name for area in site.profile.skills.knowledge_areas)
    if known:
        data["knowsAbout"] = list(dict.fromkeys(known))
    same_as = [absolute(link.url) for link in person.profiles if link.url]
    if person.url:
        same_as.insert(0, absolute(person.url))
    if same_as:
        data["sameAs"] = list(dict.fromkeys(same_as))
    return data


def _absolute(site: Site) -> Callable[[str], str]:
    config = site.config
    return lambda url: urls.absolute(url, config.base_url, config.base_path)


def page_metadata(site: Site, info: PageInfo, entry: Entry | None = None) -> PageMeta:
    """Everything <head> says about one page to search engines and link previews; `entry` is a post's.

    render_pages passes the result to every page template as `meta` (printed by _meta.html).
    """
    config = site.config
    absolute = _absolute(site)
    person = site.profile.person
    canonical = "" if info.noindex else absolute(info.url)
    title = config.title if info.kind == "home" else info.title
    description = info.description or config.description
    # A post's or page's own image, else the site's sharing image, else the author's photo (the home
    # page's image). Link previews (Facebook, X, LinkedIn) do not render SVG: no image beats a broken one.
    own = info.image if info.kind in ("post", "page") else ""
    image_url = next((url for url in (own, config.image, info.image, person.image if person else "")
                      if url and not urlsplit(url).path.lower().endswith(VECTOR_IMAGE_TYPES)), "")
    image = absolute(image_url) if image_url else ""
    # A picture made for sharing shows large; the author's photo, usually square, as a small card.
    large = bool(image_url) and image_url in (own, config.image)
    post = entry.item if entry is not None and isinstance(entry.item, Post) else None
    og_type = "article" if post else ("profile" if info.kind in ("career", "resume") and person else "website")
    graph: dict[str, Any] | None = None
    published = modified = ""
    tags: tuple[str, ...] = ()
    author = person_data(site)

    if post is not None:
        published = _iso(post.date)
        modified = _iso(max(post.date, post.updated) if post.updated else post.date)
        tags = post.tags
        graph = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": post.title,
                 "url": canonical, "mainEntityOfPage": canonical, "datePublished": published,
                 "dateModified": modified, "inLanguage": config.language}
        if description:
            graph["description"] = description
        if post.tags:
            graph["keywords"] = list(post.tags)
        if info.image:
            graph["image"] = absolute(info.image)
        if author is not None:
            graph["author"] = {key: author[key] for key in ("@type", "name", "url") if key in author}
        graph["isPartOf"] = {"@type": "Blog", "name": config.title, "url": absolute(urls.archive_url(1))}
    # A blog without profile.yml still has résumé and career pages about its author, but its home is the blog.
    elif info.kind in PROFILE_KINDS and author is not None and (person is not None or info.kind != "home"):
        graph = {"@context": "https://schema.org", "@type": "ProfilePage", "name": title, "url": canonical,
                 "inLanguage": config.language, "mainEntity": author}
        if description:
            graph["description"] = description
    return PageMeta(
        title=title,
        description=description,
        canonical=canonical,
        site_name=config.title,
        og_type=og_type,
        locale=_locale(config.language),
        image=image,
        twitter_card="summary_large_image" if large else "summary",
        published=published,
        modified=modified,
        tags=tags,
        json_ld=script_json(graph) if graph is not None else Markup(""),
    )
