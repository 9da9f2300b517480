"""Charts: the three skill charts of `skills.yml` as Plotly figures, each with a text summary and a data table.

Figures are plain dicts in plotly.js's schema, not plotly.py objects: plotly.py's import and validators
cost a quarter of a demo build. tests/test_charts.py still has plotly.py check every property.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
from markupsafe import Markup

from careerblog.fields import PartialDate
from careerblog.profile import Profile, Scale, Skill, Skills
from careerblog.templating import ShortcodeArgumentError
from careerblog.write import Output

CHART_IDS = ("skills-evolution", "knowledge-areas", "technology-adoption")
TITLES = MappingProxyType({
    "skills-evolution": "Technical skills growth",
    "knowledge-areas": "Knowledge areas compared",
    "technology-adoption": "Technology adoption journey",
})
SKILLS_FILE = "content/data/skills.yml"
_PLOTLY = importlib.util.find_spec("plotly")  # found without importing it
PLOTLY_JS = Path(_PLOTLY.origin if _PLOTLY and _PLOTLY.origin else ".").parent / "package_data" / "plotly.min.js"
# plotly.js's "basic" bundle (scatter, bar, pie: all these charts draw), a quarter of the full one's size;
# refreshed by tools/vendor-plotly-basic.sh.
PLOTLY_BASIC = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
BASIC_TRACES = frozenset({"scatter", "bar", "pie"})
# Mid-tone colours that read on a light and on a dark background alike; the page's colour scheme
# changes only text, grid and hover colours (static/js/charts.js).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7",
           "#9c755f", "#8cd17d", "#a0cbe8", "#d37295")

_MS_PER_DAY = 86_400_000


@dataclass(frozen=True, slots=True)
class Table:
    """A chart's data as a table: the first cell of each row is its header."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    summary: tuple[str, ...]  # sentences, plain text
    table: Table
    figure: str  # Plotly figure JSON, deterministic and safe inside <script type="application/json">
    traces: int
    height: int


@dataclass(frozen=True, slots=True)
class Charts:
    """The charts a profile can draw, in CHART_IDS order, and why the others cannot be drawn."""

    charts: tuple[Chart, ...] = ()
    missing: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, name: str) -> Chart:
        """The chart called `name`; a ShortcodeArgumentError for names that are unknown or have no data."""
        for chart in self.charts:
            if chart.id == name:
                return chart
        if name in self.missing:
            raise ShortcodeArgumentError(f"chart {name!r} has nothing to draw: {self.missing[name]}",
                                         f"describe it in {SKILLS_FILE} (see the README, 'Skill charts')")
        raise ShortcodeArgumentError(f"unknown chart {name!r}", "charts: " + ", ".join(CHART_IDS))


