"""cli: `careerblog build` through click's runner: root discovery, output, exit codes, messages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sitefiles import write_site

import careerblog.build
from careerblog.cli import main

POST = "content/posts/2024-01-02-hello.md"
SUMMARY = re.compile(r"^built (\d+) files into (.+) in \d+\.\d\d s, (\d+) warnings?$")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


@pytest.fixture
def site(site_dir: Path) -> Path:
    return write_site(site_dir, {POST: "---\ntitle: Hello\n---\nBody.\n",
                                 "content/posts/2024-01-03-draft.md": "---\ntitle: D\ndraft: true\n---\n"})


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_build_writes_site_and_prints_one_summary_line(site: Path) -> None:
    result = run("build", "--root", str(site))
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    match = SUMMARY.match(line)
    assert match is not None, line
    assert (match.group(2), match.group(3)) == (str(site / "_site"), "0")
    assert int(match.group(1)) == len([p for p in (site / "_site").rglob("*") if p.is_file()]) - 1  # - manifest
    assert (site / "_site/posts/hello/index.html").is_file()
    assert result.stderr == ""


def test_the_root_is_found_from_a_sub_folder_upwards(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site / "content" / "posts")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (site / "_site/index.html").is_file()
    assert not (site / "content/posts/_site").exists()


def test_output_relative_to_the_current_folder(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("build", "--root", str(site), "-o", "public").exit_code == 0
    assert (tmp_path / "public/index.html").is_file()


def test_no_site_here_or_above_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr == (".: error: no careerblog site here or above: content/site.yml not found\n"
                             "  hint: run careerblog init, or pass --root DIR\ncareerblog: failed with 1 error\n")


def test_a_root_that_is_not_a_site(tmp_path: Path) -> None:
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 1
    assert "error: not a careerblog site: content/site.yml not found" in result.stderr


def test_broken_front_matter_exits_1_with_a_located_message_and_no_traceback(site: Path) -> None:
    assert run("build", "--root", str(site)).exit_code == 0
    before = {p: p.read_bytes() for p in (site / "_site").rglob("*") if p.is_file()}
    (site / POST).write_text("---\ntitle: Hello\nsummary: Python: a guide\n---\nBody.\n")
    result = run("build", "--root", str(site))
    assert result.exit_code == 1
    assert result.stderr.startswith("content/posts/2024-01-02-hello.md:3:16: error: mapping values are not allowed")
    assert result.stderr.endswith("careerblog: failed with 1 error\n")
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert {p: p.read_bytes() for p in (site / "_site").rglob("*") if p.is_file()} == before


def test_all_problems_of_a_run_are_printed_together(site: Path) -> None:
    write_site(site, {"content/posts/2024-01-04-a.md": "---\ntitle: [A\n---\n",
                      "content/posts/2024-01-05-b.md": "---\ntitle: B\ndate: 2024-02-30\ntags: x, y\n---\n"})
    result = run("build", "--root", str(site))
    assert result.exit_code == 1
    assert [line.split(": error:")[0] for line in result.stderr.splitlines() if ": error:" in line] == [
        "content/posts/2024-01-04-a.md:3:1", "content/posts/2024-01-05-b.md:3:1", "content/posts/2024-01-05-b.md:4:1"]
    assert result.stderr.endswith("careerblog: failed with 3 errors\n")


def test_warnings_are_printed_and_exit_0(site: Path) -> None:
    write_site(site, {POST: "---\ntitle: Hello\nsumary: s\n---\n"})
    result = run("build", "--root", str(site))
    assert result.exit_code == 0
    assert result.stderr == ("content/posts/2024-01-02-hello.md:3:1: warning: unknown key 'sumary' in post front "
                             "matter; did you mean 'summary'?\n  hint: rename it to 'summary', or remove it\n")
    assert result.stdout.endswith(", 1 warning\n")


def test_strict_turns_a_warning_into_exit_1(site: Path) -> None:
    write_site(site, {POST: "---\ntitle: Hello\nsumary: s\n---\n"})
    result = run("build", "--root", str(site), "--strict")
    assert result.exit_code == 1
    assert result.stderr.startswith("content/posts/2024-01-02-hello.md:3:1: error: unknown key 'sumary'")
    assert not (site / "_site").exists()


def test_quiet_prints_errors_only(site: Path) -> None:
    write_site(site, {POST: "---\ntitle: Hello\nsumary: s\n---\n", "content/posts/2099-01-01-later.md":
                      "---\ntitle: L\n---\n"})
    result = run("build", "--root", str(site), "-q")
    assert (result.exit_code, result.output) == (0, "")
    (site / POST).write_text("---\ntitle: [\n---\n")
    result = run("build", "--root", str(site), "--quiet")
    assert result.exit_code == 1
    assert result.stderr.startswith("content/posts/2024-01-02-hello.md:")


def test_future_posts_are_named_in_a_log_line(site: Path) -> None:
    write_site(site, {"content/posts/2099-01-01-later.md": "---\ntitle: L\n---\n"})
    result = run("build", "--root", str(site))
    assert result.stderr == ("content/posts/2099-01-01-later.md: skipped, dated in the future "
                             "(2099-01-01T00:00:00+00:00); --future includes it\n")
    assert not (site / "_site/posts/later").exists()
    assert run("build", "--root", str(site), "--future").stderr == ""
    assert (site / "_site/posts/later/index.html").is_file()


def test_source_date_epoch_is_now(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(site, {"content/posts/2030-01-01-later.md": "---\ntitle: L\n---\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")  # 2030-03-17
    assert run("build", "--root", str(site)).stderr == ""
    assert (site / "_site/posts/later/index.html").is_file()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    result = run("build", "--root", str(site))
    assert result.exit_code == 1
    assert result.stderr.startswith("SOURCE_DATE_EPOCH: error: SOURCE_DATE_EPOCH is not a number of seconds")


def test_verbose_names_skipped_drafts_and_drafts_includes_them(site: Path) -> None:
    result = run("build", "--root", str(site), "-v")
    assert result.stderr == "content/posts/2024-01-03-draft.md: skipped, draft; --drafts includes it\n"
    assert run("build", "--root", str(site), "--drafts").exit_code == 0
    assert (site / "_site/posts/draft/index.html").is_file()


def test_base_url_option(site: Path) -> None:
    assert run("build", "--root", str(site), "--base-url", "https://user.github.io/repo").exit_code == 0
    assert 'href="/repo/posts/hello/"' in (site / "_site/index.html").read_text()
    result = run("build", "--root", str(site), "--base-url", "ftp://x")
    assert result.exit_code == 1
    assert result.stderr.startswith("--base-url: error: base_url must be an absolute http(s) URL or a path")


def test_refused_output_folder_exits_1(site: Path) -> None:
    result = run("build", "--root", str(site), "-o", str(site / "content"))
    assert result.exit_code == 1
    assert "error: output folder lies inside the site's content/ folder" in result.stderr


@pytest.mark.parametrize("args", [["build", "--no-such-option"], ["build", "-q", "-v"], ["nosuchcommand"],
                                  ["build", "--root"]])
def test_usage_errors_exit_2(site: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Usage: " in result.stderr or "Error: " in result.stderr
    assert "Traceback" not in result.output


def test_an_unexpected_error_is_one_line_unless_debug(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(careerblog.build, "build", broken)
    result = run("build", "--root", str(site))
    assert result.exit_code == 1
    assert result.stderr == ("careerblog: internal error: RuntimeError: something inside broke\n"
                             "  hint: run again with --debug for the traceback, and please report it\n")
    result = run("build", "--root", str(site), "--debug")
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


def test_ctrl_c_exits_130(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(careerblog.build, "build", interrupted)
    result = run("build", "--root", str(site))
    assert (result.exit_code, result.stderr) == (130, "careerblog: interrupted\n")


def test_version_and_help() -> None:
    assert run("--version").output.startswith("careerblog, version ")
    assert "--base-url" in run("build", "--help").output


LAP = re.compile(r"^  (\S.*?) +(\d+\.\d{3}) s(?:  \((.+)\))?$")


def laps(output: str) -> list[tuple[str, str]]:
    """(stage, detail) of every timing line, checking that each has its seconds."""
    found = []
    for line in output.splitlines()[1:]:
        match = LAP.match(line)
        assert match is not None, line
        found.append((match.group(1), match.group(3) or ""))
    return found


def test_timings_name_every_stage_in_order(site: Path) -> None:
    first = run("build", "--root", str(site), "--timings")
    assert first.exit_code == 0, first.output
    assert SUMMARY.match(first.stdout.splitlines()[0])
    assert laps(first.stdout) == [
        ("compare with the last build", ""), ("open the staging folder", ""), ("read the sources", "2 posts, 0 pages"),
        ("import the stages", ""), ("read the profile, assemble the site", ""), ("templates and charts", ""),
        ("convert the Markdown", "1 document, 0 from the cache"), ("shortcodes", ""),
        ("render and write the pages, feeds", "5 pages"), ("link check", ""),
        ("swap in the new output", "13 files"), ("record the build", "")]
    old = 1_600_000_000
    for path in site.rglob("*"):
        if path.is_file() and "_site" not in path.parts and ".careerblog-cache" not in path.parts:
            os.utime(path, (old, old))  # older than the 2 s in which a build cannot vouch for a source
    run("build", "--root", str(site))
    again = run("build", "--root", str(site), "--timings")
    assert laps(again.stdout) == [("compare with the last build", "nothing changed")]


def test_without_timings_only_the_summary_is_printed(site: Path) -> None:
    result = run("build", "--root", str(site), "--no-cache")
    assert [line for line in result.stdout.splitlines() if LAP.match(line)] == []
