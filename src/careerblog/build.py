"""The build, as a table of contents: load, assemble, convert, render, write."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError, Diagnostic, Diagnostics
from careerblog.stamp import LastBuild, Report, Window
from careerblog.write import Output, Staging, refuse_place

if TYPE_CHECKING:
    from careerblog.cache import ConvertedCache
    from careerblog.config import SiteConfig
    from careerblog.incremental import BuildMemo
    from careerblog.markup import DocumentConverter
    from careerblog.site import Site

HIGHLIGHT_CSS = "css/highlight.css"


@dataclass(frozen=True, slots=True)
class Lap:
    """How long one stage of a build took (`careerblog build --timings`)."""

    stage: str
    seconds: float
    detail: str = ""


class _Stopwatch:
    def __init__(self) -> None:
        self.laps: list[Lap] = []
        self._last = time.perf_counter()

    def lap(self, stage: str, detail: str = "") -> None:
        now = time.perf_counter()
        self.laps.append(Lap(stage, now - self._last, detail))
        self._last = now


@dataclass(frozen=True, slots=True)
class Rendered:
    """A site rendered in memory: what `build` writes and what `check` and `serve` inspect."""

    site: Site
    outputs: tuple[Output, ...]
    warnings: tuple[Diagnostic, ...]
    notes: tuple[str, ...]
    laps: tuple[Lap, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildResult:
    report: Report
    seconds: float
    rendered: Rendered | None  # None when the output was up to date and nothing was built
    laps: tuple[Lap, ...] = ()  # each stage's time, in order

    @property
    def files(self) -> int:
        return self.report.files

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.report.warnings

    @property
    def up_to_date(self) -> bool:
        return self.rendered is None


def render_site(options: BuildOptions, memo: BuildMemo | None = None, staging: Staging | None = None) -> Rendered:
    """Everything a build does before the output is replaced; raises BuildError with every problem found.

    `memo` carries the last build of this process into this one (incremental.IncrementalBuilder). With a
    `staging` folder, every file is written into it as soon as it is made, by the process that made it,
    and the outputs returned no longer hold their bytes; without, they all stay in memory.
    """
    from careerblog.config import load_config
    from careerblog.markup import DocumentConverter
    from careerblog.parallel import default_jobs

    root = options.root
    diags = Diagnostics()
    clock = _Stopwatch()
    config = load_config(root, diags, options.base_url)
    jobs = options.jobs or default_jobs()
    # A build's converting workers fork now: they import Python-Markdown while this process loads the
    # Markdown cache and reads the sources, and start on the first documents read. Serve's rebuilds (with
    # a memo) keep their renderers in this process and fork only for a large batch.
    with DocumentConverter(config.base_path, jobs, None, memo.renderers if memo else None,
                           early=memo is None) as convert:
        convert.cache = _markdown_cache(options, config, memo)
        return _render_with(options, config, jobs, convert, diags, clock, memo, staging)


def _markdown_cache(options: BuildOptions, config: SiteConfig, memo: BuildMemo | None) -> ConvertedCache | None:
    """The converted Markdown kept from earlier builds: serve's in memory, a build's in .careerblog-cache/."""
    from careerblog.cache import ConvertedCache

    if memo is not None:
        return memo.converted_for(config, options)
    return ConvertedCache.load(options.root, config.base_path) if options.cache else None


def _render_with(options: BuildOptions, config: SiteConfig, jobs: int, convert: DocumentConverter, diags: Diagnostics,
                 clock: _Stopwatch, memo: BuildMemo | None, staging: Staging | None) -> Rendered:
    from careerblog.posts import load_posts

    root = options.root
    # Gather and validate all sources first, so one run reports every problem. The documents go to the
    # converting workers as they are read, and the rest of them as soon as all are read.
    posts, pages = load_posts(root, config.tzinfo, diags, memo.documents if memo else None, convert.offer)
    if not diags.has_errors:
        convert.submit((*posts, *pages))  # drafts and future posts too: known only once the site is assembled
    clock.lap("read the sources", f"{_count(len(posts), 'post')}, {_count(len(pages), 'page')}")

    # The other stages, imported here: a build with nothing to do (stamp.py) loads none of them, nor their
    # libraries; and only now, while the workers convert.
    from careerblog.charts import build_charts, chart_function, plotly_bundle
    from careerblog.feeds import render_feeds
    from careerblog.markup import highlight_stylesheet
    from careerblog.profile import load_profile
    from careerblog.render import check_document_links, make_entries, render_pages
    from careerblog.resume_json import render_resume_json
    from careerblog.site import assemble_site
    from careerblog.templating import THEME_DIR, compile_templates, make_environment

    theme = options.theme_dir or THEME_DIR
    clock.lap("import the stages")

    profile = load_profile(root, diags)
    diags.raise_if_errors()
    site = assemble_site(config, posts, pages, profile, (theme / "static", root / "static"),
                         now=options.now, drafts=options.drafts, future=options.future, diags=diags)
    diags.raise_if_errors()
    clock.lap("read the profile, assemble the site")

    converted = _count(len(site.documents), "document")
    if memo is None:
        env = make_environment(root, config, theme)
    else:
        env = memo.environment_for(config, lambda: make_environment(root, config, theme))
    compile_templates(env)  # while the workers convert: once here, not again in each process that renders
    charts = build_charts(profile)
    plotly_js = plotly_bundle() if charts.charts else None
    env.globals.update(charts=charts, chart=chart_function(charts, env, plotly_js.path if plotly_js else ""))
    clock.lap("templates and charts")
    documents = convert.results()
    if memo is None and convert.cache is not None:
        converted += f", {convert.cache.hits} from the cache"
        convert.cache.save()
        convert.cache = None  # its copy of every document's HTML is not needed past this point
    clock.lap("convert the Markdown", converted)  # what is left: the workers began at submit
    entries = make_entries(site, documents, env, root, diags, memo.entries if memo else None)
    chart_mark = plotly_js.path.encode() if plotly_js else None
    deliver = None
    if staging is not None:
        def deliver(page: Output) -> Output:
            written = staging.put(page)
            # Its bytes stay on disk; whether it holds a chart (so the site ships plotly.js) travels on.
            return replace(written, content=chart_mark) if chart_mark and chart_mark in page.content else written

    clock.lap("shortcodes")
    more: list[Output] = []
    css: list[Output] = []

    def meanwhile() -> None:  # in this process while the workers render: what needs none of the pages
        more.extend([*render_feeds(site, entries), *render_resume_json(site)])  # feed, sitemap, robots, resume
        if not any(f.path == HIGHLIGHT_CSS for f in site.static_files):
            css.append(Output(HIGHLIGHT_CSS, highlight_stylesheet().encode("utf-8")))

    outputs, planned = render_pages(site, entries, env, root, diags, jobs, memo.pages if memo else None, deliver,
                                    meanwhile)
    clock.lap("render and write the pages, feeds", _count(len(planned), "page"))
    if plotly_js and chart_mark and any(chart_mark in page.content for page in outputs):
        more.append(plotly_js)  # only a site with a page that holds a chart ships plotly.js
    check_document_links(site, documents, (page.url for page in planned), diags)
    diags.raise_if_errors()
    more += css
    outputs += [staging.put(item) for item in more] if staging is not None else more

    clock.lap("link check")
    warnings = tuple(d for d in diags.items if d.severity == "warning")
    if options.strict and warnings:
        raise BuildError(tuple(replace(w, severity="error") for w in warnings))
    notes = tuple(
        f"{post.source}: skipped, dated in the future ({post.date.isoformat()}); --future includes it"
        for post in site.skipped_future
    )
    return Rendered(site, tuple(outputs), warnings, notes, tuple(clock.laps))


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def build(options: BuildOptions) -> BuildResult:
    """Build the site under `options.root` into `options.output`, replacing it only on success.

    When nothing the last build read has changed since, and its output is as it left it, the build is
    skipped and only its report repeated (stamp.py).
    """
    started = time.perf_counter()
    clock = _Stopwatch()
    # A dangerous --output is refused before anything else runs. What the folder holds is checked when the
    # build stages (under its lock); a build with nothing to do compares every file of it with the record.
    refuse_place(options.output, options.root)
    last = LastBuild.read_sources(options) if options.cache and options.record else None  # before any source
    if last is not None and (report := last.replay()) is not None:
        clock.lap("compare with the last build", "nothing changed")
        return BuildResult(report, time.perf_counter() - started, None, tuple(clock.laps))
    clock.lap("compare with the last build")
    with Staging(options.output, options.root) as staging:
        clock.lap("open the staging folder")
        rendered = render_site(options, staging=staging)
        after = _Stopwatch()
        files = staging.commit(rendered.outputs, rendered.site.static_files)
        written = staging.readings
    after.lap("swap in the new output", _count(files, "file"))
    site = rendered.site
    report = Report(rendered.warnings, rendered.notes, tuple(item.source for item in site.skipped_drafts), files)
    if last is not None:
        last.save(report, Window.of(site.posts[0].date if site.posts and not options.future else None,
                                    min((p.date for p in site.skipped_future), default=None)), written)
        after.lap("record the build")
    laps = (*clock.laps, *rendered.laps, *after.laps)
    return BuildResult(report, time.perf_counter() - started, rendered, laps)


def find_root(start: Path) -> Path | None:
    """The site root: the nearest folder at or above `start` holding content/site.yml, as git finds .git."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / "content" / "site.yml").is_file():
            return folder
    return None
