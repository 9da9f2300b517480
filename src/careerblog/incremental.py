"""Incremental rebuilds for `serve`: keep the last build in memory, redo only what a change touches.

The build runs the same stages as `careerblog build` (build.render_site), handed a BuildMemo that each
stage consults: files whose size and modification time are unchanged are not read again, Markdown
whose body is unchanged is not converted again, and a page whose inputs are unchanged keeps its last
bytes. A page's inputs are its template, its `page` record, its context (the entries and tags it
shows), the values every page sees (settings, navigation, profile; any template change re-renders
all), and the parts of `site` its templates read (SiteReads: the tag index reads `site.tags`, a 404
page listing recent posts reads `site.posts`). So an edited post re-renders its own page, its
neighbours, the archive and tag pages it appears on and home when it is listed there; feeds, the
sitemap and other machine outputs are made again and compared byte for byte. Only files whose bytes
changed are written.

Entries are compared as objects: make_entries hands back last build's Entry for an unchanged
document. A template that reaches other posts through an entry's tags (`post.tags[0].posts`) is
outside what is tracked; `careerblog build` is always exact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from careerblog.build import Rendered, render_site
from careerblog.cache import ConvertedCache
from careerblog.config import BuildOptions, SiteConfig, current_time
from careerblog.diagnostics import BuildError
from careerblog.markup import MarkdownRenderer
from careerblog.posts import DocumentMemo
from careerblog.rebuild import RebuildResult
from careerblog.render import EntryMemo, PlannedPage
from careerblog.site import Site, Tag
from careerblog.write import CACHE_DIR, Output, sync_site, update_site, write_site

EVERYTHING = "*"


class SiteReads:
    """Which attributes of `site` each template reads, itself or through what it extends, includes or imports.

    Found from the templates' tokens (`site.posts`, `site.tags`...), so a theme's 404 page listing recent
    posts, or a site's own sidebar, is re-rendered when they change. A `site` used any other way (passed
    whole to a macro, subscripted) counts as reading everything, and so does an include by variable.
    """

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._reads: dict[str, frozenset[str]] = {}

    def __call__(self, name: str) -> frozenset[str]:
        known = self._reads.get(name)
        if known is not None:
            return known
        self._reads[name] = frozenset()  # a template that includes itself ends here
        try:
            source = self.env.loader.get_source(self.env, name)[0] if self.env.loader else ""
            tokens = [(kind, value) for _, kind, value in self.env.lex(source) if kind != "whitespace"]
            referenced = list(jinja2.meta.find_referenced_templates(self.env.parse(source)))
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
            return frozenset()  # rendering reports it
        reads: set[str] = set()
        for i, (kind, value) in enumerate(tokens):
            if kind != "name" or value != "site" or (i and tokens[i - 1] == ("operator", ".")):
                continue
            if i + 2 < len(tokens) and tokens[i + 1] == ("operator", ".") and tokens[i + 2][0] == "name":
                reads.add(tokens[i + 2][1])
            else:
                reads.add(EVERYTHING)
        for other in referenced:
            if other is None:  # {% include some_variable %}: it could be any template
                reads.add(EVERYTHING)
            else:
                reads |= self(other)
        self._reads[name] = frozenset(reads)
        return self._reads[name]


def _key(value: Any) -> Any:
    """What of a context value a page can show, in a form compared with `==`.

    Entries stand for themselves: make_entries hands back last build's Entry object for an unchanged
    document, so an unchanged page compares by identity, at no cost.
    """
    kind = type(value)  # exact types: this runs for every value of every page's context
    if kind is list or kind is tuple:
        if _MAPPED.isdisjoint({type(item) for item in value}):
            return tuple(value)  # a list of entries, the common case: compared item by item as they are
        return tuple([_key(item) for item in value])
    if kind is dict:
        return tuple([(name, _key(item)) for name, item in value.items()])
    if kind is Tag:  # a tag's posts are shown through the entries in the context
        return (value.name, value.slug, len(value.posts))
    return value


_MAPPED = frozenset({list, tuple, dict, Tag})


class PageMemo:
    """The pages of the last build with what they were rendered from."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[Any, Output]] = {}
        self._site_wide: Any = None
        self._reads: SiteReads | None = None
        self.templates_changed = True
        self.rendered = 0

    def begin(self, site: Site, context: dict[str, Any], env: jinja2.Environment) -> None:
        """Start a build: forget every page when what all pages see has changed."""
        site_wide = (site.config, site.profile, context["nav"])
        if self.templates_changed or site_wide != self._site_wide or self._reads is None or self._reads.env is not env:
            self._pages.clear()
            self._reads = SiteReads(env)
        self._site_wide = site_wide
        self.templates_changed = False
        self._site = site
        self._site_keys: dict[str, Any] = {}
        self._current: dict[str, Any] = {}
        self.rendered = 0

    def _site_key(self, attribute: str) -> Any:
        """What a template reading `site.<attribute>` can show, computed once per build."""
        if attribute not in self._site_keys:
            site = self._site
            if attribute == EVERYTHING:
                value: Any = tuple(_key(getattr(site, f.name)) for f in dataclasses.fields(site))
            else:
                value = _key(getattr(site, attribute, None))
            self._site_keys[attribute] = value
        return self._site_keys[attribute]

    def lookup(self, page: PlannedPage) -> Output | None:
        """The page's Output from the last build if it was made from the same inputs."""
        assert self._reads is not None
        reads = self._reads(page.template)
        key = self._current[page.url] = (page.template, page.info, _key(page.context),
                                         tuple((name, self._site_key(name)) for name in sorted(reads)))
        known = self._pages.get(page.url)
        if known is not None and known[0] == key:
            return known[1]
        return None

    def store(self, page: PlannedPage, output: Output) -> None:
        self._pages[page.url] = (self._current[page.url], output)
        self.rendered += 1


