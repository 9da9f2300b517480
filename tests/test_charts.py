"""Skill charts: figures from skills.yml, their summaries and tables, placement, validation and escaping."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from sitefiles import REPO, write_site

import careerblog
from careerblog.build import build
from careerblog.charts import (
    BASIC_TRACES,
    CHART_IDS,
    Chart,
    Charts,
    build_charts,
    bundle_version,
    figure_json,
    period_label,
    plot_text,
    plotly_bundle,
)
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError, Diagnostics
from careerblog.profile import Profile, load_profile
from careerblog.render import ShortcodeArgumentError

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

SKILLS = """\
scale: {min: 0, max: 4, labels: [none, aware, working, advanced, expert]}
categories: [Languages, Data]
skills:
  - {name: Spark, category: Data, levels: {2018: 1, 2019: 2, 2021: 4}}
  - {name: Python, category: Languages, levels: {2018: 2, 2020: 3}}
  - {name: SQL, category: Languages, levels: {2019: 3, 2020: 2}}
knowledge_areas:
  - {name: Data engineering, levels: {2016: 2, 2019: 3, 2021: 3}}
  - {name: Machine learning, levels: {2016: 0, 2019: 1, 2021: 4}}
technologies:
  - {name: Hadoop, category: Data, adopted: 2018-01, retired: 2019-01}
  - {name: Spark, category: Data, adopted: 2018-03}
  - {name: Python, category: Languages, adopted: 2018}
