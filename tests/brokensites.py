"""The corpus of broken sites under tests/broken/: loading a case, running careerblog on a copy, checking P1-P4.

Each case is a folder holding a small site and a `case.yml` that says what must happen:

    about: what is broken, in one line
    args: [--strict]              # extra arguments for the command (optional)
    env: {SOURCE_DATE_EPOCH: x}   # extra environment (optional)
    output: public                # --output, relative to the site; "~" and "/" allowed (default: _site)
    git_init: [".."]              # folders, relative to the site, to make git repositories first (optional)
    exit: 1                       # expected exit code
    messages: ['content/posts/a\\.md:4:1: error: duplicate key']   # regexes that must match stderr
    not_messages: [...]           # regexes that must not match stderr or stdout
    exists: [posts/a/index.html]  # success: files that must exist in the output
    absent: [...]                 # success: files that must not exist in the output
    contains: {path: [text, ...]} # success: text a file must hold
    not_contains: {path: [...]}   # success: text a file must not hold
    order: {path: [a, b, c]}      # success: text that must appear in this order
    then: {rename: {a: b}, delete: [x], exit: 0, exists: [...], absent: [...]}   # a second build after edits
    commands: [build, check]      # which commands the case applies to (default: all)
    check: {exit: 1, messages: [...]}   # what `careerblog check` must do, where it differs from build

The harness copies the case into a work folder (`work/site`), beside a sibling folder that must stay
untouched, plants a previous output with careerblog's manifest and a sentinel file, and runs the real
command as a subprocess (`python -m careerblog`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml

BROKEN = Path(__file__).resolve().parent / "broken"
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: "now" for every case, so future posts stay future
MANIFEST = ".careerblog-manifest.json"
SENTINEL = "sentinel.txt"
SENTINEL_TEXT = b"the previous site, which a failed build must leave exactly as it was\n"
CACHE = ".careerblog-cache"


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    spec: dict[str, Any]

    @property
    def exit(self) -> int:
        return int(self.spec.get("exit", 0))

    def applies_to(self, command: str) -> bool:
        return command in self.spec.get("commands", ["build", "check", "serve"])


def all_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in BROKEN.iterdir() if p.is_dir()):
        spec = yaml.safe_load((folder / "case.yml").read_text(encoding="utf-8"))
        cases.append(Case(folder.name, folder, spec))
    return cases


@dataclass
class Work:
    """One prepared run: the work folder, the site inside it, where output goes, and the environment."""

    top: Path
    site: Path
    output: Path | None  # None when the output is outside the work folder ("/")
    output_arg: str | None
    env: dict[str, str]
    planted: bool = False
    before: dict[str, str] = field(default_factory=dict)


def prepare(case: Case, tmp: Path) -> Work:
    top = tmp / "work"
    site = top / "site"
    shutil.copytree(case.folder, site, symlinks=True, ignore=shutil.ignore_patterns("case.yml"))
    sibling = top / "sibling"
    (sibling / "nested").mkdir(parents=True)
    (sibling / "notes.txt").write_text("a sibling folder the build must never touch\n", encoding="utf-8")
    (sibling / "nested" / "data.bin").write_bytes(bytes(range(256)))
    home = top / "home"
    home.mkdir()
    (home / ".profile").write_text("# the user's own file\n", encoding="utf-8")
    for folder in case.spec.get("git_init", []):
        target = (site / folder).resolve()
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", str(target)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update({"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "HOME": str(home), "NO_COLOR": "1"})
    env.update({str(k): str(v) for k, v in (case.spec.get("env") or {}).items()})
    output_arg = case.spec.get("output")
    if output_arg is None:
        output: Path | None = site / "_site"
    elif output_arg == "~":
        output = home
    elif output_arg.startswith("/"):
        output = None
    else:
        output = (site / output_arg).resolve()
    work = Work(top, site, output, output_arg, env)
    if output is not None and not output.exists() and output.parent.is_dir():
        plant_previous_output(output)
        work.planted = True
    return work


def plant_previous_output(output: Path) -> None:
    """A previous build as careerblog leaves it: pages, a sentinel file, and the manifest naming them."""
    (output / "posts" / "old").mkdir(parents=True)
    (output / "index.html").write_text("<!doctype html><title>previous</title>\n", encoding="utf-8")
    (output / "posts" / "old" / "index.html").write_text("<!doctype html><title>old</title>\n", encoding="utf-8")
    (output / SENTINEL).write_bytes(SENTINEL_TEXT)
    files = sorted(["index.html", "posts/old/index.html", SENTINEL])
    (output / MANIFEST).write_text(json.dumps({"generator": "careerblog", "files": files}), encoding="utf-8")


def snapshot(top: Path, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every file, folder and link under `top` with a hash of its content, except under `skip`."""
    state: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not any(_same_or_inside(here / d, s) for s in skip)]
        for name in dirnames:
            path = here / name
            state[path.relative_to(top).as_posix() + "/"] = "link:" + os.readlink(path) if path.is_symlink() else "dir"
        for name in filenames:
            path = here / name
            if any(_same_or_inside(path, s) for s in skip):
                continue
            rel = path.relative_to(top).as_posix()
            if path.is_symlink():
                state[rel] = "link:" + os.readlink(path)
            else:
                state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def _same_or_inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def staging_like(top: Path) -> list[str]:
    """Staging and swap folders careerblog makes beside an output folder."""
    return sorted(p.relative_to(top).as_posix() for p in top.rglob("*.careerblog-*")
                  if p.is_dir() and p.name != CACHE)  # the cache folder matches the pattern but is no staging