@dataclass
class BuildMemo:
    """What one build in a process keeps for the next (held by IncrementalBuilder, never at module level)."""

    converted: ConvertedCache | None = None
    documents: DocumentMemo = field(default_factory=dict)
    entries: EntryMemo = field(default_factory=dict)
    pages: PageMemo = field(default_factory=PageMemo)
    environment: tuple[SiteConfig, jinja2.Environment] | None = None
    renderers: dict[str, MarkdownRenderer] = field(default_factory=dict)

    def converted_for(self, config: SiteConfig, options: BuildOptions) -> ConvertedCache:
        """The conversions for this base path: kept in memory, read from .careerblog-cache/ the first time."""
        if self.converted is None or self.converted.base_path != config.base_path:
            if options.cache:
                self.converted = ConvertedCache.load(options.root, config.base_path)
            else:
                self.converted = ConvertedCache(options.root / CACHE_DIR, "", {}, config.base_path)
        return self.converted

    def environment_for(self, config: SiteConfig, make: Callable[[], jinja2.Environment]) -> jinja2.Environment:
        """The Jinja environment of the last build (its compiled templates) unless settings or templates changed."""
        if self.environment is None or self.environment[0] != config or self.pages.templates_changed:
            self.environment = (config, make())
        return self.environment[1]


@dataclass(frozen=True, slots=True)
class Rebuild:
    """What a (re)build changed in the output folder, for the dev server to reload."""

    rendered: Rendered
    written: tuple[str, ...]  # output paths created or changed
    removed: tuple[str, ...]  # output paths deleted
    rendered_pages: int  # HTML pages rendered (the others kept their bytes)
    seconds: float