"""
CAREER = """\
- {position: Data Engineer, organization: Example, start_date: 2018-01, end_date: 2019-03}
- {position: ML Engineer, organization: Example, start_date: 2019-04}
"""


def charts_of(tmp_path: Path, skills: str = SKILLS, career: str = CAREER) -> tuple[Charts, Diagnostics]:
    write_site(tmp_path, {"content/data/skills.yml": skills, "content/data/career.yml": career})
    diags = Diagnostics()
    profile = load_profile(tmp_path, diags)
    return build_charts(profile), diags


def figure(chart: Chart) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(chart.figure)
    return data


def messages(exc: pytest.ExceptionInfo[BuildError]) -> list[str]:
    return [d.format() for d in exc.value.diagnostics]


# --- figures -------------------------------------------------------------------------------------------------

def test_three_charts_with_fixed_ids_in_order(tmp_path: Path) -> None:
    charts, diags = charts_of(tmp_path)
    assert diags.items == ()
    assert [c.id for c in charts.charts] == list(CHART_IDS)
    assert [c.title for c in charts.charts] == ["Technical skills growth", "Knowledge areas compared",
                                                "Technology adoption journey"]


def test_skills_evolution_has_one_line_per_skill_grouped_by_declared_category(tmp_path: Path) -> None:
    chart = charts_of(tmp_path)[0].get("skills-evolution")
    traces = figure(chart)["data"]
    assert chart.traces == len(traces) == 3
    # Declared category order (Languages before Data), then file order within a category.
    assert [t["name"] for t in traces] == ["Python", "SQL", "Spark"]
    assert [t["legendgroup"] for t in traces] == ["Languages", "Languages", "Data"]
    assert [t["legendgrouptitle"]["text"] for t in traces] == ["Languages", "Languages", "Data"]
    assert {t["type"] for t in traces} == {"scatter"}
    assert figure(chart)["layout"]["legend"]["traceorder"] == "grouped"


def test_a_missing_year_is_a_gap_not_an_invented_value(tmp_path: Path) -> None:
    traces = figure(charts_of(tmp_path)[0].get("skills-evolution"))["data"]
    spark = next(t for t in traces if t["name"] == "Spark")
    assert spark["x"] == [2018, 2019, 2020, 2021]
    assert spark["y"] == [1, 2, None, 4]
    assert spark["connectgaps"] is False
    python = next(t for t in traces if t["name"] == "Python")
    assert python["x"] == [2018, 2019, 2020]
    assert python["y"] == [2, None, 3]


def test_level_axis_is_labelled_with_the_declared_scale(tmp_path: Path) -> None:
    layout = figure(charts_of(tmp_path)[0].get("skills-evolution"))["layout"]
    assert layout["yaxis"]["tickvals"] == [0, 1, 2, 3, 4]
    assert layout["yaxis"]["ticktext"] == ["none", "aware", "working", "advanced", "expert"]


def test_knowledge_areas_have_a_trace_per_year_labelled_with_the_role(tmp_path: Path) -> None:
    chart = charts_of(tmp_path)[0].get("knowledge-areas")
    traces = figure(chart)["data"]
    # 2016: no role held; 2019: the role changed in April, so the role started later that year; 2021: current.
    assert [t["name"] for t in traces] == ["2016", "2019 · ML Engineer", "2021 · ML Engineer"]
    assert [t["y"] for t in traces] == [[2, 0], [3, 1], [3, 4]]
    assert traces[0]["x"] == ["Data engineering", "Machine learning"]
    assert chart.traces == 3


def test_role_label_for_a_year_follows_role_in(tmp_path: Path) -> None:
    write_site(tmp_path, {"content/data/career.yml": CAREER})
    profile = load_profile(tmp_path, Diagnostics())
    assert period_label(profile, 2018) == "2018 · Data Engineer"
    assert period_label(profile, 2019) == "2019 · ML Engineer"
    assert period_label(profile, 2030) == "2030 · ML Engineer"
    assert period_label(profile, 2017) == "2017"


def test_technology_adoption_bars_run_from_adoption_to_retirement_or_stay_open(tmp_path: Path) -> None:
    chart = charts_of(tmp_path)[0].get("technology-adoption")
    traces = figure(chart)["data"]
    assert chart.traces == 2
    assert [t["name"] for t in traces] == ["Languages", "Data"]
    data = traces[1]
    assert data["y"] == ["Hadoop", "Spark"]
    assert data["base"] == ["2018-01-01", "2018-03-01"]
    day = 86_400_000
    assert data["x"] == [365 * day, None]
    # Still in use: the browser runs the bar to the visitor's today, so no build-time clock is in the output.
    assert data["meta"] == {"until_today": [1]}
    assert traces[0]["meta"] == {"until_today": [0]}
    assert data["orientation"] == "h"
    assert figure(chart)["layout"]["yaxis"]["categoryarray"] == ["Python", "Hadoop", "Spark"]


def test_figure_json_is_sorted_compact_and_stable(tmp_path: Path) -> None:
    first = charts_of(tmp_path / "a")[0]
    second = charts_of(tmp_path / "b")[0]
    for one, two in zip(first.charts, second.charts, strict=True):
        assert one.figure == two.figure
        data = figure(one)
        assert one.figure == json.dumps(data, sort_keys=True, separators=(",", ":")).replace(
            "<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        assert "template" not in data["layout"]
        assert data["config"]["displayModeBar"] is False
        uids = [t["uid"] for t in data["data"]]  # set here, so plotly.js never makes random ones
        assert len(set(uids)) == len(uids) == one.traces


@pytest.mark.parametrize("data", ["demo", "fixtures"])
def test_plotly_py_accepts_every_figure_unchanged(tmp_path: Path, data: str) -> None:
    # Figures are written as plain dicts; plotly.py, which knows plotly.js's schema, raises on a misspelled or
    # mistyped property and fills in a missing trace type, so a figure it returns unchanged is one plotly.js reads.
    charts = build_charts(load_profile(REPO, Diagnostics())) if data == "demo" else charts_of(tmp_path)[0]
    assert [c.id for c in charts.charts] == list(CHART_IDS)
    for chart in charts.charts:
        written = figure(chart)
        config = written.pop("config")  # plotly.js's, not the figure's: plotly.py has no place for it
        checked = go.Figure(copy.deepcopy(written)).to_plotly_json()  # a copy: nothing filled in reaches `written`
        del checked["layout"]["template"]  # plotly.py's default theme, which careerblog leaves out
        assert checked == written, chart.id
        # Byte for byte too, as before plotly.py was dropped from the build (so 2 stays 2, never 2.0).
        assert figure_json(checked["data"], checked["layout"], config) == chart.figure, chart.id


# --- summaries and tables ------------------------------------------------------------------------------------

def test_skills_summary_says_what_grew_most_and_when(tmp_path: Path) -> None:
    summary = charts_of(tmp_path)[0].get("skills-evolution").summary
    assert summary == (
        "3 skills rated from 2018 to 2021, on a scale of 0 (none) to 4 (expert).",
        "Spark grew most: from aware (1) in 2018 to expert (4) in 2021.",
        "SQL fell from advanced (3) in 2019 to working (2) in 2020.",
        "Strongest in 2021: Spark, at expert (4).",
        "Not rated, so left as a gap: Python in 2019, Spark in 2020.",
    )


def test_knowledge_summary_names_the_strongest_area_by_period(tmp_path: Path) -> None:
    summary = charts_of(tmp_path)[0].get("knowledge-areas").summary
    assert summary == (
        "2 knowledge areas compared at 3 points: 2016, 2019 · ML Engineer, 2021 · ML Engineer.",
        "In 2016, the strongest area was Data engineering, at working (2).",
        "In 2019 · ML Engineer, the strongest area was Data engineering, at advanced (3).",
        "In 2021 · ML Engineer, the strongest area was Machine learning, at expert (4).",
        "Machine learning grew most, from none (0) in 2016 to expert (4) in 2021.",
    )


def test_technology_summary_counts_adoptions_per_year_and_category(tmp_path: Path) -> None:
    summary = charts_of(tmp_path)[0].get("technology-adoption").summary
    assert summary == (
        "3 technologies in 2 categories, adopted from 2018 to 2018; 1 since retired (Hadoop).",
        "Adopted per year: 2018: 3.",
        "Busiest year: 2018, with Python, Hadoop and Spark.",
        "Per category: Languages 1, Data 2.",
    )


def test_tables_hold_every_value_with_its_scale_label(tmp_path: Path) -> None:
    charts = charts_of(tmp_path)[0]
    table = charts.get("skills-evolution").table
    assert table.columns == ("Skill", "Category", "2018", "2019", "2020", "2021")
    assert table.rows[2] == ("Spark", "Data", "aware (1)", "working (2)", "–", "expert (4)")
    areas = charts.get("knowledge-areas").table
    assert areas.columns == ("Area", "2016", "2019 · ML Engineer", "2021 · ML Engineer")
    tech = charts.get("technology-adoption").table
    assert tech.rows == (("Python", "Languages", "2018", "still in use"),
                         ("Hadoop", "Data", "2018-01", "2019-01"),
                         ("Spark", "Data", "2018-03", "still in use"))


# --- validation ----------------------------------------------------------------------------------------------

def test_a_knowledge_area_missing_a_year_is_a_located_warning(tmp_path: Path) -> None:
    skills = SKILLS.replace("{name: Machine learning, levels: {2016: 0, 2019: 1, 2021: 4}}",
                            "{name: Machine learning, levels: {2021: 4}}")
    charts, diags = charts_of(tmp_path, skills)
    assert [d.format() for d in diags.items] == [
        "content/data/skills.yml:9: warning: knowledge area 'Machine learning' has no level for 2016, 2019, "
        "which other areas give; the knowledge-areas chart leaves it out of those years\n"
        "  hint: give every knowledge area a level for the same years"]
    assert [t["y"] for t in figure(charts.get("knowledge-areas"))["data"]] == [[2, None], [3, None], [3, 4]]


def test_unknown_category_and_off_scale_level_are_located_errors(tmp_path: Path) -> None:
    skills = SKILLS.replace("category: Data, levels: {2018: 1", "category: Date, levels: {2018: 9")
    _, diags = charts_of(tmp_path, skills)
    assert [d.format().split("\n")[0] for d in diags.items] == [
        "content/data/skills.yml:4:19: error: skill 'Spark': unknown category 'Date'",
        "content/data/skills.yml:4:44: error: skill 'Spark': level 9 for 2018 is outside the scale 0-4",
    ]


def test_a_skill_without_levels_is_a_located_error(tmp_path: Path) -> None:
    _, diags = charts_of(tmp_path, SKILLS.replace("levels: {2019: 3, 2020: 2}", "levels: {}"))
    assert [d.format() for d in diags.items] == [
        "content/data/skills.yml:6:38: error: skill 'SQL' needs 'levels', a mapping of year to level\n"
        "  hint: levels: {2019: 2, 2021: 4}"]


def test_charts_without_data_say_why(tmp_path: Path) -> None:
    charts, _ = charts_of(tmp_path, "scale: {min: 0, max: 5}\ntechnologies:\n  - {name: Go, adopted: 2020}\n")
    assert [c.id for c in charts.charts] == ["technology-adoption"]
    with pytest.raises(ShortcodeArgumentError) as exc:
        charts.get("skills-evolution")
    assert str(exc.value) == "chart 'skills-evolution' has nothing to draw: content/data/skills.yml lists no skills " \
                             "with levels"
    assert build_charts(Profile()).missing["knowledge-areas"] == "there is no content/data/skills.yml"


POST = "---\ntitle: Growth\ndate: 2024-05-01\n---\nIntro.\n\n{{< chart %s >}}\n"


def test_unknown_chart_name_is_an_error_naming_the_post_and_line(tmp_path: Path) -> None:
    write_site(tmp_path, {"content/data/skills.yml": SKILLS, "content/posts/2024-05-01-growth.md": POST % "skils"})
    with pytest.raises(BuildError) as exc:
        build(BuildOptions(root=tmp_path, output=tmp_path / "out", now=NOW))
    assert messages(exc) == [
        "content/posts/2024-05-01-growth.md:7: error: unknown chart 'skils'\n"
        "  hint: charts: skills-evolution, knowledge-areas, technology-adoption"]


def test_chart_with_no_data_in_a_post_is_a_located_error(tmp_path: Path) -> None:
    write_site(tmp_path, {"content/posts/2024-05-01-growth.md": POST % "knowledge-areas"})
    with pytest.raises(BuildError) as exc:
        build(BuildOptions(root=tmp_path, output=tmp_path / "out", now=NOW))
    assert messages(exc) == [
        "content/posts/2024-05-01-growth.md:7: error: chart 'knowledge-areas' has nothing to draw: "
        "there is no content/data/skills.yml\n"
        "  hint: describe it in content/data/skills.yml (see the README, 'Skill charts')"]


def test_chart_shortcode_takes_exactly_one_name(tmp_path: Path) -> None:
    write_site(tmp_path, {"content/data/skills.yml": SKILLS,
                          "content/posts/2024-05-01-growth.md": POST % "skills-evolution knowledge-areas"})
    with pytest.raises(BuildError) as exc:
        build(BuildOptions(root=tmp_path, output=tmp_path / "out", now=NOW))
    assert messages(exc)[0].startswith("content/posts/2024-05-01-growth.md:7: error: chart takes one chart name")


# --- placement, plotly.js and escaping in a built site -------------------------------------------------------

def built(tmp_path: Path, files: dict[str, str]) -> Path:
    write_site(tmp_path / "site", files)
    out = tmp_path / "out"
    build(BuildOptions(root=tmp_path / "site", output=out, now=NOW))
    return out


def test_career_page_holds_three_figures_and_the_plotly_bundle_is_written(tmp_path: Path) -> None:
    out = built(tmp_path, {"content/data/skills.yml": SKILLS, "content/data/career.yml": CAREER})
    html = (out / "career/index.html").read_text(encoding="utf-8")
    assert re.findall(r'<figure class="chart" data-chart="([a-z-]+)"', html) == list(CHART_IDS)
    assert html.count("<figcaption>") == 3
    assert html.count('<div class="chart-summary">') == 3
    assert html.count("<table>") == 3
    bundles = list((out / "js").glob("plotly-*.min.js"))
    assert len(bundles) == 1
    assert re.fullmatch(r"plotly-[0-9a-f]{8}\.min\.js", bundles[0].name)
    assert f'data-plotly-src="/js/{bundles[0].name}"' in html
    assert html.count('<script type="module" src="/js/charts.js"></script>') == 3


def test_pages_without_a_chart_never_reference_plotly(tmp_path: Path) -> None:
    out = built(tmp_path, {"content/data/skills.yml": SKILLS,
                           "content/posts/2024-05-01-growth.md": POST % "technology-adoption",
                           "content/posts/2024-06-01-plain.md": "---\ntitle: Plain\n---\nNo charts here.\n"})
    holding = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                     if "plotly" in p.read_text(encoding="utf-8"))
    assert holding == ["career/index.html", "posts/growth/index.html"]


def test_a_site_without_charts_ships_no_plotly(tmp_path: Path) -> None:
    out = built(tmp_path, {"content/posts/2024-06-01-plain.md": "---\ntitle: Plain\n---\nNo charts here.\n"})
    assert list(out.rglob("plotly*")) == []


EVIL = "<b>x</b></script><!--&amp;"


def test_text_from_data_files_is_inert_in_figure_and_table(tmp_path: Path) -> None:
    skills = SKILLS.replace("name: Spark, category: Data, levels", f"name: '{EVIL}', category: Data, levels")
    skills = skills.replace("categories: [Languages, Data]\n", "")
    skills = skills.replace("- {name: Python, category: Languages, adopted: 2018}",
                            f"- {{name: Python, category: '{EVIL}', adopted: 2018}}")
    out = built(tmp_path, {"content/data/skills.yml": skills})
    html = (out / "career/index.html").read_text(encoding="utf-8")
    assert "<b>x" not in html
    assert "<!--&amp;" not in html
    assert '<th scope="row">&lt;b&gt;x&lt;/b&gt;&lt;/script&gt;&lt;!--&amp;amp;</th>' in html
    for block in re.findall(r'<script type="application/json" class="chart-figure">(.*?)</script>', html, re.S):
        assert "<" not in block and ">" not in block and "&" not in block
        json.loads(block)
    figures = [json.loads(b) for b in
               re.findall(r'<script type="application/json" class="chart-figure">(.*?)</script>', html, re.S)]
    names = [t["name"] for f in figures for t in f["data"]]
    # Plotly reads a few tags and entities in labels: names reach it escaped, so they show as written.
    assert plot_text(EVIL) == "&lt;b&gt;x&lt;/b&gt;&lt;/script&gt;&lt;!--&amp;amp;"
    assert plot_text(EVIL) in names


_BUILD_WITHOUT_PLOTLY = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from careerblog.build import build
    from careerblog.config import BuildOptions
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    result = build(BuildOptions(root=root, output=out, jobs=1, cache=False))
    assert result.rendered is not None, "not built"
    assert (out / "career/index.html").read_text(encoding="utf-8").count('<figure class="chart"') == 3
    assert any(p.name.startswith("plotly-") for p in (out / "js").iterdir())
    assert "plotly" not in sys.modules, sorted(m for m in sys.modules if m.startswith("plotly"))
""")