def outside_output(state: dict[str, str], work: Work) -> dict[str, str]:
    """A snapshot without the folders above the output, which building into a new folder creates."""
    if work.output is None:
        return state
    above = {p.relative_to(work.top).as_posix() + "/" for p in work.output.parents if work.top in p.parents}
    return {k: v for k, v in state.items() if k not in above}


def careerblog(args: list[str], cwd: Path, env: dict[str, str],
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "careerblog", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def command_args(case: Case, work: Work, command: str) -> list[str]:
    args = [command, *[str(a) for a in case.spec.get("args", [])]]
    if work.output_arg is not None and command == "build":
        args += ["--output", work.output_arg]
    return args


def skip_paths(work: Work) -> tuple[Path, ...]:
    """What a successful build may change: its output, the staging folder beside it, its cache."""
    skip: list[Path] = [work.site / CACHE]
    if work.output is not None:
        skip += [work.output, work.output.with_name(work.output.name + ".careerblog-staging")]
    return tuple(skip)


def check_messages(spec: dict[str, Any], result: subprocess.CompletedProcess[str]) -> list[str]:
    problems = []
    for pattern in spec.get("messages", []):
        if not re.search(pattern, result.stderr, re.M):
            problems.append(f"stderr does not match {pattern!r}")
    for pattern in spec.get("not_messages", []):
        if re.search(pattern, result.stderr + result.stdout, re.M):
            problems.append(f"output matches {pattern!r}, which it must not")
    return problems


def check_output(spec: dict[str, Any], output: Path) -> list[str]:
    problems = []
    for rel in spec.get("exists", []):
        if not (output / rel).is_file():
            problems.append(f"{rel} missing from the output")
    for rel in spec.get("absent", []):
        if (output / rel).exists():
            problems.append(f"{rel} is in the output and must not be")
    for rel, texts in (spec.get("contains") or {}).items():
        body = _read(output / rel)
        problems += [f"{rel} does not contain {t!r}" for t in texts if t not in body]
    for rel, texts in (spec.get("not_contains") or {}).items():
        body = _read(output / rel)
        problems += [f"{rel} contains {t!r}" for t in texts if t in body]
    for rel in spec.get("inert", []):
        problems += [f"{rel}: {found}" for found in script_urls(_read(output / rel))]
    for rel, texts in (spec.get("order") or {}).items():
        body = _read(output / rel)
        positions = [body.find(t) for t in texts]
        if -1 in positions or positions != sorted(positions):
            problems.append(f"{rel}: {texts} not found in this order (positions {positions})")
    return problems


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append(value)


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name, value or "") for name, value in attrs]


_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")


def script_urls(html: str) -> list[str]:
    """Links, sources and handlers in a page that would run script, read as a browser reads them."""
    parser = _Attributes()
    parser.feed(html)
    found = []
    for tag, name, value in parser.found:
        squeezed = "".join(ch for ch in value if ch > " ").lower()  # HTMLParser has decoded &colon; and friends
        is_link = name in ("href", "src", "action", "formaction", "xlink:href")
        if (is_link and squeezed.startswith(_SCRIPT_SCHEMES)) or name.startswith("on"):
            found.append(f"<{tag} {name}={value!r}>")
    return found