class IncrementalBuilder:
    """Builds a site once, then rebuilds it after changes, writing only files whose bytes changed.

    `rebuild(changed_paths)` is the callable the dev server is handed. A failed rebuild raises
    BuildError and leaves the output folder and the builder's state as after the last good build.
    """

    def __init__(self, options: BuildOptions, *, in_place: bool = False) -> None:
        self.options = options
        self.in_place = in_place  # the first build syncs the folder file by file (serve), not staged and swapped
        self._memo: BuildMemo | None = None
        self._files: dict[str, Output | Path] = {}

    def reset(self) -> None:
        """Forget the last build: the next rebuild builds everything (keeping the on-disk cache)."""
        self._memo, self._files = None, {}

    def _templates_touched(self, changed: Iterable[Path]) -> bool:
        theme = (self.options.theme_dir or Path(__file__).parent / "theme").resolve()
        site_templates = (self.options.root / "templates").resolve()
        for path in changed:
            resolved = path.resolve()
            if resolved.suffix in (".html", ".xml", ".j2", ".txt") and (
                    site_templates in resolved.parents or theme in resolved.parents):
                return True
        return False

    def rebuild(self, changed_paths: Iterable[Path | str] = ()) -> Rebuild:
        """Build again after `changed_paths` (files created, changed or deleted); the first call builds all."""
        started = time.perf_counter()
        root = self.options.root
        changed = [Path(p) if Path(p).is_absolute() else root / p for p in changed_paths]
        memo = self._memo
        first = memo is None
        if memo is None:
            memo = BuildMemo()
        site_root = root.resolve()
        for path in changed:  # never trust a modification time for a file the watcher saw change
            resolved = path.resolve()
            if site_root in resolved.parents:
                memo.documents.pop(resolved.relative_to(site_root).as_posix(), None)
        if first or self._templates_touched(changed):
            memo.pages.templates_changed = True
        rendered = render_site(self.options, memo)
        if first:
            if memo.converted is not None and self.options.cache:
                memo.converted.save()  # only after the first build: an edit should not wait for the whole cache
            base_path = rendered.site.config.base_path
            if base_path not in memo.renderers:  # ready before the first edit: Python-Markdown takes a while to set up
                memo.renderers[base_path] = MarkdownRenderer(base_path)
        files: dict[str, Output | Path] = {s.path: s.source for s in rendered.site.static_files}
        files.update((o.path, o) for o in rendered.outputs)
        written: tuple[str, ...]
        removed: tuple[str, ...] = ()
        if first and self.in_place:
            synced = sync_site(rendered.outputs, rendered.site.static_files, self.options.output)
            written, removed = synced.written, synced.removed
        elif first:
            write_site(rendered.outputs, rendered.site.static_files, self.options.output, root)
            written = tuple(sorted(files))
        else:
            touched = {path.resolve() for path in changed}
            written = tuple(sorted(p for p, f in files.items() if not _same_file(self._files.get(p), f, touched)))
            removed = tuple(sorted(self._files.keys() - files.keys()))
            same_list = not removed and all(p in self._files for p in written)
            update_site({p: files[p] for p in written}, removed, self.options.output, None if same_list else files)
        self._memo, self._files = memo, files
        return Rebuild(rendered, written, removed, memo.pages.rendered, time.perf_counter() - started)


def _same_file(old: Output | Path | None, new: Output | Path, touched: set[Path]) -> bool:
    """Whether an output file already holds what this build made; a static file is copied again when its
    source is another file or was seen to change."""
    if old is None:
        return False
    if isinstance(old, Output) and isinstance(new, Output):
        return old is new or old.content == new.content
    if isinstance(old, Path) and isinstance(new, Path):
        return old == new and new.resolve() not in touched
    return False


@dataclass
class IncrementalRebuild:
    """The `Rebuilder` (rebuild.py) that `serve` is handed: an IncrementalBuilder writing the served folder in
    place. An empty set of changes (the first build, or a cause unknown) builds everything afresh."""

    options: BuildOptions  # options.output is the served folder
    clock: Callable[[], dt.datetime] = current_time  # "now" moves on while the server runs
    builder: IncrementalBuilder | None = None

    def __call__(self, changed: frozenset[Path]) -> RebuildResult:
        started = time.perf_counter()
        if self.builder is None:
            self.builder = IncrementalBuilder(self.options, in_place=True)
        self.builder.options = replace(self.options, now=self.clock())
        if not changed:
            self.builder.reset()
        try:
            result = self.builder.rebuild(sorted(changed))
        except BuildError as exc:
            return RebuildResult(False, exc.diagnostics, seconds=time.perf_counter() - started)
        rendered = result.rendered
        return RebuildResult(True, rendered.warnings, result.written, result.removed, time.perf_counter() - started,
                             rendered.notes, rendered.site.config.base_path)