def test_building_the_demo_with_its_charts_never_imports_plotly_py(tmp_path: Path) -> None:
    # plotly.py's import and validators cost a quarter of a demo build; only its bundled plotly.js is used.
    source = str(Path(careerblog.__file__).parent.parent)  # the careerblog under test, not an installed one
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", _BUILD_WITHOUT_PLOTLY, str(REPO), str(tmp_path / "out")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_two_builds_of_the_demo_with_charts_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        build(BuildOptions(root=REPO, output=out, now=NOW))
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]
    assert any(path.startswith("js/plotly-") for path in outputs[0])
    assert outputs[0]["career/index.html"].count(b'<figure class="chart"') == 3


# --- which plotly.js ---------------------------------------------------------------------------------------------

def test_bundle_version_reads_the_licence_header() -> None:
    assert bundle_version(b"/**\n* plotly.js v4.1.1\n* Copyright\n*/") == "4.1.1"
    assert bundle_version(b"/**\n* plotly.js (basic - minified) v4.1.1\n*/") == "4.1.1"
    assert bundle_version(b"console.log(1)") == ""


def test_the_partial_bundle_is_served_only_at_the_installed_version(tmp_path: Path) -> None:
    full, partial = tmp_path / "plotly.min.js", tmp_path / "plotly-basic.min.js"
    full.write_bytes(b"/**\n* plotly.js v4.1.1\n*/ full")
    partial.write_bytes(b"/**\n* plotly.js (basic - minified) v4.1.1\n*/ basic")
    chosen = plotly_bundle(full, partial)
    assert chosen.content.endswith(b"basic")
    assert chosen.path == f"js/plotly-{hashlib.sha256(chosen.content).hexdigest()[:8]}.min.js"
    partial.write_bytes(b"/**\n* plotly.js (basic - minified) v4.0.0\n*/ basic")
    assert plotly_bundle(full, partial).content.endswith(b"full")
    assert plotly_bundle(full, tmp_path / "missing.js").content.endswith(b"full")