def plot_text(value: str) -> str:
    """Text for Plotly, which reads a few HTML tags and entities in labels: escaped so it shows as written."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figure_json(traces: list[dict[str, Any]], layout: dict[str, Any], config: dict[str, Any]) -> str:
    """Sorted, compact JSON with `<`, `>`, `&` escaped, so `</script>` or `<!--` in data cannot end the element."""
    text = json.dumps({"data": traces, "layout": layout, "config": config}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _level_text(scale: Scale, level: float) -> str:
    label = scale.label(level)
    return f"{label} ({level:g})" if label != f"{level:g}" else f"{level:g}"


def _names(items: Iterable[str]) -> str:
    names = list(items)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    # No `template` (plotly.py would add its heavy default one): the page's own theme styles the charts.
    return {"height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"family": "inherit", "size": 13}, "hovermode": "closest", "dragmode": False, **extra}


def _level_axis(scale: Scale) -> dict[str, Any]:
    ticks = list(range(scale.minimum, scale.maximum + 1))
    return {"title": {"text": "Level"}, "automargin": True, "range": [scale.minimum - 0.3, scale.maximum + 0.3],
            "tickvals": ticks, "ticktext": [plot_text(scale.label(t)) for t in ticks], "fixedrange": True,
            "zeroline": False}


def _categories(skills: Skills, used: Iterable[str]) -> list[str]:
    """Declared categories first, in their order, then the others in order of first use."""
    used = list(dict.fromkeys(used))
    return [c for c in skills.categories if c in used] + [c for c in used if c not in skills.categories]


def _skills_evolution(skills: Skills) -> Chart:
    scale = skills.scale
    order = _categories(skills, (s.category for s in skills.skills))
    ordered = sorted((s for s in skills.skills if s.levels), key=lambda s: order.index(s.category))
    years = sorted({y for s in ordered for y, _ in s.levels})
    layout = _layout(
        460, yaxis=_level_axis(scale),
        xaxis={"title": {"text": "Year"}, "automargin": True, "dtick": 1, "tickformat": "d", "fixedrange": True,
               "range": [years[0] - 0.3, years[-1] + 0.3]},
        showlegend=True, legend={"traceorder": "grouped", "groupclick": "toggleitem"},
    )
    traces: list[dict[str, Any]] = []
    for index, skill in enumerate(ordered):
        given = dict(skill.levels)
        span = range(skill.levels[0][0], skill.levels[-1][0] + 1)
        # A year without a rating stays a gap: None breaks the line instead of inventing a value.
        levels = [_number(given[y]) if y in given else None for y in span]
        traces.append({
            "type": "scatter", "x": list(span), "y": levels, "name": plot_text(skill.name), "mode": "lines+markers",
            "connectgaps": False, "legendgroup": plot_text(skill.category),
            "legendgrouptitle": {"text": plot_text(skill.category)},
            "line": {"color": PALETTE[index % len(PALETTE)], "width": 2.5},
            "text": [plot_text(scale.label(v)) if v is not None else "" for v in levels],
            "hovertemplate": "%{fullData.name}, %{x}: %{text} (%{y})<extra></extra>", "uid": f"skill-{index}",
        })
    rows = tuple((s.name, s.category, *(_level_text(scale, dict(s.levels)[y]) if y in dict(s.levels) else "–"
                                        for y in years)) for s in ordered)
    table = Table("Skill levels by year (– : not rated that year)", ("Skill", "Category", *map(str, years)), rows)
    return Chart("skills-evolution", TITLES["skills-evolution"], _skills_summary(skills, ordered, years), table,
                 figure_json(traces, layout, _config()), len(ordered), 460)


def _skills_summary(skills: Skills, ordered: list[Skill], years: list[int]) -> tuple[str, ...]:
    scale = skills.scale
    plural = "s" if len(ordered) != 1 else ""
    top_label = f" ({scale.label(scale.minimum)}) to {scale.maximum} ({scale.label(scale.maximum)})" \
        if scale.labels else f" to {scale.maximum}"
    sentences = [f"{len(ordered)} skill{plural} rated from {years[0]} to {years[-1]}, "
                 f"on a scale of {scale.minimum}{top_label}."]

    def growth(skill: Skill) -> tuple[float, int, int]:
        first_year, first = skill.levels[0]
        peak_year, peak = max(skill.levels, key=lambda item: (item[1], -item[0]))
        return peak - first, first_year, peak_year

    best = max(ordered, key=lambda s: growth(s)[0])
    rise, start, peak = growth(best)
    if rise > 0:
        sentences.append(f"{best.name} grew most: from {_level_text(scale, dict(best.levels)[start])} in {start} "
                         f"to {_level_text(scale, dict(best.levels)[peak])} in {peak}.")
    drops = [(s, a, b) for s in ordered for a, b in zip(s.levels, s.levels[1:], strict=False) if b[1] < a[1]]
    if drops:
        skill, before, after = max(drops, key=lambda d: d[1][1] - d[2][1])
        sentences.append(f"{skill.name} fell from {_level_text(scale, before[1])} in {before[0]} "
                         f"to {_level_text(scale, after[1])} in {after[0]}.")
    latest = years[-1]
    at_latest = [s for s in ordered if dict(s.levels).get(latest) is not None]
    if at_latest:
        top = max(dict(s.levels)[latest] for s in at_latest)
        leaders = [s.name for s in at_latest if dict(s.levels)[latest] == top]
        sentences.append(f"Strongest in {latest}: {_names(leaders)}, at {_level_text(scale, top)}.")
    gaps = [(s.name, y) for s in ordered for y in range(s.levels[0][0], s.levels[-1][0] + 1)
            if y not in dict(s.levels)]
    if gaps:
        sentences.append("Not rated, so left as a gap: " + ", ".join(f"{n} in {y}" for n, y in gaps) + ".")
    return tuple(sentences)


def period_label(profile: Profile, year: int) -> str:
    """A year of the knowledge-areas chart with the role held then (the later role in a year of change)."""
    role = profile.role_in(year)
    return f"{year} · {role.position}" if role else str(year)


def _knowledge_areas(profile: Profile, skills: Skills) -> Chart:
    scale = skills.scale
    areas = [a for a in skills.knowledge_areas if a.levels]
    years = sorted({y for a in areas for y, _ in a.levels})
    labels = {y: period_label(profile, y) for y in years}
    names = [plot_text(a.name) for a in areas]
    layout = _layout(
        440, barmode="group", bargap=0.25, bargroupgap=0.05, yaxis=_level_axis(scale),
        xaxis={"type": "category", "automargin": True, "categoryorder": "array", "categoryarray": names,
               "fixedrange": True},
        showlegend=True, legend={"title": {"text": "Year · role"}},
    )
    traces: list[dict[str, Any]] = []
    for index, year in enumerate(years):
        levels = [_number(dict(a.levels)[year]) if year in dict(a.levels) else None for a in areas]
        traces.append({
            "type": "bar", "x": names, "y": levels, "name": plot_text(labels[year]),
            "marker": {"color": PALETTE[index % len(PALETTE)]},
            "text": [plot_text(scale.label(v)) if v is not None else "" for v in levels], "textposition": "none",
            "hovertemplate": "%{x}, %{fullData.name}: %{text} (%{y})<extra></extra>", "uid": f"year-{year}",
        })
    rows = tuple((a.name, *(_level_text(scale, dict(a.levels)[y]) if y in dict(a.levels) else "–" for y in years))
                 for a in areas)
    table = Table("Knowledge areas by year, with the role held that year", ("Area", *labels.values()), rows)
    sentences = [f"{len(areas)} knowledge area{'s' if len(areas) != 1 else ''} compared at {len(years)} "
                 f"point{'s' if len(years) != 1 else ''}: " + ", ".join(labels[y] for y in years) + "."]
    for year in years:
        rated = [(a.name, dict(a.levels)[year]) for a in areas if year in dict(a.levels)]
        top = max(level for _, level in rated)
        leaders = [n for n, v in rated if v == top]
        sentences.append(f"In {labels[year]}, the strongest area{'s were' if len(leaders) > 1 else ' was'} "
                         f"{_names(leaders)}, at {_level_text(scale, top)}.")
    if len(years) > 1:
        rises = [(a.name, a.levels[-1][1] - a.levels[0][1], a.levels[0], a.levels[-1]) for a in areas]
        name, rise, first, last = max(rises, key=lambda r: r[1])
        if rise > 0:
            sentences.append(f"{name} grew most, from {_level_text(scale, first[1])} in {first[0]} "
                             f"to {_level_text(scale, last[1])} in {last[0]}.")
    return Chart("knowledge-areas", TITLES["knowledge-areas"], tuple(sentences), table,
                 figure_json(traces, layout, _config()), len(years), 440)


def _month(date: PartialDate | None, present: str = "now") -> str:
    if date is None:
        return present
    return date.start().strftime("%Y-%m") if date.month else str(date.year)


def _technology_adoption(skills: Skills) -> Chart:
    technologies = sorted(skills.technologies, key=lambda t: t.adopted.sort_value())
    order = _categories(skills, (t.category for t in technologies))
    technologies.sort(key=lambda t: order.index(t.category))  # stable: by category, then by adoption
    height = 120 + 26 * len(technologies)
    layout = _layout(
        height, barmode="overlay", showlegend=True, legend={"title": {"text": "Category"}, "traceorder": "normal"},
        xaxis={"type": "date", "automargin": True, "fixedrange": True, "tickformat": "%Y", "dtick": "M12"},
        yaxis={"type": "category", "automargin": True, "categoryorder": "array", "autorange": "reversed",
               "fixedrange": True, "categoryarray": [plot_text(t.name) for t in technologies]},
    )
    traces: list[dict[str, Any]] = []
    for index, category in enumerate(order):
        members = [t for t in technologies if t.category == category]
        # A technology still in use runs to the visitor's today: js/charts.js lengthens the bars listed in
        # meta.until_today, so the built bytes never depend on the time of the build (a feed holding the
        # chart stays byte-identical) and an old build still draws up to date.
        ongoing = [i for i, t in enumerate(members) if t.retired is None]
        traces.append({
            "type": "bar", "orientation": "h", "name": plot_text(category), "y": [plot_text(t.name) for t in members],
            "base": [t.adopted.start().isoformat() for t in members],
            "x": [(t.retired.start() - t.adopted.start()).days * _MS_PER_DAY if t.retired else None
                  for t in members],
            "meta": {"until_today": ongoing},
            "customdata": [[_month(t.adopted), _month(t.retired, "now")] for t in members],
            "marker": {"color": PALETTE[index % len(PALETTE)]}, "uid": f"category-{index}",
            "hovertemplate": "%{y}: %{customdata[0]} to %{customdata[1]}<extra>%{fullData.name}</extra>",
        })
    rows = tuple((t.name, t.category, _month(t.adopted), _month(t.retired, "still in use")) for t in technologies)
    table = Table("Technologies by category, with when each was adopted and retired",
                  ("Technology", "Category", "Adopted", "Retired"), rows)
    per_year: dict[int, list[str]] = {}
    for t in sorted(technologies, key=lambda t: t.adopted.sort_value()):
        per_year.setdefault(t.adopted.year, []).append(t.name)
    busiest = max(per_year, key=lambda y: (len(per_year[y]), -y))
    retired = [t.name for t in technologies if t.retired]
    sentences = [
        f"{len(technologies)} technolog{'ies' if len(technologies) != 1 else 'y'} in {len(order)} "
        f"categor{'ies' if len(order) != 1 else 'y'}, adopted from {min(per_year)} to {max(per_year)}"
        + (f"; {len(retired)} since retired ({_names(retired)})." if retired else "."),
        "Adopted per year: " + ", ".join(f"{y}: {len(n)}" for y, n in sorted(per_year.items())) + ".",
        f"Busiest year: {busiest}, with {_names(per_year[busiest])}.",
        "Per category: " + ", ".join(f"{c} {sum(t.category == c for t in technologies)}" for c in order) + ".",
    ]
    return Chart("technology-adoption", TITLES["technology-adoption"], tuple(sentences), table,
                 figure_json(traces, layout, _config()), len(order), height)


def _config() -> dict[str, Any]:
    return {"displayModeBar": False, "responsive": True, "scrollZoom": False, "doubleClick": False}


def build_charts(profile: Profile) -> Charts:
    """Every chart the profile has data for, and for each of the others the reason it has none."""
    skills = profile.skills
    if skills is None:
        why = f"there is no {SKILLS_FILE}"
        return Charts((), MappingProxyType(dict.fromkeys(CHART_IDS, why)))
    charts: list[Chart] = []
    missing: dict[str, str] = {}
    if any(s.levels for s in skills.skills):
        charts.append(_skills_evolution(skills))
    else:
        missing["skills-evolution"] = f"{SKILLS_FILE} lists no skills with levels"
    if any(a.levels for a in skills.knowledge_areas):
        charts.append(_knowledge_areas(profile, skills))
    else:
        missing["knowledge-areas"] = f"{SKILLS_FILE} lists no knowledge_areas with levels"
    if skills.technologies:
        charts.append(_technology_adoption(skills))
    else:
        missing["technology-adoption"] = f"{SKILLS_FILE} lists no technologies"
    return Charts(tuple(charts), MappingProxyType(missing))


def bundle_version(script: bytes) -> str:
    """The plotly.js version in a bundle's licence header ("plotly.js (basic - minified) v4.1.1")."""
    match = re.search(rb"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)", script[:400])
    return match.group(1).decode() if match else ""


def plotly_bundle(full: Path = PLOTLY_JS, partial: Path = PLOTLY_BASIC) -> Output:
    """The plotly.js a site serves, under a content hash: the partial bundle when it is the version of the
    installed plotly package (so library and figure JSON match), else the package's own full bundle."""
    with full.open("rb") as file:
        version = bundle_version(file.read(400))
    content = partial.read_bytes() if partial.is_file() else b""
    if not content or not version or bundle_version(content) != version:
        content = full.read_bytes()
    return Output(f"js/plotly-{hashlib.sha256(content).hexdigest()[:8]}.min.js", content)


def chart_function(charts: Charts, env: jinja2.Environment, plotly_path: str) -> Callable[[str], Markup]:
    """The `chart(NAME)` template global: a chart's figure markup, from the `_chart.html` partial."""

    def chart(name: str) -> Markup:
        found = charts.get(str(name))
        return Markup(env.get_template("_chart.html").render(chart=found, plotly_src=plotly_path))

    return chart
