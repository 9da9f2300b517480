"""Skill charts in Chromium: drawn lazily from the site's own plotly.js, in both schemes, readable without JS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from browser.harness import PageProblems
from playwright.sync_api import Browser, Page
from sitefiles import REPO, write_site

from careerblog.build import build
from careerblog.charts import CHART_IDS
from careerblog.config import BuildOptions
from careerblog.diagnostics import Diagnostics
from careerblog.profile import load_profile

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DRAWN = "(name) => document.querySelector(`figure[data-chart='${name}']`).classList.contains('chart-drawn')"


def expected_traces() -> dict[str, int]:
    """What the demo's skills.yml says each chart should draw, counted from the data, not from the figures."""
    skills = load_profile(REPO, Diagnostics()).skills
    assert skills is not None
    return {
        "skills-evolution": sum(1 for s in skills.skills if s.levels),
        "knowledge-areas": len({y for a in skills.knowledge_areas for y, _ in a.levels}),
        "technology-adoption": len({t.category for t in skills.technologies}),
    }


def draw_all(page: Page) -> None:
    for name in CHART_IDS:
        page.locator(f"figure[data-chart='{name}']").scroll_into_view_if_needed()
        page.wait_for_function(DRAWN, arg=name, timeout=30_000)


def plot_state(page: Page, name: str) -> dict[str, object]:
    return page.evaluate(
        """(name) => {
            const gd = document.querySelector(`figure[data-chart='${name}'] .chart-plot`);
            const tick = gd.querySelector('.xtick text, .ytick text');
            const drawn = gd.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length;
            return {traces: gd.data.length, svgTraces: drawn,
                    font: gd.layout.font.color, tickFill: tick ? getComputedStyle(tick).fill : null};
        }""", name)


def test_career_charts_draw_lazily_from_the_sites_own_plotly(watched_page: tuple[Page, PageProblems],
                                                            demo_url: str) -> None:
    page, problems = watched_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(demo_url + "career/")
    page.wait_for_load_state("networkidle")
    assert page.locator("figure.chart").count() == 3
    # The charts sit below the role timeline: nothing of plotly.js is fetched before they near the viewport.
    assert not [url for url in requested if "plotly" in url]
    draw_all(page)
    plotly_requests = [url for url in requested if "plotly" in url]
    assert len(plotly_requests) == 1
    assert plotly_requests[0].startswith(demo_url + "js/plotly-")
    assert all(url.startswith(demo_url) for url in requested), "every request stays on the site"
    for name, count in expected_traces().items():
        state = plot_state(page, name)
        assert state["traces"] == count, name
        assert state["svgTraces"] == count, name
        assert page.locator(f"figure[data-chart='{name}'] svg.main-svg").first.is_visible()
    # Bars of technologies still in use run to the visitor's today.
    ends = page.evaluate("""() => {
        const gd = document.querySelector("figure[data-chart='technology-adoption'] .chart-plot");
        return gd.data.flatMap(t => t.meta.until_today.map(i => Date.parse(t.base[i]) + t.x[i] - Date.now()));
    }""")
    assert ends and all(abs(end) < 86_400_000 for end in ends)
    assert problems.console_errors == []
    assert problems.failed_requests == []


def test_charts_follow_the_colour_scheme_without_a_reload(watched_page: tuple[Page, PageProblems], demo_url: str,
                                                          screenshot_dir: Path) -> None:
    page, problems = watched_page
    page.emulate_media(color_scheme="light")
    page.goto(demo_url + "career/")
    draw_all(page)
    page.screenshot(path=str(screenshot_dir / "career-light.png"), full_page=True)
    page.evaluate("window.__sameDocument = true")
    light = {name: plot_state(page, name) for name in CHART_IDS}

    page.emulate_media(color_scheme="dark")
    page.wait_for_function("(before) => document.querySelector('.chart-plot').layout.font.color !== before",
                           arg=light[CHART_IDS[0]]["font"])
    dark = {name: plot_state(page, name) for name in CHART_IDS}
    assert page.evaluate("window.__sameDocument") is True, "re-coloured without a reload"
    for name in CHART_IDS:
        assert light[name]["font"] != dark[name]["font"], name
        assert light[name]["tickFill"] != dark[name]["tickFill"], name
    page.screenshot(path=str(screenshot_dir / "career-dark.png"), full_page=True)

    page.emulate_media(color_scheme="light")
    page.wait_for_function("(before) => document.querySelector('.chart-plot').layout.font.color === before",
                           arg=light[CHART_IDS[0]]["font"])
    assert problems.console_errors == []