def test_every_figure_draws_with_the_partial_bundle(tmp_path: Path) -> None:
    charts = build_charts(load_profile(REPO, Diagnostics()))
    assert len(charts.charts) == 3
    assert {t["type"] for c in charts.charts for t in figure(c)["data"]} <= BASIC_TRACES


def test_chart_function_places_a_figure_from_any_template(tmp_path: Path) -> None:
    out = built(tmp_path, {"content/data/skills.yml": SKILLS,
                           "templates/page.html": '{% extends "base.html" %}{% block main %}'
                                                  '{{ chart("knowledge-areas") }}{% endblock %}',
                           "content/pages/growth.md": "---\ntitle: Growth\n---\nText.\n"})
    html = (out / "growth/index.html").read_text(encoding="utf-8")
    assert re.findall(r'<figure class="chart" data-chart="([a-z-]+)"', html) == ["knowledge-areas"]
    assert 'data-plotly-src="/js/plotly-' in html


def test_unknown_chart_in_a_template_names_the_template_line(tmp_path: Path) -> None:
    write_site(tmp_path, {"content/data/skills.yml": SKILLS,
                          "templates/page.html": '{% extends "base.html" %}{% block main %}\n'
                                                 '{{ chart("radar") }}{% endblock %}',
                          "content/pages/growth.md": "---\ntitle: Growth\n---\nText.\n"})
    with pytest.raises(BuildError) as exc:
        build(BuildOptions(root=tmp_path, output=tmp_path / "out", now=NOW))
    assert messages(exc) == [
        "templates/page.html:2: error: unknown chart 'radar' (rendering /growth/ from content/pages/growth.md)\n"
        "  hint: charts: skills-evolution, knowledge-areas, technology-adoption"]
