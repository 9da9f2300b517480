"""tools/audit.py: reading Lighthouse reports, medians, targets and the scores table (no browser here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sitefiles import REPO


def load_audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("careerblog_audit", REPO / "tools" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


audit = load_audit()


def lhr(perf: float | None, a11y: float = 1, failing: str | None = None) -> dict[str, object]:
    """A minimal Lighthouse result: four categories, and optionally one failing accessibility audit."""
    audits: dict[str, dict[str, object]] = {
        "largest-contentful-paint": {"score": 0.9, "scoreDisplayMode": "numeric", "displayValue": "2.6 s"},
        "image-alt": {"score": 1, "scoreDisplayMode": "binary", "title": "Images have alt"},
        "color-contrast": {"score": 0 if failing == "color-contrast" else 1, "scoreDisplayMode": "binary",
                           "title": "Background and foreground colors have enough contrast"},
        "diagnostic": {"score": 0, "scoreDisplayMode": "informative"},
    }
    categories = {
        "performance": {"score": perf, "auditRefs": [{"id": "largest-contentful-paint", "weight": 25},
                                                     {"id": "diagnostic", "weight": 0}]},
        "accessibility": {"score": a11y, "auditRefs": [{"id": "image-alt", "weight": 10},
                                                       {"id": "color-contrast", "weight": 7}]},
        "best-practices": {"score": 1, "auditRefs": []},
        "seo": {"score": 0.92, "auditRefs": []},
    }
    return {"categories": categories, "audits": audits, "environment": {"benchmarkIndex": 1234.5}}


def test_read_report_gives_percent_scores_and_the_audits_that_cost_points() -> None:
    result = audit.read_report(lhr(0.97, a11y=0.93, failing="color-contrast"))
    assert result.scores == {"performance": 97, "accessibility": 93, "best-practices": 100, "seo": 92}
    assert result.losses["accessibility"] == (
        "color-contrast (0.00): Background and foreground colors have enough contrast",)
    assert result.losses["performance"] == ("largest-contentful-paint (0.90): 2.6 s",)
    assert result.metrics == {"largest-contentful-paint": "2.6 s"}
    assert result.benchmark_index == 1234.5


def test_a_category_lighthouse_could_not_score_counts_as_zero() -> None:
    assert audit.read_report(lhr(None)).scores["performance"] == 0


def test_median_takes_each_category_on_its_own() -> None:
    runs = [audit.read_report(lhr(p, a11y=a)) for p, a in ((0.99, 1), (0.80, 0.9), (1.0, 0.95))]
    assert audit.median_scores(runs) == {"performance": 99, "accessibility": 95, "best-practices": 100, "seo": 92}


def test_chart_pages_may_score_95_in_performance_and_others_need_100() -> None:
    career = audit.AuditPage("career", "career/", 95)
    home = audit.AuditPage("home", "")
    scores = {"performance": 96, "accessibility": 100, "best-practices": 100, "seo": 100}
    assert audit.misses(career, scores) == []
    assert audit.misses(home, scores) == ["performance 96 < 100"]
    assert audit.misses(career, {**scores, "performance": 94, "seo": 92}) == ["performance 94 < 95", "seo 92 < 100"]


def test_table_marks_a_missed_target() -> None:
    home = audit.AuditPage("home", "")
    table = audit.format_table([(home, "mobile", {"performance": 98, "accessibility": 100,
                                                  "best-practices": 100, "seo": 100})])
    assert table.splitlines()[0] == "| Page | URL | Form factor | Performance | Accessibility | Best practices | SEO |"
    assert table.splitlines()[2] == "| home | `/careerblog/` | mobile | 98* | 100 | 100 | 100 |"


def test_every_audited_page_is_in_the_demo(tmp_path: Path) -> None:
    from careerblog.build import build
    from careerblog.config import BuildOptions

    out = tmp_path / "site"
    build(BuildOptions(root=REPO, output=out))
    for page in audit.PAGES:
        path, _, fragment = page.url.partition("#")
        html = (out / path / "index.html").read_text(encoding="utf-8")
        assert not fragment or f'id="{fragment}"' in html, page


def test_unknown_page_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        audit.parse_args(["--pages", "home,nope"])
    assert exit_info.value.code == 2
    assert "unknown page nope; pages: home, post-code, career" in capsys.readouterr().err


def test_readme_block_is_replaced_between_the_markers_only() -> None:
    readme = f"# x\n\n## Lighthouse scores\n\n{audit.README_START}\nold table\n{audit.README_END}\n\n## Next\n"
    updated = audit.replace_scores(readme, "| new |")
    assert updated == f"# x\n\n## Lighthouse scores\n\n{audit.README_START}\n| new |\n{audit.README_END}\n\n## Next\n"
    assert audit.replace_scores(updated, "| newer |").count("| new") == 1


def test_readme_without_markers_is_refused() -> None:
    with pytest.raises(SystemExit, match=r"README\.md has no .<!-- lighthouse-scores:start"):
        audit.replace_scores("# x\n", "| new |")


def test_a_run_on_a_busy_machine_is_repeated_and_a_bad_score_on_a_quiet_one_stands(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def result(perf: int, index: float) -> object:
        return audit.RunResult({"performance": perf, "accessibility": 100, "best-practices": 100, "seo": 100},
                               {}, {}, index)

    queue = [result(90, 400), result(100, 1500), result(91, 1400), result(80, 300), result(85, 350)]
    monkeypatch.setattr(audit, "run_lighthouse", lambda url, form_factor, stem: queue.pop(0))
    args = audit.parse_args(["--runs", "3", "--retries", "1", "--pause", "0", "--output", str(tmp_path)])
    runs = audit.measure("http://x/", audit.PAGES[0], "mobile", args)
    assert [(r.scores["performance"], r.benchmark_index) for r in runs] == [(100, 1500), (91, 1400), (85, 350)]
    assert queue == []