def test_without_javascript_the_summaries_and_tables_are_visible(browser: Browser, demo_url: str,
                                                                 screenshot_dir: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_url + "career/")
    figures = page.locator("figure.chart")
    assert figures.count() == 3
    for i in range(3):
        figure = figures.nth(i)
        assert figure.locator("figcaption").is_visible()
        assert figure.locator(".chart-summary p").first.is_visible()
        assert figure.locator("table").is_visible()
        assert figure.locator("tbody tr").count() > 0
        assert not figure.locator(".chart-plot").is_visible(), "no empty plot box without JavaScript"
    page.screenshot(path=str(screenshot_dir / "career-no-js.png"), full_page=True)
    context.close()


def test_every_demo_page_loads_cleanly_and_only_chart_pages_load_plotly(browser: Browser, demo_output: Path,
                                                                        demo_url: str) -> None:
    pages = sorted(p.relative_to(demo_output).as_posix() for p in demo_output.rglob("index.html"))
    assert "career/index.html" in pages
    with_charts = []
    context = browser.new_context()
    for relative in pages:
        # A page of its own per URL, so no late event of the previous page is counted against this one.
        page = context.new_page()
        errors: list[str] = []
        requested: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.on("requestfailed", lambda r, errors=errors: errors.append(f"failed {r.url}: {r.failure}"))
        page.on("response", lambda r, errors=errors: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("request", lambda r, requested=requested: requested.append(r.url))
        page.goto(demo_url + relative[: -len("index.html")], wait_until="load")
        names = page.locator("figure.chart").evaluate_all("els => els.map(e => e.dataset.chart)")
        for name in names:
            page.locator(f"figure[data-chart='{name}']").scroll_into_view_if_needed()
            page.wait_for_function(DRAWN, arg=name, timeout=30_000)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(50)
        assert errors == [], relative
        assert any("plotly" in url for url in requested) == bool(names), (relative, requested)
        if names:
            with_charts.append(relative)
        page.close()
    context.close()
    assert with_charts == ["career/index.html", "posts/from-data-engineer-to-ml-cloud-engineer/index.html"]


def test_keyboard_focus_passes_through_the_charts(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, _ = watched_page
    page.goto(demo_url + "career/")
    draw_all(page)
    page.locator("figure[data-chart='skills-evolution'] summary").focus()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('figure.chart') ? 'chart' : "
                                     "document.activeElement.closest('footer') ? 'footer' : 'other'"))
        if reached[-1] == "footer":
            break
    assert reached[-1] == "footer", reached
    assert page.locator("figure.chart .chart-plot [tabindex]:not([tabindex='-1'])").count() == 0


EVIL = "<b>x</b></script><!--&amp;"


def test_markup_in_data_shows_as_text_in_the_drawn_chart(tmp_path: Path, browser: Browser,
                                                         serve: Callable[[Path], str]) -> None:
    write_site(tmp_path / "site", {"content/data/skills.yml": (
        "scale: {min: 0, max: 3}\n"
        f"skills:\n  - {{name: '{EVIL}', category: '<i>cat</i>', levels: {{2020: 1, 2021: 3}}}}\n")})
    out = tmp_path / "www"
    build(BuildOptions(root=tmp_path / "site", output=out, now=NOW))
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(serve(out) + "/career/")
    page.locator("figure[data-chart='skills-evolution']").scroll_into_view_if_needed()
    page.wait_for_function(DRAWN, arg="skills-evolution", timeout=30_000)
    legend = page.locator("figure.chart .legend").first
    assert EVIL in legend.text_content()
    assert "<i>cat</i>" in legend.text_content()
    assert page.locator("figure.chart .legend b, figure.chart .legend i").count() == 0
    assert page.locator("figure.chart .legend tspan[style*='bold']").count() == 0
    assert page.locator("figure.chart tbody th").first.text_content() == EVIL
    assert errors == []
    page.close()


def test_axe_finds_nothing_wrong_in_the_drawn_charts(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, _ = watched_page
    axe = REPO / "tools" / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.is_file(), "axe-core is missing: run `make test` (tools/ensure-browser.sh)"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(demo_url + "career/")
        draw_all(page)
        page.add_script_tag(path=str(axe))
        found = page.evaluate("axe.run({include: [['figure.chart']]}, {resultTypes: ['violations']})"
                              ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' ')))")
        assert found == [], scheme