def broken_internal_links(output: Path, base_path: str) -> list[str]:
    """Links in the built HTML under `base_path` that point to no file of the output."""
    broken = []
    for page in sorted(output.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        rel_page = page.relative_to(output).as_posix()
        page_url = "https://example.org" + base_path + (rel_page[: -len("index.html")] if rel_page.endswith(
            "index.html") else rel_page)
        for written in parser.targets:
            if written.startswith("#") or urlsplit(written).scheme:
                continue
            target = urljoin(page_url, written)  # relative links as the browser reads them on this page
            parts = urlsplit(target)
            if parts.netloc != "example.org" or not parts.path.startswith(base_path):
                continue
            rel = unquote(parts.path[len(base_path):])
            path = output / rel
            if rel == "" or rel.endswith("/"):
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{rel_page} -> {written}")
    return broken


def expectation(case: Case, command: str) -> dict[str, Any]:
    """What `command` must do on this case: the case's own spec, with the command's overrides."""
    spec = dict(case.spec)
    if command != "build":
        for key in ("exists", "absent", "contains", "not_contains", "order", "inert", "then"):
            spec.pop(key, None)  # only build writes an output to look at
    spec.update(case.spec.get(command) or {})
    return spec


def verify(case: Case, command: str, tmp: Path, base_path: str = "/blog/") -> list[str]:
    """Run `command` on a copy of the case and return every way it broke a promise (empty: all held)."""
    spec = expectation(case, command)
    work = prepare(case, tmp)
    everything_before = snapshot(work.top, (work.site / CACHE,))
    outside_before = outside_output(snapshot(work.top, skip_paths(work)), work)
    staging_before = staging_like(work.top)

    result = careerblog(command_args(case, work, command), work.site, work.env)

    report = f"`careerblog {command}` exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    problems = []
    expected_exit = int(spec.get("exit", 0))
    if result.returncode != expected_exit:
        problems.append(f"exit code {result.returncode}, expected {expected_exit}")
    if "Traceback" in result.stderr or "internal error" in result.stderr:
        problems.append("a traceback or internal error")
    problems += check_messages(spec, result)
    if expected_exit == 1 and "careerblog: failed with" not in result.stderr and command == "build":
        problems.append("no error count at the end")
    if staging_like(work.top) != staging_before:
        problems.append(f"staging folders left behind: {staging_like(work.top)}")

    if result.returncode != 0 or command != "build":
        # P3 and P4: a failed build, and any check, changes nothing at all, the previous output included.
        if snapshot(work.top, (work.site / CACHE,)) != everything_before:
            problems.append("files changed: " + _changes(everything_before, snapshot(work.top, (work.site / CACHE,))))
        if work.planted and work.output is not None and (work.output / SENTINEL).read_bytes() != SENTINEL_TEXT:
            problems.append("the sentinel file in the previous output changed")
        return [p + "\n" + report for p in problems[:1]] + problems[1:]

    # P4: a good build changes nothing outside its output, staging folder and cache.
    after = outside_output(snapshot(work.top, skip_paths(work)), work)
    if after != outside_before:
        problems.append("files outside the output changed: " + _changes(outside_before, after))
    assert work.output is not None
    problems += check_output(spec, work.output)
    if spec.get("links_resolve", True):
        problems += [f"broken link {b}" for b in broken_internal_links(work.output, base_path)]

    then = spec.get("then")
    if then:
        for old, new in (then.get("rename") or {}).items():
            (work.site / old).rename(work.site / new)
        for gone in then.get("delete") or []:
            (work.site / gone).unlink()
        outside_before = outside_output(snapshot(work.top, skip_paths(work)), work)
        again = careerblog(command_args(case, work, command), work.site, work.env)
        if again.returncode != int(then.get("exit", 0)):
            problems.append(f"second build: exit {again.returncode}\n{again.stderr}")
        problems += [f"second build: {p}" for p in check_output(then, work.output)]
        if outside_output(snapshot(work.top, skip_paths(work)), work) != outside_before:
            problems.append("second build changed files outside the output")
        problems += [f"second build: broken link {b}" for b in broken_internal_links(work.output, base_path)]
    return [p + "\n" + report for p in problems[:1]] + problems[1:]


def _changes(before: dict[str, str], after: dict[str, str]) -> str:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return ", ".join(changed[:10])
